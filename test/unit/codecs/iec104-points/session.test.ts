import { describe, expect, it } from 'vitest';
import { COT, cp56FromDate, TI } from '../../../../src/iec104/index.js';
import { asdus, harness, loadExampleMapping, START, type Harness } from '../../../support/iec104-points.js';

const dc = loadExampleMapping('example-dc-2gun');
const ac = loadExampleMapping('example-ac-1gun');

/** Connects and answers the start-up interrogation with everything idle. */
function connected(h: Harness, energy = 100_000): void {
  h.session.start();
  h.startdtCon();
  h.take();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_ME_NB_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x4001, value: 0, quality: 0 },
      { ioa: 0x4011, value: 0, quality: 0 },
    ],
  });
  h.send({
    typeId: TI.M_SP_NA_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x0002, value: false, quality: 0 },
      { ioa: 0x0023, value: true, quality: 0 },
    ],
  });
  h.send({
    typeId: TI.M_IT_NA_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x6401, value: energy, sequence: 0, carry: false, adjusted: false, invalid: false },
      { ioa: 0x6402, value: energy, sequence: 0, carry: false, adjusted: false, invalid: false },
    ],
  });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({ typeId: TI.C_CI_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, rqt: 5, frz: 0 }] });
  h.send({ typeId: TI.C_CI_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, rqt: 5, frz: 0 }] });
}

describe('iec104-points session: start-up', () => {
  it('sends STARTDT, then clock sync, general and counter interrogation to the broadcast address', () => {
    const h = harness(dc);
    h.session.start();
    expect(h.take().map((f) => f.apci)).toEqual([{ format: 'U', fn: 'STARTDT_ACT' }]);
    h.startdtCon();
    const sent = asdus(h.take());
    expect(sent.map((a) => [a.typeId, a.cause, a.commonAddress])).toEqual([
      [TI.C_CS_NA_1, COT.ACTIVATION, 0xffff],
      [TI.C_IC_NA_1, COT.ACTIVATION, 0xffff],
      [TI.C_CI_NA_1, COT.ACTIVATION, 0xffff],
    ]);
    // The clock is set to the charger's local time (Asia/Shanghai, UTC+8).
    expect(sent[0]?.objects[0]).toMatchObject({ ioa: 0, time: { hour: 16, minute: 0, day: 25, month: 11, year: 26 } });
    expect(sent[1]?.objects[0]).toEqual({ ioa: 0, qoi: 20 });
    expect(h.of('link')).toEqual([{ type: 'link', state: 'up' }]);
  });

  it('identifies the charger from its common address and emits every connector once the GI ends', () => {
    const h = harness(dc, 42);
    connected(h);
    expect(h.events[1]).toMatchObject({
      type: 'identified',
      chargerId: 'EXDC42',
      vendor: 'Example',
      model: 'EX-DC120-2',
      connectorCount: 2,
      currentType: 'DC',
      protocol: { name: 'iec104-points', version: 'example-dc-2gun' },
    });
    expect(h.of('connectorStatus').map((e) => [e.connector, e.status, e.plugged, e.chargingState])).toEqual([
      [1, 'available', false, 'idle'],
      [2, 'available', false, 'idle'],
    ]);
    // Later commands go to the charger's own address.
    h.session.command({ type: 'interrogate', id: 'x', scope: 'general' });
    expect(asdus(h.take()).at(-1)?.commonAddress).toBe(42);
  });

  it("reads the charger's clock in the zone the registry names for it once it is identified", () => {
    const h = harness(dc, 42, { timeZoneOf: (id) => (id === 'EXDC42' ? 'UTC' : undefined) });
    connected(h);
    h.send({ typeId: TI.C_CS_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, time: cp56FromDate(new Date(START + 1500), 'UTC') }] });
    expect(h.of('clockReport')).toEqual([{ type: 'clockReport', chargerTime: new Date(START + 1500).toISOString(), at: new Date(START).toISOString() }]);
  });

  it('reports the charger clock from the clock-sync confirmation, converted to UTC', () => {
    const h = harness(dc);
    h.session.start();
    h.startdtCon();
    h.send({ typeId: TI.C_CS_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, time: cp56FromDate(new Date(START + 1500), 'Asia/Shanghai') }] });
    expect(h.of('clockReport')).toEqual([{ type: 'clockReport', chargerTime: new Date(START + 1500).toISOString(), at: new Date(START).toISOString() }]);
  });

  it('reports the connectors the charger named when it never ends the general interrogation, and only those', () => {
    const h = harness(dc);
    h.session.start();
    h.startdtCon();
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.INTERROGATED_BY_STATION, objects: [{ ioa: 0x4001, value: 1, quality: 0 }] });
    expect(h.of('connectorStatus')).toEqual([]);
    h.clock.advance(10_000);
    // Connector 2 is unknown: nothing is guessed for it.
    expect(h.of('connectorStatus').map((e) => [e.connector, e.status])).toEqual([[1, 'occupied']]);
    expect(h.logs.some((l) => l.level === 'warn' && l.message === 'charger did not confirm')).toBe(true);
  });
});

