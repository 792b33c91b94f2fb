/**
 * Transactions ended before their billing record came (the charger says `recordPending`, or a newer
 * session replaced the open one on a charger with records): the Ended event says so, and the
 * record, when it comes, is a second Ended of the same transaction with its figures — written
 * atomically with the removal of the kept entry, once, across a restart and a failed write.
 */
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../../src/store/memory.js';
import { CAPS, FlakyStore, MIN, T0, ended, iso, measured, readings, record, started, transactions } from './transactions-harness.js';

const pending = { reason: 'other' as const, recordPending: true };

describe('transactions ended without their record', () => {
  it('the record corrects them: a second Ended, next seqNo, its figures and stop reason, then nothing more', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.sessionEnded(ended('A', T0 + 10 * MIN, { ...pending, meterStopWh: 1170 }));
    const [, provisional] = await s.events();
    expect(provisional).toMatchObject({
      eventType: 'Ended',
      seqNo: 1,
      triggerReason: 'AbnormalCondition',
      transactionInfo: { stoppedReason: 'Other' },
      customData: { legacyTransactionId: 'A', recordPending: true },
    });
    expect(readings(provisional)).toEqual(['08:10 Energy.Active.Import.Register=1170']);

    expect(await s.tx.record(record('A', T0, T0 + 9 * MIN, { meterStopWh: 2440, reason: 'socLimitReached', rawReason: 0x41 }))).toBe(true);
    const events = await s.events();
    expect(events).toHaveLength(3);
    const correction = events[2];
    expect(correction).toMatchObject({
      eventType: 'Ended',
      seqNo: 2,
      timestamp: iso(T0 + 9 * MIN),
      triggerReason: 'ChargingStateChanged',
      transactionInfo: { transactionId: provisional?.transactionInfo.transactionId, stoppedReason: 'SOCLimitReached' },
      customData: { vendorId: 'pilegate', legacyTransactionId: 'A', legacyStopReason: 0x41, correction: true },
      offline: true,
    });
    expect(correction?.customData?.['recordPending']).toBeUndefined();
    expect(correction?.evse).toBeUndefined();
    expect(readings(correction)).toEqual(['08:09 Energy.Active.Import.Register=2440']);
    // Sent again: nothing new.
    expect(await s.tx.record(record('A', T0, T0 + 9 * MIN, { meterStopWh: 2440 }))).toBe(false);
    expect(await s.events()).toHaveLength(3);
  });

  it('a session ended with its record is not kept: its resend is nothing new', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.sessionEnded(ended('A', T0 + 10 * MIN, { meterStopWh: 1170 }));
    expect(await s.tx.record(record('A', T0, T0 + 10 * MIN, { meterStopWh: 1170 }))).toBe(false);
    expect(await s.events()).toHaveLength(2);
    expect(await s.store.get('CS-TX', 'records.provisional')).toBeUndefined();
  });

  it('after a reconnect a newer session replaces the open one: it ends pending its record, which corrects it; the newer one stays open', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.measurements(measured(T0 + 5 * MIN, [{ measurand: 'energy', value: 800 }]));
    await s.tx.sessionStarted(started('B', T0 + 12 * MIN, { meterStartWh: 0 }));
    const b = s.tx.transactionOf(1);
    const endedA = (await s.events()).find((e) => e.eventType === 'Ended');
    expect(endedA).toMatchObject({ triggerReason: 'AbnormalCondition', customData: { legacyTransactionId: 'A', recordPending: true } });
    expect(readings(endedA)).toEqual(['08:05 Energy.Active.Import.Register=800']);
    expect(await s.tx.record(record('A', T0, T0 + 11 * MIN, { meterStopWh: 2440, reason: 'local' }))).toBe(true);
    const events = (await s.events()).filter((e) => e.eventType !== 'Updated');
    expect(events.map((e) => `${e.eventType} ${e.seqNo} ${String(e.customData?.['legacyTransactionId'] ?? '')}`)).toEqual(['Started 0 ', 'Ended 2 A', 'Started 0 ', 'Ended 3 A']);
    expect(readings(events[3])).toEqual(['08:11 Energy.Active.Import.Register=2440']);
    expect(s.tx.transactionOf(1)).toBe(b);
  });

  it('a charger without records: a replaced transaction ends as before, nothing kept', async () => {
    const s = await transactions(new MemoryStore(), {}, { ...CAPS, transactionRecords: false });
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.sessionStarted(started('B', T0 + 12 * MIN, { meterStartWh: 0 }));
    const [, endedA] = await s.events();
    expect(endedA?.customData?.['recordPending']).toBeUndefined();
    expect(await s.store.get('CS-TX', 'records.provisional')).toBeUndefined();
  });

  it('the kept transaction survives a restart, and a correction whose write failed is written by the resend', async () => {
    const store = new FlakyStore();
    const first = await transactions(store);
    await first.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await first.tx.sessionEnded(ended('A', T0 + 10 * MIN, { ...pending, meterStopWh: 1170 }));
    const second = await transactions(store);
    store.failAfter = 0;
    await expect(second.tx.record(record('A', T0, T0 + 9 * MIN, { meterStopWh: 2440 }))).rejects.toThrow('store unavailable');
    expect(await second.events()).toHaveLength(2);
    expect(await second.tx.record(record('A', T0, T0 + 9 * MIN, { meterStopWh: 2440 }))).toBe(true);
    const third = await transactions(store);
    expect(await third.tx.record(record('A', T0, T0 + 9 * MIN, { meterStopWh: 2440 }))).toBe(false);
    const events = await third.events();
    expect(events.map((e) => `${e.eventType} ${e.seqNo}`)).toEqual(['Started 0', 'Ended 1', 'Ended 2']);
    expect(readings(events[2])).toEqual(['08:09 Energy.Active.Import.Register=2440']);
  });

  it('at most 64 are kept: the oldest is forgotten, and that is said', async () => {
    const s = await transactions();
    for (let i = 0; i <= 64; i++) {
      await s.tx.sessionStarted(started(`S${i}`, T0 + i * MIN, { meterStartWh: 0 }));
      await s.tx.sessionEnded(ended(`S${i}`, T0 + i * MIN + 30_000, { ...pending, meterStopWh: 10 }));
    }
    const index = (await s.store.get('CS-TX', 'records.provisional')) as string[];
    expect(index).toHaveLength(64);
    expect(index[0]).toBe('S1');
    expect(await s.store.get('CS-TX', 'provisional:S0')).toBeUndefined();
    expect(await s.store.get('CS-TX', 'provisional:S64')).toBeDefined();
    const forgotten = s.logs.filter((l) => l.message.startsWith('transaction ended without its record forgotten'));
    expect(forgotten.map((l) => [l.level, (l.data as Record<string, unknown>)['legacyTransactionId']])).toEqual([['warn', 'S0']]);
  });
});
