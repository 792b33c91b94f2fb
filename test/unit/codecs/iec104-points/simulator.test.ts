import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { decodeAsdu } from '../../../../src/iec104/asdu-parser.js';
import { encodeAsdu } from '../../../../src/iec104/asdu-generator.js';
import { COT, TI } from '../../../../src/iec104/constants.js';
import { cp56FromDate, cp56ToDate } from '../../../../src/iec104/cp56.js';
import { ControllingLink } from '../../../../src/iec104/link.js';
import type { Asdu, Cp56Time, InformationObject } from '../../../../src/iec104/types.js';
import type { Iec104PointsMapping, Point } from '../../../../codecs/iec104-points/mapping.js';
import { ChargerSimulator, type ChargerSimulatorOptions, type SimulatorEvent } from '../../../../codecs/iec104-points/simulator.js';
import { playScript, standardSession, type ScriptStep } from '../../../../codecs/iec104-points/simulator-script.js';
import { FakeClock } from '../../../support/fake-clock.js';

/** Until the shared loader lands: YAML 1.2 reads 0x6401 as a number, the examples need nothing else. */
function loadMapping(name: string): Iec104PointsMapping {
  const url = new URL(`../../../../mappings/iec104-points/${name}.yaml`, import.meta.url);
  return YAML.parse(readFileSync(url, 'utf8')) as Iec104PointsMapping;
}

const DC = loadMapping('example-dc-2gun');
const AC = loadMapping('example-ac-1gun');
const CA = 7;
/** 2025-03-01 10:00:00 in Asia/Shanghai. */
const START = Date.UTC(2025, 2, 1, 2, 0, 0);

type Received = { asdu: Asdu; bytes: Buffer } | { asdu: undefined; bytes: Buffer };

/**
 * The simulator wired to a gateway-side `ControllingLink` through two queues on one fake clock.
 * Queues, not direct calls: a link must never be re-entered from inside its own send.
 */
function harness(mapping: Iec104PointsMapping, options: Partial<ChargerSimulatorOptions> = {}) {
  const clock = new FakeClock(START);
  const toGateway: Buffer[] = [];
  const toSim: Buffer[] = [];
  const received: Received[] = [];
  const events: SimulatorEvent[] = [];
  const closes: string[] = [];
  const sim = new ChargerSimulator({
    mapping,
    commonAddress: CA,
    clock,
    send: (b) => toGateway.push(Buffer.from(b)),
    close: (reason) => closes.push(reason),
    ...options,
  });
  sim.on((e) => events.push(e));
  const gw = new ControllingLink({
    clock,
    send: (b) => toSim.push(Buffer.from(b)),
    close: (reason) => closes.push(`gateway ${reason}`),
    onAsdu: (bytes) => {
      const r = decodeAsdu(bytes);
      received.push({ asdu: r.ok ? r.value : undefined, bytes: Buffer.from(bytes) });
    },
  });
  const pump = (): void => {
    while (toGateway.length > 0 || toSim.length > 0) {
      const a = toGateway.shift();
      if (a !== undefined) gw.receive(a);
      const b = toSim.shift();
      if (b !== undefined) sim.receive(b);
    }
  };
  /** Moves time in small steps so acks flow as they would on a wire. */
  const advance = (ms: number, step = 250): void => {
    for (let left = ms; left > 0; left -= step) {
      clock.advance(Math.min(step, left));
      pump();
    }
  };
  const start = (): void => {
    gw.start();
    pump();
  };
  const send = (asdu: Partial<Asdu> & Pick<Asdu, 'typeId' | 'objects'>): void => {
    gw.sendAsdu(encodeAsdu({ sq: false, cause: COT.ACTIVATION, negative: false, test: false, originator: 0, commonAddress: CA, ...asdu }));
    pump();
  };
  /** Everything received since the last call (delivering what is in flight first). */
  const take = (): Asdu[] => {
    pump();
    return received.splice(0).map((r) => r.asdu as Asdu);
  };
  return { sim, gw, clock, received, events, closes, pump, advance, start, send, take };
}

