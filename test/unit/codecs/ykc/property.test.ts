/**
 * Property tests of the YKC codec. Robustness: random byte streams (garbage and CRC-correct frames
 * of every catalogue type with random bodies of random length) and mutated fixtures, cut into
 * random chunks, go through the framer and every frame through decodeYkcFrame; nothing may throw,
 * the framer must account for every input byte and errors must carry a known code. Mirror: any
 * CRC-correct frame that decodes re-encodes to the same bytes (frames with CP56Time2a fields:
 * to the same decoded value, since the reserved CP56 bits are not kept).
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { YKC_ERROR_CODES, YKC_FRAME_TYPES, YkcFramer, crc16Modbus, decodeYkcFrame, encodeYkcFrame, type YkcFrame } from '../../../../codecs/ykc/index.js';
import { loadHexFixtures } from '../../../support/fixtures.js';
import { mutate, mutation } from '../../../support/mutations.js';
import { testSeed } from '../../../support/seed.js';

/** One seed for every property of this file, printed so that a failure can be replayed (support/seed.ts). */
const SEED = testSeed('ykc property tests');

const KNOWN_CODES = new Set<string>(YKC_ERROR_CODES);
const SEED_BYTES = [...loadHexFixtures('ykc', 'frames'), ...loadHexFixtures('ykc', 'bad')].map((f) => f.bytes);
const CODES = YKC_FRAME_TYPES.map((t) => t.code);
/** Types whose CP56Time2a fields drop the reserved bits, so only the decoded value round-trips. */
const WITH_TIME = new Set(['timeSync', 'timeSyncAnswer', 'transactionRecord', 'transactionRecordV17']);

// 12k random streams + 12k mutated fixture streams + 8k single frames = 32k framer/decoder inputs.
const RANDOM_RUNS = 12_000;
const MUTATED_RUNS = 12_000;
const FRAME_RUNS = 8_000;

/** Sets the CRC of a whole frame (low byte first). */
function fixCrc(frame: Uint8Array): Uint8Array {
  if (frame.length >= 4) {
    const crc = crc16Modbus(frame, 2, frame.length - 2);
    frame[frame.length - 2] = crc & 0xff;
    frame[frame.length - 1] = crc >>> 8;
  }
  return frame;
}

/**
 * A CRC-correct frame: a catalogue type (sometimes an unknown one), a body of random length around
 * its layout size, mostly no encryption flag. The body length is biased toward the layout sizes so
 * the list and variant layouts are hit.
 */
const validFrame = fc
  .tuple(
    fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...CODES) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
    fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, { weight: 2, arbitrary: fc.integer({ min: -8, max: 8 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 251 }) }),
    fc.uint8Array({ minLength: 260, maxLength: 260 }),
    fc.integer({ min: 0, max: 0xffff }),
    fc.oneof({ weight: 12, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 255 }) }),
  )
  .map(([code, delta, random, sequence, flag]) => {
    const info = YKC_FRAME_TYPES.find((t) => t.code === code);
    const entries = info?.entry === undefined ? 0 : (random[0] as number) % ((info.maxEntries ?? 20) + 1);
    const layout = (info?.body ?? 9) + entries * (info?.entry ?? 0);
    const n = delta === -1 ? layout : Math.max(0, Math.min(251, delta >= 0 && delta <= 8 ? layout + delta : delta + layout));
    const frame = new Uint8Array(n + 8);
    frame[0] = 0x68;
    frame[1] = n + 4;
    frame[2] = sequence & 0xff;
    frame[3] = sequence >> 8;
    frame[4] = flag;
    frame[5] = code;
    frame.set(random.subarray(0, n), 6);
    // Offline-card lists: make the 1-byte count agree with the entries most of the time.
    if (info?.entry !== undefined && info.body === 8 && n >= 8 && (random[1] as number) < 200) frame[6 + 7] = entries;
    return fixCrc(frame);
  });

const randomStream = fc.array(fc.oneof(fc.uint8Array({ maxLength: 24 }), validFrame, fc.constant(Uint8Array.of(0x68))), { maxLength: 6 }).map((parts) => Buffer.concat(parts));

