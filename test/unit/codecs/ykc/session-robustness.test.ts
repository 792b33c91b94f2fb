/**
 * YKC session robustness: finished transactions stay finished, a gun's new transaction ends its
 * previous session (with waits for records off), frames for guns the pile does not have, records without a transaction number,
 * 0x52 work parameters (commit on success, limit expiry, clamping), 0x33 and 0x55 matching.
 */
import { describe, expect, it } from 'vitest';
import { realTimeFrame, recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { YKC_T0 as T0, ykcLoggedIn } from '../../../support/ykc-session.js';

const PILE = '20231212000010';
const X = `${PILE}01261125155900` + '0001';
const Y = `${PILE}01261125155900` + '0002';
const ZERO = '0'.repeat(32);

const record = (transactionNo: string, gun = '01', sequence = 7) =>
  recordFrame({ sequence, transactionNo, pileCode: PILE, gun, start: new Date(T0 - 3600_000), end: new Date(T0 - 1000), meterStartKwh: 0, meterEndKwh: 5, stopReason: 0x45 });

describe('YKC session: finished transactions', () => {
  it('a 0x13 still naming a recorded and confirmed transaction does not start it again', () => {
    const s = ykcLoggedIn(PILE, 2);
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 1 }));
    s.feed(record(X));
    s.session.command({ type: 'confirmRecord', id: 'r1', connector: 1, legacyTransactionId: X, accepted: true });
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 4 }));
    expect(s.take('sessionStarted')).toHaveLength(1);
    expect(s.take('sessionEnded')).toHaveLength(1);
  });

  it('on a fresh connection a stored 0x13 after the record and its confirmation starts nothing', () => {
    const s = ykcLoggedIn(PILE, 2);
    s.feed(record(X));
    s.session.command({ type: 'confirmRecord', id: 'r1', connector: 1, legacyTransactionId: X, accepted: true });
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 4 }));
    expect(s.take('sessionStarted')).toEqual([]);
    expect(s.take('sessionEnded')).toEqual([]);
  });

  it('a record received but not confirmed yet also finishes the transaction', () => {
    const s = ykcLoggedIn(PILE, 2);
    s.feed(record(X));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X }));
    expect(s.take('sessionStarted')).toEqual([]);
  });

  it('a late 0x33 success for a start attempt whose record came starts nothing', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.session.command({ type: 'startCharging', id: 'A', connector: 1 });
    const a = s.sentOf('remoteStart')[0]!.transactionNo;
    s.feed({ type: 'remoteStartResult', sequence: 1, transactionNo: a, pileCode: PILE, gun: '01', result: 0, failReason: 5 });
    s.feed(record(a));
    s.feed({ type: 'remoteStartResult', sequence: 2, transactionNo: a, pileCode: PILE, gun: '01', result: 1, failReason: 0 });
    expect(s.take('sessionStarted')).toEqual([]);
  });

  it('only the last 64 finished transactions are remembered', () => {
    const s = ykcLoggedIn(PILE, 1);
    const no = (i: number): string => `${PILE}01261125155900${String(i).padStart(4, '0')}`;
    for (let i = 1; i <= 65; i++) s.feed(record(no(i)));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: no(2) }));
    expect(s.take('sessionStarted')).toEqual([]);
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: no(1) }));
    expect(s.take('sessionStarted').map((e) => e.legacyTransactionId)).toEqual([no(1)]);
  });
});

describe('YKC session: a gun charging under a new transaction, without waiting for records', () => {
  it('ends the session it had before (reason other, last energy, record pending) and then starts the new one', () => {
    const s = ykcLoggedIn(PILE, 2, { recordWaitMs: 0 });
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 1.5 }));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 2.25 }));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '02', status: 3, plugged: 1, transactionNo: `${PILE}02261125155900` + '0003' }));
    s.clock.advance(1000);
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: Y, energyKwh: 0 }));
    const order = s.events.filter((e) => e.type === 'sessionStarted' || e.type === 'sessionEnded').map((e) => [e.type, e.connector, e.legacyTransactionId]);
    expect(order).toEqual([
      ['sessionStarted', 1, X],
      ['sessionStarted', 2, `${PILE}02261125155900` + '0003'],
      ['sessionEnded', 1, X],
      ['sessionStarted', 1, Y],
    ]);
    // At the time of the last frame that showed its energy.
    expect(s.take('sessionEnded')[0]).toMatchObject({ reason: 'other', meterStopWh: 2250, at: new Date(T0).toISOString(), recordPending: true });
    // A stale 0x13 of X (stored, sent late) ends nothing and starts nothing.
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 2.25 }));
    expect(s.take('sessionStarted')).toHaveLength(3);
    // X's record, coming later, ends nothing a second time.
    s.feed(record(X));
    expect(s.take('sessionEnded')).toHaveLength(1);
    expect(s.take('transactionRecord')).toHaveLength(1);
  });
});

