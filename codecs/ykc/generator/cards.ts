/** Generators of the balance-update and offline-card frames 0x41-0x48 (docs/protocols/ykc.md §4, spec §8.9-8.16). */
import type { BalanceUpdate, BalanceUpdateAnswer, CountLayout, OfflineCardClearAnswer, OfflineCardList, OfflineCardQueryAnswer, OfflineCardSync, OfflineCardSyncAnswer } from '../messages/cards.js';
import { frameInfoByName } from '../constants.js';
import { YkcEncodeError } from '../errors.js';
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';
import { withPile, withPileGun } from './common.js';

export function encodeBalanceUpdate(v: BalanceUpdate, ctx: FieldContext): Buffer {
  return withPileGun(20, v, ctx).card(v.physicalCardNo, 'physicalCardNo').scaled(v.balanceYuan, 100, 4, 'balanceYuan').done();
}

export function encodeBalanceUpdateAnswer(v: BalanceUpdateAnswer, ctx: FieldContext): Buffer {
  return withPile(16, v, ctx).card(v.physicalCardNo, 'physicalCardNo').u8(v.result, 'result').done();
}

export function encodeOfflineCardSyncAnswer(v: OfflineCardSyncAnswer, ctx: FieldContext): Buffer {
  return withPile(9, v, ctx).u8(v.result, 'result').u8(v.failReason, 'failReason').done();
}

/** The spec's cap on a list frame's entries; the decoder refuses the same counts (parser/cards.ts). */
const maxEntries = (type: 'offlineCardSync' | 'offlineCardClear' | 'offlineCardQuery'): number => frameInfoByName(type).maxEntries ?? Infinity;

/** Pile code and count in the chosen layout; `countFirst` is JCPP's 0x48 order. */
function listHead(v: { readonly pileCode: string; readonly countLayout: CountLayout }, count: number, max: number, entry: number, countFirst: boolean, ctx: FieldContext): BodyWriter {
  if (count > max) throw new YkcEncodeError('cards', `${count} cards, the frame carries at most ${max}`);
  if (v.countLayout === 'spec') return withPile(8 + entry * count, v, ctx).u8(count, 'count');
  const w = new BodyWriter(11 + entry * count, ctx);
  if (countFirst) return w.u32(count, 'count').bcd(v.pileCode, 7, 'pileCode');
  return w.bcd(v.pileCode, 7, 'pileCode').u32(count, 'count');
}

export function encodeOfflineCardSync(v: OfflineCardSync, ctx: FieldContext): Buffer {
  const w = listHead(v, v.cards.length, maxEntries('offlineCardSync'), 16, false, ctx);
  v.cards.forEach((c, i) => {
    w.bcd(c.logicalCardNo, 8, `cards[${i}].logicalCardNo`).card(c.physicalCardNo, `cards[${i}].physicalCardNo`);
  });
  return w.done();
}

function encodeCardList(v: OfflineCardList, max: number, countFirst: boolean, ctx: FieldContext): Buffer {
  const w = listHead(v, v.cards.length, max, 8, countFirst, ctx);
  v.cards.forEach((c, i) => w.card(c, `cards[${i}]`));
  return w.done();
}

export function encodeOfflineCardClear(v: OfflineCardList, ctx: FieldContext): Buffer {
  return encodeCardList(v, maxEntries('offlineCardClear'), false, ctx);
}

export function encodeOfflineCardQuery(v: OfflineCardList, ctx: FieldContext): Buffer {
  return encodeCardList(v, maxEntries('offlineCardQuery'), true, ctx);
}

export function encodeOfflineCardClearAnswer(v: OfflineCardClearAnswer, ctx: FieldContext): Buffer {
  const w = withPile(7 + 10 * v.results.length, v, ctx);
  v.results.forEach((r, i) => {
    const at = `results[${i}]`;
    w.card(r.physicalCardNo, `${at}.physicalCardNo`).u8(r.cleared, `${at}.cleared`).u8(r.failReason, `${at}.failReason`);
  });
  return w.done();
}

export function encodeOfflineCardQueryAnswer(v: OfflineCardQueryAnswer, ctx: FieldContext): Buffer {
  const w = withPile(7 + 9 * v.results.length, v, ctx);
  v.results.forEach((r, i) => w.card(r.physicalCardNo, `results[${i}].physicalCardNo`).u8(r.exists, `results[${i}].exists`));
  return w.done();
}