const obj = (o: Record<string, unknown>): InformationObject => o as unknown as InformationObject;
const sco = (ioa: number, state: boolean, select = false): InformationObject => obj({ ioa, state, qualifier: 0, select });
const dco = (ioa: number, state: 1 | 2, select = false): InformationObject => obj({ ioa, state, qualifier: 0, select });
const values = (a: Asdu | undefined): Record<number, unknown> => Object.fromEntries((a?.objects ?? []).map((o) => [o.ioa, 'value' in o ? o.value : undefined]));
const head = (a: Asdu | undefined): [number, number, boolean] | undefined => (a === undefined ? undefined : [a.typeId, a.cause, a.negative]);

describe('ChargerSimulator: link', () => {
  it('sends nothing before STARTDT, queues its changes, and sends them after the con', () => {
    const h = harness(AC);
    h.sim.setPlugged(1, true);
    h.pump();
    expect(h.received).toEqual([]);
    expect(h.sim.linkState).toBe('idle');
    h.start();
    expect(h.sim.linkState).toBe('active');
    expect(h.gw.state).toBe('active');
    const [spont] = h.take();
    expect(head(spont)).toEqual([TI.M_SP_NA_1, COT.SPONTANEOUS, false]);
    expect(spont?.objects).toEqual([{ ioa: 0x0001, value: true, quality: 0 }]);
    expect(spont?.commonAddress).toBe(CA);
    expect(h.events.filter((e) => e.type === 'link')).toEqual([{ type: 'link', from: 'idle', to: 'active' }]);
  });
});

describe('ChargerSimulator: general interrogation', () => {
  it('answers ACT_CON, every monitor point but the counters with COT 20 grouped by TI, ACT_TERM', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 20 })], commonAddress: 0xffff });
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_IC_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_SP_NA_1, COT.INTERROGATED_BY_STATION, false],
      [TI.M_ME_NB_1, COT.INTERROGATED_BY_STATION, false],
      [TI.M_ME_NC_1, COT.INTERROGATED_BY_STATION, false],
      [TI.C_IC_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    // Replies to a broadcast carry the charger's own common address.
    expect(replies.every((a) => a.commonAddress === CA)).toBe(true);
    const [, sp, nb, nc] = replies;
    expect(values(sp)).toEqual({
      0x01: false, 0x02: false, 0x03: false, 0x04: false,
      0x11: false, 0x12: false, 0x13: false, 0x14: false,
      0x21: false, 0x22: false, 0x23: true, // charger in service
    });
    // State code 0 = available; SoC 0 unplugged; 25.0 °C and a 30.0 °C cabinet at 0.1 °C per unit.
    expect(values(nb)).toEqual({ 0x4001: 0, 0x4005: 0, 0x4006: 250, 0x4011: 0, 0x4015: 0, 0x4016: 250, 0x4021: 300 });
    expect(values(nc)).toEqual({ 0x4002: 0, 0x4003: 0, 0x4004: 0, 0x4012: 0, 0x4013: 0, 0x4014: 0 });
    expect(h.events).toContainEqual({ type: 'interrogation', qoi: 20 });
  });

  it('packs many points into as few ASDUs as fit in 249 octets', () => {
    const points: Point[] = [
      ...Array.from({ length: 70 }, (_, i): Point => ({ ti: 'M_SP_NA_1', ioa: 1 + i, connector: 1, signal: 'fault', fault: { code: `F${i}`, severity: 'warning' } })),
      ...Array.from({ length: 40 }, (_, i): Point => ({ ti: 'M_ME_NC_1', ioa: 0x4001 + i, connector: 1, signal: 'measurand', measurand: 'temperature', unit: 'Celsius' })),
    ];
    const h = harness({ ...AC, points, commands: [] });
    h.start();
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 20 })] });
    const sizes = h.received.map((r) => r.bytes.length);
    const replies = h.take();
    // SIQ objects take 4 octets, so 60 fit after the 6-octet header; floats take 8: 30 per ASDU.
    expect(replies.map((a) => [a.typeId, a.objects.length])).toEqual([
      [TI.C_IC_NA_1, 1],
      [TI.M_SP_NA_1, 60],
      [TI.M_SP_NA_1, 10],
      [TI.M_ME_NC_1, 30],
      [TI.M_ME_NC_1, 10],
      [TI.C_IC_NA_1, 1],
    ]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(249);
    expect(sizes[1]).toBe(6 + 60 * 4);
    expect(replies.slice(1, 3).flatMap((a) => a.objects.map((o) => o.ioa))).toEqual(points.slice(0, 70).map((p) => p.ioa));
  });

  it('confirms and terminates a group interrogation without data, and refuses an unknown QOI', () => {
    const h = harness(AC);
    h.start();
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 21 })] });
    expect(h.take().map(head)).toEqual([
      [TI.C_IC_NA_1, COT.ACTIVATION_CON, false],
      [TI.C_IC_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 99 })] });
    expect(h.take().map(head)).toEqual([[TI.C_IC_NA_1, COT.ACTIVATION_CON, true]]);
  });
});

