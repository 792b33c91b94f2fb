/**
 * Parsers of the balance-update and offline-card frames 0x41-0x48 (docs/protocols/ykc.md §4). The list frames
 * carry their entry count (0x44/0x46/0x48) or fill the body with entries (0x45/0x47); a count that
 * needs more bytes than the body has is YKC_FIELD, entries beyond the count are trailing bytes. A count
 * above the catalogue's `maxEntries` (the spec's cap) is YKC_FIELD too: the encoder refuses it, so a
 * frame decoded here can always be encoded again.
 */
import type { Parser } from 'binary-parser';
import type {
  BalanceUpdate,
  BalanceUpdateAnswer,
  CountLayout,
  OfflineCard,
  OfflineCardClearAnswer,
  OfflineCardList,
  OfflineCardQueryAnswer,
  OfflineCardSync,
  OfflineCardSyncAnswer,
} from '../messages/cards.js';
import { frameInfoByName, type YkcTypeName } from '../constants.js';
import { YkcDecodeError } from '../errors.js';
import { bcd, readPile, scaled, type FieldContext } from '../fields.js';
import { card, compile, fixed, le, pile, pileGun, rawCard, type BodyDecoder, type Decoded } from './common.js';

const balanceUpdate = compile(rawCard(pileGun(le()), 'physicalCardNo').uint32('balanceYuan', { formatter: scaled(100) }));
const balanceAnswer = compile(rawCard(pile(le()), 'physicalCardNo').uint8('result'));
const syncAnswer = compile(pile(le()).uint8('result').uint8('failReason'));

const withCard = <T>(r: Record<string, unknown>, ctx: FieldContext): T => ({ ...r, physicalCardNo: card(r.physicalCardNo, ctx) }) as T;

export const decodeBalanceUpdate = fixed<BalanceUpdate>(balanceUpdate, 20, withCard);
export const decodeBalanceUpdateAnswer = fixed<BalanceUpdateAnswer>(balanceAnswer, 16, withCard);
export const decodeOfflineCardSyncAnswer: BodyDecoder<OfflineCardSyncAnswer> = fixed(syncAnswer, 9);

interface ListShape {
  readonly layout: CountLayout;
  readonly pileAt: number;
  readonly entriesAt: number;
  readonly count: number;
  /** Where the count sits in the body, for the error when it exceeds the cap. */
  readonly countAt: number;
}

/**
 * Finds the count of a 0x44/0x46/0x48 body. The spec layout wins when the body length fits it
 * exactly, then JCPP's; otherwise the spec layout with its count checked against the body.
 */
function listShape(body: Buffer, entry: number, jcppCountFirst: boolean): ListShape | YkcDecodeError {
  const n8 = body[7] as number;
  if (body.length === 8 + entry * n8) return { layout: 'spec', pileAt: 0, entriesAt: 8, count: n8, countAt: 7 };
  const countAt = jcppCountFirst ? 0 : 7;
  if (body.length >= 11) {
    const n32 = body.readUInt32LE(countAt);
    if (body.length === 11 + entry * n32) {
      return { layout: 'jcpp', pileAt: jcppCountFirst ? 4 : 0, entriesAt: 11, count: n32, countAt };
    }
  }
  if (8 + entry * n8 > body.length) {
    const message = `entry count ${n8} needs ${8 + entry * n8} body bytes, body has ${body.length}`;
    return new YkcDecodeError('YKC_FIELD', message, 7);
  }
  return { layout: 'spec', pileAt: 0, entriesAt: 8, count: n8, countAt: 7 };
}

const syncEntry = compile(rawCard(le().buffer('logicalCardNo', { length: 8, formatter: bcd }), 'physicalCardNo'));

function list<T>(
  type: YkcTypeName,
  entry: number,
  jcppCountFirst: boolean,
  read: (at: number) => T,
): (body: Buffer) => Decoded<{ pileCode: string; countLayout: CountLayout; entries: T[] }> | YkcDecodeError {
  const max = frameInfoByName(type).maxEntries ?? Infinity;
  return (body) => {
    const shape = listShape(body, entry, jcppCountFirst);
    if (shape instanceof YkcDecodeError) return shape;
    if (shape.count > max) {
      return new YkcDecodeError('YKC_FIELD', `${shape.count} cards, the frame carries at most ${max}`, shape.countAt);
    }
    const entries: T[] = [];
    for (let i = 0; i < shape.count; i++) entries.push(read(shape.entriesAt + i * entry));
    const value = { pileCode: readPile(body, shape.pileAt), countLayout: shape.layout, entries };
    return { value, size: shape.entriesAt + shape.count * entry };
  };
}

export const decodeOfflineCardSync: BodyDecoder<OfflineCardSync> = (body, ctx) => {
  const r = list('offlineCardSync', 16, false, (at): OfflineCard => withCard(syncEntry.parse(body.subarray(at, at + 16)), ctx))(body);
  if (r instanceof YkcDecodeError) return r;
  const { entries, ...head } = r.value;
  return { value: { ...head, cards: entries }, size: r.size };
};

function cardList(type: YkcTypeName, jcppCountFirst: boolean): BodyDecoder<OfflineCardList> {
  return (body, ctx) => {
    const r = list(type, 8, jcppCountFirst, (at) => card(body.subarray(at, at + 8), ctx))(body);
    if (r instanceof YkcDecodeError) return r;
    const { entries, ...head } = r.value;
    return { value: { ...head, cards: entries }, size: r.size };
  };
}

export const decodeOfflineCardClear: BodyDecoder<OfflineCardList> = cardList('offlineCardClear', false);
export const decodeOfflineCardQuery: BodyDecoder<OfflineCardList> = cardList('offlineCardQuery', true);

/** 0x45/0x47: as many whole entries as follow the pile code; a partial one is trailing bytes. */
function answers<T>(entry: Parser, size: number): (body: Buffer, ctx: FieldContext) => Decoded<{ pileCode: string; results: T[] }> {
  return (body, ctx) => {
    const count = Math.floor((body.length - 7) / size);
    const results: T[] = [];
    for (let i = 0; i < count; i++) {
      const at = 7 + i * size;
      results.push(withCard(entry.parse(body.subarray(at, at + size)) as Record<string, unknown>, ctx));
    }
    return { value: { pileCode: readPile(body, 0), results }, size: 7 + count * size };
  };
}

const clearEntry = compile(rawCard(le(), 'physicalCardNo').uint8('cleared').uint8('failReason'));
const queryEntry = compile(rawCard(le(), 'physicalCardNo').uint8('exists'));

export const decodeOfflineCardClearAnswer: BodyDecoder<OfflineCardClearAnswer> = answers(clearEntry, 10);
export const decodeOfflineCardQueryAnswer: BodyDecoder<OfflineCardQueryAnswer> = answers(queryEntry, 9);
