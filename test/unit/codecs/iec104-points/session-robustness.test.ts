/**
 * The IEC 104 point-table session against chargers that answer partly, late or out of turn: a general
 * interrogation never terminated, end of initialisation, a 1-octet broadcast address, the registry's
 * time zone, confirmations of another step or command, per-phase energy registers, limits that run
 * out, and time-tagged state changes.
 */
import { describe, expect, it } from 'vitest';
import { COT, cp56FromDate, encodeApdu, TI, typeInfo, type InformationObject } from '../../../../src/iec104/index.js';
import type { Iec104PointsMapping } from '../../../../codecs/iec104-points/mapping.js';
import { asdus, harness, loadExampleMapping, START, type Harness } from '../../../support/iec104-points.js';

const ac = loadExampleMapping('example-ac-1gun');
const dc = loadExampleMapping('example-dc-2gun');
/** example-ac-1gun's commandTimeoutSeconds. */
const TIMEOUT_MS = 8_000;

const sp = (ioa: number, value: boolean): InformationObject => ({ ioa, value, quality: 0 }) as InformationObject;
const counter = (ioa: number, value: number): InformationObject => ({ ioa, value, sequence: 0, carry: false, adjusted: false, invalid: false }) as InformationObject;

/** Connects the AC example and answers its start-up GI with a plugged, idle, enabled socket. */
function connected(h: Harness): void {
  h.session.start();
  h.startdtCon();
  h.take();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({ typeId: TI.M_SP_NA_1, cause: COT.INTERROGATED_BY_STATION, objects: [sp(1, true), sp(2, false), sp(3, true)] });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
}

describe('iec104-points session: start-up answered partly', () => {
  it('becomes ready when a confirmed general interrogation is never terminated', () => {
    const h = harness(ac);
    h.session.start();
    h.startdtCon();
    h.take();
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.INTERROGATED_BY_STATION, objects: [sp(1, true), sp(2, true), sp(3, true)] });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.REQUESTED_BY_GENERAL_COUNTER, objects: [{ ioa: 0x6401, value: 7000, sequence: 0, carry: false, adjusted: false, invalid: false }] });
    expect(h.of('connectorStatus')).toEqual([]);
    h.clock.advance(TIMEOUT_MS);
    expect(h.of('connectorStatus').map((e) => [e.connector, e.status, e.chargingState])).toEqual([[1, 'occupied', 'charging']]);
    // Charging as the connection came up: a session that began before, with the register as read.
    expect(h.of('sessionStarted')).toEqual([expect.objectContaining({ connector: 1, meterStartWh: 7000, alreadyRunning: {} })]);
  });

  it('interrogates again when the charger reports end of initialisation (M_EI_NA_1)', () => {
    expect(typeInfo(TI.M_EI_NA_1)?.control).toBe(false);
    const h = harness(ac);
    connected(h);
    h.send({ typeId: TI.M_EI_NA_1, cause: COT.INITIALIZED, objects: [{ ioa: 0, cause: 0, afterParameterChange: false }] });
    expect(asdus(h.take()).map((a) => [a.typeId, a.cause])).toEqual([[TI.C_IC_NA_1, COT.ACTIVATION]]);
  });

  it('does not take the 1-octet broadcast address for the charger identity', () => {
    const params = { cotSize: 2, caSize: 1, ioaSize: 3 } as const;
    const { commonAddress: _ca, ...rest } = ac;
    const m: Iec104PointsMapping = { ...rest, asdu: params };
    const identities = [0xff, 12].map((ca) => {
      const h = harness(m);
      h.session.start();
      h.startdtCon();
      const sent = asdus(h.take());
      expect(sent[0]?.commonAddress).toBe(0xff);
      const echo = { ...(sent[0] as NonNullable<(typeof sent)[0]>), cause: COT.ACTIVATION_CON, commonAddress: ca };
      h.session.receive(encodeApdu({ apci: { format: 'I', ns: 0, nr: sent.length }, asdu: echo }, params));
      return h.of('identified').map((e) => e.chargerId);
    });
    expect(identities).toEqual([[], ['EXAC12']]);
  });

  it("sets the clock again in the registry's zone once identification brings one", () => {
    const h = harness(ac, 7, { timeZoneOf: (id) => (id === 'EXAC7' ? 'Europe/Berlin' : undefined) });
    h.session.start();
    h.startdtCon();
    const first = asdus(h.take()).find((a) => a.typeId === TI.C_CS_NA_1);
    expect(first?.objects[0]).toMatchObject({ time: { hour: 16 } }); // Asia/Shanghai, the mapping's zone
    h.send({ typeId: TI.C_CS_NA_1, cause: COT.ACTIVATION_CON, objects: first?.objects ?? [] });
    expect(h.of('identified')).toHaveLength(1);
    // The first sync is still waiting for its ACT_TERM; the second follows once it is over.
    h.clock.advance(TIMEOUT_MS);
    const again = asdus(h.take()).filter((a) => a.typeId === TI.C_CS_NA_1);
    expect(again).toHaveLength(1);
    expect(again[0]?.objects[0]).toMatchObject({ time: { hour: 9, minute: 0 } }); // Berlin, UTC+1
  });
});

