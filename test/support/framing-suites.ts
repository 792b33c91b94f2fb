/**
 * Test suites shared by the fixture tests of every 0x68-style codec: all good fixtures as one
 * stream in any chunking, and each bad fixture's errors and good frames in any chunking.
 */
import { describe, expect, it } from 'vitest';
import type { ExpectedError } from './fixtures.js';
import { split, summary, type AnyFramerItem } from './framing.js';

interface GoodFixture {
  readonly bytes: Buffer;
  readonly expected: unknown;
}

interface BadFixture {
  readonly name: string;
  readonly bytes: Buffer;
  readonly expect: readonly ExpectedError[];
  readonly frames: number | undefined;
}

type StreamRun = { errors: ExpectedError[]; good: number; buffered: number };

/** The good fixtures concatenated: framed whole in one chunk, byte by byte, and in chunks of 7. */
export function describeGoodStream(good: readonly GoodFixture[], frameChunks: (chunks: readonly Uint8Array[]) => { items: AnyFramerItem[] }, decode: (frame: Buffer) => unknown): void {
  describe('all good fixtures as one stream', () => {
    const stream = Buffer.concat(good.map((f) => f.bytes));
    const expectedFrames: { offset: number; hex: string }[] = [];
    let at = 0;
    for (const f of good) {
      expectedFrames.push({ offset: at, hex: f.bytes.toString('hex') });
      at += f.bytes.length;
    }

    it('frames in one chunk', () => {
      expect(summary(frameChunks([stream]).items)).toEqual({ frames: expectedFrames, errors: [] });
    });

    it('frames byte by byte', () => {
      expect(summary(frameChunks(split(stream, 'bytes')).items)).toEqual({ frames: expectedFrames, errors: [] });
    });

    it('frames in chunks of 7 and decodes every frame to its JSON', () => {
      const sizes = Array.from({ length: Math.floor(stream.length / 7) }, () => 7);
      const { items } = frameChunks(split(stream, sizes));
      expect(summary(items)).toEqual({ frames: expectedFrames, errors: [] });
      const decoded = items.map((item) => (item.kind === 'frame' ? decode(item.frame) : undefined));
      expect(decoded).toEqual(good.map((f) => f.expected));
    });
  });
}

/**
 * Each bad fixture yields its declared errors and good frames in one chunk, byte by byte and split
 * at every boundary. `afterOneChunk` checks what may stay buffered (protocol-specific).
 */
export function describeBadFixtures(bad: readonly BadFixture[], frameAndDecode: (chunks: readonly Uint8Array[]) => StreamRun, afterOneChunk: (fixture: BadFixture, run: StreamRun) => void): void {
  describe.each(bad)('bad fixture $name', (fixture) => {
    it('declares its expected errors and good frames', () => {
      expect(fixture.expect.length).toBeGreaterThan(0);
      expect(fixture.frames).toBeTypeOf('number');
    });

    it('yields the expected errors and good frames in one chunk', () => {
      const r = frameAndDecode([fixture.bytes]);
      expect(r.errors).toEqual(fixture.expect);
      expect(r.good).toBe(fixture.frames);
      afterOneChunk(fixture, r);
    });

    it('yields the same errors and good frames byte by byte', () => {
      const r = frameAndDecode(split(fixture.bytes, 'bytes'));
      expect(r.errors).toEqual(fixture.expect);
      expect(r.good).toBe(fixture.frames);
    });

    it('yields the same errors and good frames split at every boundary', () => {
      for (let cut = 1; cut < fixture.bytes.length; cut++) {
        const r = frameAndDecode(split(fixture.bytes, [cut]));
        expect(r.errors, `cut at ${cut}`).toEqual(fixture.expect);
        expect(r.good, `cut at ${cut}`).toBe(fixture.frames);
      }
    });
  });
}
