/**
 * Property tests of the IEC 104 codec. Robustness: random byte streams and mutated fixtures, cut
 * into random chunks, go through the framer and every frame through decodeApdu; nothing may throw,
 * the framer must account for every input byte and decode errors must carry a known code.
 * Round trip: arbitrary valid ASDUs of every supported TI (the whole IEC 60870-5-104 companion
 * standard, F_SG_NA_1's variable-length segments included) encode and decode back to themselves.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApduFramer,
  DECODE_ERROR_CODES,
  DecodeError,
  SUPPORTED_TYPES,
  decodeApdu,
  decodeAsdu,
  encodeApdu,
  encodeAsdu,
  type Asdu,
  type Cp56Time,
  type ElementKind,
  type FramerItem,
  type InformationObject,
  type TypeInfo,
} from '../../../src/iec104/index.js';
import { GARBAGE_REPORT_BYTES } from '../../../src/framing/start-byte-framer.js';
import { loadHexFixtures } from '../../support/fixtures.js';
import { mutate, mutation } from '../../support/mutations.js';
import { testSeed } from '../../support/seed.js';

/** One seed for every property of this file, printed so that a failure can be replayed (support/seed.ts). */
const SEED = testSeed('iec104 property tests');

const KNOWN_CODES = new Set<string>(DECODE_ERROR_CODES);
const SEED_BYTES = [...loadHexFixtures('iec104', 'frames'), ...loadHexFixtures('iec104', 'bad')].map((f) => f.bytes);
const SUPPORTED_TI = SUPPORTED_TYPES.map((t) => t.id);

// Run counts: 40k random streams + 60k mutated fixtures = 100k framer/decoder inputs.
const RANDOM_RUNS = 40_000;
const MUTATED_RUNS = 60_000;
const ROUND_TRIP_RUNS_PER_TI = 250;

// ---------------------------------------------------------------------------------------------
// Robustness

/** A random stream: garbage runs and plausible frames (start byte, length, random body). */
const frameLike = fc
  .tuple(
    fc.integer({ min: 0, max: 255 }),
    fc.constantFrom(...SUPPORTED_TI, 0x86, 0x00), // 0x86: a private TI, 0: undefined
    fc.uint8Array({ maxLength: 40 }),
    fc.boolean(),
  )
  .map(([length, ti, body, iFrame]) => {
    const bytes = new Uint8Array(2 + Math.max(length, 0));
    bytes[0] = 0x68;
    bytes[1] = length;
    bytes.set(body.subarray(0, bytes.length - 2), 2);
    if (iFrame && bytes.length > 6) {
      bytes[2] = (bytes[2] as number) & 0xfe;
      bytes[6] = ti;
    }
    return bytes;
  });

const randomStream = fc.array(fc.oneof(fc.uint8Array({ maxLength: 24 }), frameLike, fc.constant(Uint8Array.of(0x68))), { maxLength: 6 }).map((parts) => Buffer.concat(parts));

const mutatedStream = fc
  .tuple(fc.array(fc.constantFrom(...SEED_BYTES), { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 4 }))
  .map(([seeds, mutations]) => mutate(Buffer.concat(seeds), mutations));

/** Chunk sizes; the last chunk takes whatever is left. */
const chunking = fc.array(fc.integer({ min: 1, max: 48 }), { maxLength: 8 });

function chunk(input: Buffer, sizes: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  for (const n of sizes) {
    if (at >= input.length) break;
    out.push(input.subarray(at, at + n));
    at += n;
  }
  out.push(input.subarray(at));
  return out;
}

interface Run {
  frames: { offset: number; frame: Buffer }[];
  errors: DecodeError[];
  buffered: number;
  position: number;
}

function frameAll(chunks: readonly Buffer[]): Run {
  const framer = new ApduFramer();
  const items: FramerItem[] = [];
  for (const c of chunks) framer.pushTo(c, items);
  const frames: Run['frames'] = [];
  const errors: DecodeError[] = [];
  for (const item of items) {
    if (item.kind === 'frame') frames.push({ offset: item.offset, frame: item.frame });
    else errors.push(item.error);
  }
  return { frames, errors, buffered: framer.buffered, position: framer.position };
}