describe('iec104-points session: confirmations must echo the command', () => {
  it('reports a late confirmation of a timed-out command for it, never for the later command at the same address', () => {
    const h = harness(ac);
    connected(h);
    h.take();
    expect(h.session.command({ type: 'setAvailability', id: 'A-off', connector: 1, available: false })).toEqual({ status: 'sent' });
    const a = asdus(h.take()).find((x) => x.typeId === TI.C_SC_NA_1);
    h.clock.advance(TIMEOUT_MS + 1);
    expect(h.session.command({ type: 'setAvailability', id: 'B-on', connector: 1, available: true })).toEqual({ status: 'sent' });
    const b = asdus(h.take()).find((x) => x.typeId === TI.C_SC_NA_1);
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, negative: true, objects: a?.objects ?? [] });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: b?.objects ?? [] });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: b?.objects ?? [] });
    expect(h.of('commandResult').map((e) => [e.commandId, e.status])).toEqual([
      ['A-off', 'timeout'],
      ['A-off', 'rejected'],
      ['B-on', 'accepted'],
      ['B-on', 'completed'],
    ]);
    expect(h.ignored).toEqual([]);
  });

  it('does not execute on a confirmation without the select bit, nor complete on a termination while selecting', () => {
    const h = harness(ac);
    connected(h);
    h.take();
    h.session.command({ type: 'startCharging', id: 's1', connector: 1 });
    const select = asdus(h.take()).find((x) => x.typeId === TI.C_DC_NA_1);
    expect(select?.objects[0]).toMatchObject({ select: true, state: 2 });
    const executeEcho = { ...(select?.objects[0] as object), select: false } as InformationObject;
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION_CON, objects: [executeEcho] });
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: select?.objects ?? [] });
    expect(asdus(h.take())).toEqual([]);
    expect(h.of('commandResult')).toEqual([]);
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION_CON, objects: select?.objects ?? [] });
    expect(asdus(h.take()).map((x) => x.objects[0])).toMatchObject([{ select: false, state: 2 }]);
  });
});

describe('iec104-points session: energy registers', () => {
  it('takes meter start and stop from the phase-less register only', () => {
    const m: Iec104PointsMapping = {
      ...ac,
      points: [...ac.points, { ti: 'M_IT_NA_1', ioa: 0x6402, connector: 1, signal: 'measurand', measurand: 'energy', unit: 'Wh', phase: 'L1' }],
    };
    const h = harness(m);
    connected(h);
    const it = (total: number, l1: number): void => h.send({ typeId: TI.M_IT_NA_1, cause: COT.REQUESTED_BY_GENERAL_COUNTER, objects: [counter(0x6401, total), counter(0x6402, l1)] });
    it(100_000, 33_000);
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [sp(2, true)] });
    it(110_000, 36_000);
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [sp(2, false)] });
    it(120_000, 40_000);
    expect(h.of('sessionStarted').map((e) => e.meterStartWh)).toEqual([100_000]);
    expect(h.of('sessionEnded').map((e) => e.meterStopWh)).toEqual([120_000]);
    expect(
      h
        .of('measurements')
        .flatMap((e) => e.values)
        .filter((v) => v.meterReset === true),
    ).toEqual([]);
  });
});

