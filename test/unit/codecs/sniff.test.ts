/**
 * Each codec's `sniff` against every fixture frame of every codec: a whole frame is claimed by its
 * own codec and by no other, a prefix of it makes its codec ask for more (so detection waits),
 * and random chunkings, bit flips and noise never make detection pick the wrong codec.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec, SniffResult } from '../../../codecs/codec.js';
import { allCodecs, findCodec } from '../../../codecs/registry.js';
import { detect, type Sniffer } from '../../../src/gateway/protocol-detect.js';
import { loadHexFixtures } from '../../support/fixtures.js';
import { testSeed } from '../../support/seed.js';

const seed = testSeed('sniff.test');

/** The codecs with fixture frames, and where they are (the IEC 104 library's frames are the iec104-points codec's). */
const FRAMES: readonly (readonly [string, string])[] = [
  ['ykc', 'ykc'],
  ['iec104-points', 'iec104'],
  ['example', 'example'],
];

const codecs = FRAMES.map(([name]) => findCodec(name) as Codec<unknown>);
const sniffers: Sniffer[] = codecs.map((c) => ({ name: c.name, sniff: (head) => sniffOf(c)(head), ...(c.gatewaySpeaksFirst === true ? { gatewaySpeaksFirst: true } : {}) }));
const frames = FRAMES.flatMap(([codec, folder]) => loadHexFixtures(folder, 'frames').map((f) => ({ codec, name: f.name, bytes: f.bytes })));

function sniffOf(codec: Codec<unknown>): (head: Uint8Array) => SniffResult {
  const sniff = codec.sniff;
  if (sniff === undefined) throw new Error(`${codec.name} has no sniff`);
  return (head) => sniff.call(codec, head, undefined);
}

describe('sniff', () => {
  it('every codec with fixture frames has one', () => {
    expect(codecs.map((c) => typeof c.sniff)).toEqual(['function', 'function', 'function']);
    expect(frames.length).toBeGreaterThan(100);
  });

  it.each(frames.map((f) => [`${f.codec} ${f.name}`, f] as const))('%s: claimed by its codec only', (_, f) => {
    const answers = Object.fromEntries(codecs.map((c) => [c.name, sniffOf(c)(f.bytes)]));
    expect(answers).toEqual(Object.fromEntries(codecs.map((c) => [c.name, c.name === f.codec ? 'yes' : 'no'])));
  });

  it.each(frames.map((f) => [`${f.codec} ${f.name}`, f] as const))('%s: a prefix makes its codec ask for more, so detection waits', (_, f) => {
    for (let n = 1; n < f.bytes.length; n++) {
      const head = f.bytes.subarray(0, n);
      const own = codecs.find((c) => c.name === f.codec) as Codec<unknown>;
      expect([n, sniffOf(own)(head)]).toEqual([n, 'more']);
      // Another codec may take a prefix for one of its own frames (an IEC 104 APDU is 2 bytes shorter than a YKC frame of the same length byte), never the whole.
      expect([n, detect(sniffers, head, false)]).toEqual([n, { kind: 'wait' }]);
    }
  });

  it('several frames of one codec in any chunking: detection waits or picks that codec, and picks it once the first frame is whole', () => {
    const byCodec = FRAMES.map(([codec]) => frames.filter((f) => f.codec === codec));
    fc.assert(
      fc.property(
        fc.nat(byCodec.length - 1).chain((c) => fc.tuple(fc.constant(c), fc.array(fc.constantFrom(...(byCodec[c] ?? [])), { minLength: 1, maxLength: 3 }), fc.array(fc.nat(400), { maxLength: 5 }))),
        ([c, picked, cuts]) => {
          const stream = Buffer.concat(picked.map((f) => f.bytes));
          const first = picked[0]?.bytes.length ?? 0;
          for (const cut of [...new Set(cuts.map((x) => x % (stream.length + 1)))].sort((a, b) => a - b)) {
            const d = detect(sniffers, stream.subarray(0, cut), false);
            if (d.kind === 'codec') expect(d.index).toBe(c);
            else if (cut >= first) expect(d.kind).toBe('codec');
            else expect(d.kind).toBe('wait');
          }
          expect(detect(sniffers, stream, false)).toEqual({ kind: 'codec', index: c, by: 'sniff' });
        },
      ),
      { seed, numRuns: 300 },
    );
  });

  it('one flipped bit in a YKC frame after its length byte: YKC no longer claims it', () => {
    const ykc = frames.filter((f) => f.codec === 'ykc');
    fc.assert(
      fc.property(fc.constantFrom(...ykc), fc.nat(), fc.nat(7), (f, at, bit) => {
        const bytes = Buffer.from(f.bytes);
        const i = 2 + (at % (bytes.length - 2));
        bytes[i] = (bytes[i] as number) ^ (1 << bit);
        expect(sniffOf(codecs[0] as Codec<unknown>)(bytes)).toBe('no');
      }),
      { seed, numRuns: 500 },
    );
  });

  it("random bytes: every sniff answers without throwing, and what does not start with 0x68 is no one's", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (head) => {
        for (const c of allCodecs()) {
          if (c.sniff === undefined) continue;
          const a = c.sniff(head, undefined);
          expect(['yes', 'no', 'more']).toContain(a);
          if (head.length > 0 && head[0] !== 0x68) expect(a).toBe('no');
          if (head.length === 0) expect(a).toBe('more');
        }
      }),
      { seed, numRuns: 1000 },
    );
  });

  it('a silent charger goes to the one codec whose chargers wait for the gateway; several or none refuse', () => {
    expect(detect(sniffers, Buffer.alloc(0), false)).toEqual({ kind: 'wait' });
    expect(detect(sniffers, Buffer.alloc(0), true)).toEqual({ kind: 'codec', index: 1, by: 'silence' });
    expect(detect([sniffers[0] as Sniffer, sniffers[2] as Sniffer], Buffer.alloc(0), true)).toMatchObject({ kind: 'refuse', reason: 'protocol_timeout' });
    const twice = [sniffers[1] as Sniffer, { ...(sniffers[1] as Sniffer), name: 'other' }];
    expect(detect(twice, Buffer.alloc(0), true)).toMatchObject({ kind: 'refuse', reason: 'protocol_timeout' });
  });
});