const key = (r: Run): string => JSON.stringify([r.frames.map((x) => x.offset), r.errors.map((x) => `${x.code}@${x.offset}`), r.buffered]);

/** Throws (failing the property with its counterexample) when `ok` is false. */
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`property violated: ${what}`);
}

/**
 * Checks everything the framer and decoder promise for one input; throws on a violation. Plain
 * comparisons rather than `expect` keep 100k runs within the time budget.
 */
function checkStream(input: Buffer, sizes: readonly number[]): void {
  const run = frameAll(chunk(input, sizes));

  // Every input byte is seen; the held-back tail is the input's tail and starts a frame.
  check(run.position === input.length, `position ${run.position} !== input length ${input.length}`);
  const tailStart = input.length - run.buffered;
  check(run.buffered === 0 || input[tailStart] === 0x68, 'buffered tail does not start with 0x68');

  // Frames are well-formed, in order, non-overlapping slices of the input before the tail.
  let end = 0;
  const gaps: [number, number][] = [];
  for (const { offset, frame } of run.frames) {
    check(offset >= end, `frame at ${offset} overlaps the previous one ending at ${end}`);
    if (offset > end) gaps.push([end, offset]);
    check(frame[0] === 0x68 && frame.length === (frame[1] as number) + 2, `malformed frame at ${offset}`);
    check(frame.equals(input.subarray(offset, offset + frame.length)), `frame at ${offset} is not the input slice`);
    end = offset + frame.length;
  }
  check(end <= tailStart, 'a frame overlaps the buffered tail');
  if (tailStart > end) gaps.push([end, tailStart]);

  // Every skipped byte is covered by an error starting its gap (at the start byte or the length
  // octet); errors lie in gaps only, and garbage is reported once per gap and again for every
  // GARBAGE_REPORT_BYTES skipped (a long run spends the bad-frame budget), never more.
  for (const [from, to] of gaps) {
    let starts = 0;
    let badStarts = 0;
    for (const err of run.errors) {
      if (err.offset < from || err.offset > to) continue;
      if (err.offset === from || err.offset === from + 1) starts += 1;
      if (err.code === 'IEC104_BAD_START') badStarts += 1;
    }
    check(starts > 0, `skipped bytes ${from}..${to} not reported`);
    const allowed = 1 + Math.floor((to - from) / GARBAGE_REPORT_BYTES);
    check(badStarts <= allowed, `garbage in ${from}..${to} reported ${badStarts} times (at most ${allowed})`);
  }
  for (const err of run.errors) {
    seenCodes.add(err.code);
    check(err instanceof DecodeError && FRAMER_CODES.has(err.code), `unexpected framer error ${String(err.code)}`);
    check(
      gaps.some(([from, to]) => err.offset >= from && err.offset <= to),
      `framer error at ${err.offset} outside skipped bytes`,
    );
  }

  // The chunking does not change what is found.
  if (sizes.length > 0) check(key(run) === key(frameAll([input])), 'result depends on the chunking');

  for (const { frame } of run.frames) checkDecode(frame);
  // The decoder alone must also survive unframed bytes.
  checkDecode(input);
}

const FRAMER_CODES = new Set<string>(['IEC104_BAD_START', 'IEC104_LENGTH_TOO_SHORT', 'IEC104_LENGTH_TOO_LONG']);

/** Error codes met in a run, to show that the generated inputs reach every rejection path. */
const seenCodes = new Set<string>();
/** Every code the framer and decodeApdu can produce (ENCODE_RANGE is the encoders'). */
const REACHABLE_CODES = DECODE_ERROR_CODES.filter((c) => c !== 'IEC104_ENCODE_RANGE').sort();
/** IOA_OVERFLOW needs an SQ=1 base IOA within a few of 0xFFFFFF: rare in random bytes, covered by a bad fixture. */
const RARE_CODES = new Set<string>(['IEC104_IOA_OVERFLOW']);
const expectReachedAll = (seen: Set<string>): void => {
  expect([...seen].filter((c) => !RARE_CODES.has(c)).sort()).toEqual(REACHABLE_CODES.filter((c) => !RARE_CODES.has(c)));
};

