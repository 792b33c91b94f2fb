/**
 * YKC session: a gun charging under a new transaction before the record of the session it had
 * waits for that record (`recordWaitMs`): the previous session stays open, the next one starts only
 * after it ended, the gun's real-time data meanwhile is kept back (faults excepted) and its latest
 * frame replayed; past the wait the previous session ends on its last real-time energy with
 * `recordPending`.
 */
import { describe, expect, it } from 'vitest';
import type { ChargerEvent } from '../../../../src/model/events.js';
import { realTimeFrame, recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { YKC_T0 as T0, ykcLoggedIn } from '../../../support/ykc-session.js';

const PILE = '20231212000010';
const X = `${PILE}01261125155900` + '0001';
const Y = `${PILE}01261125155900` + '0002';
const Z = `${PILE}01261125155900` + '0003';

const charging = (transactionNo: string, energyKwh: number, hardwareFaults = 0) =>
  realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo, energyKwh, voltageV: 380, currentA: 20, hardwareFaults });
const record = (transactionNo: string, meterEndKwh: number, sequence = 7) =>
  recordFrame({ sequence, transactionNo, pileCode: PILE, gun: '01', start: new Date(T0 - 600_000), end: new Date(T0 - 1000), meterStartKwh: 0, meterEndKwh, stopReason: 0x41 });
const sessions = (events: readonly ChargerEvent[]): unknown[] =>
  events.flatMap((e) => (e.type === 'sessionStarted' || e.type === 'sessionEnded' || e.type === 'transactionRecord' ? [[e.type, e.legacyTransactionId]] : []));