describe('iec104-points session: a charging session', () => {
  it('turns plug, remote start, charging, fault, stop and unplug into canonical events', () => {
    const h = harness(dc);
    connected(h, 100_000);
    h.events.length = 0;

    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 1, quality: 0 }] });
    expect(h.events).toEqual([{ type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'evConnected', at: new Date(START).toISOString(), raw: 1 }]);

    expect(h.session.command({ type: 'startCharging', id: 'start-1', connector: 1 })).toEqual({ status: 'sent' });
    const start = asdus(h.take());
    expect(start).toHaveLength(1);
    expect(start[0]).toMatchObject({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION, commonAddress: 7, objects: [{ ioa: 0x6001, state: true, select: false, qualifier: 0 }] });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0x6001, state: true, select: false, qualifier: 0 }] });
    expect(h.of('commandResult')).toEqual([{ type: 'commandResult', commandId: 'start-1', status: 'accepted' }]);

    h.events.length = 0;
    h.clock.advance(1000);
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    const at1 = new Date(START + 1000).toISOString();
    expect(h.events).toEqual([
      { type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at: at1, raw: 2 },
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'EXDC7-1-20261125080001000', meterStartWh: 1_000_000, at: at1, commandId: 'start-1' },
    ]);
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0x6001, state: true, select: false, qualifier: 0 }] });
    expect(h.of('commandResult').at(-1)).toEqual({ type: 'commandResult', commandId: 'start-1', status: 'completed' });

    h.events.length = 0;
    h.send({
      typeId: TI.M_ME_NC_1,
      cause: COT.SPONTANEOUS,
      objects: [
        { ioa: 0x4002, value: 750.5, quality: 0 },
        { ioa: 0x4003, value: 100.25, quality: 0 },
        { ioa: 0x4004, value: 75.25, quality: 0 },
      ],
    });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x6401, value: 100_123, sequence: 1, carry: false, adjusted: false, invalid: false }] });
    expect(h.of('measurements').map((m) => m.values)).toEqual([
      [
        { measurand: 'voltage', value: 750.5, raw: 750.5 },
        { measurand: 'current', value: 100.25, raw: 100.25 },
        { measurand: 'power', value: 75_250, raw: 75.25 },
      ],
      [{ measurand: 'energy', value: 1_001_230, raw: 100_123 }],
    ]);

    h.events.length = 0;
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x0002, value: true, quality: 0 }] });
    expect(h.events.map((e) => e.type)).toEqual(['fault', 'connectorStatus']);
    expect(h.events[0]).toMatchObject({ type: 'fault', connector: 1, code: 'CONNECTOR_OVERTEMP', severity: 'error', active: true, raw: 2 });
    expect(h.events[1]).toMatchObject({ status: 'faulted', chargingState: 'charging' });
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x0002, value: false, quality: 0 }] });
    expect(h.events.slice(2).map((e) => [e.type, 'active' in e ? e.active : 'status' in e ? e.status : ''])).toEqual([
      ['fault', false],
      ['connectorStatus', 'occupied'],
    ]);
    // The same state again changes nothing.
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x0002, value: false, quality: 0 }] });
    expect(h.events).toHaveLength(4);

    h.events.length = 0;
    expect(h.session.command({ type: 'stopCharging', id: 'stop-1', connector: 1 })).toEqual({ status: 'sent' });
    expect(asdus(h.take())[0]).toMatchObject({ typeId: TI.C_SC_NA_1, objects: [{ ioa: 0x6001, state: false }] });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0x6001, state: false, select: false, qualifier: 0 }] });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x6401, value: 100_500, sequence: 2, carry: false, adjusted: false, invalid: false }] });
    h.take();
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 1, quality: 0 }] });
    // The stop is reported before the last counter value: the codec asks for the counters first.
    expect(h.events.filter((e) => e.type === 'sessionEnded')).toEqual([]);
    expect(asdus(h.take()).map((a) => [a.typeId, a.cause])).toEqual([[TI.C_CI_NA_1, COT.ACTIVATION]]);
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.REQUESTED_BY_GENERAL_COUNTER, objects: [{ ioa: 0x6401, value: 100_600, sequence: 3, carry: false, adjusted: false, invalid: false }] });
    expect(h.events.filter((e) => e.type === 'sessionEnded')).toEqual([
      { type: 'sessionEnded', connector: 1, legacyTransactionId: 'EXDC7-1-20261125080001000', meterStopWh: 1_006_000, at: at1, reason: 'remote' },
    ]);

    h.events.length = 0;
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 0, quality: 0 }] });
    expect(h.events).toEqual([{ type: 'connectorStatus', connector: 1, status: 'available', plugged: false, chargingState: 'idle', at: at1, raw: 0 }]);
    expect(h.errors).toEqual([]);
  });

  it('derives state from plug and charge bits, and ends a session on unplug as evDisconnected', () => {
    const h = harness(ac, 3);
    h.session.start();
    h.startdtCon();
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
    h.send({
      typeId: TI.M_SP_NA_1,
      cause: COT.INTERROGATED_BY_STATION,
      objects: [
        { ioa: 1, value: false, quality: 0 },
        { ioa: 2, value: false, quality: 0 },
        { ioa: 3, value: true, quality: 0 },
      ],
    });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.INTERROGATED_BY_STATION, objects: [{ ioa: 0x6401, value: 7000, sequence: 0, carry: false, adjusted: false, invalid: false }] });
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 1, value: true, quality: 0 }] });
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 2, value: true, quality: 0 }] });
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 3, value: false, quality: 0 }] });
    h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 3, value: true, quality: 0 }] });
    h.send({
      typeId: TI.M_SP_NA_1,
      cause: COT.SPONTANEOUS,
      objects: [
        { ioa: 1, value: false, quality: 0 },
        { ioa: 2, value: false, quality: 0 },
      ],
    });
    // No final counter value arrives: the session ends anyway after the wait (5 s at most).
    expect(h.of('sessionEnded')).toEqual([]);
    h.clock.advance(5_000);
    expect(
      h.events
        .filter((e) => e.type !== 'link' && e.type !== 'identified' && e.type !== 'measurements')
        .map((e) => (e.type === 'connectorStatus' ? `${e.status}/${e.chargingState}` : e.type === 'sessionEnded' ? `ended:${e.reason}` : e.type)),
    ).toEqual([
      'available/idle',
      // The connection's first word on the connector, for a transaction kept from before.
      'idleAtConnect',
      'occupied/evConnected',
      'occupied/charging',
      'sessionStarted',
      'unavailable/charging',
      'occupied/charging',
      'available/idle',
      'ended:evDisconnected',
    ]);
  });

  it('flags an energy register that goes backwards as a meter reset', () => {
    const h = harness(dc);
    connected(h, 5000);
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x6401, value: 10, sequence: 0, carry: false, adjusted: false, invalid: false }] });
    expect(h.of('measurements').at(-1)?.values).toEqual([{ measurand: 'energy', value: 100, raw: 10, meterReset: true }]);
  });

  it('uses the charger time tag of time-tagged objects (local time to UTC)', () => {
    const h = harness(dc);
    connected(h);
    const time = cp56FromDate(new Date(START - 60_000), 'Asia/Shanghai');
    h.send({ typeId: TI.M_ME_TF_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4002, value: 400, quality: 0, time }] });
    expect(h.of('measurements').at(-1)).toMatchObject({ connector: 1, at: new Date(START - 60_000).toISOString(), values: [{ measurand: 'voltage', value: 400 }] });
  });

  it('ignores objects flagged invalid and logs unknown IOAs once with their raw value', () => {
    const h = harness(dc);
    connected(h);
    const before = h.events.length;
    h.send({ typeId: TI.M_ME_NC_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4002, value: 999, quality: 0x80 }] });
    expect(h.events).toHaveLength(before);
    h.send({ typeId: TI.M_ME_NC_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4fff, value: 12.5, quality: 0 }] });
    h.send({ typeId: TI.M_ME_NC_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4fff, value: 13.5, quality: 0 }] });
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 99, quality: 0 }] });
    const warnings = h.logs.filter((l) => l.level === 'warn');
    expect(warnings).toEqual([
      { level: 'warn', message: 'IOA not in the mapping', data: { ti: 'M_ME_NC_1', ioa: 0x4fff, cause: 3, value: { value: 12.5, quality: 0 } } },
      { level: 'warn', message: "status code 99 not in the mapping's states", data: { ti: 'M_ME_NB_1', ioa: 0x4001, cause: 3, value: { value: 99, quality: 0 } } },
    ]);
    expect(h.closed).toEqual([]);
  });
});

