/**
 * ASDU decoding. The header is read by hand so that the VSQ object count can be checked against
 * the payload length before anything is built; the information objects are then
 * decoded by binary-parser, one compiled parser per (element kind, time tag, IOA size, SQ).
 */
import { Parser } from 'binary-parser';
import { bit, masked } from './bits.js';
import { compileLean } from './lean-parser.js';
import { cp56Parser } from './cp56.js';
import { CP56_SIZE, typeInfo, type ElementKind, type TypeInfo } from './constants.js';
import { DecodeError, type DecodeResult } from './errors.js';
import { IEC104_ASDU_PARAMETERS, type Asdu, type AsduParameters, type InformationObject } from './types.js';

const normalized = (raw: number): number => raw / 32768;

/** Adds the fields of one element kind (IEC 60870-5-101 §7.2.6) to a parser. */
function addElement(p: Parser, kind: ElementKind): Parser {
  switch (kind) {
    case 'SIQ':
      return p.uint8('value', { formatter: bit(0x01) }).seek(-1).uint8('quality', { formatter: masked(0xf0) });
    case 'DIQ':
      return p.uint8('value', { formatter: masked(0x03) }).seek(-1).uint8('quality', { formatter: masked(0xf0) });
    case 'BSI':
      return p.uint32('value').uint8('quality');
    case 'NVA':
      return p.int16('raw').seek(-2).int16('value', { formatter: normalized }).uint8('quality');
    case 'SVA':
      return p.int16('value').uint8('quality');
    case 'FLOAT':
      return p.floatle('value').uint8('quality');
    case 'BCR':
      return p
        .int32('value')
        .uint8('sequence', { formatter: masked(0x1f) })
        .seek(-1)
        .uint8('carry', { formatter: bit(0x20) })
        .seek(-1)
        .uint8('adjusted', { formatter: bit(0x40) })
        .seek(-1)
        .uint8('invalid', { formatter: bit(0x80) });
    case 'SCO':
    case 'DCO':
      return p
        .uint8('state', { formatter: kind === 'SCO' ? bit(0x01) : masked(0x03) })
        .seek(-1)
        .uint8('qualifier', { formatter: masked(0x1f, 2) })
        .seek(-1)
        .uint8('select', { formatter: bit(0x80) });
    case 'NVA_QOS':
      return addQos(p.int16('raw').seek(-2).int16('value', { formatter: normalized }));
    case 'SVA_QOS':
      return addQos(p.int16('value'));
    case 'FLOAT_QOS':
      return addQos(p.floatle('value'));
    case 'COI':
      return p
        .uint8('cause', { formatter: masked(0x7f) })
        .seek(-1)
        .uint8('afterParameterChange', { formatter: bit(0x80) });
    case 'QOI':
      return p.uint8('qoi');
    case 'QCC':
      return p.uint8('rqt', { formatter: masked(0x3f) }).seek(-1).uint8('frz', { formatter: masked(0x03, 6) });
    case 'CP56':
      return p.nest('time', { type: cp56Parser });
  }
}

function addQos(p: Parser): Parser {
  return p.uint8('ql', { formatter: masked(0x7f) }).seek(-1).uint8('select', { formatter: bit(0x80) });
}

/**
 * binary-parser has no 24-bit little-endian integer (its `bit24` reads big-endian and is slow), so a
 * 3-octet IOA is read as its low 16 bits and the third octet is folded in by `foldIoaHigh`.
 */
function addIoa(p: Parser, size: 1 | 2 | 3): Parser {
  if (size === 1) return p.uint8('ioa');
  return size === 2 ? p.uint16('ioa') : p.uint16('ioa').seek(1);
}

const parsers = new Map<number, Parser>();

/**
 * The compiled objects parser for a type, reading from `start` to the end of the buffer (so callers
 * need not slice). SQ=1 element parsers carry no IOA: it is assigned after.
 */
function objectsParser(info: TypeInfo, ioaSize: 1 | 2 | 3, sq: boolean, start: number): Parser {
  const key = info.id | (ioaSize << 8) | (sq ? 1 << 10 : 0) | (start << 11);
  let parser = parsers.get(key);
  if (parser === undefined) {
    let element = new Parser().endianness('little');
    if (!sq) element = addIoa(element, ioaSize);
    element = addElement(element, info.kind);
    if (info.timeTag) element = element.nest('time', { type: cp56Parser });
    parser = new Parser().endianness('little').seek(start).array('objects', { type: element, readUntil: 'eof' });
    compileLean(parser);
    parsers.set(key, parser);
  }
  return parser;
}

/** Size in octets of the ASDU header (TI, VSQ, COT, CA) for these parameters. */
export function headerSize(params: AsduParameters): number {
  return 2 + params.cotSize + params.caSize;
}

