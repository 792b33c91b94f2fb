/**
 * ASDU encoding, hand-written per element family (binary-parser only decodes). Every field is range
 * checked: an ASDU that the standard cannot carry throws an `EncodeError` naming the field.
 */
import { typeInfo, type ElementKind } from './constants.js';
import { writeCp56 } from './cp56.js';
import { EncodeError } from './errors.js';
import { headerSize } from './asdu-parser.js';
import { IEC104_ASDU_PARAMETERS, type Asdu, type AsduParameters, type Cp56Time, type InformationObject } from './types.js';

/** Largest ASDU an APDU can carry (253 - 4 control octets). */
export const MAX_ASDU_SIZE = 249;

/** Encodes an ASDU. With `sq` set, objects must have consecutive IOAs starting at the first one. */
export function encodeAsdu(asdu: Asdu, params: AsduParameters = IEC104_ASDU_PARAMETERS): Buffer {
  const info = typeInfo(asdu.typeId);
  if (info === undefined) throw new EncodeError(`cannot encode unknown type identification ${asdu.typeId}`);
  const count = asdu.objects.length;
  if (count < 1 || count > 127) throw new EncodeError(`${info.name}: ${count} object(s), expected 1..127`);
  const hs = headerSize(params);
  const size = hs + (asdu.sq ? params.ioaSize : 0) + elementsSize(asdu, info.variable, info.size + (asdu.sq ? 0 : params.ioaSize));
  if (size > MAX_ASDU_SIZE) throw new EncodeError(`${info.name}: ASDU of ${size} octets exceeds ${MAX_ASDU_SIZE}`);
  const out = Buffer.alloc(size);
  writeAsduHeader(out, info.id, asdu, count, params);

  const maxIoa = 2 ** (8 * params.ioaSize) - 1;
  let at = hs;
  const first = asdu.objects[0] as InformationObject;
  if (asdu.sq) {
    at = writeIoa(out, at, first.ioa, params.ioaSize, maxIoa);
    range('last ioa of the SQ=1 sequence', first.ioa + count - 1, 0, maxIoa);
  }
  asdu.objects.forEach((o, i) => {
    if (asdu.sq) {
      if (o.ioa !== first.ioa + i) throw new EncodeError(`${info.name} SQ=1: object ${i} has IOA ${o.ioa}, expected ${first.ioa + i}`);
    } else {
      at = writeIoa(out, at, o.ioa, params.ioaSize, maxIoa);
    }
    at = writeElement(out, at, info.kind, o);
    if (info.timeTag) {
      const time = (o as { time?: Cp56Time }).time;
      if (time === undefined) throw new EncodeError(`${info.name}: object ${i} has no time tag`);
      writeCp56(time, out, at);
      at += 7;
    }
  });
  return out;
}

/** The header fields of an ASDU, standard or private. */
export type AsduHeaderFields = Pick<Asdu, 'sq' | 'cause' | 'negative' | 'test' | 'originator' | 'commonAddress'>;

/**
 * Writes the header (TI, VSQ with `count`, COT, CA) at the start of `out`; a cause, originator or
 * common address the field widths cannot carry throws an `EncodeError`.
 */
export function writeAsduHeader(out: Buffer, typeId: number, asdu: AsduHeaderFields, count: number, params: AsduParameters): void {
  range('cause', asdu.cause, 0, 63);
  range('originator', asdu.originator, 0, params.cotSize === 2 ? 255 : 0);
  range('commonAddress', asdu.commonAddress, 0, params.caSize === 2 ? 0xffff : 0xff);
  out[0] = typeId;
  out[1] = (asdu.sq ? 0x80 : 0) | count;
  out[2] = asdu.cause | (asdu.negative ? 0x40 : 0) | (asdu.test ? 0x80 : 0);
  if (params.cotSize === 2) out[3] = asdu.originator;
  const caAt = 2 + params.cotSize;
  out[caAt] = asdu.commonAddress & 0xff;
  if (params.caSize === 2) out[caAt + 1] = asdu.commonAddress >> 8;
}

/** Octets of the objects after the header (and after the SQ=1 IOA): `each` per object unless variable. */
function elementsSize(asdu: Asdu, variable: boolean, each: number): number {
  if (!variable) return asdu.objects.length * each;
  // F_SG_NA_1: the fixed part plus each segment's own length (its LOS).
  let size = 0;
  for (const o of asdu.objects) size += each + segmentOf(o).length;
  return size;
}

function segmentOf(o: InformationObject): ArrayLike<number> {
  const segment = (o as { segment?: unknown }).segment;
  if (!Array.isArray(segment) && !(segment instanceof Uint8Array)) throw new EncodeError('F_SG_NA_1: object has no segment (an array of octets)');
  return segment as ArrayLike<number>;
}

function writeIoa(out: Buffer, at: number, ioa: number, size: 1 | 2 | 3, max: number): number {
  range('ioa', ioa, 0, max);
  out.writeUIntLE(ioa, at, size);
  return at + size;
}

