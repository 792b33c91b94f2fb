/**
 * Bounds-checked cursors over the element octets of a registered private ASDU type
 * (`private-types.ts`). A layout reads its fields one after the other and never checks lengths
 * itself: reading past the end stops the decoding with IEC104_RECORD_TRUNCATED at the field that
 * did not fit, so a layout cannot throw on short input nor read `undefined` octets. Integers are
 * little-endian, as everywhere in IEC 60870-5-104 (IEC 60870-5-4 §6.1).
 */
import { readCp56, writeCp56 } from './cp56.js';
import { CP56_SIZE } from './constants.js';
import { EncodeError } from './errors.js';
import type { Cp56Time } from './types.js';

/**
 * Why a layout stopped: carried out of `RecordReader` by a throw that `decodePrivateAsduAt` catches
 * and returns as a `DecodeError`. `at` is an index into the frame.
 */
export class RecordStop {
  constructor(
    readonly code: 'IEC104_RECORD_TRUNCATED' | 'IEC104_UNKNOWN_RECORD',
    readonly message: string,
    readonly at: number,
  ) {}
}

/** A cursor over `frame[start, end)`; offsets it reports count from `origin` (the ASDU's first octet). */
export class RecordReader {
  private at: number;
  /** Where the last field read starts (what `unknownRecord` points at). */
  private last: number;

  constructor(
    private readonly frame: Buffer,
    start: number,
    private readonly end: number,
    private readonly origin: number,
  ) {
    this.at = start;
    this.last = start;
  }

  /** Offset of the next octet from the ASDU's first octet. */
  get offset(): number {
    return this.at - this.origin;
  }

  /** Octets left before the end of the ASDU. */
  get remaining(): number {
    return this.end - this.at;
  }

  u8(field = 'octet'): number {
    return this.frame[this.take(1, field)] as number;
  }

  u16(field = 'u16'): number {
    return this.frame.readUInt16LE(this.take(2, field));
  }

  u24(field = 'u24'): number {
    return this.frame.readUIntLE(this.take(3, field), 3);
  }

  u32(field = 'u32'): number {
    return this.frame.readUInt32LE(this.take(4, field));
  }

  /** An unsigned integer of `size` octets (an IOA, a 24-bit length). */
  uint(size: 1 | 2 | 3 | 4, field = 'uint'): number {
    return this.frame.readUIntLE(this.take(size, field), size);
  }

  i8(field = 'i8'): number {
    return this.frame.readInt8(this.take(1, field));
  }

  i16(field = 'i16'): number {
    return this.frame.readInt16LE(this.take(2, field));
  }

  i32(field = 'i32'): number {
    return this.frame.readInt32LE(this.take(4, field));
  }

  /** IEEE 754 short float (R32). */
  float(field = 'float'): number {
    return this.frame.readFloatLE(this.take(4, field));
  }

  /** `n` octets as a copy (the decoded value must not alias the connection's buffer). */
  bytes(n: number, field = 'bytes'): Buffer {
    const at = this.take(n, field);
    return Buffer.from(this.frame.subarray(at, at + n));
  }

  /** The octets up to the end of the ASDU, as a copy (a record whose tail the layout keeps whole). */
  rest(): Buffer {
    return this.bytes(this.remaining, 'rest');
  }

  cp56(field = 'CP56Time2a'): Cp56Time {
    return readCp56(this.frame, this.take(CP56_SIZE, field));
  }

  /**
   * Stops decoding with IEC104_UNKNOWN_RECORD at the last field read (typically the record-type
   * octet): a well-framed record this layout does not describe.
   */
  unknownRecord(message: string): never {
    throw new RecordStop('IEC104_UNKNOWN_RECORD', message, this.last);
  }

  private take(n: number, field: string): number {
    if (!Number.isInteger(n) || n < 0 || this.at + n > this.end) {
      const message = `${field} needs ${n} octet(s) at offset ${this.offset}, ${this.remaining} remain`;
      throw new RecordStop('IEC104_RECORD_TRUNCATED', message, this.at);
    }
    const at = this.at;
    this.last = at;
    this.at += n;
    return at;
  }
}

/** A growing buffer with range-checked writes; a value out of range throws an `EncodeError` naming the field. */
export class RecordWriter {
  private buf = Buffer.alloc(64);
  private at = 0;

  /** Octets written so far. */
  get length(): number {
    return this.at;
  }

  u8(v: number, field = 'octet'): this {
    return this.uint(v, 1, field);
  }

  u16(v: number, field = 'u16'): this {
    return this.uint(v, 2, field);
  }

  u24(v: number, field = 'u24'): this {
    return this.uint(v, 3, field);
  }

  u32(v: number, field = 'u32'): this {
    return this.uint(v, 4, field);
  }

  uint(v: number, size: 1 | 2 | 3 | 4, field = 'uint'): this {
    const value = checked(field, v, 0, 2 ** (8 * size) - 1);
    this.buf.writeUIntLE(value, this.reserve(size), size);
    return this;
  }

  i8(v: number, field = 'i8'): this {
    const value = checked(field, v, -0x80, 0x7f);
    this.buf.writeInt8(value, this.reserve(1));
    return this;
  }

  i16(v: number, field = 'i16'): this {
    const value = checked(field, v, -0x8000, 0x7fff);
    this.buf.writeInt16LE(value, this.reserve(2));
    return this;
  }

  i32(v: number, field = 'i32'): this {
    const value = checked(field, v, -0x80000000, 0x7fffffff);
    this.buf.writeInt32LE(value, this.reserve(4));
    return this;
  }

  float(v: number, field = 'float'): this {
    if (typeof v !== 'number') throw new EncodeError(`${field} ${String(v)} is not a number`);
    this.buf.writeFloatLE(v, this.reserve(4));
    return this;
  }

  /** Octets as given; `size`, when set, is the exact length the field must have. */
  bytes(octets: ArrayLike<number>, field = 'bytes', size?: number): this {
    if (size !== undefined && octets.length !== size) throw new EncodeError(`${field} has ${octets.length} octet(s), expected ${size}`);
    const values = Array.from(octets, (o, i) => checked(`${field} octet ${i}`, Number(o), 0, 0xff));
    const at = this.reserve(values.length);
    for (let i = 0; i < values.length; i++) this.buf[at + i] = values[i] as number;
    return this;
  }

  cp56(t: Cp56Time, field = 'CP56Time2a'): this {
    if (typeof t !== 'object' || t === null) throw new EncodeError(`${field} is not a CP56Time2a`);
    writeCp56(t, this.buf, this.reserve(CP56_SIZE));
    return this;
  }

  /** A copy of the octets written. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.at));
  }

  /** Makes room for `n` more octets and moves past them; returns where they start. */
  private reserve(n: number): number {
    if (this.at + n > this.buf.length) {
      const bigger = Buffer.alloc(Math.max(this.buf.length * 2, this.at + n));
      this.buf.copy(bigger, 0, 0, this.at);
      this.buf = bigger;
    }
    const at = this.at;
    this.at += n;
    return at;
  }
}

function checked(field: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new EncodeError(`${field} ${v} is outside ${min}..${max}`);
  return v;
}
