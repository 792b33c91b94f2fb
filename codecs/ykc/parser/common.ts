/**
 * Building blocks of the YKC body parsers. Each frame type has a binary-parser compiled with
 * `compileLean` (no context variables) over its layout; the frame parser hands it a body that is
 * at least the layout size (zero-filled when the charger sent less, docs/protocols/ykc.md §7), so the generated
 * code never reads out of bounds. Card numbers and timestamps depend on codec options and are
 * converted after parsing.
 */
import { Parser } from 'binary-parser';
import { masked } from '../../../src/framing/bits.js';
import { compileLean } from '../../../src/framing/lean-parser.js';
import { cp56Parser } from '../../../src/iec104/cp56.js';
import type { Cp56Time } from '../../../src/iec104/types.js';
import type { YkcDecodeError } from '../errors.js';
import type { BitLayout } from '../gbt-bits.js';
import { atLeast, bcd, cardToString, timestamp, type FieldContext, type YkcTimestamp } from '../fields.js';

/** A decoded body and the number of body bytes its layout covers (more or less than were sent). */
export interface Decoded<T> {
  readonly value: T;
  readonly size: number;
}

/** Decodes one body; an error's offset is relative to the body start. */
export type BodyDecoder<T> = (body: Buffer, ctx: FieldContext) => Decoded<T> | YkcDecodeError;

/** A little-endian parser (every YKC BIN field is little-endian, docs/protocols/ykc.md §2). */
export const le = (): Parser => new Parser().endianness('little');

/** Compiles the parser lean and returns it. */
export const compile = (p: Parser): Parser => compileLean(p);

/** Adds the pile code (BCD 7). */
export const pile = (p: Parser): Parser => p.buffer('pileCode', { length: 7, formatter: bcd });

/** Adds pile code and gun (BCD 7 + BCD 1). */
export const pileGun = (p: Parser): Parser => pile(p).buffer('gun', { length: 1, formatter: bcd });

/** Adds transaction number, pile code and gun (BCD 16 + 7 + 1), the head of most session frames. */
export const txnPileGun = (p: Parser): Parser => pileGun(p.buffer('transactionNo', { length: 16, formatter: bcd }));

/** Adds a raw 8-byte card field (rendered by `card` after parsing). */
export const rawCard = (p: Parser, name: string): Parser => p.buffer(name, { length: 8 });

/** Adds a CP56Time2a field (converted by `time` after parsing). */
export const rawTime = (p: Parser, name: string): Parser => p.nest(name, { type: cp56Parser });

export const card = (raw: unknown, ctx: FieldContext): string => cardToString(raw as Buffer, ctx.cardFormat);

export const time = (raw: unknown, ctx: FieldContext): YkcTimestamp => timestamp(raw as Cp56Time, ctx.timeZone);

/** A parser of one byte or little-endian word split into the bit fields of `layout`. */
export function bitsParser(bytes: 1 | 2, layout: BitLayout): Parser {
  let p = le();
  let shift = 0;
  layout.forEach(([name, width], i) => {
    if (i > 0) p = p.seek(-bytes);
    const formatter = masked((1 << width) - 1, shift);
    p = bytes === 1 ? p.uint8(name, { formatter }) : p.uint16(name, { formatter });
    shift += width;
  });
  return p;
}

/** Parses `body` at `size` bytes with a compiled parser. */
export function parseAt(parser: Parser, body: Buffer, size: number): Record<string, unknown> {
  return parser.parse(atLeast(body, size)) as Record<string, unknown>;
}

/**
 * A decoder for a fixed layout. Without `finish` the parser output is the body as it stands; with
 * it, `finish` converts the option-dependent fields (cards, times).
 */
export function fixed<T>(parser: Parser, size: number, finish?: (raw: Record<string, unknown>, ctx: FieldContext) => T): BodyDecoder<T> {
  return (body, ctx) => {
    const raw = parseAt(parser, body, size);
    return { value: finish ? finish(raw, ctx) : (raw as T), size };
  };
}
