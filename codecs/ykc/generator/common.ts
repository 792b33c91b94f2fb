/** Writers with the identifying fields most YKC bodies start with already written. */
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';

/** A writer of `size` bytes with the pile code written. */
export function withPile(size: number, v: { readonly pileCode: string }, ctx: FieldContext): BodyWriter {
  return new BodyWriter(size, ctx).bcd(v.pileCode, 7, 'pileCode');
}

/** A writer of `size` bytes with pile code and gun written. */
export function withPileGun(size: number, v: { readonly pileCode: string; readonly gun: string }, ctx: FieldContext): BodyWriter {
  return withPile(size, v, ctx).bcd(v.gun, 1, 'gun');
}

/** A writer of `size` bytes with transaction number, pile code and gun written. */
export function head(size: number, v: { readonly transactionNo: string; readonly pileCode: string; readonly gun: string }, ctx: FieldContext): BodyWriter {
  return new BodyWriter(size, ctx).bcd(v.transactionNo, 16, 'transactionNo').bcd(v.pileCode, 7, 'pileCode').bcd(v.gun, 1, 'gun');
}