describe('iec104-points session: limits with an end', () => {
  const setpoints = (h: Harness) => asdus(h.take()).filter((a) => a.typeId === TI.C_SE_NB_1);
  /** Sends a setLimit the charger confirms and terminates; returns the setpoint value sent. */
  function limit(h: Harness, id: string, connector: number, value: number, unit: 'A' | 'W', untilMs?: number): number | undefined {
    const until = untilMs === undefined ? {} : { until: new Date(START + untilMs).toISOString() };
    expect(h.session.command({ type: 'setLimit', id, connector, limit: { value, unit }, ...until })).toEqual({ status: 'sent' });
    const sent = setpoints(h);
    for (const cause of [COT.ACTIVATION_CON, COT.ACTIVATION_TERMINATION]) h.send({ typeId: TI.C_SE_NB_1, cause, objects: sent[0]?.objects ?? [] });
    return (sent[0]?.objects[0] as { value?: number } | undefined)?.value;
  }

  it("sends the setpoint's maximum at `until`, unless another limit came first", () => {
    const h = harness(ac);
    connected(h);
    h.take();
    expect(limit(h, 'l1', 1, 16, 'A', 5_000)).toBe(160);
    h.clock.advance(5_000);
    // Amps with no maximum current in the mapping: the largest scaled value (3276.7 A) lifts the limit.
    const lift = setpoints(h);
    expect(lift.map((a) => a.objects[0])).toMatchObject([{ value: 32767 }]);
    for (const cause of [COT.ACTIVATION_CON, COT.ACTIVATION_TERMINATION]) h.send({ typeId: TI.C_SE_NB_1, cause, objects: lift[0]?.objects ?? [] });

    expect(limit(h, 'l2', 1, 10, 'A', 20_000)).toBe(100);
    expect(limit(h, 'l3', 1, 12, 'A')).toBe(120);
    h.clock.advance(16_000);
    expect(setpoints(h)).toEqual([]);
  });

  it("restores the charger's maximum power on a power setpoint, waiting for the address to be free, and forgets the timer on stop", () => {
    const h = harness(dc);
    h.session.start();
    h.startdtCon();
    h.take();
    // Not confirmed: the address stays busy until the command times out, then the lift goes out.
    h.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 50_000, unit: 'W' }, until: new Date(START + 3_000).toISOString() });
    expect(setpoints(h).map((a) => a.objects[0])).toMatchObject([{ value: 500 }]);
    h.clock.advance(3_000);
    expect(setpoints(h)).toEqual([]);
    h.clock.advance(8_000);
    const lift = setpoints(h);
    expect(lift.map((a) => a.objects[0])).toMatchObject([{ value: 1200 }]); // 120 kW in 0.1 kW
    for (const cause of [COT.ACTIVATION_CON, COT.ACTIVATION_TERMINATION]) h.send({ typeId: TI.C_SE_NB_1, cause, objects: lift[0]?.objects ?? [] });

    expect(limit(h, 'l2', 0, 40_000, 'W', 30_000)).toBe(400);
    h.session.stop('test');
    h.clock.advance(10_000);
    expect(setpoints(h)).toEqual([]);
  });

  it("lifts a float current setpoint with the mapping's maximum current at `until`", () => {
    const h = harness(dc);
    h.session.start();
    h.startdtCon();
    h.take();
    const floats = () => asdus(h.take()).filter((a) => a.typeId === TI.C_SE_NC_1);
    expect(h.session.command({ type: 'setLimit', id: 'l', connector: 1, limit: { value: 100, unit: 'A' }, until: new Date(START + 3_000).toISOString() }).status).toBe('sent');
    const sent = floats();
    expect(sent.map((a) => (a.objects[0] as { value?: number } | undefined)?.value)).toEqual([100]);
    for (const cause of [COT.ACTIVATION_CON, COT.ACTIVATION_TERMINATION]) h.send({ typeId: TI.C_SE_NC_1, cause, objects: sent[0]?.objects ?? [] });
    h.clock.advance(3_000);
    // charger.maxCurrentA of the DC example: 250 A.
    expect(floats().map((a) => (a.objects[0] as { value?: number } | undefined)?.value)).toEqual([250]);
  });

  it('sends a limit with an end on a float setpoint with no maximum to restore, and says it will not be lifted', () => {
    const { maxCurrentA: _none, ...charger } = dc.charger;
    const h = harness({ ...dc, charger });
    h.session.start();
    h.startdtCon();
    const outcome = h.session.command({ type: 'setLimit', id: 'l', connector: 1, limit: { value: 100, unit: 'A' }, until: new Date(START + 3_000).toISOString() });
    expect(outcome.status).toBe('sent');
    expect(h.logs.map((l) => l.message)).toContain('charging limit sent without an end: the mapping gives no maximum to restore at its end, so it stays until the next limit');
    const floats = () =>
      asdus(h.take())
        .filter((a) => a.typeId === TI.C_SE_NC_1)
        .map((a) => (a.objects[0] as { value?: number } | undefined)?.value);
    expect(floats()).toEqual([100]);
    h.clock.advance(10_000);
    expect(floats()).toEqual([]);
  });
});

describe('iec104-points session: time-tagged state changes', () => {
  it('reports each change of one ASDU at its own time', () => {
    const h = harness(ac);
    connected(h);
    const t = (iso: string) => cp56FromDate(new Date(iso), 'Asia/Shanghai');
    h.send({
      typeId: TI.M_SP_TB_1,
      cause: COT.SPONTANEOUS,
      objects: [
        { ioa: 2, value: true, quality: 0, time: t('2026-11-25T06:00:00Z') },
        { ioa: 2, value: false, quality: 0, time: t('2026-11-25T07:30:00Z') },
      ] as InformationObject[],
    });
    h.clock.advance(TIMEOUT_MS);
    expect(h.events.filter((e) => e.type.startsWith('session')).map((e) => [e.type, 'at' in e ? e.at : undefined])).toEqual([
      ['sessionStarted', '2026-11-25T06:00:00.000Z'],
      ['sessionEnded', '2026-11-25T07:30:00.000Z'],
    ]);
  });
});
