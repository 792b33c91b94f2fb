/**
 * Billing records against the open transaction of their connector: a record of another session is
 * reported as a whole transaction of its own (both events in the store before it may be
 * confirmed, finished by the charger's resend after a crash between them) and leaves the open one
 * alone; the open transaction's own record ends it.
 */
import { describe, expect, it } from 'vitest';
import { FlakyStore, MIN, T0, ended, iso, readings, record, started, transactions } from './transactions-harness.js';

describe('transaction records', () => {
  it('reports a record of another session as its own transaction and leaves the open one alone', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0 + 60 * MIN, { meterStartWh: 0, idToken: { id: 'CARD-A', type: 'card' } }));
    const a = s.tx.transactionOf(1);

    const fresh = await s.tx.record(
      record('Z', T0, T0 + 30 * MIN, { meterStartWh: 100, meterStopWh: 5100, energyWh: 5000, idToken: { id: 'CARD-Z', type: 'card' }, reason: 'evDisconnected', rawReason: 7 }),
    );

    // In the store by the time record() resolves: the caller confirms the record only then.
    expect(fresh).toBe(true);
    expect(s.tx.transactionOf(1)).toBe(a);
    const [, zStarted, zEnded, ...more] = await s.events();
    expect(more).toEqual([]);
    const z = zStarted?.transactionInfo.transactionId;
    expect(z).not.toBe(a);
    expect(zStarted).toMatchObject({
      eventType: 'Started',
      seqNo: 0,
      timestamp: iso(T0),
      triggerReason: 'Authorized',
      evse: { id: 1, connectorId: 1 },
      idToken: { idToken: 'CARD-Z', type: 'ISO14443' },
      transactionInfo: { chargingState: 'Charging' },
      offline: true,
    });
    expect(readings(zStarted)).toEqual(['08:00 Energy.Active.Import.Register=100']);
    expect(zEnded).toMatchObject({
      eventType: 'Ended',
      seqNo: 1,
      timestamp: iso(T0 + 30 * MIN),
      transactionInfo: { transactionId: z, chargingState: 'Idle', stoppedReason: 'EVDisconnected' },
      customData: { legacyTransactionId: 'Z', legacyStopReason: 7 },
    });
    expect(zEnded?.evse).toBeUndefined();
    expect(readings(zEnded)).toEqual(['08:30 Energy.Active.Import.Register=5100']);

    // Sent again: confirmed, nothing new.
    expect(await s.tx.record(record('Z', T0, T0 + 30 * MIN, { meterStopWh: 5100 }))).toBe(false);
    expect(await s.events()).toHaveLength(3);

    // The open transaction still ends with its own figures.
    await s.tx.sessionEnded(ended('A', T0 + 120 * MIN, { meterStopWh: 20_000 }));
    const aEnded = (await s.events())[3];
    expect(aEnded).toMatchObject({ eventType: 'Ended', seqNo: 1, triggerReason: 'ChargingStateChanged', transactionInfo: { transactionId: a }, customData: { legacyTransactionId: 'A' } });
    expect(readings(aEnded)).toEqual(['10:00 Energy.Active.Import.Register=20000']);
    expect(s.tx.transactionOf(1)).toBeUndefined();
  });

  it("ends the open transaction with its own record's figures", async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    expect(await s.tx.record(record('A', T0, T0 + 30 * MIN, { meterStopWh: 4000 }))).toBe(true);
    const events = await s.events();
    expect(events.map((e) => `${e.eventType} ${e.seqNo}`)).toEqual(['Started 0', 'Ended 1']);
    expect(new Set(events.map((e) => e.transactionInfo.transactionId)).size).toBe(1);
    expect(readings(events[1])).toEqual(['08:30 Energy.Active.Import.Register=4000']);
    expect(s.tx.transactionOf(1)).toBeUndefined();
  });

  it("a resend after a crash between the record's two events finishes its transaction", async () => {
    const store = new FlakyStore();
    const first = await transactions(store);
    await first.tx.sessionStarted(started('A', T0 + 60 * MIN, { meterStartWh: 0 }));
    store.failAfter = 1; // the Started event is written, the Ended event is not
    await expect(first.tx.record(record('Z', T0, T0 + 30 * MIN, { meterStartWh: 0, meterStopWh: 5000 }))).rejects.toThrow('store unavailable');
    expect(await first.events()).toHaveLength(2);

    const again = await transactions(store);
    expect(await again.tx.record(record('Z', T0, T0 + 30 * MIN, { meterStartWh: 0, meterStopWh: 5000 }))).toBe(true);
    const [aStarted, zStarted, zEnded, ...more] = await again.events();
    expect(more).toEqual([]);
    expect(zEnded).toMatchObject({ eventType: 'Ended', seqNo: 1, transactionInfo: { transactionId: zStarted?.transactionInfo.transactionId } });
    expect(again.tx.transactionOf(1)).toBe(aStarted?.transactionInfo.transactionId);
    expect(await again.tx.record(record('Z', T0, T0 + 30 * MIN))).toBe(false);
  });
});