describe('ChargerSimulator: counter interrogation and clock sync', () => {
  it('answers C_CI_NA_1 with every M_IT_NA_1 register (COT 37) between ACT_CON and ACT_TERM', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_CI_NA_1, objects: [obj({ ioa: 0, rqt: 5, frz: 0 })] });
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_CI_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_IT_NA_1, COT.REQUESTED_BY_GENERAL_COUNTER, false],
      [TI.C_CI_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    // 100 kWh and 200 kWh in 0.01 kWh units.
    expect(values(replies[1])).toEqual({ 0x6401: 10_000, 0x6402: 20_000 });
    expect(h.events).toContainEqual({ type: 'counterInterrogation', rqt: 5, frz: 0 });
  });

  it('sets its clock from C_CS_NA_1 and confirms with its own, freshly set clock in local time', () => {
    const h = harness(AC, { clockOffsetMs: -3_600_000, timeTagged: true });
    h.start();
    const set = new Date(Date.UTC(2025, 5, 1, 4, 30, 0)); // 12:30:00 in Shanghai
    h.send({ typeId: TI.C_CS_NA_1, objects: [obj({ ioa: 0, time: cp56FromDate(set, 'Asia/Shanghai') })] });
    const [con] = h.take();
    expect(head(con)).toEqual([TI.C_CS_NA_1, COT.ACTIVATION_CON, false]);
    const time = (con?.objects[0] as { time: Cp56Time }).time;
    expect([time.hour, time.minute, time.day, time.month, time.year]).toEqual([12, 30, 1, 6, 25]);
    expect(h.sim.chargerNow()).toBe(set.getTime());
    expect(h.events).toContainEqual({ type: 'clockSync', time: set });
    // Its time tags follow the clock as set.
    h.advance(5_000);
    h.sim.setPlugged(1, true);
    h.pump();
    const [tagged] = h.take();
    expect(tagged?.typeId).toBe(TI.M_SP_TB_1);
    const tag = (tagged?.objects[0] as { time: Cp56Time }).time;
    expect(cp56ToDate(tag, 'Asia/Shanghai')?.getTime()).toBe(set.getTime() + 5_000);
  });

  it('refuses an invalid time and an activation with the wrong cause', () => {
    const h = harness(AC);
    h.start();
    const bad = { ...cp56FromDate(new Date(START)), invalid: true };
    h.send({ typeId: TI.C_CS_NA_1, objects: [obj({ ioa: 0, time: bad })] });
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.REQUEST, objects: [obj({ ioa: 0, qoi: 20 })] });
    expect(h.take().map(head)).toEqual([
      [TI.C_CS_NA_1, COT.ACTIVATION_CON, true],
      [TI.C_IC_NA_1, COT.UNKNOWN_CAUSE, true],
    ]);
    expect(h.sim.chargerNow()).toBe(START);
  });
});

