/**
 * Sessions against the open transaction: a stale one (another session's) is ended as abnormal when
 * a new session starts or another session ends; the Ended event's charging state; measurements
 * that are not finite numbers; store writes that fail leave the transaction as it was; the Ended
 * samples limit is reported once; a triggered Updated event carries the latest measurements.
 */
import { describe, expect, it } from 'vitest';
import { FlakyStore, MIN, T0, ended, measured, readings, started, transactions } from './transactions-harness.js';

const ENDED_SAMPLES = { 'SampledDataCtrlr.TxEndedInterval': '300', 'SampledDataCtrlr.TxEndedMeasurands': 'Energy.Active.Import.Register,Power.Active.Import' };

describe('stale transactions', () => {
  it('a session with a new id ends the stale transaction (reloaded from the store) and opens its own', async () => {
    const store = new FlakyStore();
    const before = await transactions(store);
    await before.tx.sessionStarted(started('OLD', T0, { meterStartWh: 1000 }));
    await before.tx.measurements(measured(T0 + 2 * MIN, [{ measurand: 'energy', value: 1500 }]));

    const s = await transactions(store);
    const stale = s.tx.transactionOf(1);
    await s.tx.sessionStarted(started('NEW', T0 + 30 * MIN, { meterStartWh: 4000 }));
    const fresh = s.tx.transactionOf(1);
    expect(fresh).not.toBe(stale);

    const events = (await s.events()).slice(2);
    expect(events.map((e) => `${e.eventType} ${e.seqNo}`)).toEqual(['Ended 2', 'Started 0']);
    expect(events[0]).toMatchObject({
      triggerReason: 'AbnormalCondition',
      transactionInfo: { transactionId: stale, stoppedReason: 'Other', chargingState: 'EVConnected' },
      customData: { legacyTransactionId: 'OLD' },
    });
    // The last energy known for it: the periodic reading persisted with it.
    expect(readings(events[0])).toEqual(['08:02 Energy.Active.Import.Register=1500']);
    expect(events[1]).toMatchObject({ transactionInfo: { transactionId: fresh } });

    await s.tx.sessionEnded(ended('NEW', T0 + 60 * MIN, { meterStopWh: 8000 }));
    expect(s.tx.transactionOf(1)).toBeUndefined();
  });

  it('the stale transaction gets the latest reading taken during it', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('OLD', T0, { meterStartWh: 1000 }));
    await s.tx.measurements(measured(T0 + 10 * MIN, [{ measurand: 'energy', value: 2500 }]));
    await s.tx.measurements(measured(T0 + 10 * MIN + 5000, [{ measurand: 'energy', value: 2600 }]));
    await s.tx.sessionStarted(started('NEW', T0 + 30 * MIN, { meterStartWh: 0 }));
    const stale = (await s.events()).find((e) => e.eventType === 'Ended');
    expect(readings(stale)).toEqual(['08:10 Energy.Active.Import.Register=2600']);
  });

  it('the same session started again changes nothing', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0));
    const a = s.tx.transactionOf(1);
    await s.tx.sessionStarted(started('A', T0 + MIN));
    expect(s.tx.transactionOf(1)).toBe(a);
    expect(await s.events()).toHaveLength(1);
  });

  it("another session's end ends the stale transaction; a finished session's end does not", async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0));
    await s.tx.sessionEnded(ended('A', T0 + 10 * MIN));
    await s.tx.sessionStarted(started('B', T0 + 20 * MIN));
    await s.tx.sessionEnded(ended('A', T0 + 25 * MIN));
    expect(s.tx.transactionOf(1)).toBeDefined();

    await s.tx.sessionEnded(ended('C', T0 + 40 * MIN));
    expect(s.tx.transactionOf(1)).toBeUndefined();
    expect((await s.events()).at(-1)).toMatchObject({ eventType: 'Ended', triggerReason: 'AbnormalCondition', transactionInfo: { stoppedReason: 'Other' }, customData: { legacyTransactionId: 'B' } });
  });
});

describe('Ended event', () => {
  it('says Idle when the EV went, EVConnected otherwise', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0));
    await s.tx.sessionEnded(ended('A', T0 + MIN, { reason: 'evDisconnected' }));
    await s.tx.sessionStarted(started('B', T0 + 2 * MIN));
    await s.tx.sessionEnded(ended('B', T0 + 3 * MIN, { reason: 'local' }));
    const ends = (await s.events()).filter((e) => e.eventType === 'Ended');
    expect(ends.map((e) => [e.triggerReason, e.transactionInfo.chargingState])).toEqual([
      ['EVCommunicationLost', 'Idle'],
      ['ChargingStateChanged', 'EVConnected'],
    ]);
  });
});

