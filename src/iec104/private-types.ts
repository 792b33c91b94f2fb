/**
 * Private ASDU types. IEC 60870-5-101 §7.2.1.1 leaves type identifications 128..255 to vendors, and
 * State-Grid-style chargers use them (0x82, 0x84, 0x85, 0x86) for business records: after the ASDU
 * header comes, per dialect, an IOA or not, then a record-type octet and a record whose fields the
 * dialect defines. A codec describes each private type it speaks as a `PrivateTypeLayout` and
 * registers it in an `AsduTypeTable`, without editing this library; the table decodes, encodes and
 * describes those types and hands every other TI to the standard codec, whose compiled path is the
 * same code as without a table. A TI no table registers stays IEC104_UNKNOWN_TI.
 *
 * A private ASDU has the standard header (TI, VSQ, COT, CA, with the field widths of
 * `AsduParameters`) and, as the standard types, VSQ-count objects: each is an IOA when the layout
 * has one (the first alone when SQ = 1) and one element the layout reads. The layout reads through
 * a bounds-checked `RecordReader`, so a short body is IEC104_RECORD_TRUNCATED, never a throw, and
 * octets left after the last element are IEC104_VSQ_MISMATCH (the count disagrees with the length).
 */
import { decodeApci, encodeApci, type Apci } from './apci.js';
import { ASDU_OFFSET, checkApduFrame, decodeApdu, type Apdu } from './apdu.js';
import { encodeAsdu, MAX_ASDU_SIZE, writeAsduHeader } from './asdu-generator.js';
import { decodeAsduAt, headerSize } from './asdu-parser.js';
import { apduToJson, describeApdu } from './describe.js';
import { DecodeError, EncodeError, type DecodeResult } from './errors.js';
import { RecordReader, RecordStop, RecordWriter } from './record-io.js';
import type { PrivateAsdu, PrivateAsduHeader, PrivateObject, PrivateTypeLayout, PrivateTypes } from './private-layout.js';
import { IEC104_ASDU_PARAMETERS, type Asdu, type AsduParameters } from './types.js';

export { RecordReader, RecordWriter } from './record-io.js';

export type { ElementContext, PrivateAsdu, PrivateAsduHeader, PrivateObject, PrivateTypeLayout, PrivateTypes } from './private-layout.js';

/**
 * The ASDU types one codec speaks: the standard ones and the private layouts it registers. Decoding
 * looks the TI up in a 256-entry array; a TI without a layout goes to the standard `decodeAsduAt`.
 * A layout may take a TI the standard also defines, for a dialect that reuses one (a Beijing
 * firmware sends a billing summary as TI 121, F_SR_NA_1 in the standard).
 */
export class AsduTypeTable<E extends object = Record<string, unknown>> implements PrivateTypes {
  private readonly layouts: (PrivateTypeLayout<E> | undefined)[] = Array.from({ length: 256 }, () => undefined);

  /** Registers the layout of `typeId` (0..255); registering a TI twice is a programming error. */
  register(typeId: number, layout: PrivateTypeLayout<E>): this {
    if (!Number.isInteger(typeId) || typeId < 0 || typeId > 255) throw new RangeError(`type identification ${typeId} is outside 0..255`);
    const existing = this.layouts[typeId];
    if (existing !== undefined) throw new RangeError(`type identification ${typeId} is already registered as ${existing.name}`);
    this.layouts[typeId] = layout;
    return this;
  }

  layoutOf(typeId: number): PrivateTypeLayout<E> | undefined {
    return this.layouts[typeId];
  }

  /** The registered type identifications, ascending. */
  get typeIds(): number[] {
    return this.layouts.flatMap((l, ti) => (l === undefined ? [] : [ti]));
  }

  /** True when `asdu` is of a type registered here (its objects are then the layout's). */
  isPrivate(asdu: Asdu | PrivateAsdu<E>): asdu is PrivateAsdu<E> {
    return this.layouts[asdu.typeId] !== undefined;
  }