describe('ChargerSimulator: commands', () => {
  it('executes a start: ACT_CON, the state change with COT 3, then ACT_TERM', () => {
    const h = harness(DC);
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, true)] });
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_SC_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false],
      [TI.M_ME_NC_1, COT.SPONTANEOUS, false],
      [TI.C_SC_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    expect(replies[0]?.objects).toEqual([{ ioa: 0x6001, state: true, qualifier: 0, select: false }]);
    // State code 2 = charging; 400 V, 150 A, 60 kW (the 120 kW charger shared by two guns).
    expect(values(replies[1])).toEqual({ 0x4001: 2 });
    expect(values(replies[2])).toEqual({ 0x4002: 400, 0x4003: 150, 0x4004: 60 });
    expect(h.sim.connector(1)).toMatchObject({ charging: true, status: 'occupied', chargingState: 'charging', powerW: 60_000 });
    expect(h.events).toContainEqual({ type: 'command', ti: TI.C_SC_NA_1, ioa: 0x6001, select: false, outcome: 'executed', command: 'startCharging', connector: 1 });

    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, false)] });
    const stop = h.take();
    expect(stop.map((a) => a.cause)).toEqual([COT.ACTIVATION_CON, COT.SPONTANEOUS, COT.SPONTANEOUS, COT.ACTIVATION_TERMINATION]);
    expect(values(stop[1])).toEqual({ 0x4001: 1 }); // EV connected, not charging
    expect(h.sim.connector(1).charging).toBe(false);
  });

  it('refuses a remote start while no EV is plugged in', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6002, true)] });
    expect(h.take().map(head)).toEqual([[TI.C_SC_NA_1, COT.ACTIVATION_CON, true]]);
    expect(h.sim.connector(2).charging).toBe(false);
  });

  it('honours select-before-operate: execute alone is refused, select then execute runs', () => {
    const h = harness(AC, { sendActTerm: false });
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    expect(h.take().map(head)).toEqual([[TI.C_DC_NA_1, COT.ACTIVATION_CON, true]]);

    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    const selected = h.take();
    expect(selected.map(head)).toEqual([[TI.C_DC_NA_1, COT.ACTIVATION_CON, false]]);
    expect(selected[0]?.objects).toEqual([{ ioa: 0x6001, state: 2, qualifier: 0, select: true }]);
    expect(h.sim.connector(1).charging).toBe(false);

    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    const executed = h.take();
    expect(executed.map(head)).toEqual([
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_SP_NA_1, COT.SPONTANEOUS, false],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false],
    ]); // no ACT_TERM with sendActTerm: false
    expect(values(executed[1])).toEqual({ 0x0002: true });
    // 7040 W at 230 V: 30.60 A in 0.01 A.
    expect(values(executed[2])).toEqual({ 0x4002: 3061, 0x4003: 7040 });
  });

  it('withdraws a select on deactivation (COT 8 -> 9)', () => {
    const h = harness(AC);
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.DEACTIVATION, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    expect(h.take().map(head)).toEqual([
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, false],
      [TI.C_DC_NA_1, COT.DEACTIVATION_CON, false],
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, true],
    ]);
    expect(h.sim.connector(1).charging).toBe(false);
  });

  it('forgets a select after the select time-out and refuses an execute that differs from the select', () => {
    const h = harness(AC, { selectTimeoutMs: 5_000 });
    h.start();
    h.sim.setPlugged(1, true);
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.advance(5_000);
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 1)] });
    expect(h.take().filter((a) => a.typeId === TI.C_DC_NA_1).map((a) => [a.negative, (a.objects[0] as { select: boolean }).select])).toEqual([
      [false, true],
      [true, false],
      [false, true],
      [true, false],
    ]);
    expect(h.events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.outcome)).toEqual(['selected', 'not-selected', 'selected', 'not-selected']);
  });

  it('rejects or ignores commands as configured, globally or per command', () => {
    const h = harness(DC, { commandBehaviour: { startCharging: 'reject', reset: 'ignore' } });
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, true)] });
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6010, true)] });
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6003, false)] }); // setAvailability still executes
    const replies = h.take();
    expect(replies.map((a) => [a.typeId, a.cause, a.negative, a.objects[0]?.ioa])).toEqual([
      [TI.C_SC_NA_1, COT.ACTIVATION_CON, true, 0x6001],
      [TI.C_SC_NA_1, COT.ACTIVATION_CON, false, 0x6003],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false, 0x4001],
      [TI.C_SC_NA_1, COT.ACTIVATION_TERMINATION, false, 0x6003],
    ]);
    expect(values(replies[2])).toEqual({ 0x4001: 5 }); // unavailable
    expect(h.sim.connector(1).charging).toBe(false);

    h.sim.setCommandBehaviour('all', 'ignore');
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6003, true)] });
    expect(h.take()).toEqual([]);
    expect(h.events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.outcome)).toEqual(['rejected', 'ignored', 'executed', 'ignored']);
  });

  it('answers an unknown IOA with COT 47, an unmapped or unknown TI with COT 44, a foreign CA with COT 46', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6099, true)] });
    h.send({ typeId: TI.C_SE_NA_1, objects: [obj({ ioa: 0x6201, raw: 100, value: 100 / 32768, ql: 0, select: false })] });
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, true)], commonAddress: 9 });
    const raw = Buffer.from([58, 1, 6, 0, CA, 0, 0x01, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0]); // C_SC_TA_1: not in our codec
    h.gw.sendAsdu(raw);
    h.pump();
    const replies = h.received.splice(0);
    expect(replies.slice(0, 3).map((r) => head(r.asdu))).toEqual([
      [TI.C_SC_NA_1, COT.UNKNOWN_IOA, true],
      [TI.C_SE_NA_1, COT.UNKNOWN_TYPE_ID, true],
      [TI.C_SC_NA_1, COT.UNKNOWN_COMMON_ADDRESS, true],
    ]);
    expect(replies[0]?.asdu?.objects[0]?.ioa).toBe(0x6099);
    expect(replies[2]?.asdu?.commonAddress).toBe(9);
    // The undecodable ASDU comes back byte for byte but for its cause: 44 with P/N.
    expect(replies[3]?.asdu).toBeUndefined();
    expect(replies[3]?.bytes).toEqual(Buffer.from([58, 1, 0x40 | 44, ...raw.subarray(3)]));
    expect(replies).toHaveLength(4);
  });

  it('remembers a power limit and caps the delivered power with it', () => {
    const h = harness(DC);
    h.start();
    h.sim.setCharging(1, true);
    h.take();
    h.send({ typeId: TI.C_SE_NB_1, objects: [obj({ ioa: 0x6201, value: 300, ql: 0, select: false })] }); // 30.0 kW
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_SE_NB_1, COT.ACTIVATION_CON, false],
      [TI.M_ME_NC_1, COT.SPONTANEOUS, false],
      [TI.C_SE_NB_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    expect(values(replies[1])).toEqual({ 0x4003: 75, 0x4004: 30 });
    expect(h.sim.connector(0).limitW).toBe(30_000);
    expect(h.sim.connector(1).powerW).toBe(30_000);
    // A current limit on gun 1 as a float in A: 50 A at 400 V = 20 kW.
    h.send({ typeId: TI.C_SE_NC_1, objects: [obj({ ioa: 0x6202, value: 50, ql: 0, select: false })] });
    expect(h.sim.connector(1)).toMatchObject({ limitA: 50, powerW: 20_000 });
    expect(h.events).toContainEqual({ type: 'command', ti: TI.C_SE_NC_1, ioa: 0x6202, select: false, outcome: 'executed', command: 'setLimit', connector: 1, value: 50 });
  });
});