function checkDecode(frame: Uint8Array): void {
  const r = decodeApdu(frame);
  if (!r.ok) {
    seenCodes.add(r.error.code);
    check(r.error instanceof DecodeError && KNOWN_CODES.has(r.error.code), `unknown decode error ${String(r.error.code)}`);
    check(r.error.offset >= 0 && r.error.offset <= frame.length, `decode error offset ${r.error.offset} outside the frame`);
    return;
  }
  // Whatever decodes can be encoded again, to a frame of the same length that decodes again.
  const again = encodeApdu(r.value);
  check(again.length === frame.length, `re-encoded length ${again.length} !== ${frame.length}`);
  const back = decodeApdu(again);
  check(back.ok, 're-encoded frame does not decode');
  if (back.ok) {
    const a = r.value.asdu;
    const b = back.value.asdu;
    check(JSON.stringify(back.value.apci) === JSON.stringify(r.value.apci), 'APCI changed by re-encoding');
    check(a?.typeId === b?.typeId && a?.objects.length === b?.objects.length, 'ASDU shape changed by re-encoding');
    a?.objects.forEach((o, i) => check(o.ioa === b?.objects[i]?.ioa, 'IOA changed by re-encoding'));
  }
}

describe('framer + decodeApdu robustness', () => {
  // DecodeError is an Error: capturing a stack for each of the ~100k rejected inputs costs more
  // than the decoding itself. fast-check reports a failure with its counterexample regardless.
  let stackTraceLimit = Error.stackTraceLimit;
  beforeAll(() => {
    stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
  });
  afterAll(() => {
    Error.stackTraceLimit = stackTraceLimit;
  });

  it(`never throws and conserves bytes on ${RANDOM_RUNS} random streams`, () => {
    seenCodes.clear();
    fc.assert(
      fc.property(randomStream, chunking, (input, sizes) => {
        checkStream(input, sizes);
      }),
      { numRuns: RANDOM_RUNS, seed: SEED },
    );
    expectReachedAll(seenCodes);
  });

  it(`never throws and conserves bytes on ${MUTATED_RUNS} mutated fixtures`, () => {
    seenCodes.clear();
    fc.assert(
      fc.property(mutatedStream, chunking, (input, sizes) => {
        checkStream(input, sizes);
      }),
      { numRuns: MUTATED_RUNS, seed: SEED },
    );
    expectReachedAll(seenCodes);
  });
});

// ---------------------------------------------------------------------------------------------
// Round trip

const int16 = fc.integer({ min: -32768, max: 32767 });
const flags = fc.integer({ min: 0, max: 15 }).map((n) => n << 4); // BL SB NT IV
const qds = fc.tuple(flags, fc.boolean()).map(([f, ov]) => f | (ov ? 0x01 : 0));
const float32 = fc.float({ noNaN: true });
const ql = fc.integer({ min: 0, max: 127 });
const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u24 = fc.integer({ min: 0, max: 0xffffff });
const qpm = { kpa: fc.integer({ min: 0, max: 63 }), lpc: fc.boolean(), pop: fc.boolean() };
/** Longest F_SG_NA_1 segment generated: keeps several segments within one ASDU. */
const MAX_SEGMENT = 24;

const cp56: fc.Arbitrary<Cp56Time> = fc.record({
  milliseconds: fc.integer({ min: 0, max: 59_999 }),
  minute: fc.integer({ min: 0, max: 59 }),
  hour: fc.integer({ min: 0, max: 23 }),
  day: fc.integer({ min: 1, max: 31 }),
  dayOfWeek: fc.integer({ min: 0, max: 7 }),
  month: fc.integer({ min: 1, max: 12 }),
  year: fc.integer({ min: 0, max: 99 }),
  invalid: fc.boolean(),
  summerTime: fc.boolean(),
  substituted: fc.boolean(),
});

