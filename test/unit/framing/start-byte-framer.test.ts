/**
 * What `StartByteFramer` does for every 0x68 protocol, through both framers: a long run without a
 * frame is reported at its start and again every GARBAGE_REPORT_BYTES skipped bytes, at the same
 * stream offsets however the stream is cut; a whole frame starts the count again.
 */
import { describe, expect, it } from 'vitest';
import { YkcFramer } from '../../../codecs/ykc/framer.js';
import { GARBAGE_REPORT_BYTES } from '../../../src/framing/start-byte-framer.js';
import { ApduFramer } from '../../../src/iec104/framer.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';

type Item = { kind: 'frame'; offset: number } | { kind: 'error'; error: { code: string; offset: number } };
type Framer = { push(chunk: Uint8Array): Item[] };

const FRAMERS: readonly { name: string; make: () => Framer; frame: Buffer; code: string }[] = [
  { name: 'iec104', make: () => new ApduFramer() as unknown as Framer, frame: loadHexFixture(fixturePath('iec104', 'frames', 'u-testfr-act.hex')).bytes, code: 'IEC104_BAD_START' },
  { name: 'ykc', make: () => new YkcFramer() as unknown as Framer, frame: loadHexFixture(fixturePath('ykc', 'frames', '03-heartbeat-spec.hex')).bytes, code: 'YKC_BAD_START' },
];

/** Bytes without 0x68. */
const garbage = (n: number): Buffer => Buffer.from(Array.from({ length: n }, (_, i) => (i % 7 === 3 ? 0x67 : 0x00)));

function run(make: () => Framer, chunks: readonly Buffer[]): string[] {
  const f = make();
  return chunks.flatMap((c) => f.push(c)).map((i) => (i.kind === 'frame' ? `frame@${i.offset}` : `${i.error.code}@${i.error.offset}`));
}

function cuts(stream: Buffer, size: number): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < stream.length; i += size) out.push(stream.subarray(i, i + size));
  return out;
}

describe.each(FRAMERS)('StartByteFramer via $name: runs without a frame', ({ make, frame, code }) => {
  const K = GARBAGE_REPORT_BYTES;

  it('reports a run at its start and at every K-th skipped byte, however the stream is cut', () => {
    const stream = garbage(3 * K + 10);
    const want = [`${code}@0`, `${code}@${K - 1}`, `${code}@${2 * K - 1}`, `${code}@${3 * K - 1}`];
    for (const size of [stream.length, 1, 7, K, K - 1, K + 1]) expect(run(make, cuts(stream, size)), `chunks of ${size}`).toEqual(want);
  });

  it('counts from the last whole frame, across stretches the frame start interrupts', () => {
    const stream = Buffer.concat([garbage(K - 1), frame, garbage(K - 1), garbage(2)]);
    const after = K - 1 + frame.length;
    // Before the frame: K - 1 bytes, no second report. After it the count starts again at 0.
    const want = [`${code}@0`, `frame@${K - 1}`, `${code}@${after}`, `${code}@${after + K - 1}`];
    for (const size of [stream.length, 1, 13]) expect(run(make, cuts(stream, size)), `chunks of ${size}`).toEqual(want);
  });

  it('reports a run shorter than K once, as before', () => {
    expect(run(make, [garbage(K - 1)])).toEqual([`${code}@0`]);
  });
});
