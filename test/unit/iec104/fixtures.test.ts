/**
 * Every byte fixture under fixtures/iec104: good frames are decoded, generated and mirrored against
 * their hand-written .json, and framed in every chunking; bad inputs must produce exactly the
 * errors named in their `# expect:` headers while still delivering the good frames around them.
 */
import { describe, expect, it } from 'vitest';
import { ApduFramer, SUPPORTED_TYPES, U_CODE, decodeApdu, encodeApdu, type Apdu } from '../../../src/iec104/index.js';
import { loadFrameFixtures, loadHexFixtures } from '../../support/fixtures.js';
import { frameAndDecode as frameAndDecodeOf, frameChunks as frameChunksOf, split, summary } from '../../support/framing.js';
import { describeBadFixtures, describeGoodStream } from '../../support/framing-suites.js';

const good = loadFrameFixtures('iec104', 'frames');
const bad = loadHexFixtures('iec104', 'bad');

function decodeOk(bytes: Uint8Array): Apdu {
  const r = decodeApdu(bytes);
  if (!r.ok) throw new Error(`decodeApdu failed: ${r.error.code} at ${r.error.offset}: ${r.error.message}`);
  return r.value;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

const frameChunks = (chunks: readonly Uint8Array[]) => frameChunksOf(() => new ApduFramer(), chunks);
const frameAndDecode = (chunks: readonly Uint8Array[]) => frameAndDecodeOf(() => new ApduFramer(), decodeApdu, chunks);

describe('fixture set', () => {
  it('has good and bad fixtures', () => {
    expect(good.length).toBeGreaterThanOrEqual(40);
    expect(bad.length).toBeGreaterThanOrEqual(10);
  });

  it('covers every supported type identification', () => {
    const covered = new Set(good.map((f) => (f.expected as { asdu?: { typeId: number } }).asdu?.typeId));
    const missing = SUPPORTED_TYPES.filter((t) => !covered.has(t.id)).map((t) => t.name);
    expect(missing).toEqual([]);
  });

  it('covers every U function and the S format', () => {
    const apcis = good.map((f) => (f.expected as { apci: { format: string; fn?: string } }).apci);
    const fns = new Set(apcis.filter((a) => a.format === 'U').map((a) => a.fn));
    expect([...fns].sort()).toEqual(Object.keys(U_CODE).sort());
    expect(apcis.some((a) => a.format === 'S')).toBe(true);
  });

  it('has the benchmark frames at their documented sizes', () => {
    const size = (name: string): number | undefined => good.find((f) => f.name === name)?.bytes.length;
    expect(size('m_me_nc_1-10-objects')).toBe(92);
    expect(size('m_me_tf_1-10-objects')).toBe(162);
    expect(size('c_ic_na_1-station')).toBe(16);
  });

  it('parses the C_IC_NA_1 example of the spec byte for byte', () => {
    const gi = good.find((f) => f.name === 'c_ic_na_1-station');
    expect(gi?.bytes.toString('hex')).toBe('680e0000000064010600010000000014');
  });
});

describe.each(good)('good fixture $name', (fixture) => {
  const { bytes, expected } = fixture;

  it('decodes to the hand-written JSON', () => {
    expect(decodeOk(bytes)).toEqual(expected);
  });

  it('encodes the decoded APDU back to the same bytes', () => {
    expect(hex(encodeApdu(decodeOk(bytes)))).toBe(hex(bytes));
  });

  it('encodes the hand-written JSON to the same bytes', () => {
    expect(hex(encodeApdu(expected as Apdu))).toBe(hex(bytes));
  });

  it('mirrors: decode(encode(decode(x))) equals decode(x)', () => {
    const first = decodeOk(bytes);
    expect(decodeOk(encodeApdu(first))).toEqual(first);
  });

  it('frames as one chunk', () => {
    const { items, framer } = frameChunks([bytes]);
    expect(summary(items)).toEqual({ frames: [{ offset: 0, hex: hex(bytes) }], errors: [] });
    expect(framer.buffered).toBe(0);
    expect(framer.position).toBe(bytes.length);
  });

  it('frames byte by byte', () => {
    const { items, framer } = frameChunks(split(bytes, 'bytes'));
    expect(summary(items)).toEqual({ frames: [{ offset: 0, hex: hex(bytes) }], errors: [] });
    expect(framer.buffered).toBe(0);
  });

  it('frames when split into two chunks at every boundary', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { items, framer } = frameChunks(split(bytes, [cut]));
      expect(summary(items), `cut at ${cut}`).toEqual({ frames: [{ offset: 0, hex: hex(bytes) }], errors: [] });
      expect(framer.buffered).toBe(0);
    }
  });
});

describeGoodStream(good, frameChunks, decodeOk);

describeBadFixtures(bad, frameAndDecode, (_fixture, r) => expect(r.buffered).toBe(0));
