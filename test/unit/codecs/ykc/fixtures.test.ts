/**
 * Every byte fixture under fixtures/ykc: good frames are decoded, encoded and mirrored against
 * their .json (written by an independent reading of the docs/protocols/ykc.md §4 layouts), and framed in every
 * chunking; bad inputs must produce exactly the errors of their `# expect:` headers while the good
 * frames around them still come through.
 */
import { describe, expect, it } from 'vitest';
import { YKC_FRAME_TYPES, YkcFramer, decodeYkcFrame, encodeYkcFrame, type YkcFrame } from '../../../../codecs/ykc/index.js';
import { loadFrameFixtures, loadHexFixtures } from '../../../support/fixtures.js';
import { frameAndDecode as frameAndDecodeOf, frameChunks as frameChunksOf, split, summary } from '../../../support/framing.js';
import { describeBadFixtures, describeGoodStream } from '../../../support/framing-suites.js';

const good = loadFrameFixtures('ykc', 'frames');
const bad = loadHexFixtures('ykc', 'bad');

function decodeOk(bytes: Uint8Array): YkcFrame {
  const r = decodeYkcFrame(bytes);
  if (!r.ok) throw new Error(`decodeYkcFrame failed: ${r.error.code} at ${r.error.offset}: ${r.error.message}`);
  return r.value;
}

/** Encodes with the CRC byte order the frame arrived in, so received frames re-encode exactly. */
function encodeAsReceived(frame: YkcFrame): Buffer {
  return encodeYkcFrame(frame, { crcOrder: frame.crcOrder ?? 'le' });
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');

const frameChunks = (chunks: readonly Uint8Array[]) => frameChunksOf(() => new YkcFramer(), chunks);
const frameAndDecode = (chunks: readonly Uint8Array[]) => frameAndDecodeOf(() => new YkcFramer(), decodeYkcFrame, chunks);

describe('fixture set', () => {
  it('has good and bad fixtures', () => {
    expect(good.length).toBeGreaterThanOrEqual(80);
    expect(bad.length).toBeGreaterThanOrEqual(20);
  });

  it('covers every frame type of the catalogue', () => {
    const covered = new Set(good.map((f) => (f.expected as { type: string }).type));
    expect(YKC_FRAME_TYPES.filter((t) => !covered.has(t.name)).map((t) => t.name)).toEqual([]);
  });

  it('covers both CRC byte orders, trailing bytes, missing bytes and both 0x25 and count layouts', () => {
    const values = good.map((f) => f.expected as Record<string, unknown>);
    expect(values.some((v) => v.crcOrder === 'be')).toBe(true);
    expect(values.some((v) => v.trailing !== undefined)).toBe(true);
    expect(values.some((v) => v.missing !== undefined)).toBe(true);
    expect(new Set(values.map((v) => v.flagLayout).filter(Boolean))).toEqual(new Set(['packed', 'words']));
    expect(new Set(values.map((v) => v.countLayout).filter(Boolean))).toEqual(new Set(['spec', 'jcpp']));
  });

  it('has the login and time-sync values docs/protocols/ykc.md §8.1 documents', () => {
    const login = good.find((f) => f.name === '01-login-jcpp')?.expected;
    expect(login).toMatchObject({
      pileType: 1,
      gunCount: 1,
      protocolVersion: 0x10,
      firmwareVersion: 'GV.95r13',
      networkType: 0,
      sim: '898604D11722D0348606',
      operator: 2,
    });
    const sync = good.find((f) => f.name === '56-time-sync-jcpp-after-login')?.expected;
    expect(sync).toMatchObject({ time: { utc: '2024-12-18T09:15:30.000Z' } });
  });
});

describe.each(good)('good fixture $name', (fixture) => {
  const { bytes, expected } = fixture;

  it('decodes to the JSON', () => {
    expect(decodeOk(bytes)).toEqual(expected);
  });

  it('encodes the JSON to the same bytes', () => {
    expect(hex(encodeAsReceived(expected as YkcFrame))).toBe(hex(bytes));
  });

  it('mirrors: decode(encode(decode(x))) equals decode(x)', () => {
    const first = decodeOk(bytes);
    expect(decodeOk(encodeAsReceived(first))).toEqual(first);
  });

  it('frames as one chunk and byte by byte', () => {
    const want = { frames: [{ offset: 0, hex: hex(bytes) }], errors: [] };
    const one = frameChunks([bytes]);
    expect(summary(one.items)).toEqual(want);
    expect(one.framer.buffered).toBe(0);
    expect(one.framer.position).toBe(bytes.length);
    const each = frameChunks(split(bytes, 'bytes'));
    expect(summary(each.items)).toEqual(want);
    expect(each.framer.buffered).toBe(0);
  });

  it('frames when split into two chunks at every boundary, reporting the CRC byte order', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { items, framer } = frameChunks(split(bytes, [cut]));
      expect(summary(items), `cut at ${cut}`).toEqual({ frames: [{ offset: 0, hex: hex(bytes) }], errors: [] });
      expect(framer.buffered).toBe(0);
      const item = items[0];
      expect(item?.kind === 'frame' ? item.crcOrder : undefined).toBe((expected as YkcFrame).crcOrder);
    }
  });
});

describeGoodStream(good, frameChunks, decodeOk);

describeBadFixtures(bad, frameAndDecode, (fixture, r) => {
  // Only a possible frame start stays buffered (spec-03's wrong CRC ends in the byte 0x68).
  if (r.buffered > 0) expect(fixture.bytes[fixture.bytes.length - r.buffered]).toBe(0x68);
});