describe('YKC session: guns the pile does not have', () => {
  it('frames for gun 0, a gun above the count or a non-decimal gun are dropped with an error', () => {
    const s = ykcLoggedIn(PILE, 2);
    const before = s.events.length;
    s.feed(realTimeFrame({ pileCode: PILE, gun: '03', status: 3, plugged: 1, transactionNo: X }));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '00', status: 3, plugged: 1, transactionNo: Y }));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '0A', status: 3, plugged: 1, transactionNo: Y }));
    s.feed({ type: 'startRequest', sequence: 3, pileCode: PILE, gun: '05', startMode: 1, passwordRequired: 0, cardNo: '00000000D14B0A54', passwordMd5: '', vin: '' });
    expect(s.events.slice(before)).toEqual([]);
    expect(s.errors.map((e) => e.code)).toEqual(['YKC_UNKNOWN_GUN', 'YKC_UNKNOWN_GUN', 'YKC_UNKNOWN_GUN', 'YKC_UNKNOWN_GUN']);
    expect(s.sentOf('startConfirm')).toEqual([]);
  });

  it('a gun field with 0xF right padding is that gun', () => {
    const s = ykcLoggedIn(PILE, 2);
    s.feed(realTimeFrame({ pileCode: PILE, gun: '2F', status: 3, plugged: 1, transactionNo: X }));
    expect(s.take('sessionStarted').map((e) => e.connector)).toEqual([2]);
    expect(s.errors).toEqual([]);
  });

  it('a record for an unknown gun is confirmed with 0x40 and logged, but forwards nothing', () => {
    const s = ykcLoggedIn(PILE, 2);
    s.feed(record(X, '03', 21));
    expect(s.take('transactionRecord')).toEqual([]);
    expect(s.errors.map((e) => e.code)).toEqual(['YKC_UNKNOWN_GUN']);
    expect(s.sentOf('transactionRecordConfirm')).toEqual([expect.objectContaining({ sequence: 21, transactionNo: X, result: 0 })]);
    expect(s.logs.some((l) => l.level === 'warn' && l.data?.['transactionNo'] === X)).toBe(true);
  });
});

describe('YKC session: records without a transaction number', () => {
  it('are confirmed with 0x40 and logged; no transactionRecord event', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.feed(
      recordFrame({ sequence: 12, transactionNo: ZERO, pileCode: PILE, start: new Date(T0 - 1000), end: new Date(T0), meterStartKwh: 0, meterEndKwh: 0, stopReason: 0x4b, physicalCardNo: 'D14B0A54' }),
    );
    expect(s.take('transactionRecord')).toEqual([]);
    expect(s.sentOf('transactionRecordConfirm')).toEqual([expect.objectContaining({ sequence: 12, transactionNo: ZERO, result: 0 })]);
    expect(s.logs.some((l) => l.level === 'warn' && l.data?.['transactionNo'] === ZERO)).toBe(true);
  });
});

