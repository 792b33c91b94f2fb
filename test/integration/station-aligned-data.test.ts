/**
 * Clock-aligned meter values (AlignedDataCtrlr) against ocpp-rpc's strict RPCServer, on a fake
 * clock: MeterValues with context Sample.Clock at interval boundaries counted from midnight for an
 * idle EVSE, TransactionEvent Updated with triggerReason MeterValueClock for an EVSE in a
 * transaction (unless SendDuringIdle), and the TxEndedInterval samples in the Ended event — the
 * clock-aligned ones (AlignedDataCtrlr) and the periodic ones (SampledDataCtrlr).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChargerEvent } from '../../src/model/events.js';
import { nextAlignedTime } from '../../src/station/meter-values/aligned-data.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { FakeClock } from '../support/fake-clock.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
let station: TestStation | undefined;

afterEach(async () => {
  const ending = csms;
  const stations = station !== undefined ? [station] : [];
  station = csms = undefined;
  await endStrict(ending, stations);
});

/** 2026-11-25 08:59:30 UTC plus `s` seconds. */
const T0 = Date.UTC(2026, 10, 25, 8, 59, 30);
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString();
const measurements = (connector: number, s: number, wh: number): ChargerEvent => ({
  type: 'measurements',
  connector,
  at: iso(s),
  values: [
    { measurand: 'energy', value: wh },
    { measurand: 'power', value: 7000 },
    { measurand: 'voltage', value: 230 },
  ],
});
type Sampled = { value: number; context?: string; measurand?: string };
type MeterValueParam = { timestamp: string; sampledValue: Sampled[] };

async function running(id: string, preset: Record<string, string>): Promise<{ c: TestCsms; s: TestStation; clock: FakeClock }> {
  const clock = new FakeClock(T0);
  csms = await startCsms();
  station = await createStation({
    id,
    url: csms.url,
    // Periodic Updated events off, so only clock-aligned ones appear. No WebSocket pings: their
    // pong time-out would run on the fake clock as well.
    preset: { 'OCPPCommCtrlr.WebSocketPingInterval': '0', 'SampledDataCtrlr.TxUpdatedInterval': '0', 'AlignedDataCtrlr.Measurands': 'Energy.Active.Import.Register,Power.Active.Import', ...preset },
    // CALL time-outs run on the fake clock too: a day, so advancing it never expires a CALL in flight.
    extra: { clock, callTimeoutMs: 86_400_000 },
  });
  station.engine.start();
  await until(() => station?.engine.bootState === 'accepted', 'accepted');
  return { c: csms, s: station, clock };
}

const txEvents = (c: TestCsms): Record<string, unknown>[] => c.calls.filter((x) => x.action === 'TransactionEvent').map((x) => x.params);
const meterValues = (c: TestCsms): StationCall[] => c.calls.filter((x) => x.action === 'MeterValues');

describe('aligned interval boundaries', () => {
  it('counts from UTC midnight and restarts at midnight when the interval does not divide a day', () => {
    const midnight = Date.UTC(2026, 10, 25);
    expect(nextAlignedTime(midnight + 1, 900_000)).toBe(midnight + 900_000);
    expect(nextAlignedTime(midnight + 900_000, 900_000)).toBe(midnight + 1_800_000);
    expect(nextAlignedTime(T0, 60_000)).toBe(Date.UTC(2026, 10, 25, 9, 0, 0));
    // 7 h does not divide 24 h: 21:00 is followed by midnight, not 04:00.
    expect(nextAlignedTime(midnight + 21 * 3_600_000 + 5, 7 * 3_600_000)).toBe(midnight + 86_400_000);
  });
});

