/**
 * YKC session: which command an answer frame answers (issue 12, point 2). The frame's sequence
 * first (a reply echoes its request's, docs/protocols/ykc.md §1, verbatim or byte-swapped), then what the answer
 * carries (the transaction of a 0x33, the gun of a 0x33 / 0x35), and only then the oldest command
 * of its kind, logged. A pile that ignores one command and answers the next has that answer
 * credited to the next; an answer to a command the codec gave up on is reported late, never
 * credited to another one. The codec's own time-out (default 8 s) ends before the station's wait.
 */
import { describe, expect, it } from 'vitest';
import type { YkcFrame } from '../../../../codecs/ykc/index.js';
import type { YkcOptions } from '../../../../codecs/ykc/session.js';
import { ykcLoggedIn, type YkcSessionHarness } from '../../../support/ykc-session.js';

const PILE = '20231212000012';
const ZERO = '0'.repeat(32);

/** A logged-in two-gun pile; `results()` gives the command results since the last call. */
function loggedIn(options: YkcOptions = {}, guns = 2): YkcSessionHarness & { results: () => [string, string, string?][] } {
  const h = ykcLoggedIn(PILE, guns, { ratedPowerW: 60_000, heartbeatIntervalMs: 10_000_000, ...options });
  let seen = 0;
  const results = (): [string, string, string?][] => {
    const all = h.take('commandResult');
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh.map((r) => (r.reason === undefined ? [r.commandId, r.status] : [r.commandId, r.status, r.reason]));
  };
  return { ...h, results };
}

/** The sequence of the last frame of `type` the session sent. */
function seqOf(s: YkcSessionHarness, type: YkcFrame['type']): number {
  const f = s.sent.filter((x) => x.type === type).at(-1);
  if (f === undefined) throw new Error(`no ${type} sent`);
  return f.sequence;
}

const matchedLogs = (s: YkcSessionHarness) => s.logs.filter((l) => l.message === 'ykc answer matched without its sequence');