describe('YKC session: 0x52 work parameters', () => {
  const rated = { ratedPowerW: 60_000, heartbeatIntervalMs: 10_000_000 };
  /** 0x51 to the last 0x52 sent, echoing its sequence (docs/protocols/ykc.md §1). */
  const answer = (s: ReturnType<typeof ykcLoggedIn>, result: number): void => s.feed({ type: 'workParamsAnswer', sequence: s.sentOf('workParams').at(-1)?.sequence ?? 0, pileCode: PILE, result });

  it('a limit with until is lifted (100 %) at until; that 0x52 resolves no command', () => {
    const s = ykcLoggedIn(PILE, 1, rated);
    const until = new Date(T0 + 60_000).toISOString();
    expect(s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' }, until })).toEqual({ status: 'sent' });
    answer(s, 1);
    s.clock.advance(59_999);
    expect(s.sentOf('workParams')).toHaveLength(1);
    s.clock.advance(1);
    expect(s.sentOf('workParams').map((f) => f.maxPowerPercent)).toEqual([50, 100]);
    answer(s, 1);
    expect(s.take('commandResult').map((r) => [r.commandId, r.status])).toEqual([['l1', 'accepted']]);
    // The pile's parameters are 100 % again: a later availability change carries that.
    s.session.command({ type: 'setAvailability', id: 'a1', connector: 0, available: false });
    expect(s.sentOf('workParams')[2]).toMatchObject({ disabled: 1, maxPowerPercent: 100 });
  });

  it('a new limit and the end of the connection cancel the pending lift', () => {
    const s = ykcLoggedIn(PILE, 1, rated);
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' }, until: new Date(T0 + 60_000).toISOString() });
    s.session.command({ type: 'setLimit', id: 'l2', connector: 0, limit: { value: 42_000, unit: 'W' } });
    s.clock.advance(3_600_000);
    expect(s.sentOf('workParams').map((f) => f.maxPowerPercent)).toEqual([50, 70]);
    const t = ykcLoggedIn(PILE, 1, rated);
    t.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' }, until: new Date(T0 + 60_000).toISOString() });
    t.session.stop('closed');
    t.clock.advance(3_600_000);
    expect(t.sentOf('workParams')).toHaveLength(1);
  });

  it('an until in the past or not a time is rejected', () => {
    const s = ykcLoggedIn(PILE, 1, rated);
    expect(s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' }, until: new Date(T0).toISOString() }).status).toBe('rejected');
    expect(s.session.command({ type: 'setLimit', id: 'l2', connector: 0, limit: { value: 30_000, unit: 'W' }, until: 'soon' }).status).toBe('rejected');
    expect(s.sentOf('workParams')).toEqual([]);
  });

  it('a limit below the pile minimum is sent as 30 % and its accepted result says so', () => {
    const s = ykcLoggedIn(PILE, 1, rated);
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 0, unit: 'W' } });
    expect(s.sentOf('workParams')[0]).toMatchObject({ maxPowerPercent: 30 });
    answer(s, 1);
    const [r] = s.take('commandResult');
    expect(r).toMatchObject({ commandId: 'l1', status: 'accepted' });
    expect(r?.reason).toMatch(/clamped to 30 % \(18000 W\)/);
    s.session.command({ type: 'setLimit', id: 'l2', connector: 0, limit: { value: 30_000, unit: 'W' } });
    answer(s, 1);
    expect(s.take('commandResult')[1]).not.toHaveProperty('reason');
  });

  it('a rejected or unanswered 0x52 leaves the pile parameters as they were', () => {
    const s = ykcLoggedIn(PILE, 1, { ...rated, commandTimeoutMs: 1000 });
    s.session.command({ type: 'setAvailability', id: 'a1', connector: 0, available: false });
    answer(s, 0);
    expect(s.take('commandResult')[0]).toMatchObject({ commandId: 'a1', status: 'rejected' });
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' } });
    expect(s.sentOf('workParams')[1]).toMatchObject({ disabled: 0, maxPowerPercent: 50 });
    s.clock.advance(1000);
    expect(s.take('commandResult')[1]).toMatchObject({ commandId: 'l1', status: 'timeout' });
    s.session.command({ type: 'setAvailability', id: 'a2', connector: 0, available: false });
    expect(s.sentOf('workParams')[2]).toMatchObject({ disabled: 1, maxPowerPercent: 100 });
  });

  it('a 0x52 sent while another waits builds on that proposal', () => {
    const s = ykcLoggedIn(PILE, 1, rated);
    s.session.command({ type: 'setAvailability', id: 'a1', connector: 0, available: false });
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' } });
    expect(s.sentOf('workParams')[1]).toMatchObject({ disabled: 1, maxPowerPercent: 50 });
  });
});

describe('YKC session: answers matched to their command', () => {
  it('a 0x33 for another known transaction does not answer a start waiting on the same gun', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.session.command({ type: 'startCharging', id: 'A', connector: 1 });
    const a = s.sentOf('remoteStart')[0]!.transactionNo;
    s.feed({ type: 'remoteStartResult', sequence: 1, transactionNo: a, pileCode: PILE, gun: '01', result: 0, failReason: 5 });
    s.session.command({ type: 'startCharging', id: 'B', connector: 1 });
    s.feed({ type: 'remoteStartResult', sequence: 2, transactionNo: a, pileCode: PILE, gun: '01', result: 1, failReason: 0 });
    expect(s.take('commandResult').map((r) => [r.commandId, r.status])).toEqual([['A', 'accepted']]);
  });

  it('a 0x33 with an all-zero transaction number answers the start waiting on its gun', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.session.command({ type: 'startCharging', id: 'A', connector: 1 });
    s.feed({ type: 'remoteStartResult', sequence: 1, transactionNo: ZERO, pileCode: PILE, gun: '01', result: 0, failReason: 3 });
    expect(s.take('commandResult').map((r) => [r.commandId, r.status])).toEqual([['A', 'rejected']]);
  });

  it('the answer to the session own time sync resolves no setClock; the setClock answer does', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.session.command({ type: 'setClock', id: 'k1', time: new Date(T0 + 5000).toISOString() });
    const [auto, set] = s.sentOf('timeSync');
    s.feed({ type: 'timeSyncAnswer', sequence: auto!.sequence, pileCode: PILE, time: auto!.time });
    expect(s.take('commandResult')).toEqual([]);
    expect(s.take('clockReport')).toHaveLength(1);
    // Echoed byte-swapped, as some chargers do.
    s.feed({ type: 'timeSyncAnswer', sequence: ((set!.sequence & 0xff) << 8) | (set!.sequence >> 8), pileCode: PILE, time: set!.time });
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 'k1', status: 'accepted' })]);
  });

  it('a 0x55 with a sequence matching nothing answers the oldest setClock', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.session.command({ type: 'setClock', id: 'k1', time: new Date(T0 + 5000).toISOString() });
    const set = s.sentOf('timeSync')[1]!;
    s.feed({ type: 'timeSyncAnswer', sequence: 0x4242, pileCode: PILE, time: set.time });
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 'k1', status: 'accepted' })]);
  });
});