/** Writes one element of `kind`; `o` is trusted to have that kind's fields (typed by the caller's TI). */
function writeElement(out: Buffer, at: number, kind: ElementKind, o: InformationObject): number {
  // The union is keyed by kind; a cast per branch is the price of flattened objects.
  const e = o as unknown as Record<string, number | boolean | Cp56Time>;
  // SIQ/DIQ keep only their flag bits (the low bits are the value); a QDS octet is carried whole,
  // reserved bits included, so that decode -> encode gives back the bytes received.
  const flags = (q: unknown, mask: number): number => range('quality', Number(q ?? 0), 0, 0xff) & mask;
  switch (kind) {
    case 'SIQ':
      out[at] = (e.value === true ? 1 : 0) | flags(e.quality, 0xf0);
      return at + 1;
    case 'DIQ':
      out[at] = range('value', Number(e.value), 0, 3) | flags(e.quality, 0xf0);
      return at + 1;
    case 'VTI':
      out[at] = (range('value', Number(e.value), -64, 63) & 0x7f) | (e.transient === true ? 0x80 : 0);
      out[at + 1] = flags(e.quality, 0xff);
      return at + 2;
    case 'BSI':
      out.writeUInt32LE(range('value', Number(e.value), 0, 0xffffffff), at);
      out[at + 4] = flags(e.quality, 0xff);
      return at + 5;
    case 'NVA':
      out.writeInt16LE(range('raw', Number(e.raw), -32768, 32767), at);
      out[at + 2] = flags(e.quality, 0xff);
      return at + 3;
    case 'SVA':
      out.writeInt16LE(range('value', Number(e.value), -32768, 32767), at);
      out[at + 2] = flags(e.quality, 0xff);
      return at + 3;
    case 'FLOAT':
      out.writeFloatLE(Number(e.value), at);
      out[at + 4] = flags(e.quality, 0xff);
      return at + 5;
    case 'BCR':
      out.writeInt32LE(range('value', Number(e.value), -0x80000000, 0x7fffffff), at);
      out[at + 4] = range('sequence', Number(e.sequence), 0, 31) | (e.carry === true ? 0x20 : 0) | (e.adjusted === true ? 0x40 : 0) | (e.invalid === true ? 0x80 : 0);
      return at + 5;
    case 'SCD':
      out.writeUInt16LE(range('status', Number(e.status), 0, 0xffff), at);
      out.writeUInt16LE(range('changeDetection', Number(e.changeDetection), 0, 0xffff), at + 2);
      out[at + 4] = flags(e.quality, 0xff);
      return at + 5;
    case 'NVA_ONLY':
      out.writeInt16LE(range('raw', Number(e.raw), -32768, 32767), at);
      return at + 2;
    case 'SEP':
      // Event state in bits 0..1, quality flags (EI, BL, SB, NT, IV) above (§7.2.6.10).
      out[at] = range('state', Number(e.state), 0, 3) | flags(e.quality, 0xfc);
      out.writeUInt16LE(range('elapsedTime', Number(e.elapsedTime), 0, 0xffff), at + 1);
      return at + 3;
    case 'SPE':
      out[at] = range('start', Number(e.start), 0, 0xff);
      out[at + 1] = flags(e.quality, 0xff);
      out.writeUInt16LE(range('relayDurationTime', Number(e.relayDurationTime), 0, 0xffff), at + 2);
      return at + 4;
    case 'OCI':
      out[at] = range('output', Number(e.output), 0, 0xff);
      out[at + 1] = flags(e.quality, 0xff);
      out.writeUInt16LE(range('relayOperationTime', Number(e.relayOperationTime), 0, 0xffff), at + 2);
      return at + 4;
    case 'SCO':
    case 'DCO':
    case 'RCO': {
      const state = kind === 'SCO' ? (e.state === true ? 1 : 0) : range('state', Number(e.state), 0, 3);
      out[at] = state | (range('qualifier', Number(e.qualifier), 0, 31) << 2) | (e.select === true ? 0x80 : 0);
      return at + 1;
    }
    case 'NVA_QOS':
      out.writeInt16LE(range('raw', Number(e.raw), -32768, 32767), at);
      return writeQos(out, at + 2, e);
    case 'SVA_QOS':
      out.writeInt16LE(range('value', Number(e.value), -32768, 32767), at);
      return writeQos(out, at + 2, e);
    case 'FLOAT_QOS':
      out.writeFloatLE(Number(e.value), at);
      return writeQos(out, at + 4, e);
    case 'BSI_ONLY':
      out.writeUInt32LE(range('value', Number(e.value), 0, 0xffffffff), at);
      return at + 4;
    case 'COI':
      out[at] = range('cause', Number(e.cause), 0, 127) | (e.afterParameterChange === true ? 0x80 : 0);
      return at + 1;
    case 'QOI':
      out[at] = range('qoi', Number(e.qoi), 0, 255);
      return at + 1;
    case 'QCC':
      out[at] = range('rqt', Number(e.rqt), 0, 63) | (range('frz', Number(e.frz), 0, 3) << 6);
      return at + 1;
    case 'NONE':
      return at;
    case 'CP56':
      writeCp56(e.time as Cp56Time, out, at);
      return at + 7;
    case 'QRP':
      out[at] = range('qrp', Number(e.qrp), 0, 255);
      return at + 1;
    case 'TSC':
      out.writeUInt16LE(range('tsc', Number(e.tsc), 0, 0xffff), at);
      return at + 2;
    case 'NVA_QPM':
      out.writeInt16LE(range('raw', Number(e.raw), -32768, 32767), at);
      return writeQpm(out, at + 2, e);
    case 'SVA_QPM':
      out.writeInt16LE(range('value', Number(e.value), -32768, 32767), at);
      return writeQpm(out, at + 2, e);
    case 'FLOAT_QPM':
      out.writeFloatLE(Number(e.value), at);
      return writeQpm(out, at + 4, e);
    case 'QPA':
      out[at] = range('qpa', Number(e.qpa), 0, 255);
      return at + 1;
    case 'FILE_READY':
    case 'SECTION_READY':
    case 'CALL':
    case 'LAST_SECTION':
    case 'ACK':
    case 'SEGMENT':
    case 'DIRECTORY':
    case 'QUERY_LOG':
      return writeFileElement(out, at, kind, e);
  }
}

