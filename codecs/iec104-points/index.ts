/** Family A: standard IEC 60870-5-104 ASDUs with a per-model point table (a mapping file). */
import { iec104PointsSimulator } from '../../src/simulator/iec104-points/factory.js';
import type { Codec } from '../codec.js';
import { PointTable } from './points.js';
import { Iec104PointsSession, type Iec104PointsOptions } from './session.js';
import { loadMappingFile, parseMapping } from './load-mapping.js';
import { checkIec104Options } from './mapping-report.js';
import { sniffIec104 } from './sniff.js';
import { IEC104_FLAGS, iec104FrameTools, iec104Interpreter, iec104TimeZone } from './tools.js';

export const iec104PointsCodec: Codec<Iec104PointsOptions> = {
  name: 'iec104-points',
  description: 'IEC 60870-5-104 with a vendor point table (mapping file)',
  async loadOptions(source) {
    const mapping = source.file !== undefined ? await loadMappingFile(source.file) : parseMapping(JSON.stringify(source.value ?? null), '<inline mapping>');
    return { mapping, table: new PointTable(mapping) };
  },
  optionsFile: { noun: 'point-table mapping', required: true },
  optionsKinds: ['iec104-points'],
  createSession: (context) => new Iec104PointsSession(context),
  timeZone: iec104TimeZone,
  frameTools: iec104FrameTools,
  cliFlags: IEC104_FLAGS,
  interpreter: iec104Interpreter,
  checkOptions: checkIec104Options,
  simulator: iec104PointsSimulator,
  sniff: sniffIec104,
  gatewaySpeaksFirst: true,
  waitingChargers: "IEC 104 chargers wait for the gateway's STARTDT act",
};

export type { Iec104PointsOptions } from './session.js';
export type { Iec104PointsMapping } from './mapping.js';
