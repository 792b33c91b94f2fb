/**
 * Transactions kept open across a restart, against what a charger whose sessions come from its
 * state (an IEC 104 point table) reports as its connection comes up: the same session goes on
 * (same transactionId, seqNo continuing), an idle connector ends it at the last time it was known
 * running with the register read since, another session ends it where that one began, and a
 * session nobody saw start gets the charger's own start figures or says it has none. Until the
 * report, the loaded transaction sends nothing.
 */
import { describe, expect, it } from 'vitest';
import type { IdleAtConnectEvent, SessionStartedEvent } from '../../../../src/model/events.js';
import { continues, START_TIME_SLACK_MS } from '../../../../src/station/transactions/reconciliation.js';
import type { OpenTx } from '../../../../src/station/transactions/transaction-events.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { CAPS, ID, MIN, T0, ended, iso, measured, readings, started, transactions } from './transactions-harness.js';

const POINT_TABLE = { ...CAPS, transactionRecords: false, sessionsFromState: true };
const energy = (wh: number) => [{ measurand: 'energy' as const, value: wh }];
const running = (id: string, at: number, more: Partial<SessionStartedEvent> = {}): SessionStartedEvent => started(id, at, { alreadyRunning: {}, ...more });
const idle = (at: number, more: Partial<IdleAtConnectEvent> = {}): IdleAtConnectEvent => ({ type: 'idleAtConnect', connector: 1, at: iso(at), reason: 'other', ...more });

/** A store holding a transaction of session `A` on connector 1, begun at 1000 Wh, read at 1500 Wh two minutes in. */
async function before(): Promise<{ store: MemoryStore; transactionId: string }> {
  const store = new MemoryStore();
  const s = await transactions(store, { 'SampledDataCtrlr.TxUpdatedInterval': '60' }, POINT_TABLE);
  await s.tx.sessionStarted(started('A', T0, { meterStartWh: 1000 }));
  await s.tx.measurements(measured(T0 + 2 * MIN, energy(1500)));
  return { store, transactionId: s.tx.transactionOf(1) ?? '' };
}