describe('ChargerSimulator: spontaneous changes', () => {
  it('encodes measurands back through scale, offset and unit, by the point TI', () => {
    const h = harness(AC);
    h.start();
    h.sim.batch(() => {
      expect(h.sim.setMeasurand(1, 'temperature', 30.5)).toBe(true);
      h.sim.setMeasurand(1, 'voltage', 231.4, 'L1');
      h.sim.setMeasurand(1, 'energy', 123_456.7);
    });
    h.pump();
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false],
      [TI.M_IT_NA_1, COT.SPONTANEOUS, false],
    ]);
    // (30.5 + 40) / 0.1 and 231.4 / 0.1; the register counts whole Wh.
    expect(values(replies[0])).toEqual({ 0x4001: 2314, 0x4004: 705 });
    expect(values(replies[1])).toEqual({ 0x6401: 123_456 });
    expect(h.sim.setMeasurand(1, 'soc', 50)).toBe(false); // the AC example reports no SoC
  });

  it('rounds energy down in the mapping unit and reports only what changed', () => {
    const h = harness(DC);
    h.start();
    h.sim.setMeasurand(2, 'energy', 123_456);
    h.sim.setMeasurand(2, 'energy', 123_459); // still 12345 in 0.01 kWh
    h.pump();
    const replies = h.take();
    expect(replies).toHaveLength(1);
    expect(values(replies[0])).toEqual({ 0x6402: 12_345 });
  });

  it('sets and clears faults; an error-level fault shows as the faulted state code', () => {
    const h = harness(DC);
    h.start();
    h.sim.raiseFault('INSULATION', 1);
    h.pump();
    const raised = h.take();
    expect(raised.map((a) => [a.typeId, values(a)])).toEqual([
      [TI.M_SP_NA_1, { 0x0003: true }],
      [TI.M_ME_NB_1, { 0x4001: 6 }],
    ]);
    expect(h.sim.connector(1).status).toBe('faulted');
    h.sim.clearFault('INSULATION', 1);
    h.pump();
    expect(h.take().map((a) => [a.typeId, values(a)])).toEqual([
      [TI.M_SP_NA_1, { 0x0003: false }],
      [TI.M_ME_NB_1, { 0x4001: 0 }],
    ]);
    expect(() => h.sim.raiseFault('NOT_MAPPED')).toThrow(RangeError);
  });

  it('sends time-tagged variants with a CP56 in the charger local time when asked', () => {
    const h = harness(DC, { timeTagged: true });
    h.start();
    h.sim.batch(() => {
      h.sim.setPlugged(1, true);
      h.sim.raiseFault('FAN');
    });
    h.pump();
    const replies = h.take();
    expect(replies.map((a) => [a.typeId, a.cause, values(a)])).toEqual([
      [TI.M_SP_TB_1, COT.SPONTANEOUS, { 0x0022: true }],
      [TI.M_ME_TE_1, COT.SPONTANEOUS, { 0x4001: 1, 0x4005: 30 }], // EV connected, 30 % SoC
    ]);
    for (const a of replies) {
      const time = (a.objects[0] as { time: Cp56Time }).time;
      expect([time.hour, time.minute, time.day, time.month]).toEqual([10, 0, 1, 3]); // 02:00 UTC is 10:00 in Shanghai
    }
    // Interrogated data goes without time tags (IEC 60870-5-101 §7.4.4).
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 20 })] });
    expect(h.take().map((a) => a.typeId)).toEqual([TI.C_IC_NA_1, TI.M_SP_NA_1, TI.M_ME_NB_1, TI.M_ME_NC_1, TI.C_IC_NA_1]);
  });

  it('integrates energy while charging, on tick() and on its own meter interval', () => {
    const h = harness(DC, { meterIntervalMs: 10_000 });
    h.start();
    h.sim.setCharging(2, true);
    h.take();
    h.advance(60_000);
    // 60 kW for one minute = 1 kWh = 100 units of 0.01 kWh, reported as the register rises.
    expect(h.sim.connector(2).energyWh).toBeCloseTo(201_000, 6);
    const counters = h.take().filter((a) => a.typeId === TI.M_IT_NA_1);
    expect(counters.map((a) => values(a)[0x6402])).toEqual([20_016, 20_033, 20_050, 20_066, 20_083, 20_100]);
    h.sim.setCharging(2, false);
    h.advance(60_000);
    expect(h.take().filter((a) => a.typeId === TI.M_IT_NA_1)).toEqual([]);
    expect(h.sim.connector(2).energyWh).toBeCloseTo(201_000, 6);
  });
});