describe('iec104-points session: commands', () => {
  it('reports a negative ACT_CON as rejected and a missing one as a timeout', () => {
    const h = harness(dc);
    connected(h);
    h.session.command({ type: 'startCharging', id: 'a', connector: 2 });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, negative: true, objects: [{ ioa: 0x6002, state: true, select: false, qualifier: 0 }] });
    expect(h.of('commandResult').at(-1)).toMatchObject({ commandId: 'a', status: 'rejected' });
    h.session.command({ type: 'setAvailability', id: 'b', connector: 1, available: false });
    expect(asdus(h.take()).at(-1)).toMatchObject({ typeId: TI.C_SC_NA_1, objects: [{ ioa: 0x6003, state: false }] });
    h.clock.advance(9_999);
    expect(h.of('commandResult').at(-1)?.commandId).toBe('a');
    h.clock.advance(1);
    expect(h.of('commandResult').at(-1)).toMatchObject({ commandId: 'b', status: 'timeout' });
  });

  it('does select-before-operate with a double command', () => {
    const h = harness(ac, 3);
    h.session.start();
    h.startdtCon();
    h.take();
    h.session.command({ type: 'startCharging', id: 's', connector: 1 });
    expect(asdus(h.take())).toMatchObject([{ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION, objects: [{ ioa: 0x6001, state: 2, select: true }] }]);
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0x6001, state: 2, select: true, qualifier: 0 }] });
    expect(h.of('commandResult')).toEqual([]);
    expect(asdus(h.take())).toMatchObject([{ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION, objects: [{ ioa: 0x6001, state: 2, select: false }] }]);
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0x6001, state: 2, select: false, qualifier: 0 }] });
    expect(h.of('commandResult')).toEqual([{ type: 'commandResult', commandId: 's', status: 'accepted' }]);
  });

  it('scales limits into setpoints and refuses what the charger cannot take', () => {
    const h = harness(dc);
    connected(h);
    expect(h.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 60_000, unit: 'W' } })).toEqual({ status: 'sent' });
    expect(asdus(h.take()).at(-1)).toMatchObject({ typeId: TI.C_SE_NB_1, objects: [{ ioa: 0x6201, value: 600, ql: 0, select: false }] });
    expect(h.session.command({ type: 'setLimit', id: 'l2', connector: 1, limit: { value: 125.5, unit: 'A' } })).toEqual({ status: 'sent' });
    expect(asdus(h.take()).at(-1)).toMatchObject({ typeId: TI.C_SE_NC_1, objects: [{ ioa: 0x6202, value: 125.5 }] });
    expect(h.session.command({ type: 'setLimit', id: 'l3', connector: 0, limit: { value: 100, unit: 'A' } })).toMatchObject({ status: 'rejected' });
    expect(h.session.command({ type: 'setLimit', id: 'l4', connector: 0, limit: { value: 4_000_000, unit: 'W' } })).toMatchObject({ status: 'rejected' });
    expect(h.session.command({ type: 'unlock', id: 'u', connector: 1 })).toMatchObject({ status: 'notSupported' });
    expect(h.session.command({ type: 'setTariff', id: 't', tariffId: 'x', periods: [] })).toMatchObject({ status: 'notSupported' });
    expect(h.session.command({ type: 'setLocalList', id: 'll', update: 'full', add: [{ id: 'CARD-1', type: 'card' }], remove: [] })).toMatchObject({ status: 'notSupported' });
    expect(h.session.capabilities.commands.has('setLocalList')).toBe(false);
    expect(h.session.command({ type: 'setLimit', id: 'l5', connector: 0, limit: { value: 1000, unit: 'W' } })).toMatchObject({
      status: 'rejected',
      reason: expect.stringContaining('in progress') as unknown,
    });
  });

  it('refuses commands before the link is up and fails those in flight when the connection closes', () => {
    const h = harness(dc);
    h.session.start();
    expect(h.session.command({ type: 'startCharging', id: 'early', connector: 1 })).toMatchObject({ status: 'rejected' });
    h.startdtCon();
    h.session.command({ type: 'startCharging', id: 'late', connector: 1 });
    h.session.stop('charger hung up');
    expect(h.of('commandResult')).toEqual([{ type: 'commandResult', commandId: 'late', status: 'failed', reason: 'connection closed: charger hung up' }]);
    expect(h.of('link').at(-1)).toEqual({ type: 'link', state: 'down', reason: 'charger hung up' });
    expect(h.clock.pending).toBe(0);
  });

  it('closes on link failure (t1) and reports decode errors without closing', () => {
    const h = harness(dc);
    h.session.start();
    h.session.receive(Buffer.from([0x68, 0x04, 0x0f, 0x00, 0x00, 0x00]));
    expect(h.errors.map((e) => e.code)).toEqual(['IEC104_UNKNOWN_U_FUNCTION']);
    expect(h.closed).toEqual([]);
    h.clock.advance(15_000);
    expect(h.closed).toEqual(['link t1']);
  });
});