  /** `decodeAsduAt` with this table's private types; never throws on input. */
  decodeAsduAt(frame: Buffer, start: number, params: AsduParameters): Asdu | PrivateAsdu<E> | DecodeError {
    const layout = this.layouts[frame[start] ?? -1];
    return layout === undefined ? decodeAsduAt(frame, start, params) : decodePrivateAsduAt(frame, start, params, layout);
  }

  decodeAsdu(bytes: Uint8Array, params: AsduParameters = IEC104_ASDU_PARAMETERS): DecodeResult<Asdu | PrivateAsdu<E>> {
    const r = this.decodeAsduAt(toBuffer(bytes), 0, params);
    return r instanceof DecodeError ? { ok: false, error: r } : { ok: true, value: r };
  }

  /** `decodeApdu` with this table's private types; error offsets are relative to the frame. */
  decodeApdu(frame: Uint8Array, params: AsduParameters = IEC104_ASDU_PARAMETERS): DecodeResult<Apdu<Asdu | PrivateAsdu<E>>> {
    // Frames without a registered TI (standard ones, S- and U-frames) take the standard path whole.
    const layout = frame.length > ASDU_OFFSET ? this.layouts[frame[ASDU_OFFSET] as number] : undefined;
    if (layout === undefined) return decodeApdu(frame, params);
    const checked = checkApduFrame(frame);
    if (checked !== undefined) return { ok: false, error: checked };
    const apci: DecodeResult<Apci> = decodeApci(frame);
    if (!apci.ok) return apci;
    if (apci.value.format !== 'I') return { ok: true, value: { apci: apci.value } };
    const asdu = decodePrivateAsduAt(toBuffer(frame), ASDU_OFFSET, params, layout);
    if (asdu instanceof DecodeError) return { ok: false, error: asdu.shifted(ASDU_OFFSET) };
    return { ok: true, value: { apci: apci.value, asdu } };
  }

  /** Encodes a standard or a registered private ASDU; throws an `EncodeError` for what it cannot carry. */
  encodeAsdu(asdu: Asdu | PrivateAsdu<E>, params: AsduParameters = IEC104_ASDU_PARAMETERS): Buffer {
    const layout = this.layouts[asdu.typeId];
    return layout === undefined ? encodeAsdu(asdu as Asdu, params) : encodePrivateAsdu(asdu as PrivateAsdu<E>, params, layout);
  }

  encodeApdu(apdu: Apdu<Asdu | PrivateAsdu<E>>, params: AsduParameters = IEC104_ASDU_PARAMETERS): Buffer {
    if (apdu.apci.format !== 'I') return encodeApci(apdu.apci);
    if (apdu.asdu === undefined) throw new RangeError('an I-frame needs an ASDU');
    return encodeApci(apdu.apci, this.encodeAsdu(apdu.asdu, params));
  }

  /** `describeApdu` showing a private type by its layout's name and fields. */
  describeApdu(apdu: Apdu<Asdu | PrivateAsdu<E>>, timeZone?: string): string[] {
    return describeApdu(apdu, timeZone, this);
  }

  /** `apduToJson` showing a private type by its layout's name and fields. */
  apduToJson(apdu: Apdu<Asdu | PrivateAsdu<E>>, timeZone?: string): unknown {
    return apduToJson(apdu, timeZone, this);
  }
}

/**
 * Decodes the private ASDU that starts at `start` and runs to the end of `frame`, by `layout`.
 * Errors come back as values with offsets relative to `start`.
 */
