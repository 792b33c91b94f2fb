import { describe, expect, it } from 'vitest';
import { ConnectorStates } from '../../../../codecs/iec104-points/connectors.js';
import type { Iec104PointsMapping, Point } from '../../../../codecs/iec104-points/mapping.js';
import { readMonitor } from '../../../../codecs/iec104-points/monitor.js';
import { FamilyPoints, PointTable, type PointEntry } from '../../../../codecs/iec104-points/points.js';
import { QualityRules } from '../../../../codecs/iec104-points/quality.js';
import { COT, cp56FromDate, TI, typeInfo, type Asdu, type InformationObject, type TypeId } from '../../../../src/iec104/index.js';
import type { ChargerEvent } from '../../../../src/model/events.js';
import { loadExampleMapping } from '../../../support/iec104-points.js';

const dc = loadExampleMapping('example-dc-2gun');
const NOW = '2026-11-25T08:00:00.000Z';

function asdu(typeId: TypeId, objects: InformationObject[]): Asdu {
  return { typeId, sq: false, cause: COT.SPONTANEOUS, negative: false, test: false, originator: 0, commonAddress: 7, objects };
}

/** Reads one ASDU through a fresh table and connector state; returns what came out. */
function read(mapping: Iec104PointsMapping, a: Asdu) {
  const states = new ConnectorStates(mapping.charger.connectors, () => 'c');
  const unknown: [number, string | undefined][] = [];
  const faults: ChargerEvent[] = [];
  const info = typeInfo(a.typeId);
  if (info === undefined) throw new Error('test ASDU with unknown TI');
  const ctx = {
    table: new PointTable(mapping),
    states,
    timeZone: 'Asia/Shanghai',
    reports: { unknownObject: (_a: Asdu, o: InformationObject, why?: string) => void unknown.push([o.ioa, why]), flaggedObject: () => undefined, repeatedObject: () => undefined },
    quality: new QualityRules(mapping.quality),
    repeats: undefined,
    changed: () => undefined,
  };
  const measured = readMonitor(ctx, a, info, NOW, faults);
  return { measured, faults, unknown, states };
}

const float = (ioa: number, value: number, quality = 0): InformationObject => ({ ioa, value, quality }) as InformationObject;

