/**
 * Hand-written readers for the element kinds binary-parser does not fit: C_RD_NA_1 (an IOA with no
 * element), the 24-bit length of F_FR_NA_1, F_SR_NA_1 and F_DR_TA_1 (binary-parser has no
 * little-endian 24-bit integer), and the variable-length segment of F_SG_NA_1. The other types take
 * the compiled path in `asdu-parser.ts`; these are rare, so plain loops are enough.
 */
import { readCp56 } from './cp56.js';
import { CP56_SIZE, type ElementKind, type TypeInfo } from './constants.js';
import { DecodeError } from './errors.js';
import type { AsduParameters, InformationObject } from './types.js';

/** Fixed-size kinds read here; decodeAsduAt has checked the VSQ count against the length first. */
export const HAND_READ: ReadonlySet<ElementKind> = new Set<ElementKind>(['NONE', 'FILE_READY', 'SECTION_READY', 'DIRECTORY']);

/** Reads an IOA of `size` octets, little-endian. */
export function readIoa(bytes: Uint8Array, at: number, size: 1 | 2 | 3): number {
  let v = bytes[at] as number;
  if (size >= 2) v |= (bytes[at + 1] as number) << 8;
  if (size === 3) v |= (bytes[at + 2] as number) << 16;
  return v;
}

const u16 = (b: Uint8Array, at: number): number => (b[at] as number) | ((b[at + 1] as number) << 8);
const u24 = (b: Uint8Array, at: number): number => u16(b, at) | ((b[at + 2] as number) << 16);

/** The fields of one fixed-size hand-read element at `at` (IEC 60870-5-101 §7.3.6). */
function readElement(kind: ElementKind, b: Uint8Array, at: number): Record<string, number> {
  switch (kind) {
    case 'FILE_READY': // NOF, LOF, FRQ
      return { nof: u16(b, at), lof: u24(b, at + 2), frq: b[at + 5] as number };
    case 'SECTION_READY': // NOF, NOS, LOF, SRQ
      return { nof: u16(b, at), nos: b[at + 2] as number, lof: u24(b, at + 3), srq: b[at + 6] as number };
    case 'DIRECTORY': // NOF, LOF, SOF; the creation time follows as the time tag
      return { nof: u16(b, at), lof: u24(b, at + 2), sof: b[at + 5] as number };
    default: // NONE: C_RD_NA_1 is its IOA alone
      return {};
  }
}

/**
 * The `count` objects of a fixed-size hand-read type starting at `first`. The caller has checked
 * that they fill the payload exactly and that an SQ=1 run of IOAs fits the IOA field.
 */
export function readObjects(frame: Buffer, first: number, count: number, sq: boolean, info: TypeInfo, ioaSize: 1 | 2 | 3): InformationObject[] {
  const objects: InformationObject[] = [];
  const base = sq ? readIoa(frame, first, ioaSize) : 0;
  const elementSize = info.size - (info.timeTag ? CP56_SIZE : 0);
  let at = sq ? first + ioaSize : first;
  for (let i = 0; i < count; i++) {
    let ioa = base + i;
    if (!sq) {
      ioa = readIoa(frame, at, ioaSize);
      at += ioaSize;
    }
    const o: Record<string, unknown> = { ioa, ...readElement(info.kind, frame, at) };
    at += elementSize;
    if (info.timeTag) {
      o.time = readCp56(frame, at);
      at += CP56_SIZE;
    }
    objects.push(o as InformationObject);
  }
  return objects;
}

/** NOF (2), NOS (1), LOS (1): the fixed part of a F_SG_NA_1 element before its segment. */
const SEGMENT_HEAD = 4;

/**
 * The objects of an F_SG_NA_1 ASDU (IEC 60870-5-101 §7.3.6.7) whose header of `hs` octets starts at
 * `start`. A segment's length is its LOS octet, so the VSQ count is checked by walking the LOS
 * octets first: a count or a LOS that disagrees with the payload is IEC104_VSQ_MISMATCH (at the VSQ
 * octet, or at the LOS octet that runs past the end) before any object is built.
 */
export function readSegments(frame: Buffer, start: number, hs: number, count: number, sq: boolean, params: AsduParameters): InformationObject[] | DecodeError {
  const ioaSize = params.ioaSize;
  const end = frame.length;
  const first = start + hs;
  const head = (sq ? 0 : ioaSize) + SEGMENT_HEAD;
  const raw = frame.subarray(start);
  const what = `F_SG_NA_1: VSQ says ${count} segment(s)${sq ? ' (SQ=1)' : ''}`;
  let at = first + (sq ? ioaSize : 0);
  for (let i = 0; i < count; i++) {
    if (at + head > end) return new DecodeError('IEC104_VSQ_MISMATCH', `${what}; the payload ends inside segment ${i + 1}'s NOF/NOS/LOS`, 1, raw);
    const losAt = at + head - 1;
    const los = frame[losAt] as number;
    if (losAt + 1 + los > end) {
      return new DecodeError('IEC104_VSQ_MISMATCH', `${what}; segment ${i + 1} has LOS ${los} but ${end - losAt - 1} octet(s) remain`, losAt - start, raw);
    }
    at = losAt + 1 + los;
  }
  if (at !== end) return new DecodeError('IEC104_VSQ_MISMATCH', `${what}; ${end - at} octet(s) remain after the last one`, 1, raw);
  const base = sq ? readIoa(frame, first, ioaSize) : 0;
  if (sq && base + count - 1 >= 2 ** (8 * ioaSize)) {
    return new DecodeError('IEC104_IOA_OVERFLOW', `F_SG_NA_1 SQ=1: IOAs ${base}..${base + count - 1} overflow the ${ioaSize}-octet IOA`, hs, raw);
  }

  const objects: InformationObject[] = [];
  at = first + (sq ? ioaSize : 0);
  for (let i = 0; i < count; i++) {
    let ioa = base + i;
    if (!sq) {
      ioa = readIoa(frame, at, ioaSize);
      at += ioaSize;
    }
    const los = frame[at + 3] as number;
    const segment = Array.from(frame.subarray(at + SEGMENT_HEAD, at + SEGMENT_HEAD + los));
    objects.push({ ioa, nof: u16(frame, at), nos: frame[at + 2] as number, segment });
    at += SEGMENT_HEAD + los;
  }
  return objects;
}