export function decodePrivateAsduAt<E extends object>(frame: Buffer, start: number, params: AsduParameters, layout: PrivateTypeLayout<E>): PrivateAsdu<E> | DecodeError {
  const hs = headerSize(params);
  const length = frame.length - start;
  const raw = frame.subarray(start);
  if (length < hs) return new DecodeError('IEC104_ASDU_TOO_SHORT', `ASDU of ${length} octet(s) is shorter than its ${hs}-octet header`, length, raw);
  const vsq = frame[start + 1] as number;
  const sq = (vsq & 0x80) !== 0;
  const count = vsq & 0x7f;
  if (count === 0) return new DecodeError('IEC104_EMPTY_ASDU', `${layout.name} with VSQ count 0`, 1, raw);
  const c0 = frame[start + 2] as number;
  const caAt = start + 2 + params.cotSize;
  const header: PrivateAsduHeader = {
    typeId: frame[start] as number,
    sq,
    cause: c0 & 0x3f,
    negative: (c0 & 0x40) !== 0,
    test: (c0 & 0x80) !== 0,
    originator: params.cotSize === 2 ? (frame[start + 3] as number) : 0,
    commonAddress: params.caSize === 2 ? frame.readUInt16LE(caAt) : (frame[caAt] as number),
  };

  const r = new RecordReader(frame, start + hs, frame.length, start);
  const objects: PrivateObject<E>[] = [];
  try {
    let base = 0;
    for (let index = 0; index < count; index++) {
      let ioa: number | undefined;
      if (layout.hasIoa) {
        if (!sq || index === 0) ioa = r.uint(params.ioaSize, `IOA of element ${index + 1}`);
        else ioa = base + index;
        if (sq && index === 0) {
          base = ioa;
          if (base + count - 1 >= 2 ** (8 * params.ioaSize)) {
            return new DecodeError('IEC104_IOA_OVERFLOW', `${layout.name} SQ=1: IOAs ${base}..${base + count - 1} overflow the ${params.ioaSize}-octet IOA`, hs, raw);
          }
        }
      }
      const element = layout.decode(r, { asdu: header, index, params });
      objects.push(ioa === undefined ? element : { ioa, ...element });
    }
  } catch (e) {
    // Only the reader's stops are input errors; anything else is a fault of the layout.
    if (!(e instanceof RecordStop)) throw e;
    return new DecodeError(e.code, `${layout.name}: ${e.message}`, e.at - start, raw);
  }
  if (r.remaining !== 0) {
    const what = `${count} element(s)${sq ? ' (SQ=1)' : ''}`;
    return new DecodeError('IEC104_VSQ_MISMATCH', `${layout.name}: ${r.remaining} octet(s) remain after the ${what} the VSQ counts`, 1, raw);
  }
  return { ...header, objects };
}

/** Encodes a private ASDU by `layout`. With `sq` and an IOA, objects must have consecutive IOAs. */
export function encodePrivateAsdu<E extends object>(asdu: PrivateAsdu<E>, params: AsduParameters, layout: PrivateTypeLayout<E>): Buffer {
  const count = asdu.objects.length;
  if (count < 1 || count > 127) throw new EncodeError(`${layout.name}: ${count} object(s), expected 1..127`);
  const w = new RecordWriter();
  const first = asdu.objects[0]?.ioa;
  asdu.objects.forEach((o, index) => {
    if (layout.hasIoa) {
      if (typeof o.ioa !== 'number') throw new EncodeError(`${layout.name}: object ${index} has no IOA`);
      if (!asdu.sq || index === 0) w.uint(o.ioa, params.ioaSize, 'ioa');
      else if (o.ioa !== (first as number) + index) throw new EncodeError(`${layout.name} SQ=1: object ${index} has IOA ${o.ioa}, expected ${(first as number) + index}`);
      const max = 2 ** (8 * params.ioaSize) - 1;
      if (asdu.sq && index === 0 && o.ioa + count - 1 > max) throw new EncodeError(`last ioa of the SQ=1 sequence ${o.ioa + count - 1} is outside 0..${max}`);
    }
    layout.encode(o, w, { asdu, index, params });
  });
  const hs = headerSize(params);
  const size = hs + w.length;
  if (size > MAX_ASDU_SIZE) throw new EncodeError(`${layout.name}: ASDU of ${size} octets exceeds ${MAX_ASDU_SIZE}`);
  const out = Buffer.alloc(size);
  writeAsduHeader(out, asdu.typeId, asdu, count, params);
  w.toBuffer().copy(out, hs);
  return out;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