describe('iec104-points monitor reading', () => {
  it('groups measured values by connector in order of first appearance, even when the connectors interleave', () => {
    const { measured } = read(dc, asdu(TI.M_ME_NC_1, [float(0x4002, 750), float(0x4012, 400), float(0x4003, 120.5), float(0x4014, 48.2)]));
    expect(measured).toEqual([
      {
        type: 'measurements',
        connector: 1,
        at: NOW,
        values: [
          { measurand: 'voltage', value: 750, raw: 750 },
          { measurand: 'current', value: 120.5, raw: 120.5 },
        ],
      },
      {
        type: 'measurements',
        connector: 2,
        at: NOW,
        values: [
          { measurand: 'voltage', value: 400, raw: 400 },
          { measurand: 'power', value: 48200, raw: 48.2 },
        ],
      },
    ]);
  });

  it('keeps every value of a group in order, whatever the length of its runs', () => {
    const raws = (objects: [number, number][]) =>
      read(
        dc,
        asdu(
          TI.M_ME_NC_1,
          objects.map(([ioa, v]) => float(ioa, v)),
        ),
      ).measured?.map((m) => [m.connector, m.values.map((v) => v.raw)]);
    const longRun: [number, number][] = [1, 2, 3, 4, 5, 6].map((v) => [0x4002, v]);
    expect(raws([...longRun, [0x4012, 7], [0x4003, 8], [0x4013, 9]])).toEqual([
      [1, [1, 2, 3, 4, 5, 6, 8]],
      [2, [7, 9]],
    ]);
    for (let n = 1; n <= 5; n++) {
      const run: [number, number][] = Array.from({ length: n }, (_, i) => [0x4002, i + 1]);
      expect(raws([...run, [0x4012, 10], [0x4004, 11]])).toEqual([
        [1, [...run.map(([, v]) => v), 11]],
        [2, [10]],
      ]);
      expect(raws(run)).toEqual([[1, run.map(([, v]) => v)]]);
    }
  });

  it('keeps values with different time tags apart and falls back to reception time for an invalid tag', () => {
    const t1 = new Date(Date.UTC(2026, 10, 25, 7, 59, 58, 250));
    const t2 = new Date(Date.UTC(2026, 10, 25, 7, 59, 59, 0));
    const tagged = (ioa: number, value: number, t: Date, invalid = false): InformationObject => ({ ioa, value, quality: 0, time: cp56FromDate(t, 'Asia/Shanghai', invalid) }) as InformationObject;
    const { measured } = read(dc, asdu(TI.M_ME_TF_1, [tagged(0x4002, 1, t1), tagged(0x4003, 2, t2), tagged(0x4004, 3, t1), tagged(0x4002, 4, t2, true)]));
    expect(measured?.map((m) => [m.connector, m.at, m.values.map((v) => v.raw)])).toEqual([
      [1, t1.toISOString(), [1, 3]],
      [1, t2.toISOString(), [2]],
      [1, NOW, [4]],
    ]);
  });

  it('skips values flagged invalid and reports IOAs that are not mapped', () => {
    const { measured, unknown } = read(dc, asdu(TI.M_ME_NC_1, [float(0x4002, 750, 0x80), float(0x4999, 1), float(0x4003, 10)]));
    expect(measured).toEqual([{ type: 'measurements', connector: 1, at: NOW, values: [{ measurand: 'current', value: 10, raw: 10 }] }]);
    expect(unknown).toEqual([[0x4999, undefined]]);
  });

  it('applies the quality policy to state points too: not topical dropped, substituted used', () => {
    const ac = loadExampleMapping('example-ac-1gun');
    const sp = (ioa: number, value: boolean, quality: number): InformationObject => ({ ioa, value, quality }) as InformationObject;
    const { states } = read(ac, asdu(TI.M_SP_NA_1, [sp(0x0001, true, 0x40), sp(0x0002, true, 0x20)]));
    states.markReady();
    expect(states.flush(NOW).filter((e) => e.type === 'connectorStatus')).toEqual([{ type: 'connectorStatus', connector: 1, status: 'occupied', plugged: false, chargingState: 'charging', at: NOW }]);
  });

  it('keeps the energy register away from invalid and not-topical counters and marks the others', () => {
    const rules = new QualityRules({ notTopical: 'mark', blocked: 'drop' });
    expect(rules.verdict(0x40, false)).toEqual(['notTopical']);
    expect(rules.verdict(0x40, true)).toBeUndefined();
    expect(rules.verdict(0x80, false)).toBeUndefined();
    expect(rules.verdict(0x21, true)).toEqual(['overflow', 'substituted']);
    expect(rules.verdict(0x10, false)).toBeUndefined();
    expect(new QualityRules().verdict(0x40, false)).toBeUndefined();
  });

  it('marks an energy register that went backwards as a meter reset', () => {
    const counter = (value: number): InformationObject => ({ ioa: 0x6401, value, sequence: 0, carry: false, adjusted: false, invalid: false }) as InformationObject;
    const states = new ConnectorStates(2, () => 'c');
    const table = new PointTable(dc);
    const info = typeInfo(TI.M_IT_NA_1);
    if (info === undefined) throw new Error('M_IT_NA_1 unknown');
    const ctx = {
      table,
      states,
      timeZone: 'UTC',
      reports: { unknownObject: () => undefined, flaggedObject: () => undefined, repeatedObject: () => undefined },
      quality: new QualityRules(),
      repeats: undefined,
      changed: () => undefined,
    };
    const values = [12_345, 100].map((v) => readMonitor(ctx, asdu(TI.M_IT_NA_1, [counter(v)]), info, NOW, [])?.[0]?.values[0]);
    expect(values).toEqual([
      { measurand: 'energy', value: 123_450, raw: 12_345 },
      { measurand: 'energy', value: 1_000, raw: 100, meterReset: true },
    ]);
  });

  it('returns fault changes and reports a status code missing from the mapping', () => {
    const sp = (ioa: number, value: boolean): InformationObject => ({ ioa, value, quality: 0 }) as InformationObject;
    const { measured, faults } = read(dc, asdu(TI.M_SP_NA_1, [sp(0x0002, true), sp(0x0003, false)]));
    expect(measured).toBeUndefined();
    expect(faults).toEqual([{ type: 'fault', connector: 1, code: 'CONNECTOR_OVERTEMP', name: 'Gun over-temperature', severity: 'error', active: true, at: NOW, raw: 0x0002 }]);
    const { unknown } = read(dc, asdu(TI.M_ME_NB_1, [{ ioa: 0x4001, value: 99, quality: 0 } as InformationObject]));
    expect(unknown).toEqual([[0x4001, "status code 99 not in the mapping's states"]]);
  });
});

describe('iec104-points family lookup', () => {
  const entry = (ioa: number): PointEntry => ({ point: { ioa } as Point }) as PointEntry;

  it('answers for every mapped IOA and nothing else, in a narrow band and a wide one', () => {
    for (const ioas of [
      [0x4001, 0x4002, 0x4011],
      [1, 0x6401, 0xffffff],
    ]) {
      const family = new FamilyPoints(new Map(ioas.map((ioa) => [ioa, entry(ioa)])));
      for (const ioa of ioas) expect(family.get(ioa)?.point.ioa).toBe(ioa);
      for (const ioa of [0, (ioas[0] as number) - 1, 0x4003, 0x4012, 0x1000000, -1]) {
        if (!ioas.includes(ioa)) expect(family.get(ioa)).toBeUndefined();
      }
    }
  });

  it('shares one address space between a TI and its time-tagged twin', () => {
    const table = new PointTable(dc);
    expect(table.entry(TI.M_ME_TF_1, 0x4002)).toBe(table.entry(TI.M_ME_NC_1, 0x4002));
    expect(table.family(TI.M_ME_TF_1)).toBe(table.family(TI.M_ME_NC_1));
    expect(table.family(TI.M_ME_NA_1)).toBeUndefined();
  });

  it('reads M_ME_ND_1 (a normalized value without quality descriptor) at the IOA of a mapped M_ME_NA_1 point', () => {
    const point = { ti: 'M_ME_NA_1', ioa: 0x4101, connector: 1, signal: 'measurand', measurand: 'temperature', unit: 'Celsius', scale: 100 } as Point;
    const mapping: Iec104PointsMapping = { ...dc, points: [...dc.points, point] };
    const { measured, unknown } = read(mapping, asdu(TI.M_ME_ND_1, [{ ioa: 0x4101, raw: 16384, value: 0.5 } as InformationObject]));
    expect(measured).toEqual([{ type: 'measurements', connector: 1, at: NOW, values: [{ measurand: 'temperature', value: 50, raw: 0.5 }] }]);
    expect(unknown).toEqual([]);
  });
});