describe('YKC answers matched by the sequence they echo', () => {
  it('0x91: a pile that ignores one reboot and refuses the next has the refusal credited to the next; the first times out after 8 s', () => {
    const s = loggedIn();
    s.session.command({ type: 'reset', id: 'r1', kind: 'hard' });
    s.session.command({ type: 'reset', id: 'r2', kind: 'soft' });
    s.feed({ type: 'rebootAnswer', sequence: seqOf(s, 'reboot'), pileCode: PILE, result: 0 });
    expect(s.results()).toEqual([['r2', 'rejected']]);
    s.clock.advance(7_999);
    expect(s.results()).toEqual([]);
    s.clock.advance(1);
    expect(s.results()).toEqual([['r1', 'timeout', 'no answer within 8000 ms']]);
    expect(matchedLogs(s)).toEqual([]);
  });

  it('0x51: the answer to the second 0x52 settles the second; the pile parameters are those of the 0x52 it confirmed', () => {
    const s = loggedIn();
    s.session.command({ type: 'setAvailability', id: 'a1', connector: 0, available: false });
    const first = seqOf(s, 'workParams');
    s.session.command({ type: 'setAvailability', id: 'a2', connector: 0, available: true });
    s.feed({ type: 'workParamsAnswer', sequence: seqOf(s, 'workParams'), pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([['a2', 'accepted']]);
    // Echoed byte-swapped (docs/protocols/ykc.md §9 #2): still the first's.
    s.feed({ type: 'workParamsAnswer', sequence: ((first & 0xff) << 8) | (first >> 8), pileCode: PILE, result: 0 });
    expect(s.results()).toEqual([['a1', 'rejected']]);
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' } });
    expect(s.sentOf('workParams').at(-1)).toMatchObject({ disabled: 0, maxPowerPercent: 50 });
  });

  it('0x51: a later 0x52 the pile confirmed carries what an earlier unanswered one asked: both are confirmed', () => {
    const s = loggedIn();
    s.session.command({ type: 'setAvailability', id: 'a1', connector: 0, available: false });
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' } });
    expect(s.sentOf('workParams').map((f) => `${f.disabled}/${f.maxPowerPercent}`)).toEqual(['1/100', '1/50']);
    s.feed({ type: 'workParamsAnswer', sequence: seqOf(s, 'workParams'), pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([
      ['l1', 'accepted'],
      ['a1', 'accepted', 'the pile did not answer this 0x52 but confirmed a later one carrying the same parameters'],
    ]);
  });

  it('0x35: the stop whose 0x36 the answer echoes; without a known sequence the stop waiting on its gun, logged', () => {
    const s = loggedIn();
    s.session.command({ type: 'stopCharging', id: 's1', connector: 1 });
    s.session.command({ type: 'stopCharging', id: 's2', connector: 1 });
    s.feed({ type: 'remoteStopResult', sequence: seqOf(s, 'remoteStop'), pileCode: PILE, gun: '01', result: 1, failReason: 0 });
    expect(s.results()).toEqual([['s2', 'accepted']]);
    s.session.command({ type: 'stopCharging', id: 's3', connector: 2 });
    s.feed({ type: 'remoteStopResult', sequence: 0x4242, pileCode: PILE, gun: '02', result: 0, failReason: 2 });
    expect(s.results()).toEqual([['s3', 'rejected', 'notCharging']]);
    expect(matchedLogs(s).map((l) => l.data)).toEqual([expect.objectContaining({ type: 'remoteStopResult', sequence: 0x4242, commandId: 's3', by: 'gun', candidates: 1 })]);
  });

  it('0x33 with no transaction of its own: the start whose 0x34 it echoes, not the oldest on the gun', () => {
    const s = loggedIn();
    s.session.command({ type: 'startCharging', id: 'A', connector: 1 });
    s.session.command({ type: 'startCharging', id: 'B', connector: 1 });
    s.feed({ type: 'remoteStartResult', sequence: seqOf(s, 'remoteStart'), transactionNo: ZERO, pileCode: PILE, gun: '01', result: 0, failReason: 3 });
    expect(s.results()).toEqual([['B', 'rejected', 'deviceFault']]);
  });

  it('0x57: the billing model answered is the one whose 0x58 the answer echoes, and that model is used afterwards', () => {
    const s = loggedIn();
    const periods = (price: number) => [{ from: '00:00', energyPrice: price, servicePrice: 10 }];
    s.session.command({ type: 'setTariff', id: 't1', tariffId: '7', periods: periods(50) });
    s.session.command({ type: 'setTariff', id: 't2', tariffId: '8', periods: periods(60) });
    const second = seqOf(s, 'billingModelSet');
    s.feed({ type: 'billingModelSetAnswer', sequence: second - 1, pileCode: PILE, result: 1 });
    s.feed({ type: 'billingModelSetAnswer', sequence: second, pileCode: PILE, result: 0 });
    expect(s.results()).toEqual([
      ['t1', 'accepted'],
      ['t2', 'rejected'],
    ]);
    s.feed({ type: 'billingModelRequest', sequence: 9, pileCode: PILE });
    expect(s.sentOf('billingModelAnswer').at(-1)).toMatchObject({ billingModelId: '0007' });
  });

  it('0x43: the setLocalList whose 0x44 the answer echoes', () => {
    const s = loggedIn();
    s.session.command({ type: 'setLocalList', id: 'L1', update: 'differential', add: [{ id: 'AA000001', type: 'card' }], remove: [] });
    s.session.command({ type: 'setLocalList', id: 'L2', update: 'differential', add: [{ id: 'AA000002', type: 'card' }], remove: [] });
    s.feed({ type: 'offlineCardSyncAnswer', sequence: seqOf(s, 'offlineCardSync'), pileCode: PILE, result: 1, failReason: 0 });
    expect(s.results()).toEqual([['L2', 'accepted']]);
  });

  it('0x45 with an unknown sequence: the clear naming the same cards', () => {
    const s = loggedIn();
    s.session.command({ type: 'setLocalList', id: 'L1', update: 'differential', add: [], remove: [{ id: 'AA000001', type: 'card' }] });
    s.session.command({ type: 'setLocalList', id: 'L2', update: 'differential', add: [], remove: [{ id: 'AA000002', type: 'card' }] });
    s.feed({ type: 'offlineCardClearAnswer', sequence: 0x4242, pileCode: PILE, results: [{ physicalCardNo: '00000000AA000002', cleared: 1, failReason: 0 }] });
    expect(s.results()).toEqual([['L2', 'accepted']]);
  });
});

describe('YKC answers that nothing identifies, and late answers', () => {
  it('an answer echoing no known sequence goes to the oldest command of its kind, and the log says so', () => {
    const s = loggedIn();
    s.session.command({ type: 'reset', id: 'r1', kind: 'hard' });
    s.session.command({ type: 'reset', id: 'r2', kind: 'hard' });
    s.feed({ type: 'rebootAnswer', sequence: 0x4242, pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([['r1', 'accepted']]);
    expect(matchedLogs(s)).toEqual([expect.objectContaining({ level: 'warn', data: expect.objectContaining({ type: 'rebootAnswer', commandId: 'r1', by: 'oldest', candidates: 2 }) })]);
  });

  it('an answer to a command the codec gave up on is that command late result, not the next command answer', () => {
    const s = loggedIn({ commandTimeoutMs: 1_000 });
    s.session.command({ type: 'reset', id: 'r1', kind: 'hard' });
    const first = seqOf(s, 'reboot');
    s.clock.advance(1_000);
    s.session.command({ type: 'reset', id: 'r2', kind: 'hard' });
    s.feed({ type: 'rebootAnswer', sequence: first, pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([
      ['r1', 'timeout', 'no answer within 1000 ms'],
      ['r1', 'accepted'],
    ]);
    // Said again: nothing more.
    s.feed({ type: 'rebootAnswer', sequence: first, pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([]);
    s.feed({ type: 'rebootAnswer', sequence: seqOf(s, 'reboot'), pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([['r2', 'accepted']]);
  });

  it('a late 0x51 success makes its 0x52 the pile parameters', () => {
    const s = loggedIn({ commandTimeoutMs: 1_000 });
    s.session.command({ type: 'setAvailability', id: 'a1', connector: 0, available: false });
    const first = seqOf(s, 'workParams');
    s.clock.advance(1_000);
    s.feed({ type: 'workParamsAnswer', sequence: first, pileCode: PILE, result: 1 });
    expect(s.results()).toEqual([
      ['a1', 'timeout', 'no answer within 1000 ms'],
      ['a1', 'accepted'],
    ]);
    s.session.command({ type: 'setLimit', id: 'l1', connector: 0, limit: { value: 30_000, unit: 'W' } });
    expect(s.sentOf('workParams').at(-1)).toMatchObject({ disabled: 1, maxPowerPercent: 50 });
  });

  it('an answer naming another pile answers no command', () => {
    const s = loggedIn();
    s.session.command({ type: 'reset', id: 'r1', kind: 'hard' });
    s.feed({ type: 'rebootAnswer', sequence: seqOf(s, 'reboot'), pileCode: '99999999999999', result: 1 });
    expect(s.results()).toEqual([]);
    expect(s.logs).toContainEqual(
      expect.objectContaining({
        level: 'warn',
        message: 'ykc frames naming another pile than the logged-in one are ignored (logged once, counted)',
        data: expect.objectContaining({ pileCode: '99999999999999' }),
      }),
    );
  });
});