/** One to three fixtures, mutated; half the time the first frame's CRC is repaired so the mutation reaches its body decoder. */
const mutatedStream = fc
  .tuple(fc.array(fc.constantFrom(...SEED_BYTES), { minLength: 1, maxLength: 3 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), fc.boolean())
  .map(([seeds, mutations, repair]) => {
    const first = mutate(seeds[0] as Buffer, mutations);
    if (repair && first.length >= 2 && first[0] === 0x68 && first.length >= (first[1] as number) + 4) {
      fixCrc(first.subarray(0, (first[1] as number) + 4));
    }
    return Buffer.concat([first, ...seeds.slice(1)]);
  });

const chunking = fc.array(fc.integer({ min: 1, max: 64 }), { maxLength: 8 });

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

const stats = { frames: 0, decoded: 0, errors: new Map<string, number>() };

function count(code: string): void {
  stats.errors.set(code, (stats.errors.get(code) ?? 0) + 1);
}

/** Framer + decoder over one chunked input: never throws, accounts for every byte, known codes only. */
function runStream(input: Buffer, sizes: readonly number[]): void {
  const framer = new YkcFramer();
  let framed = 0;
  for (const part of chunk(input, sizes)) {
    for (const item of framer.push(part)) {
      if (item.kind === 'error') {
        expect(KNOWN_CODES.has(item.error.code)).toBe(true);
        count(item.error.code);
        continue;
      }
      framed += item.frame.length;
      stats.frames += 1;
      const r = decodeYkcFrame(item.frame);
      if (r.ok) stats.decoded += 1;
      else {
        expect(KNOWN_CODES.has(r.error.code)).toBe(true);
        expect(r.error.offset).toBeGreaterThanOrEqual(0);
        expect(r.error.offset).toBeLessThanOrEqual(item.frame.length);
        count(r.error.code);
      }
    }
  }
  expect(framer.position).toBe(input.length);
  expect(framed + framer.buffered).toBeLessThanOrEqual(input.length);
}

afterAll(() => {
  // The random inputs must have reached the body decoders and the main error paths.
  expect(stats.decoded).toBeGreaterThan(1_000);
  for (const code of ['YKC_BAD_START', 'YKC_CRC', 'YKC_LENGTH', 'YKC_TRUNCATED', 'YKC_UNKNOWN_TYPE', 'YKC_ENCRYPTED', 'YKC_FIELD']) {
    expect(stats.errors.get(code) ?? 0, code).toBeGreaterThan(0);
  }
});

describe('robustness', () => {
  it(`random streams (${RANDOM_RUNS}) never throw out of framer or decoder`, () => {
    fc.assert(
      fc.property(randomStream, chunking, (input, sizes) => {
        runStream(input, sizes);
      }),
      { numRuns: RANDOM_RUNS, seed: SEED },
    );
  });

  it(`mutated fixtures (${MUTATED_RUNS}) never throw out of framer or decoder`, () => {
    fc.assert(
      fc.property(mutatedStream, chunking, (input, sizes) => {
        runStream(input, sizes);
      }),
      { numRuns: MUTATED_RUNS, seed: SEED },
    );
  });
});

describe('mirror on arbitrary frames', () => {
  it(`a CRC-correct frame (${FRAME_RUNS}) that decodes re-encodes to itself`, () => {
    let mirrored = 0;
    fc.assert(
      fc.property(validFrame, (bytes) => {
        const frame = Buffer.from(bytes);
        const r = decodeYkcFrame(frame);
        if (!r.ok) {
          expect(KNOWN_CODES.has(r.error.code)).toBe(true);
          return;
        }
        const again = encodeYkcFrame(r.value, { crcOrder: r.value.crcOrder });
        if (WITH_TIME.has(r.value.type)) {
          const second = decodeYkcFrame(again);
          expect(second.ok && isDeepStrictEqual(second.value, r.value)).toBe(true);
        } else {
          expect(again.toString('hex')).toBe(frame.toString('hex'));
        }
        mirrored += 1;
      }),
      { numRuns: FRAME_RUNS, seed: SEED },
    );
    expect(mirrored).toBeGreaterThan(FRAME_RUNS / 2);
  });

  it('decodes every catalogue type from a random body of its layout size', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(validFrame, (bytes) => {
        const r = decodeYkcFrame(bytes);
        if (r.ok) seen.add((r.value as YkcFrame).type);
      }),
      { numRuns: 3_000, seed: SEED },
    );
    expect(YKC_FRAME_TYPES.filter((t) => !seen.has(t.name)).map((t) => t.name)).toEqual([]);
  });
});