describe('measurements that are not finite numbers', () => {
  it('are dropped (logged once) and the transaction goes on', async () => {
    const s = await transactions(undefined, ENDED_SAMPLES);
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.measurements(
      measured(T0 + 10 * MIN, [
        { measurand: 'energy', value: 1000 },
        { measurand: 'power', value: Number.NaN },
      ]),
    );
    await s.tx.measurements(
      measured(T0 + 20 * MIN, [
        { measurand: 'energy', value: 2000 },
        { measurand: 'power', value: Number.POSITIVE_INFINITY },
      ]),
    );
    await s.tx.measurements(
      measured(T0 + 30 * MIN, [
        { measurand: 'energy', value: 3000 },
        { measurand: 'power', value: 7000 },
      ]),
    );
    await s.tx.sessionEnded(ended('A', T0 + 60 * MIN, { meterStopWh: Number.NaN }));

    const events = await s.events();
    expect(events.map((e) => `${e.eventType} ${e.seqNo}`)).toEqual(['Started 0', 'Updated 1', 'Updated 2', 'Updated 3', 'Ended 4']);
    expect(readings(events[1])).toEqual(['08:10 Energy.Active.Import.Register=1000']);
    expect(readings(events[4])).toEqual([
      '08:10 Energy.Active.Import.Register=1000',
      '08:20 Energy.Active.Import.Register=2000',
      '08:30 Energy.Active.Import.Register=3000',
      '08:30 Power.Active.Import=7000',
    ]);
    expect(s.logs.filter((l) => l.message.includes('not finite'))).toHaveLength(1);
    expect(s.tx.transactionOf(1)).toBeUndefined();
  });
});

describe('a store write that fails', () => {
  it('leaves the charging state as it was, so the change is sent when it comes again', async () => {
    const store = new FlakyStore();
    const s = await transactions(store);
    await s.tx.sessionStarted(started('A', T0));
    store.failAfter = 0;
    await expect(s.tx.chargingState(1, 'suspendedEV', new Date(T0 + MIN).toISOString())).rejects.toThrow();
    await s.tx.chargingState(1, 'suspendedEV', new Date(T0 + 2 * MIN).toISOString());
    expect((await s.events()).map((e) => `${e.eventType} ${e.seqNo} ${e.transactionInfo.chargingState}`)).toEqual(['Started 0 Charging', 'Updated 1 SuspendedEV']);
  });

  it('leaves the periodic time and the Ended samples as they were', async () => {
    const store = new FlakyStore();
    const s = await transactions(store, ENDED_SAMPLES);
    await s.tx.sessionStarted(started('A', T0));
    store.failAfter = 0; // the Ended sample's write
    await expect(s.tx.measurements(measured(T0 + 10 * MIN, [{ measurand: 'energy', value: 1000 }]))).rejects.toThrow();
    store.failAfter = 1; // the Ended sample is kept, the periodic event is not queued
    await expect(s.tx.measurements(measured(T0 + 10 * MIN, [{ measurand: 'energy', value: 1000 }]))).rejects.toThrow();
    await s.tx.measurements(measured(T0 + 10 * MIN, [{ measurand: 'energy', value: 1000 }]));
    await s.tx.sessionEnded(ended('A', T0 + 20 * MIN));
    const events = await s.events();
    expect(events.map((e) => `${e.eventType} ${e.seqNo}`)).toEqual(['Started 0', 'Updated 1', 'Ended 2']);
    expect(readings(events[2])).toEqual(['08:10 Energy.Active.Import.Register=1000']);
  });
});

describe('Ended samples limit', () => {
  it('is reported once per transaction', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0));
    for (let i = 1; i <= 503; i++) {
      const at = T0 + i * 1000;
      await s.tx.endedSample(1, { timestamp: new Date(at).toISOString(), sampledValue: [{ value: i }] }, at);
    }
    expect(s.logs.filter((l) => l.message.includes('sample limit'))).toHaveLength(1);
    await s.tx.sessionEnded(ended('A', T0 + 600_000));
    expect((await s.events()).at(-1)?.meterValue).toHaveLength(500);
  });
});

describe('triggered TransactionEvent', () => {
  it('carries the latest TxUpdated measurands measured during the transaction, context Trigger (F06.FR.07)', async () => {
    const s = await transactions(undefined, { 'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register,Power.Active.Import' });
    // Before the session: not the transaction's.
    await s.tx.measurements(measured(T0 - MIN, [{ measurand: 'power', value: 999 }]));
    await s.tx.sessionStarted(started('S1', T0, { meterStartWh: 1000 }));
    await s.tx.measurements(
      measured(T0 + MIN, [
        { measurand: 'voltage', value: 400 },
        { measurand: 'power', value: 22_000 },
      ]),
    );
    await s.tx.measurements(measured(T0 + 2 * MIN, [{ measurand: 'energy', value: 1400 }]));
    expect(await s.tx.trigger(1)).toBe(true);
    const updated = (await s.events()).at(-1);
    expect(updated).toMatchObject({ eventType: 'Updated', triggerReason: 'Trigger' });
    expect(updated?.meterValue?.[0]?.sampledValue.map((v) => [v.measurand, v.value, v.context])).toEqual([
      ['Power.Active.Import', 22_000, 'Trigger'],
      ['Energy.Active.Import.Register', 1400, 'Trigger'],
    ]);
  });

  it('carries no meter value when nothing was measured during the transaction', async () => {
    const s = await transactions();
    await s.tx.measurements(measured(T0 - MIN, [{ measurand: 'energy', value: 900 }]));
    await s.tx.sessionStarted(started('S1', T0));
    await s.tx.trigger(1);
    expect((await s.events()).at(-1)?.meterValue).toBeUndefined();
  });
});
