/**
 * A cursor over a body buffer of known size, used by every YKC generator. Each write checks the
 * value against its field and throws `YkcEncodeError` naming the field; scaled values are rounded
 * to the field's resolution (a voltage of 229.96 V in a 0.1 V field is sent as 230.0 V).
 */
import { writeCp56 } from '../../src/iec104/cp56.js';
import { writeBcd } from './bcd.js';
import { YkcEncodeError } from './errors.js';
import { writeAscii, writeCard, writeHex, type FieldContext, type YkcTimestamp } from './fields.js';

export class BodyWriter {
  readonly buf: Buffer;
  private pos = 0;

  constructor(
    readonly size: number,
    readonly ctx: FieldContext,
  ) {
    this.buf = Buffer.alloc(size);
  }

  /** Unsigned little-endian integer of `bytes` bytes (1..6). */
  uint(value: number, bytes: number, field: string): this {
    if (!Number.isInteger(value) || value < 0 || value >= 2 ** (8 * bytes)) {
      throw new YkcEncodeError(field, `${value} is not an unsigned ${8 * bytes}-bit integer`);
    }
    this.buf.writeUIntLE(value, this.pos, bytes);
    this.pos += bytes;
    return this;
  }

  u8(value: number, field: string): this {
    return this.uint(value, 1, field);
  }

  u16(value: number, field: string): this {
    return this.uint(value, 2, field);
  }

  u32(value: number, field: string): this {
    return this.uint(value, 4, field);
  }

  /** `value` x `scale` + `offset` (raw units), rounded, as an unsigned LE integer of `bytes` bytes. */
  scaled(value: number, scale: number, bytes: number, field: string, offset = 0): this {
    if (!Number.isFinite(value)) throw new YkcEncodeError(field, `${value} is not a finite number`);
    return this.uint(Math.round(value * scale) + offset, bytes, field);
  }

  /** Temperature in degC: one byte with a -50 degC offset. */
  celsius(value: number, field: string): this {
    return this.scaled(value, 1, 1, field, 50);
  }

  bcd(value: string, length: number, field: string): this {
    writeBcd(value, this.buf, this.pos, length, field);
    this.pos += length;
    return this;
  }

  ascii(value: string, length: number, field: string): this {
    writeAscii(value, this.buf, this.pos, length, field);
    this.pos += length;
    return this;
  }

  /** ASCII written in reverse byte order (the 0x31/0xA1 VIN, spec §8.1). */
  asciiReversed(value: string, length: number, field: string): this {
    writeAscii(value, this.buf, this.pos, length, field);
    this.buf.subarray(this.pos, this.pos + length).reverse();
    this.pos += length;
    return this;
  }

  hex(value: string, length: number, field: string): this {
    writeHex(value, this.buf, this.pos, length, field);
    this.pos += length;
    return this;
  }

  /** A physical card number in the configured rendering. */
  card(value: string, field: string): this {
    writeCard(value, this.ctx.cardFormat, this.buf, this.pos, field);
    this.pos += 8;
    return this;
  }

  /** A CP56Time2a stamp (its `cp56` fields; `utc` is not consulted). */
  time(value: YkcTimestamp, field: string): this {
    const t = value.cp56;
    const inRange = (n: number, max: number): boolean => Number.isInteger(n) && n >= 0 && n <= max;
    // Other fields are masked to their bit widths by writeCp56; these two would wrap silently.
    if (!inRange(t.year, 0x7f) || !inRange(t.milliseconds, 0xffff)) {
      throw new YkcEncodeError(field, 'CP56Time2a fields out of range');
    }
    writeCp56(t, this.buf, this.pos);
    this.pos += 7;
    return this;
  }

  /** The body; throws when the generator wrote a different number of bytes than it announced. */
  done(): Buffer {
    if (this.pos !== this.size) throw new Error(`generator wrote ${this.pos} bytes, layout has ${this.size}`);
    return this.buf;
  }
}