describe('a transaction kept from before, against the charger’s first report', () => {
  it('goes on when the charger still charges with a register that continued: same transaction, seqNo continuing, nothing sent meanwhile', async () => {
    const { store, transactionId } = await before();
    const s = await transactions(store, { 'SampledDataCtrlr.TxUpdatedInterval': '60' }, POINT_TABLE);
    // Readings and states before the report belong to no event yet: the session may be another.
    await s.tx.measurements(measured(T0 + 10 * MIN, energy(2400)));
    expect(await s.events()).toHaveLength(2);

    await s.tx.sessionStarted(running('A-reconnected', T0 + 10 * MIN, { meterStartWh: 2400 }));
    expect(s.tx.transactionOf(1)).toBe(transactionId);
    expect(await s.events()).toHaveLength(2);
    expect(s.logs.map((l) => l.message)).toContain('transaction goes on: the charger is still charging its session');

    // The codec's id on this connection ends it.
    await s.tx.sessionEnded(ended('A-reconnected', T0 + 20 * MIN, { meterStopWh: 3000, reason: 'evDisconnected' }));
    const events = await s.events();
    expect(events.map((e) => [e.eventType, e.seqNo, e.transactionInfo.transactionId])).toEqual([
      ['Started', 0, transactionId],
      ['Updated', 1, transactionId],
      ['Ended', 2, transactionId],
    ]);
    expect(readings(events[2])).toEqual(['08:20 Energy.Active.Import.Register=3000']);
    expect(events[2]?.customData).toEqual({ vendorId: 'pilegate', legacyTransactionId: 'A' });
  });

  it('once it goes on, says the charging state the charger reported before its report, and follows it from there', async () => {
    const { store, transactionId } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.chargingState(1, 'suspendedEV', iso(T0 + 10 * MIN));
    expect(await s.events()).toHaveLength(2);
    await s.tx.sessionStarted(running('A-reconnected', T0 + 10 * MIN, { meterStartWh: 2400 }));
    // Back to the state the transaction had before: said too.
    await s.tx.chargingState(1, 'charging', iso(T0 + 12 * MIN));
    expect((await s.events()).slice(2).map((e) => [e.eventType, e.seqNo, e.timestamp, e.triggerReason, e.transactionInfo.chargingState, e.transactionInfo.transactionId])).toEqual([
      ['Updated', 2, iso(T0 + 10 * MIN), 'ChargingStateChanged', 'SuspendedEV', transactionId],
      ['Updated', 3, iso(T0 + 12 * MIN), 'ChargingStateChanged', 'Charging', transactionId],
    ]);
  });

  it('a state reported before an idle report or another session is not the kept transaction’s', async () => {
    const { store } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.chargingState(1, 'suspendedEVSE', iso(T0 + 10 * MIN));
    await s.tx.sessionStarted(running('B', T0 + 10 * MIN, { meterStartWh: 1400 }));
    const events = (await s.events()).slice(2);
    expect(events.map((e) => [e.eventType, e.transactionInfo.chargingState])).toEqual([
      ['Ended', 'EVConnected'],
      ['Started', 'Charging'],
      ['Updated', 'SuspendedEVSE'],
    ]);
    expect(events[2]?.transactionInfo.transactionId).toBe(events[1]?.transactionInfo.transactionId);
  });

  it('goes on after another restart too: the id of the newest connection is kept with it', async () => {
    const { store, transactionId } = await before();
    const second = await transactions(store, {}, POINT_TABLE);
    await second.tx.sessionStarted(running('A2', T0 + 5 * MIN, { meterStartWh: 1800 }));
    const third = await transactions(store, {}, POINT_TABLE);
    await third.tx.sessionStarted(running('A3', T0 + 8 * MIN, { meterStartWh: 2000 }));
    await third.tx.sessionEnded(ended('A3', T0 + 9 * MIN, { meterStopWh: 2100 }));
    expect((await third.events()).map((e) => [e.eventType, e.seqNo, e.transactionInfo.transactionId])).toEqual([
      ['Started', 0, transactionId],
      ['Updated', 1, transactionId],
      ['Ended', 2, transactionId],
    ]);
  });

  it('ends when the connector is idle: at the last time it was known running, with the register read since, reason Other and why', async () => {
    const { store, transactionId } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.idleAtConnect(idle(T0 + 30 * MIN, { meterWh: 2750, meterAt: iso(T0 + 30 * MIN + 200) }));
    expect(s.tx.transactionOf(1)).toBeUndefined();
    const end = (await s.events()).at(-1);
    expect(end).toMatchObject({
      eventType: 'Ended',
      seqNo: 2,
      // The periodic Updated at 08:02 was the last the gateway knew of it.
      timestamp: iso(T0 + 2 * MIN),
      triggerReason: 'ChargingStateChanged',
      transactionInfo: { transactionId, stoppedReason: 'Other' },
      customData: { vendorId: 'pilegate', legacyTransactionId: 'A', stoppedWhileAway: { lastSeenAt: iso(T0 + 2 * MIN), seenStoppedAt: iso(T0 + 30 * MIN), register: 'readAfter' } },
    });
    expect(readings(end)).toEqual(['08:30 Energy.Active.Import.Register=2750']);
  });

  it('answers a TriggerMessage while it waits without the new connection’s readings, and without taking the trigger for a sign of life', async () => {
    const { store } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    // A reading of the new connection before its report: it may be another session's.
    await s.tx.measurements(measured(T0 + 30 * MIN, energy(2750)));
    s.clock.advance(31 * MIN);
    expect(await s.tx.trigger()).toBe(true);
    const updated = (await s.events()).at(-1);
    expect(updated).toMatchObject({ eventType: 'Updated', seqNo: 2, timestamp: iso(T0 + 31 * MIN), triggerReason: 'Trigger' });
    expect(updated?.meterValue).toBeUndefined();
    await s.tx.idleAtConnect(idle(T0 + 32 * MIN, { meterWh: 2750, meterAt: iso(T0 + 32 * MIN) }));
    // Still the last time the gateway knew it charging, not the time of the trigger.
    expect((await s.events()).at(-1)).toMatchObject({ eventType: 'Ended', seqNo: 3, timestamp: iso(T0 + 2 * MIN), customData: { stoppedWhileAway: { lastSeenAt: iso(T0 + 2 * MIN) } } });
  });

  it('ends no earlier than a minute before the last reading taken during it, whatever the TxUpdatedInterval', async () => {
    const store = new MemoryStore();
    // No periodic Updated event: nothing else would write down that the transaction still ran.
    const first = await transactions(store, { 'SampledDataCtrlr.TxUpdatedInterval': '0' }, POINT_TABLE);
    await first.tx.sessionStarted(started('A', T0, { meterStartWh: 1000 }));
    for (const [at, wh] of [
      [T0 + 30_000, 1100],
      [T0 + 90_000, 1200],
      [T0 + 10 * MIN, 2000],
      [T0 + 10 * MIN + 20_000, 2050],
    ] as const)
      await first.tx.measurements(measured(at, energy(wh)));
    expect(await first.events()).toHaveLength(1);
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.idleAtConnect(idle(T0 + 30 * MIN, { meterWh: 2750, meterAt: iso(T0 + 30 * MIN) }));
    expect((await s.events()).at(-1)).toMatchObject({ eventType: 'Ended', seqNo: 1, timestamp: iso(T0 + 10 * MIN) });
  });

  it('writes nothing more for a charger with records of its own (YKC)', async () => {
    const store = new MemoryStore();
    const first = await transactions(store, { 'SampledDataCtrlr.TxUpdatedInterval': '0' });
    await first.tx.sessionStarted(started('R', T0, { meterStartWh: 1000 }));
    const kept = await store.get(ID, 'tx:1');
    await first.tx.measurements(measured(T0 + 10 * MIN, energy(2000)));
    expect(await store.get(ID, 'tx:1')).toEqual(kept);
  });

  it('ends with the reason the charger’s state gives (an active fault), and never with a register lower than it had read', async () => {
    const { store } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.idleAtConnect(idle(T0 + 30 * MIN, { meterWh: 20, meterAt: iso(T0 + 30 * MIN), reason: 'emergencyStop' }));
    const end = (await s.events()).at(-1);
    expect(end).toMatchObject({ triggerReason: 'AbnormalCondition', transactionInfo: { stoppedReason: 'EmergencyStop' }, customData: { stoppedWhileAway: { register: 'lastReadDuring' } } });
    expect(readings(end)).toEqual(['08:02 Energy.Active.Import.Register=1500']);
  });

  it('ends where the next session began when the charger charges another one, which starts with the charger’s own figures', async () => {
    const { store, transactionId } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.sessionStarted(running('B', T0 + 30 * MIN, { meterStartWh: 2900, alreadyRunning: { startedAt: iso(T0 + 20 * MIN), startWh: 2600 } }));
    const events = (await s.events()).slice(2);
    const fresh = s.tx.transactionOf(1);
    expect(fresh).not.toBe(transactionId);
    expect(events.map((e) => [e.eventType, e.seqNo, e.transactionInfo.transactionId])).toEqual([
      ['Ended', 2, transactionId],
      ['Started', 0, fresh],
    ]);
    expect(events[0]).toMatchObject({ timestamp: iso(T0 + 2 * MIN), transactionInfo: { stoppedReason: 'Other' } });
    expect(readings(events[0])).toEqual(['08:20 Energy.Active.Import.Register=2600']);
    expect(events[1]).toMatchObject({
      timestamp: iso(T0 + 20 * MIN),
      evse: { id: 1 },
      customData: { vendorId: 'pilegate', legacyTransactionId: 'B', startedWhileAway: { seenRunningAt: iso(T0 + 30 * MIN), startTime: 'charger', startRegister: 'charger' } },
    });
    expect(readings(events[1])).toEqual(['08:20 Energy.Active.Import.Register=2600']);
  });

  it('ends at its last reading when the register went back (a meter reset), and a new transaction starts with the first reading', async () => {
    const { store, transactionId } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    await s.tx.sessionStarted(running('B', T0 + 30 * MIN, { meterStartWh: 40, meterStartAt: iso(T0 + 30 * MIN + 300) }));
    const events = (await s.events()).slice(2);
    expect(events.map((e) => e.eventType)).toEqual(['Ended', 'Started']);
    expect(events[0]?.transactionInfo.transactionId).toBe(transactionId);
    expect(readings(events[0])).toEqual(['08:02 Energy.Active.Import.Register=1500']);
    expect(events[1]).toMatchObject({ timestamp: iso(T0 + 30 * MIN), customData: { startedWhileAway: { startTime: 'firstSeen', startRegister: 'firstReading' } } });
    // Stamped when it was read: it may hold energy of this session already.
    expect(events[1]?.meterValue?.[0]?.timestamp).toBe(iso(T0 + 30 * MIN + 300));
  });

  it('starts a session nobody saw start when no transaction is open', async () => {
    const s = await transactions(new MemoryStore(), {}, POINT_TABLE);
    await s.tx.sessionStarted(running('C', T0, { meterStartWh: 5000, alreadyRunning: { startedAt: iso(T0 - 5 * MIN) } }));
    const [start] = await s.events();
    // A start time without a start register: the register is the first reading, stamped when read.
    expect(start).toMatchObject({ eventType: 'Started', timestamp: iso(T0 - 5 * MIN), customData: { startedWhileAway: { startTime: 'charger', startRegister: 'firstReading' } } });
    expect(readings(start)).toEqual(['08:00 Energy.Active.Import.Register=5000']);
  });

  it('an idle report with nothing open, and a session seen live, change nothing kept from before', async () => {
    const s = await transactions(new MemoryStore(), {}, POINT_TABLE);
    await s.tx.idleAtConnect(idle(T0));
    expect(await s.events()).toEqual([]);
    await s.tx.sessionStarted(started('D', T0 + MIN, { meterStartWh: 10, meterStartAt: iso(T0 + MIN + 500) }));
    const [start] = await s.events();
    expect(start?.customData).toBeUndefined();
    expect(readings(start)).toEqual(['08:01 Energy.Active.Import.Register=10']);
    expect(start?.meterValue?.[0]?.timestamp).toBe(iso(T0 + MIN + 500));
  });

  it('holds nothing for a charger with records of its own (YKC): its transactions follow its records', async () => {
    const store = new MemoryStore();
    const first = await transactions(store, { 'SampledDataCtrlr.TxUpdatedInterval': '60' });
    await first.tx.sessionStarted(started('R', T0, { meterStartWh: 1000 }));
    const s = await transactions(store, { 'SampledDataCtrlr.TxUpdatedInterval': '60' });
    await s.tx.measurements(measured(T0 + 2 * MIN, energy(1500)));
    expect((await s.events()).map((e) => e.triggerReason)).toEqual(['ChargingStateChanged', 'MeterValuePeriodic']);
  });
});