describe('iec104-points session: what a command announced', () => {
  it('gives two sessions started within one millisecond different ids', () => {
    const h = harness(ac, 3);
    h.session.start();
    h.startdtCon();
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.REQUESTED_BY_GENERAL_COUNTER, objects: [{ ioa: 0x6401, value: 7000, sequence: 0, carry: false, adjusted: false, invalid: false }] });
    for (const on of [true, false, true]) h.send({ typeId: TI.M_SP_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 2, value: on, quality: 0 }] });
    const ids = h.of('sessionStarted').map((e) => e.legacyTransactionId);
    expect(ids).toEqual(['EXAC3-1-20261125080000000', 'EXAC3-1-20261125080000000-2']);
  });

  it('does not pin a rejected remote start on a later local session, nor a stop sent while idle', () => {
    const h = harness(dc);
    connected(h);
    h.session.command({ type: 'startCharging', id: 'refused', connector: 1 });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, negative: true, objects: [{ ioa: 0x6001, state: true, select: false, qualifier: 0 }] });
    h.session.command({ type: 'stopCharging', id: 'idle-stop', connector: 1 });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0x6001, state: false, select: false, qualifier: 0 }] });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0x6001, state: false, select: false, qualifier: 0 }] });
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    expect(h.of('sessionStarted')[0]).not.toHaveProperty('commandId');
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 0, quality: 0 }] });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x6401, value: 100_010, sequence: 0, carry: false, adjusted: false, invalid: false }] });
    expect(h.of('sessionEnded')).toMatchObject([{ reason: 'evDisconnected', meterStopWh: 1_000_100 }]);
  });

  it('ends a waiting session when the connection closes', () => {
    const h = harness(dc);
    connected(h);
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 1, quality: 0 }] });
    expect(h.of('sessionEnded')).toEqual([]);
    h.session.stop('gone');
    expect(h.events.slice(-2).map((e) => e.type)).toEqual(['sessionEnded', 'link']);
  });
});
