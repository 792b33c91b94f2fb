/**
 * YKC session: the canonical `setLocalList` as offline-card frames (0x46 clear, 0x44 sync), split
 * to the frames' limits, a full list clearing what this connection pushed before, and one
 * `commandResult` once every 0x45 / 0x43 answer came.
 */
import { describe, expect, it } from 'vitest';
import type { YkcFrame } from '../../../../codecs/ykc/index.js';
import type { YkcOptions } from '../../../../codecs/ykc/session.js';
import type { ChargerEvent } from '../../../../src/model/events.js';
import { ykcLoggedIn } from '../../../support/ykc-session.js';

const PILE = '20231212000011';

function loggedIn(options: YkcOptions = {}) {
  const h = ykcLoggedIn(PILE, 1, options);
  h.sent.length = 0;
  const results = (): Extract<ChargerEvent, { type: 'commandResult' }>[] => h.take('commandResult');
  const cardFrames = (): YkcFrame[] => h.sent.filter((f) => f.type === 'offlineCardSync' || f.type === 'offlineCardClear');
  return { ...h, results, cardFrames };
}

const cards = (n: number, prefix = 'AB'): { id: string; type: 'card' }[] => Array.from({ length: n }, (_, i) => ({ id: `${prefix}${String(i).padStart(6, '0')}`, type: 'card' as const }));

/** Answers every offline-card frame sent so far as the pile would (all saved / cleared). */
function answerAll(s: ReturnType<typeof loggedIn>, from = 0): void {
  for (const f of s.cardFrames().slice(from)) {
    if (f.type === 'offlineCardSync') s.feed({ type: 'offlineCardSyncAnswer', sequence: f.sequence, pileCode: PILE, result: 1, failReason: 0 });
    if (f.type === 'offlineCardClear')
      s.feed({ type: 'offlineCardClearAnswer', sequence: f.sequence, pileCode: PILE, results: f.cards.map((physicalCardNo) => ({ physicalCardNo, cleared: 1, failReason: 0 })) });
  }
}

describe('YKC offline-card list', () => {
  it('advertises setLocalList', () => {
    expect(loggedIn().session.capabilities.commands.has('setLocalList')).toBe(true);
  });

  it('pushes a full list in 0x44 frames of at most 15 cards, logical number = the card when decimal, else zeros', () => {
    const s = loggedIn();
    const add = [...cards(16), { id: '1234567890', type: 'card' as const }];
    expect(s.session.command({ type: 'setLocalList', id: 'L1', update: 'full', add, remove: [] })).toEqual({ status: 'sent' });
    const frames = s.cardFrames();
    expect(frames.map((f) => [f.type, f.type === 'offlineCardSync' ? f.cards.length : 0])).toEqual([
      ['offlineCardSync', 15],
      ['offlineCardSync', 2],
    ]);
    const second = frames[1];
    if (second?.type !== 'offlineCardSync') throw new Error('no second 0x44');
    expect(second.cards).toEqual([
      { logicalCardNo: '0000000000000000', physicalCardNo: '00000000AB000015' },
      { logicalCardNo: '0000001234567890', physicalCardNo: '0000001234567890' },
    ]);
    expect(s.results()).toEqual([]);
    answerAll(s);
    expect(s.results()).toEqual([{ type: 'commandResult', commandId: 'L1', status: 'accepted' }]);
    expect(s.errors).toEqual([]);
  });

  it('a full list clears (0x46) the cards pushed before that leave it and the ones the command removes, then pushes', () => {
    const s = loggedIn();
    s.session.command({ type: 'setLocalList', id: 'L1', update: 'full', add: cards(3), remove: [] });
    answerAll(s);
    const before = s.cardFrames().length;
    s.session.command({ type: 'setLocalList', id: 'L2', update: 'full', add: [{ id: 'AB000001', type: 'card' }], remove: [{ id: 'CAFE', type: 'card' }] });
    const frames = s.cardFrames().slice(before);
    expect(frames.map((f) => f.type)).toEqual(['offlineCardClear', 'offlineCardSync']);
    expect(frames[0]?.type === 'offlineCardClear' ? [...frames[0].cards].sort() : []).toEqual(['000000000000CAFE', '00000000AB000000', '00000000AB000002']);
    answerAll(s, before);
    expect(s.results().at(-1)).toEqual({ type: 'commandResult', commandId: 'L2', status: 'accepted' });
  });

  it('a differential clears the removed cards and pushes the added ones; non-card tokens are skipped and named', () => {
    const s = loggedIn();
    s.session.command({
      type: 'setLocalList',
      id: 'D1',
      update: 'differential',
      add: [
        { id: 'D14B0A54', type: 'card' },
        { id: 'APP-1', type: 'app' },
      ],
      remove: cards(25, 'CD'),
    });
    const frames = s.cardFrames();
    expect(frames.map((f) => [f.type, f.type === 'offlineCardSync' ? f.cards.length : f.type === 'offlineCardClear' ? f.cards.length : 0])).toEqual([
      ['offlineCardClear', 24],
      ['offlineCardClear', 1],
      ['offlineCardSync', 1],
    ]);
    answerAll(s);
    expect(s.results()).toEqual([{ type: 'commandResult', commandId: 'D1', status: 'accepted', reason: 'not cards: app:APP-1' }]);
  });

  it('reports refusals from 0x43 / 0x45, a timeout without answers, and nothing to send', () => {
    const s = loggedIn({ commandTimeoutMs: 1_000 });
    s.session.command({ type: 'setLocalList', id: 'R1', update: 'differential', add: cards(1), remove: cards(1, 'EE') });
    const [clear, sync] = s.cardFrames();
    if (clear?.type !== 'offlineCardClear' || sync?.type !== 'offlineCardSync') throw new Error('frames');
    s.feed({ type: 'offlineCardClearAnswer', sequence: clear.sequence, pileCode: PILE, results: [{ physicalCardNo: clear.cards[0] ?? '', cleared: 0, failReason: 1 }] });
    s.feed({ type: 'offlineCardSyncAnswer', sequence: sync.sequence, pileCode: PILE, result: 0, failReason: 2 });
    expect(s.results()).toEqual([{ type: 'commandResult', commandId: 'R1', status: 'rejected', reason: '0x46 did not clear 00000000EE000000 (bad card format); 0x44 refused: storage full' }]);

    s.session.command({ type: 'setLocalList', id: 'T1', update: 'differential', add: cards(1), remove: [] });
    s.clock.advance(1_000);
    expect(s.results().at(-1)).toMatchObject({ commandId: 'T1', status: 'timeout' });

    s.session.command({ type: 'setLocalList', id: 'N1', update: 'differential', add: [], remove: [] });
    expect(s.results().at(-1)).toEqual({ type: 'commandResult', commandId: 'N1', status: 'completed', reason: 'nothing to send' });
  });

  it('renders cards as decimal 64-bit numbers with cardFormat int64le', () => {
    const s = loggedIn({ cardFormat: 'int64le' });
    s.session.command({ type: 'setLocalList', id: 'I1', update: 'differential', add: [{ id: '3507153492', type: 'card' }], remove: [] });
    const [sync] = s.cardFrames();
    expect(sync?.type === 'offlineCardSync' ? sync.cards : []).toEqual([{ logicalCardNo: '0000003507153492', physicalCardNo: '3507153492' }]);
  });
});