describe('the charger’s own start figures', () => {
  it('are not believed where they cannot be true: a start after the session was seen running, a start register above the register read then', async () => {
    const { store, transactionId } = await before();
    const s = await transactions(store, {}, POINT_TABLE);
    // A charger clock eight hours ahead (a counter of local time) and a start register it cannot have had.
    await s.tx.sessionStarted(running('A2', T0 + 9 * MIN, { meterStartWh: 2000, alreadyRunning: { startedAt: iso(T0 + 8 * 60 * MIN), startWh: 5000 } }));
    expect(s.tx.transactionOf(1)).toBe(transactionId);
    expect(await s.events()).toHaveLength(2);
    expect(s.logs.filter((l) => l.level === 'warn').map((l) => [l.message, l.data])).toEqual([
      [
        "the charger's own start figures are not believed: they cannot be true",
        expect.objectContaining({ connector: 1, startedAt: iso(T0 + 8 * 60 * MIN), startWh: 5000, seenRunningAt: iso(T0 + 9 * MIN), meterWh: 2000 }),
      ],
    ]);
  });

  it('a session nobody saw start then starts when it was first seen, with its first reading', async () => {
    const s = await transactions(new MemoryStore(), {}, POINT_TABLE);
    await s.tx.sessionStarted(running('C', T0, { meterStartWh: 5000, alreadyRunning: { startedAt: iso(T0 + 8 * 60 * MIN), startWh: 5001 } }));
    const [start] = await s.events();
    expect(start).toMatchObject({ eventType: 'Started', timestamp: iso(T0), customData: { startedWhileAway: { startTime: 'firstSeen', startRegister: 'firstReading' } } });
    expect(readings(start)).toEqual(['08:00 Energy.Active.Import.Register=5000']);
  });

  it('a start time a little after the session was seen (the charger’s clock a little ahead) is believed', async () => {
    const s = await transactions(new MemoryStore(), {}, POINT_TABLE);
    await s.tx.sessionStarted(running('C', T0, { meterStartWh: 5000, alreadyRunning: { startedAt: iso(T0 + START_TIME_SLACK_MS), startWh: 5000 } }));
    expect((await s.events())[0]).toMatchObject({ timestamp: iso(T0 + START_TIME_SLACK_MS), customData: { startedWhileAway: { startTime: 'charger', startRegister: 'charger' } } });
  });
});