/** Element fields by kind, within the ranges IEC 60870-5-101 §7.2.6 allows. */
const ELEMENT: { [K in ElementKind]: fc.Arbitrary<object> } = {
  SIQ: fc.record({ value: fc.boolean(), quality: flags }),
  DIQ: fc.record({ value: fc.constantFrom(0, 1, 2, 3), quality: flags }),
  VTI: fc.record({ value: fc.integer({ min: -64, max: 63 }), transient: fc.boolean(), quality: qds }),
  BSI: fc.record({ value: fc.integer({ min: 0, max: 0xffffffff }), quality: qds }),
  NVA: fc.tuple(int16, qds).map(([raw, quality]) => ({ raw, value: raw / 32768, quality })),
  SVA: fc.record({ value: int16, quality: qds }),
  FLOAT: fc.record({ value: float32, quality: qds }),
  BCR: fc.record({
    value: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
    sequence: fc.integer({ min: 0, max: 31 }),
    carry: fc.boolean(),
    adjusted: fc.boolean(),
    invalid: fc.boolean(),
  }),
  SCD: fc.record({ status: u16, changeDetection: u16, quality: qds }),
  NVA_ONLY: int16.map((raw) => ({ raw, value: raw / 32768 })),
  // SEP: event state in bits 0..1, the rest of the octet is its quality (EI BL SB NT IV, bit 2 reserved).
  SEP: fc.record({ state: fc.constantFrom(0, 1, 2, 3), quality: fc.integer({ min: 0, max: 63 }).map((n) => n << 2), elapsedTime: u16 }),
  SPE: fc.record({ start: u8, quality: u8, relayDurationTime: u16 }),
  OCI: fc.record({ output: u8, quality: u8, relayOperationTime: u16 }),
  SCO: fc.record({ state: fc.boolean(), qualifier: fc.integer({ min: 0, max: 31 }), select: fc.boolean() }),
  DCO: fc.record({ state: fc.constantFrom(0, 1, 2, 3), qualifier: fc.integer({ min: 0, max: 31 }), select: fc.boolean() }),
  RCO: fc.record({ state: fc.constantFrom(0, 1, 2, 3), qualifier: fc.integer({ min: 0, max: 31 }), select: fc.boolean() }),
  NVA_QOS: fc.tuple(int16, ql, fc.boolean()).map(([raw, q, select]) => ({ raw, value: raw / 32768, ql: q, select })),
  SVA_QOS: fc.record({ value: int16, ql, select: fc.boolean() }),
  FLOAT_QOS: fc.record({ value: float32, ql, select: fc.boolean() }),
  BSI_ONLY: fc.record({ value: fc.integer({ min: 0, max: 0xffffffff }) }),
  COI: fc.record({ cause: fc.integer({ min: 0, max: 127 }), afterParameterChange: fc.boolean() }),
  QOI: fc.record({ qoi: fc.integer({ min: 0, max: 255 }) }),
  QCC: fc.record({ rqt: fc.integer({ min: 0, max: 63 }), frz: fc.integer({ min: 0, max: 3 }) }),
  NONE: fc.constant({}),
  CP56: fc.record({ time: cp56 }),
  QRP: fc.record({ qrp: u8 }),
  TSC: fc.record({ tsc: u16 }),
  NVA_QPM: fc.tuple(int16, fc.record(qpm)).map(([raw, q]) => ({ raw, value: raw / 32768, ...q })),
  SVA_QPM: fc.record({ value: int16, ...qpm }),
  FLOAT_QPM: fc.record({ value: float32, ...qpm }),
  QPA: fc.record({ qpa: u8 }),
  FILE_READY: fc.record({ nof: u16, lof: u24, frq: u8 }),
  SECTION_READY: fc.record({ nof: u16, nos: u8, lof: u24, srq: u8 }),
  CALL: fc.record({ nof: u16, nos: u8, scq: u8 }),
  LAST_SECTION: fc.record({ nof: u16, nos: u8, lsq: u8, chs: u8 }),
  ACK: fc.record({ nof: u16, nos: u8, afq: u8 }),
  SEGMENT: fc.record({ nof: u16, nos: u8, segment: fc.array(u8, { maxLength: MAX_SEGMENT }) }),
  DIRECTORY: fc.record({ nof: u16, lof: u24, sof: u8 }),
  QUERY_LOG: fc.record({ nof: u16, rangeStart: cp56, rangeStop: cp56 }),
};