/**
 * Decodes one ASDU. Never throws on input: a short header, an unknown TI (raw bytes kept), a zero
 * or disagreeing VSQ count and a truncated time tag each become a `DecodeError` whose offset is
 * relative to the ASDU's first octet.
 */
export function decodeAsdu(bytes: Uint8Array, params: AsduParameters = IEC104_ASDU_PARAMETERS): DecodeResult<Asdu> {
  const r = decodeAsduAt(toBuffer(bytes), 0, params);
  return r instanceof DecodeError ? { ok: false, error: r } : { ok: true, value: r };
}

/**
 * Decodes the ASDU that starts at `start` and runs to the end of `frame` (an APDU passes 6). Errors
 * come back as values with offsets relative to `start`.
 */
export function decodeAsduAt(frame: Buffer, start: number, params: AsduParameters): Asdu | DecodeError {
  const hs = headerSize(params);
  const length = frame.length - start;
  if (length < hs) {
    return new DecodeError('IEC104_ASDU_TOO_SHORT', `ASDU of ${length} octet(s) is shorter than its ${hs}-octet header`, length, frame.subarray(start));
  }
  const ti = frame[start] as number;
  const info = typeInfo(ti);
  if (info === undefined) return new DecodeError('IEC104_UNKNOWN_TI', `unknown type identification ${ti}`, 0, frame.subarray(start));
  const vsq = frame[start + 1] as number;
  const sq = (vsq & 0x80) !== 0;
  const count = vsq & 0x7f;
  if (count === 0) return new DecodeError('IEC104_EMPTY_ASDU', `${info.name} with VSQ count 0`, 1, frame.subarray(start));
  const c0 = frame[start + 2] as number;
  const originator = params.cotSize === 2 ? (frame[start + 3] as number) : 0;
  const caAt = start + 2 + params.cotSize;
  const commonAddress = params.caSize === 2 ? (frame[caAt] as number) | ((frame[caAt + 1] as number) << 8) : (frame[caAt] as number);

  const payload = length - hs;
  const ioaSize = params.ioaSize;
  const expected = sq ? ioaSize + count * info.size : count * (ioaSize + info.size);
  if (payload !== expected) {
    const shortfall = expected - payload;
    if (shortfall > 0 && shortfall < CP56_SIZE && (info.timeTag || info.kind === 'CP56')) {
      const into = CP56_SIZE - shortfall;
      return new DecodeError('IEC104_TIME_TRUNCATED', `${info.name}: payload ends ${into} octet(s) into the last CP56Time2a`, length, frame.subarray(start));
    }
    const what = `${count} object(s)${sq ? ' (SQ=1)' : ''}`;
    return new DecodeError('IEC104_VSQ_MISMATCH', `${info.name}: VSQ says ${what}, needing ${expected} octet(s) after the header, got ${payload}`, 1, frame.subarray(start));
  }

  const first = start + hs;
  const base = sq ? readIoa(frame, first, ioaSize) : 0;
  if (sq && base + count - 1 >= 2 ** (8 * ioaSize)) {
    const last = base + count - 1;
    return new DecodeError('IEC104_IOA_OVERFLOW', `${info.name} SQ=1: IOAs ${base}..${last} overflow the ${ioaSize}-octet IOA`, hs, frame.subarray(start));
  }
  const objects = (objectsParser(info, ioaSize, sq, sq ? first + ioaSize : first).parse(frame) as { objects: InformationObject[] }).objects;
  if (sq) {
    for (let i = 0; i < objects.length; i++) (objects[i] as { ioa: number }).ioa = base + i;
  } else if (ioaSize === 3) {
    foldIoaHigh(frame, first + 2, 3 + info.size, objects);
  }
  return {
    typeId: info.id,
    sq,
    cause: c0 & 0x3f,
    negative: (c0 & 0x40) !== 0,
    test: (c0 & 0x80) !== 0,
    originator,
    commonAddress,
    objects,
  };
}

/** Adds each object's third IOA octet (at `at + i * stride`) to the 16 bits binary-parser read. */
function foldIoaHigh(frame: Buffer, at: number, stride: number, objects: InformationObject[]): void {
  for (let i = 0; i < objects.length; i++) {
    const high = frame[at + i * stride] as number;
    if (high !== 0) (objects[i] as { ioa: number }).ioa += high << 16;
  }
}

function readIoa(bytes: Uint8Array, at: number, size: 1 | 2 | 3): number {
  let v = bytes[at] as number;
  if (size >= 2) v |= (bytes[at + 1] as number) << 8;
  if (size === 3) v |= (bytes[at + 2] as number) << 16;
  return v;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