describe('continues', () => {
  const tx: OpenTx = {
    transactionId: 't',
    seqNo: 3,
    legacyTransactionId: 'A',
    startedAt: iso(T0),
    lastPeriodicAt: T0,
    chargingState: 'Charging',
    remote: false,
    lastEnergy: { wh: 1500, at: iso(T0 + 2 * MIN) },
    lastEventAt: iso(T0 + 3 * MIN),
  };

  it('takes a session with a register at least the last read, started no later and no higher, for the same', () => {
    expect(continues(tx, running('x', T0 + 9 * MIN, { meterStartWh: 1500 }))).toEqual({ same: true });
    expect(continues(tx, running('x', T0 + 9 * MIN, { meterStartWh: 9000, alreadyRunning: { startedAt: iso(T0 - 2000), startWh: 990 } }))).toEqual({ same: true });
    // The charger's clock may run a little ahead of the gateway's.
    expect(continues(tx, running('x', T0 + 9 * MIN, { alreadyRunning: { startedAt: iso(T0 + 3 * MIN + START_TIME_SLACK_MS) } }))).toEqual({ same: true });
    // Without figures to compare (nothing read), it is the same.
    expect(continues({ ...tx, lastEnergy: undefined }, running('x', T0 + 9 * MIN, { meterStartWh: 10 }))).toEqual({ same: true });
  });

  it('tells another session by a register gone back, a higher start register, or a later start time', () => {
    expect(continues(tx, running('x', T0 + 9 * MIN, { meterStartWh: 1499 }))).toMatchObject({ same: false, registerWentBack: true });
    expect(continues(tx, running('x', T0 + 9 * MIN, { meterStartWh: 3000, alreadyRunning: { startWh: 1510 } }))).toMatchObject({ same: false, registerWentBack: false });
    expect(continues(tx, running('x', T0 + 9 * MIN, { alreadyRunning: { startedAt: iso(T0 + 3 * MIN + START_TIME_SLACK_MS + 1000) } }))).toMatchObject({ same: false, registerWentBack: false });
  });
});