/** Octets of one element as encoded: the type's size, plus the segment of F_SG_NA_1. */
function elementSize(info: TypeInfo, o: object): number {
  return info.size + (info.variable ? (o as { segment: number[] }).segment.length : 0);
}

const MAX_IOA = 0xffffff;
const ASDU_ROOM = 249 - 6; // ASDU octets after the 6-octet header

function asduArbitrary(info: TypeInfo): fc.Arbitrary<Asdu> {
  const element = info.timeTag ? fc.tuple(ELEMENT[info.kind], cp56).map(([e, time]) => ({ ...e, time })) : ELEMENT[info.kind];
  const header = fc.record({
    cause: fc.integer({ min: 0, max: 63 }),
    negative: fc.boolean(),
    test: fc.boolean(),
    originator: fc.integer({ min: 0, max: 255 }),
    commonAddress: fc.integer({ min: 0, max: 0xffff }),
  });
  // Sized for the longest element (F_SG_NA_1: its longest segment); C_RD_NA_1 has none at all.
  const longest = info.size + (info.variable ? MAX_SEGMENT : 0);
  const maxSq0 = Math.min(127, Math.floor(ASDU_ROOM / (3 + longest)));
  const maxSq1 = longest === 0 ? 127 : Math.min(127, Math.floor((ASDU_ROOM - 3) / longest));
  const sq0 = fc.array(fc.tuple(fc.integer({ min: 0, max: MAX_IOA }), element), { minLength: 1, maxLength: maxSq0 }).map((objs) => ({ sq: false, objects: objs.map(([ioa, e]) => ({ ioa, ...e })) }));
  const sq1 = fc
    .integer({ min: 1, max: maxSq1 })
    .chain((n) => fc.tuple(fc.integer({ min: 0, max: MAX_IOA - n + 1 }), fc.array(element, { minLength: n, maxLength: n })))
    .map(([base, elems]) => ({ sq: true, objects: elems.map((e, i) => ({ ioa: base + i, ...e })) }));
  return fc.tuple(header, fc.oneof(sq0, sq1)).map(([h, body]) => ({ typeId: info.id, ...h, sq: body.sq, objects: body.objects as InformationObject[] }));
}

/** `expect(actual).toEqual(expected)`, with a fast path: vitest's deep equality is the slow part. */
function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected);
}

describe('ASDU round trip', () => {
  it.each(SUPPORTED_TYPES.map((t) => [t.name, t] as const))('%s: encode then decode gives the same ASDU', (_name, info) => {
    fc.assert(
      fc.property(asduArbitrary(info), fc.integer({ min: 0, max: 32767 }), fc.integer({ min: 0, max: 32767 }), (asdu, ns, nr) => {
        const bytes = encodeAsdu(asdu);
        const n = asdu.objects.length;
        const elements = asdu.objects.reduce((sum, o) => sum + elementSize(info, o), 0);
        expect(bytes.length).toBe(6 + (asdu.sq ? 3 : 3 * n) + elements);
        expectEqual(decodeAsdu(bytes), { ok: true, value: asdu });

        const apdu = { apci: { format: 'I' as const, ns, nr }, asdu };
        const frame = encodeApdu(apdu);
        expect(frame.length).toBe(bytes.length + 6);
        expectEqual(decodeApdu(frame), { ok: true, value: apdu });
      }),
      { numRuns: ROUND_TRIP_RUNS_PER_TI, seed: SEED },
    );
  });
});