describe('clock-aligned meter values', () => {
  it('sends MeterValues for an idle EVSE and MeterValueClock Updated events inside a transaction, and puts TxEndedInterval samples in the Ended event', async () => {
    const { c, s, clock } = await running('CS-ALIGNED', { 'AlignedDataCtrlr.Interval': '60', 'AlignedDataCtrlr.TxEndedInterval': '60' });
    s.engine.chargerEvent(measurements(2, 0, 2000));
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-A', meterStartWh: 1000, at: iso(1) });
    s.engine.chargerEvent(measurements(1, 5, 1010));
    await s.engine.eventsHandled();
    clock.advance(30_000); // 09:00:00
    const idle = await c.waitForCall((x) => x.action === 'MeterValues');
    expect(idle.params).toEqual({
      evseId: 2,
      meterValue: [
        {
          timestamp: '2026-11-25T09:00:00.000Z',
          sampledValue: [
            { value: 2000, context: 'Sample.Clock', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } },
            { value: 7000, context: 'Sample.Clock', measurand: 'Power.Active.Import', unitOfMeasure: { unit: 'W' } },
          ],
        },
      ],
    });
    const clockEvent = await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.triggerReason === 'MeterValueClock');
    expect(clockEvent.params).toMatchObject({ eventType: 'Updated', seqNo: 1, timestamp: '2026-11-25T09:00:00.000Z', transactionInfo: { chargingState: 'Charging' } });
    expect((clockEvent.params.meterValue as MeterValueParam[])[0]?.sampledValue.map((v) => [v.context, v.measurand, v.value])).toEqual([
      ['Sample.Clock', 'Energy.Active.Import.Register', 1010],
      ['Sample.Clock', 'Power.Active.Import', 7000],
    ]);
    // Only EVSE 2 was idle: no MeterValues for the EVSE in the transaction.
    expect(meterValues(c).map((x) => x.params.evseId)).toEqual([2]);

    s.engine.chargerEvent(measurements(1, 65, 1100));
    await s.engine.eventsHandled();
    clock.advance(60_000); // 09:01:00
    await until(() => txEvents(c).filter((e) => e.triggerReason === 'MeterValueClock').length === 2, 'second clock-aligned event');
    s.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-A', meterStopWh: 1150, at: iso(100), reason: 'local' });
    const ended = await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    const samples = (ended.params.meterValue as MeterValueParam[]).map((m) => [m.timestamp, m.sampledValue.map((v) => `${v.context} ${v.measurand} ${v.value}`)]);
    // AlignedDataCtrlr.TxEndedMeasurands defaults to the energy register.
    expect(samples).toEqual([
      ['2026-11-25T09:00:00.000Z', ['Sample.Clock Energy.Active.Import.Register 1010']],
      ['2026-11-25T09:01:00.000Z', ['Sample.Clock Energy.Active.Import.Register 1100']],
      ['2026-11-25T09:01:10.000Z', ['Transaction.End Energy.Active.Import.Register 1150']],
    ]);
    expect(txEvents(c).map((e) => [e.eventType, e.seqNo, e.triggerReason])).toEqual([
      ['Started', 0, 'ChargingStateChanged'],
      ['Updated', 1, 'MeterValueClock'],
      ['Updated', 2, 'MeterValueClock'],
      ['Ended', 3, 'ChargingStateChanged'],
    ]);
    expect(meterValues(c).map((x) => (x.params.meterValue as MeterValueParam[])[0]?.timestamp)).toEqual(['2026-11-25T09:00:00.000Z', '2026-11-25T09:01:00.000Z']);
  });

  it('puts SampledDataCtrlr.TxEndedInterval samples (Sample.Periodic, TxEndedMeasurands) in the Ended event', async () => {
    const { c, s } = await running('CS-TX-ENDED', {
      'AlignedDataCtrlr.Interval': '0',
      'SampledDataCtrlr.TxEndedInterval': '60',
      'SampledDataCtrlr.TxEndedMeasurands': 'Energy.Active.Import.Register,Voltage',
    });
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 2, legacyTransactionId: 'L-P', meterStartWh: 500, at: iso(0) });
    for (const [sec, wh] of [
      [30, 510],
      [61, 520],
      [90, 530],
      [125, 540],
    ] as const)
      s.engine.chargerEvent(measurements(2, sec, wh));
    s.engine.chargerEvent({ type: 'sessionEnded', connector: 2, legacyTransactionId: 'L-P', meterStopWh: 550, at: iso(130), reason: 'remote' });
    const ended = await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    expect((ended.params.meterValue as MeterValueParam[]).map((m) => [m.timestamp, m.sampledValue.map((v) => `${v.context} ${v.measurand} ${v.value}`)])).toEqual([
      [iso(61), ['Sample.Periodic Energy.Active.Import.Register 520', 'Sample.Periodic Voltage 230']],
      [iso(125), ['Sample.Periodic Energy.Active.Import.Register 540', 'Sample.Periodic Voltage 230']],
      [iso(130), ['Transaction.End Energy.Active.Import.Register 550']],
    ]);
    expect(ended.params).toMatchObject({ seqNo: 1, triggerReason: 'RemoteStop', transactionInfo: { stoppedReason: 'Remote' } });
  });

  it('samples the latest reading of every measurand, sent one per event, leaving out stale readings and, in a transaction, those from before its start', async () => {
    const { c, s, clock } = await running('CS-ALIGNED-LATEST', { 'AlignedDataCtrlr.Interval': '60', 'AlignedDataCtrlr.Measurands': 'Energy.Active.Import.Register,Power.Active.Import,Voltage' });
    const one = (connector: number, sec: number, measurand: 'energy' | 'power' | 'voltage', value: number): ChargerEvent => ({
      type: 'measurements',
      connector,
      at: iso(sec),
      values: [{ measurand, value }],
    });
    // EVSE 2, idle: a voltage read eleven minutes before the boundary is stale (two intervals, at least ten minutes).
    s.engine.chargerEvent(one(2, -630, 'voltage', 229));
    s.engine.chargerEvent(one(2, 10, 'energy', 2000));
    s.engine.chargerEvent(one(2, 11, 'power', 0));
    // EVSE 1: a voltage before its transaction starts, then each measurand on its own.
    s.engine.chargerEvent(one(1, 0, 'voltage', 231));
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-L', meterStartWh: 1000, at: iso(1) });
    s.engine.chargerEvent(one(1, 5, 'power', 7000));
    s.engine.chargerEvent(one(1, 6, 'energy', 1010));
    await s.engine.eventsHandled();
    clock.advance(30_000); // 09:00:00
    const idle = await c.waitForCall((x) => x.action === 'MeterValues');
    expect((idle.params.meterValue as MeterValueParam[])[0]?.sampledValue.map((v) => [v.measurand, v.value])).toEqual([
      ['Energy.Active.Import.Register', 2000],
      ['Power.Active.Import', 0],
    ]);
    const inTx = await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.triggerReason === 'MeterValueClock');
    expect((inTx.params.meterValue as MeterValueParam[])[0]?.sampledValue.map((v) => [v.measurand, v.value])).toEqual([
      ['Power.Active.Import', 7000],
      ['Energy.Active.Import.Register', 1010],
    ]);
    // A voltage read during the transaction is sampled at the next boundary with the others.
    s.engine.chargerEvent(one(1, 40, 'voltage', 232));
    await s.engine.eventsHandled();
    clock.advance(60_000); // 09:01:00
    await until(() => txEvents(c).filter((e) => e.triggerReason === 'MeterValueClock').length === 2, 'second clock-aligned event');
    const second = txEvents(c).filter((e) => e.triggerReason === 'MeterValueClock')[1];
    expect((second?.meterValue as MeterValueParam[])[0]?.sampledValue.map((v) => [v.measurand, v.value])).toEqual([
      ['Voltage', 232],
      ['Power.Active.Import', 7000],
      ['Energy.Active.Import.Register', 1010],
    ]);
  });

  it('answers TriggerMessage(MeterValues) with the latest reading of every measurand, leaving out those ten minutes older than the newest', async () => {
    const { c, s } = await running('CS-TRIGGER-LATEST', { 'AlignedDataCtrlr.Interval': '0' });
    const one = (sec: number, measurand: 'energy' | 'power' | 'voltage', value: number): ChargerEvent => ({ type: 'measurements', connector: 2, at: iso(sec), values: [{ measurand, value }] });
    s.engine.chargerEvent(one(-700, 'voltage', 229));
    s.engine.chargerEvent(one(0, 'energy', 2000));
    s.engine.chargerEvent(one(1, 'power', 3500));
    await s.engine.eventsHandled();
    const client = await c.client('CS-TRIGGER-LATEST');
    expect(await client.call('TriggerMessage', { requestedMessage: 'MeterValues', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
    const triggered = await c.waitForCall((x) => x.action === 'MeterValues');
    expect((triggered.params.meterValue as MeterValueParam[])[0]?.sampledValue.map((v) => [v.context, v.measurand, v.value])).toEqual([
      ['Trigger', 'Energy.Active.Import.Register', 2000],
      ['Trigger', 'Power.Active.Import', 3500],
    ]);
  });

  it('with SendDuringIdle sends nothing clock-aligned for an EVSE in a transaction, and nothing at all with Interval 0', async () => {
    const { c, s, clock } = await running('CS-IDLE-ONLY', { 'AlignedDataCtrlr.Interval': '60', 'AlignedDataCtrlr.SendDuringIdle': 'true' });
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-B', meterStartWh: 1000, at: iso(1) });
    s.engine.chargerEvent(measurements(1, 5, 1010));
    s.engine.chargerEvent(measurements(2, 5, 2000));
    await s.engine.eventsHandled();
    clock.advance(30_000);
    await c.waitForCall((x) => x.action === 'MeterValues' && x.params.evseId === 2);
    await s.engine.settled();
    expect(txEvents(c).map((e) => e.triggerReason)).toEqual(['ChargingStateChanged']);
    expect(meterValues(c).map((x) => x.params.evseId)).toEqual([2]);

    // SetVariables Interval 0 stops the timer.
    const client = await c.client('CS-IDLE-ONLY');
    expect(await client.call('SetVariables', { setVariableData: [{ component: { name: 'AlignedDataCtrlr' }, variable: { name: 'Interval' }, attributeValue: '0' }] })).toMatchObject({
      setVariableResult: [{ attributeStatus: 'Accepted' }],
    });
    clock.advance(600_000);
    await s.engine.settled();
    expect(meterValues(c)).toHaveLength(1);
  });
});
