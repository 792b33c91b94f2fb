/**
 * The offline-card list frames carry at most as many cards as the protocol allows (0x46: 24,
 * 0x48: 26; `maxEntries` in the catalogue, codecs/ykc/constants.ts). The encoder refuses more; the
 * decoder must refuse what the encoder cannot produce, or a decoded frame cannot be sent on (the
 * YKC property test's mirror found a 0x46 with 25 cards that decoded and then failed to re-encode).
 */
import { describe, expect, it } from 'vitest';
import { crc16Modbus, decodeYkcFrame, encodeYkcFrame, type YkcFrame } from '../../../../../codecs/ykc/index.js';

const PILE = Buffer.from('32010200000001', 'hex');

/** A CRC-correct frame of `type` around `body`. */
function frame(type: number, body: Buffer): Buffer {
  const out = Buffer.alloc(body.length + 8);
  out[0] = 0x68;
  out[1] = body.length + 4;
  out.writeUInt16LE(1, 2);
  out[4] = 0;
  out[5] = type;
  body.copy(out, 6);
  const crc = crc16Modbus(out, 2, out.length - 2);
  out[out.length - 2] = crc & 0xff;
  out[out.length - 1] = crc >>> 8;
  return out;
}

function cards(n: number): Buffer {
  return Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.from(`00000000D14B0A${(i + 16).toString(16)}`, 'hex')));
}

/** Spec layout: pile 7 | count 1 | n × card 8. */
const spec = (type: number, n: number): Buffer => frame(type, Buffer.concat([PILE, Buffer.of(n), cards(n)]));

/** JCPP's 0x48 layout: count 4 LE | pile 7 | n × card 8. */
function jcppQuery(n: number): Buffer {
  const count = Buffer.alloc(4);
  count.writeUInt32LE(n);
  return frame(0x48, Buffer.concat([count, PILE, cards(n)]));
}

function decodes(bytes: Buffer): YkcFrame {
  const r = decodeYkcFrame(bytes);
  if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
  return r.value;
}

describe('offline-card list counts', () => {
  it('a 0x46 clear with 24 cards decodes and re-encodes to itself', () => {
    const bytes = spec(0x46, 24);
    expect(encodeYkcFrame(decodes(bytes)).toString('hex')).toBe(bytes.toString('hex'));
  });

  it('a 0x46 clear with 25 cards is YKC_FIELD at the count byte, as the encoder refuses 25', () => {
    const r = decodeYkcFrame(spec(0x46, 25));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ code: 'YKC_FIELD', offset: 6 + 7 });
    expect(r.ok ? '' : r.error.message).toMatch(/25 cards, the frame carries at most 24/);
  });

  it('a 0x48 query with 26 cards decodes, with 27 is YKC_FIELD, in both count layouts', () => {
    expect(decodes(spec(0x48, 26))).toMatchObject({ type: 'offlineCardQuery', countLayout: 'spec' });
    expect(decodes(jcppQuery(26))).toMatchObject({ type: 'offlineCardQuery', countLayout: 'jcpp' });
    for (const [bytes, offset] of [
      [spec(0x48, 27), 6 + 7],
      [jcppQuery(27), 6],
    ] as const) {
      const r = decodeYkcFrame(bytes);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'YKC_FIELD', offset });
    }
  });
});
