/**
 * Every JSON log line names each key once. A gateway with an IEC 104, a YKC and a family-B
 * listener serves simulated chargers of each protocol (known ones that charge, unknown ones that
 * are refused, one dialling the wrong port, garbage bytes), the strict CSMS calls a station, and
 * the gateway stops; its whole log is then read with a parser that notices a repeated key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findCodec } from '../../codecs/registry.js';
import { findPackageFile } from '../../src/config/read.js';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { systemSimulatorClock } from '../../src/simulator/clock.js';
import { connectCharger, type ChargerSocket } from '../../src/simulator/socket.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { HARNESS_PASSWORD, logLines } from '../support/gateway-harness.js';
import { duplicateKeys } from '../support/json-keys.js';
import { until } from '../support/station.js';

const CODECS = ['iec104-points', 'ykc', 'sgcc104'] as const;

let csms: TestCsms | undefined;
let gateway: Gateway | undefined;
const sockets: ChargerSocket[] = [];
let dir: string | undefined;

afterEach(async () => {
  for (const s of sockets.splice(0)) await s.close();
  await gateway?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  gateway = undefined;
  csms = undefined;
  dir = undefined;
});

/** Dials `port` with the codec's simulated charger number `index` (0: the first id). */
async function simulated(codecName: string, port: number, index: number): Promise<{ name: string; socket: ChargerSocket }> {
  const simulator = findCodec(codecName)?.simulator;
  if (simulator === undefined) throw new Error(`no simulator for ${codecName}`);
  const file = simulator.defaultOptionsFile === undefined ? undefined : findPackageFile(import.meta.url, simulator.defaultOptionsFile);
  const options = await findCodec(codecName)?.loadOptions(file === undefined ? {} : { file });
  const id = simulator.fleetIds(simulator.firstId.default, index + 1)[index] ?? '';
  const charger = simulator.create({ options, id, index, clock: systemSimulatorClock, meterIntervalMs: 300, sessions: 'once', report: () => undefined });
  const socket = await connectCharger({ host: '127.0.0.1', port }, charger);
  sockets.push(socket);
  return { name: charger.name, socket };
}

describe('gateway log lines', () => {
  it('the duplicate-key reader finds a repeated key, at any depth', () => {
    expect(duplicateKeys('{"a":1,"b":{"c":2,"c":3},"a":[{"d":1,"d":2}]}')).toEqual(['$.b.c', '$.a', '$.a[0].d']);
    expect(duplicateKeys('{"a":"\\"a\\"","b":[1,2.5e3,true,null]}')).toEqual([]);
  });

  it('name every key once, across three protocols, refusals, bad frames and a stop', async () => {
    csms = await startCsms();
    dir = mkdtempSync(join(tmpdir(), 'pilegate-log-keys-'));
    const registry = join(dir, 'stations.yaml');
    // The first simulated charger of each codec is known; the second is not (refused).
    writeFileSync(registry, ['EXDC101: { stationId: log-dc-101 }', "'32010200000001': {}", "'3100000000010001': {}"].join('\n'));
    const mapping = (codec: string): string => {
      const file = findCodec(codec)?.simulator?.defaultOptionsFile;
      return file === undefined ? '' : `, mapping: ${JSON.stringify(findPackageFile(import.meta.url, file))}`;
    };
    const text = [
      'listeners:',
      ...CODECS.map((c) => `  - { port: 0, host: 127.0.0.1, codec: ${c}${mapping(c)} }`),
      `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
      `stations: { file: ${JSON.stringify(registry)}, unknownChargers: refuse }`,
      'http: { port: 0, host: 127.0.0.1 }',
      // The OCPP trace too: its lines carry the station's fields and the message's.
      'log: { level: debug, ocppTrace: all }',
      'connections: { badFrameLimit: 3 }',
    ].join('\n');
    const config = parseGatewayConfig(text, '<log-keys>', { PILEGATE_CSMS_PASSWORD: HARNESS_PASSWORD });
    const log = logLines();
    gateway = new Gateway(config, { destination: log.destination, callTimeoutMs: 3_000 });
    await gateway.start();
    const ports = gateway.ports;
    const known = await Promise.all(CODECS.map(async (c, i) => simulated(c, ports[i] ?? 0, 0)));
    await Promise.all(CODECS.map(async (c, i) => simulated(c, ports[i] ?? 0, 1)));
    // A YKC pile on the IEC 104 port, and bytes of no protocol on the YKC port.
    await simulated('ykc', ports[0] ?? 0, 2);
    const garbage = connect(ports[1] ?? 0, '127.0.0.1');
    garbage.on('error', () => undefined);
    garbage.write(Buffer.alloc(64, 0x41));
    for (const id of ['log-dc-101', '32010200000001', '3100000000010001']) {
      await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && c.params.eventType === 'Started', 30_000);
    }
    const client = await csms.client('log-dc-101');
    await client.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] });
    await client.call('TriggerMessage', { requestedMessage: 'Heartbeat' });
    await until(() => log.lines().filter((l) => String(l.msg).startsWith('unknown charger refused')).length >= 3, 'the three unknown chargers refused', 15_000);
    await until(() => log.lines().some((l) => l.msg === 'bad frame from charger'), 'a bad frame', 15_000);
    garbage.destroy();
    expect(known.map((k) => k.name)).toHaveLength(3);
    for (const s of sockets.splice(0)) await s.close();
    await gateway.stop();
    const lines = log
      .text()
      .split('\n')
      .filter((l) => l !== '');
    expect(lines.length).toBeGreaterThan(50);
    const repeated = lines.flatMap((l) => duplicateKeys(l).map((k) => `${k} in ${l}`));
    expect(repeated).toEqual([]);
  }, 60_000);
});