describe('YKC session: waiting for the record of the previous session', () => {
  it('the record decides: previous session ended by it, then the next one starts as of when it was first seen, its latest data replayed', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.clock.advance(1000);
    const before = s.events.length;
    s.feed(charging(Y, 0));
    const firstSeen = new Date(T0 + 1000).toISOString();
    s.clock.advance(5000);
    s.feed(charging(Y, 0.02, 0b10));
    // Nothing of Y yet (no session, no measurements, no status); the fault is the gun's and goes now.
    expect(s.events.slice(before).map((e) => e.type)).toEqual(['fault']);
    s.clock.advance(1000);
    s.feed(record(X, 2.44));
    expect(sessions(s.events)).toEqual([
      ['sessionStarted', X],
      ['transactionRecord', X],
      ['sessionEnded', X],
      ['sessionStarted', Y],
    ]);
    expect(s.take('sessionStarted')[1]).toMatchObject({ legacyTransactionId: Y, at: firstSeen, meterStartWh: 0 });
    expect(s.take('sessionEnded')[0]).toMatchObject({ meterStopWh: 2440, reason: 'socLimitReached' });
    expect(s.take('sessionEnded')[0]?.recordPending).toBeUndefined();
    // The latest frame of Y, replayed after Y started: its energy, as of when it came.
    const last = s.take('measurements').at(-1);
    expect(last).toMatchObject({ at: new Date(T0 + 6000).toISOString() });
    expect(last?.values.find((v) => v.measurand === 'energy')?.value).toBe(20);
    // The gun goes on normally: Y's frames are Y's.
    s.feed(charging(Y, 0.05));
    expect(
      s
        .take('measurements')
        .at(-1)
        ?.values.find((v) => v.measurand === 'energy')?.value,
    ).toBe(50);
    expect(s.take('sessionStarted')).toHaveLength(2);
    // Raised once while kept back (not again by the replay), cleared by the frame without it.
    expect(s.take('fault').map((e) => e.active)).toEqual([true, false]);
  });

  it('past the wait: the previous session ends on its last real-time energy (recordPending), then the next one starts; the record later is still forwarded', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.clock.advance(2000);
    s.feed(charging(X, 2.25));
    s.clock.advance(1000);
    s.feed(charging(Y, 0));
    s.clock.advance(29_999);
    expect(s.take('sessionEnded')).toEqual([]);
    s.clock.advance(1);
    expect(sessions(s.events)).toEqual([
      ['sessionStarted', X],
      ['sessionEnded', X],
      ['sessionStarted', Y],
    ]);
    // Ended at the frame that last showed its energy; Y started as of its first frame.
    expect(s.take('sessionEnded')[0]).toMatchObject({ reason: 'other', meterStopWh: 2250, at: new Date(T0 + 2000).toISOString(), recordPending: true });
    expect(s.take('sessionStarted')[1]).toMatchObject({ legacyTransactionId: Y, at: new Date(T0 + 3000).toISOString() });
    s.feed(record(X, 2.44));
    expect(s.take('transactionRecord').map((e) => [e.legacyTransactionId, e.meterStopWh])).toEqual([[X, 2440]]);
    expect(s.take('sessionEnded')).toHaveLength(1);
  });

  it("the next session does not start before the previous one ended: its start moves to the previous end, but never past the gateway's clock", () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.clock.advance(1000);
    s.feed(charging(Y, 0));
    s.clock.advance(9000);
    // The pile's clock runs 8 s ahead: X ended at T0 + 16 s by its clock, Y was seen at T0 + 1 s.
    s.feed(recordFrame({ sequence: 7, transactionNo: X, pileCode: PILE, gun: '01', start: new Date(T0 - 600_000), end: new Date(T0 + 16_000), meterStartKwh: 0, meterEndKwh: 2, stopReason: 0x41 }));
    const ended = s.take('sessionEnded')[0];
    const started = s.take('sessionStarted')[1];
    expect(ended?.at).toBe(new Date(T0 + 16_000).toISOString());
    // Not in the future either: the record came at T0 + 10 s.
    expect(started).toMatchObject({ legacyTransactionId: Y, at: new Date(T0 + 10_000).toISOString() });
    // Past the wait: the previous session ends on its last frame, which may have come after the next was first seen.
    const t = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    t.feed(charging(X, 1.5));
    t.clock.advance(1000);
    t.feed(charging(Y, 0));
    t.clock.advance(2000);
    t.feed(charging(X, 1.75));
    t.clock.advance(30_000);
    expect(t.take('sessionEnded')[0]).toMatchObject({ at: new Date(T0 + 3000).toISOString(), recordPending: true });
    expect(t.take('sessionStarted')[1]).toMatchObject({ legacyTransactionId: Y, at: new Date(T0 + 3000).toISOString() });
  });

  it('a late frame of the previous session during the wait updates its energy; the next session reported by its own record first is not started', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.feed(charging(Y, 0));
    s.feed(charging(X, 1.75));
    s.feed(recordFrame({ sequence: 9, transactionNo: Y, pileCode: PILE, gun: '01', start: new Date(T0), end: new Date(T0 + 1000), meterStartKwh: 0, meterEndKwh: 0.01, stopReason: 0x45 }));
    s.clock.advance(30_000);
    expect(sessions(s.events)).toEqual([
      ['sessionStarted', X],
      ['transactionRecord', Y],
      ['sessionEnded', X],
    ]);
    expect(s.take('sessionEnded')[0]).toMatchObject({ meterStopWh: 1750, recordPending: true });
  });

  it('a third transaction during the wait becomes the one started after it', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.feed(charging(Y, 0));
    s.clock.advance(1000);
    s.feed(charging(Z, 0));
    s.feed(record(X, 2));
    expect(sessions(s.events)).toEqual([
      ['sessionStarted', X],
      ['transactionRecord', X],
      ['sessionEnded', X],
      ['sessionStarted', Z],
    ]);
    expect(s.logs.some((l) => l.level === 'warn' && l.data?.['skipped'] === Y)).toBe(true);
  });

  it("a remote start confirmed (0x33) during the previous session's wait starts after its record too", () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.session.command({ type: 'startCharging', id: 'start-1', connector: 1 });
    const next = s.sentOf('remoteStart')[0]?.transactionNo ?? '';
    s.feed({ type: 'remoteStartResult', sequence: s.sentOf('remoteStart')[0]?.sequence ?? 0, transactionNo: next, pileCode: PILE, gun: '01', result: 1, failReason: 0 });
    expect(s.take('commandResult').map((e) => [e.commandId, e.status])).toEqual([['start-1', 'accepted']]);
    expect(s.take('sessionStarted').map((e) => e.legacyTransactionId)).toEqual([X]);
    s.feed(charging(next, 0.01));
    s.feed(record(X, 2));
    expect(sessions(s.events)).toEqual([
      ['sessionStarted', X],
      ['transactionRecord', X],
      ['sessionEnded', X],
      ['sessionStarted', next],
    ]);
    expect(s.take('sessionStarted')[1]).toMatchObject({ commandId: 'start-1', at: new Date(T0).toISOString() });
  });

  it('a stop for the connector during the wait is refused: the transaction the CSMS knows there is over', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.feed(charging(Y, 0));
    expect(s.session.command({ type: 'stopCharging', id: 'stop-1', connector: 1 })).toMatchObject({ status: 'rejected' });
    expect(s.sentOf('remoteStop')).toEqual([]);
    s.feed(record(X, 2));
    expect(s.session.command({ type: 'stopCharging', id: 'stop-2', connector: 1 })).toEqual({ status: 'sent' });
  });

  it('the connection closing stops the wait (nothing more is emitted)', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.feed(charging(Y, 0));
    const n = s.events.length;
    s.session.stop('test');
    s.clock.advance(60_000);
    expect(s.events.length).toBe(n);
  });

  it('another gun is not held back by a wait on gun 1', () => {
    const s = ykcLoggedIn(PILE, 2, { recordWaitMs: 30_000 });
    s.feed(charging(X, 1.5));
    s.feed(charging(Y, 0));
    const other = `${PILE}02261125155900` + '0004';
    s.feed(realTimeFrame({ pileCode: PILE, gun: '02', status: 3, plugged: 1, transactionNo: other, energyKwh: 0.5 }));
    expect(s.take('sessionStarted').map((e) => [e.connector, e.legacyTransactionId])).toEqual([
      [1, X],
      [2, other],
    ]);
  });
});