describe('simulator scripts', () => {
  /** The spontaneous single points of the AC example as `ioa=value` strings, in order. */
  const bits = (asdus: Asdu[]): string[] =>
    asdus.filter((a) => a.typeId === TI.M_SP_NA_1 && a.cause === COT.SPONTANEOUS).flatMap((a) => a.objects.map((o) => `${o.ioa}=${String('value' in o && o.value)}`));

  it('plays the standard session in order, waiting for the gateway start', async () => {
    const h = harness(AC);
    h.start();
    const steps: number[] = [];
    const player = playScript(h.sim, standardSession(1, { chargeSeconds: 20, intervalSeconds: 5, powerW: [7000, 6000] }), { onStep: (i) => steps.push(i) });
    h.pump();
    expect(steps).toEqual([0, 1]); // plugged, now waiting for the remote start
    h.advance(10_000);
    expect(steps).toEqual([0, 1]);
    expect(h.sim.connector(1).charging).toBe(false);
    // The gateway starts the session (select, then execute).
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    expect(steps).toEqual([0, 1, 2]);
    h.advance(20_000 + 2_000 + 2_000);
    const result = await player.done;
    expect(result).toEqual({ status: 'completed', steps: 7 });
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const asdus = h.take();
    // plug -> charging -> the first error-level fault (residual current) raised and cleared -> not charging -> unplugged
    expect(bits(asdus)).toEqual(['1=true', '2=true', '4=true', '4=false', '2=false', '1=false']);
    // The execute's ACT_TERM comes before anything the script did next.
    const term = asdus.findIndex((a) => a.typeId === TI.C_DC_NA_1 && a.cause === COT.ACTIVATION_TERMINATION);
    const profileStart = asdus.findIndex((a) => a.typeId === TI.M_ME_NB_1 && values(a)[0x4003] === 7000);
    expect(term).toBeGreaterThan(0);
    expect(profileStart).toBeGreaterThan(term);
    // The start draws the charger's 7040 W, then power follows the profile, drops to 0 during the
    // error-level fault and again at the stop; energy rises while charging.
    const power = asdus.flatMap((a) => (a.typeId === TI.M_ME_NB_1 && 0x4003 in values(a) ? [values(a)[0x4003]] : []));
    expect(power).toEqual([7040, 7000, 6000, 0, 6000, 0]);
    const energy = asdus.flatMap((a) => (a.typeId === TI.M_IT_NA_1 ? [values(a)[0x6401] as number] : []));
    expect(energy.length).toBeGreaterThanOrEqual(4);
    expect(energy.every((e, i) => i === 0 || e > (energy[i - 1] as number))).toBe(true);
    expect((energy.at(-1) as number) - 100_000).toBe(Math.floor((7000 * 10 + 6000 * 10) / 3600));
  });

  it('falls back to a local start when no remote start comes, and fails a step on request', async () => {
    const h = harness(DC);
    h.start();
    const player = playScript(h.sim, [{ plug: 2 }, { waitForStart: 2, timeoutSeconds: 5 }, { charge: { connector: 2, seconds: 2, powerW: 50_000 } }, { stop: 2 }]);
    h.advance(4_000);
    expect(h.sim.connector(2).charging).toBe(false);
    h.advance(1_000);
    expect(h.sim.connector(2)).toMatchObject({ charging: true, powerW: 50_000 });
    h.advance(2_000);
    expect(await player.done).toEqual({ status: 'completed', steps: 4 });
    expect(h.sim.connector(2).charging).toBe(false);

    const failing: ScriptStep[] = [{ waitForStart: 1, timeoutSeconds: 1, onTimeout: 'fail' }, { plug: 1 }];
    const p2 = playScript(h.sim, failing);
    h.advance(1_000);
    const r = await p2.done;
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/no remote start on connector 1/);
    expect(h.sim.connector(1).plugged).toBe(false);
  });

  it('cancels between steps and leaves the simulator as it was', async () => {
    const h = harness(AC);
    const player = playScript(h.sim, [{ plug: 1 }, { wait: 10_000 }, { unplug: 1 }]);
    h.advance(5_000);
    player.cancel();
    h.advance(10_000);
    expect(await player.done).toEqual({ status: 'cancelled', steps: 2 });
    expect(h.sim.connector(1).plugged).toBe(true);
  });
});
