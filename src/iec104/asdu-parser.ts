/**
 * ASDU decoding. The header is read by hand so that the VSQ object count can be checked against
 * the payload length before anything is built; the information objects are then
 * decoded by binary-parser, one compiled parser per (element kind, time tag, IOA size, SQ). The few
 * kinds binary-parser does not fit (no element, 24-bit lengths, the variable-length segment) are
 * read by hand in `asdu-readers.ts`.
 */
import { Parser } from 'binary-parser';
import { bit, masked } from '../framing/bits.js';
import { compileLean } from '../framing/lean-parser.js';
import { cp56Parser } from './cp56.js';
import { CP56_SIZE, typeInfo, type ElementKind, type TypeInfo } from './constants.js';
import { HAND_READ, readIoa, readObjects, readSegments } from './asdu-readers.js';
import { DecodeError, type DecodeResult } from './errors.js';
import { IEC104_ASDU_PARAMETERS, type Asdu, type AsduParameters, type InformationObject } from './types.js';

const normalized = (raw: number): number => raw / 32768;

/** How a TI's objects are read: by a compiled parser, by hand (fixed size), or by hand (variable size). */
const COMPILED = 0;
const BY_HAND = 1;
const VARIABLE = 2;
const PATH = Uint8Array.from({ length: 256 }, (_, ti) => {
  const info = typeInfo(ti);
  if (info === undefined) return COMPILED;
  return info.variable ? VARIABLE : HAND_READ.has(info.kind) ? BY_HAND : COMPILED;
});

/** VTI value: the low 7 bits as a two's-complement integer -64..63 (IEC 60870-5-101 §7.2.6.5). */
const int7 = function (this: unknown, b: number): number {
  return (b & 0x40) !== 0 ? (b & 0x7f) - 128 : b & 0x7f;
};

/**
 * Adds the fields of one element kind (IEC 60870-5-101 §7.2.6) to a parser. Kinds in `HAND_READ`
 * never get here.
 */
function addElement(p: Parser, kind: ElementKind): Parser {
  switch (kind) {
    case 'SIQ':
      return p
        .uint8('value', { formatter: bit(0x01) })
        .seek(-1)
        .uint8('quality', { formatter: masked(0xf0) });
    case 'DIQ':
      return p
        .uint8('value', { formatter: masked(0x03) })
        .seek(-1)
        .uint8('quality', { formatter: masked(0xf0) });
    case 'VTI':
      return p
        .uint8('value', { formatter: int7 })
        .seek(-1)
        .uint8('transient', { formatter: bit(0x80) })
        .uint8('quality');
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
    case 'SCD':
      return p.uint16('status').uint16('changeDetection').uint8('quality');
    case 'NVA_ONLY':
      return p.int16('raw').seek(-2).int16('value', { formatter: normalized });
    case 'SEP':
      // Event state in bits 0..1; the rest of the octet is the quality (§7.2.6.10).
      return p
        .uint8('state', { formatter: masked(0x03) })
        .seek(-1)
        .uint8('quality', { formatter: masked(0xfc) })
        .uint16('elapsedTime');
    case 'SPE':
      return p.uint8('start').uint8('quality').uint16('relayDurationTime');
    case 'OCI':
      return p.uint8('output').uint8('quality').uint16('relayOperationTime');
    case 'SCO':
    case 'DCO':
    case 'RCO':
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
    case 'BSI_ONLY':
      return p.uint32('value');
    case 'COI':
      return p
        .uint8('cause', { formatter: masked(0x7f) })
        .seek(-1)
        .uint8('afterParameterChange', { formatter: bit(0x80) });
    case 'QOI':
      return p.uint8('qoi');
    case 'QCC':
      return p
        .uint8('rqt', { formatter: masked(0x3f) })
        .seek(-1)
        .uint8('frz', { formatter: masked(0x03, 6) });
    case 'CP56':
      return p.nest('time', { type: cp56Parser });
    case 'QRP':
      return p.uint8('qrp');
    case 'TSC':
      return p.uint16('tsc');
    case 'NVA_QPM':
      return addQpm(p.int16('raw').seek(-2).int16('value', { formatter: normalized }));
    case 'SVA_QPM':
      return addQpm(p.int16('value'));
    case 'FLOAT_QPM':
      return addQpm(p.floatle('value'));
    case 'QPA':
      return p.uint8('qpa');
    case 'CALL':
      return p.uint16('nof').uint8('nos').uint8('scq');
    case 'LAST_SECTION':
      return p.uint16('nof').uint8('nos').uint8('lsq').uint8('chs');
    case 'ACK':
      return p.uint16('nof').uint8('nos').uint8('afq');
    case 'QUERY_LOG':
      return p.uint16('nof').nest('rangeStart', { type: cp56Parser }).nest('rangeStop', { type: cp56Parser });
    case 'NONE':
    case 'FILE_READY':
    case 'SECTION_READY':
    case 'SEGMENT':
    case 'DIRECTORY':
      throw new Error(`${kind} is read by hand`);
  }
}

function addQos(p: Parser): Parser {
  return p
    .uint8('ql', { formatter: masked(0x7f) })
    .seek(-1)
    .uint8('select', { formatter: bit(0x80) });
}

/** QPM (§7.2.6.24): KPA in bits 0..5, LPC bit 6, POP bit 7. */
function addQpm(p: Parser): Parser {
  return p
    .uint8('kpa', { formatter: masked(0x3f) })
    .seek(-1)
    .uint8('lpc', { formatter: bit(0x40) })
    .seek(-1)
    .uint8('pop', { formatter: bit(0x80) });
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
  const path = PATH[ti] as number;
  if (path === VARIABLE) {
    // F_SG_NA_1: each segment's length is its LOS octet; readSegments checks count and LOS octets
    // against the payload before it builds anything.
    const objects = readSegments(frame, start, hs, count, sq, params);
    if (objects instanceof DecodeError) return objects;
    return asduOf(info, sq, c0, originator, commonAddress, objects);
  }
  const expected = sq ? ioaSize + count * info.size : count * (ioaSize + info.size);
  if (payload !== expected) {
    const shortfall = expected - payload;
    if (shortfall > 0 && shortfall < CP56_SIZE && (info.timeTag || info.kind === 'CP56' || info.kind === 'QUERY_LOG')) {
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
  if (path === BY_HAND) return asduOf(info, sq, c0, originator, commonAddress, readObjects(frame, first, count, sq, info, ioaSize));
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

/** The ASDU of the hand-read kinds (same shape as the compiled path builds). */
function asduOf(info: TypeInfo, sq: boolean, c0: number, originator: number, commonAddress: number, objects: InformationObject[]): Asdu {
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

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