type FileKind = 'FILE_READY' | 'SECTION_READY' | 'CALL' | 'LAST_SECTION' | 'ACK' | 'SEGMENT' | 'DIRECTORY' | 'QUERY_LOG';

/** File-transfer elements (IEC 60870-5-101 §7.3.6): NOF 16 bits, NOS 8, LOF 24, qualifiers 8. */
function writeFileElement(out: Buffer, at: number, kind: FileKind, e: Record<string, unknown>): number {
  const u8 = (field: string): number => range(field, Number(e[field]), 0, 0xff);
  out.writeUInt16LE(range('nof', Number(e.nof), 0, 0xffff), at);
  switch (kind) {
    case 'FILE_READY':
      out.writeUIntLE(range('lof', Number(e.lof), 0, 0xffffff), at + 2, 3);
      out[at + 5] = u8('frq');
      return at + 6;
    case 'SECTION_READY':
      out[at + 2] = u8('nos');
      out.writeUIntLE(range('lof', Number(e.lof), 0, 0xffffff), at + 3, 3);
      out[at + 6] = u8('srq');
      return at + 7;
    case 'CALL':
      out[at + 2] = u8('nos');
      out[at + 3] = u8('scq');
      return at + 4;
    case 'LAST_SECTION':
      out[at + 2] = u8('nos');
      out[at + 3] = u8('lsq');
      out[at + 4] = u8('chs');
      return at + 5;
    case 'ACK':
      out[at + 2] = u8('nos');
      out[at + 3] = u8('afq');
      return at + 4;
    case 'SEGMENT': {
      out[at + 2] = u8('nos');
      const segment = e.segment as ArrayLike<number>;
      // LOS is one octet: a segment fits an ASDU anyway only well below 255 octets.
      out[at + 3] = range('LOS (segment length)', segment.length, 0, 0xff);
      for (let i = 0; i < segment.length; i++) out[at + 4 + i] = range('segment octet', Number(segment[i]), 0, 0xff);
      return at + 4 + segment.length;
    }
    case 'DIRECTORY':
      out.writeUIntLE(range('lof', Number(e.lof), 0, 0xffffff), at + 2, 3);
      out[at + 5] = u8('sof');
      return at + 6;
    case 'QUERY_LOG':
      writeCp56(timeField(e, 'rangeStart'), out, at + 2);
      writeCp56(timeField(e, 'rangeStop'), out, at + 9);
      return at + 16;
  }
}

function writeQos(out: Buffer, at: number, e: Record<string, unknown>): number {
  out[at] = range('ql', Number(e.ql), 0, 127) | (e.select === true ? 0x80 : 0);
  return at + 1;
}

function timeField(e: Record<string, unknown>, field: string): Cp56Time {
  const t = e[field];
  if (typeof t !== 'object' || t === null) throw new EncodeError(`${field} is not a CP56Time2a`);
  return t as Cp56Time;
}

/** QPM (§7.2.6.24): KPA bits 0..5, LPC bit 6, POP bit 7. */
function writeQpm(out: Buffer, at: number, e: Record<string, unknown>): number {
  out[at] = range('kpa', Number(e.kpa), 0, 63) | (e.lpc === true ? 0x40 : 0) | (e.pop === true ? 0x80 : 0);
  return at + 1;
}

function range(field: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new EncodeError(`${field} ${v} is outside ${min}..${max}`);
  }
  return v;
}
