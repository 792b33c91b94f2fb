/**
 * ApduFramer specifics (IEC 60870-5-104 §5.1: start 0x68, one length octet 4..253, then that many
 * octets): several APDUs per chunk, APDUs split anywhere, resynchronisation after garbage, the
 * maxApduLength option, buffered/position accounting and reset().
 */
import { describe, expect, it } from 'vitest';
import { ApduFramer, DecodeError, type FramerItem } from '../../../src/iec104/index.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';

const frame = (name: string): Buffer => loadHexFixture(fixturePath('iec104', 'frames', `${name}.hex`)).bytes;

const GI = frame('c_ic_na_1-station'); // 16 bytes, length octet 14
const TESTFR = frame('u-testfr-act'); // 6 bytes
const NC10 = frame('m_me_nc_1-10-objects'); // 92 bytes, length octet 90
const MAX = frame('m_me_nb_1-sq-max-length'); // 255 bytes, length octet 253

type Seen = { frame: string; offset: number } | { error: string; offset: number };

function seen(items: readonly FramerItem[]): Seen[] {
  return items.map((i) => (i.kind === 'frame' ? { frame: i.frame.toString('hex'), offset: i.offset } : { error: i.error.code, offset: i.error.offset }));
}

const f = (bytes: Buffer, offset: number): Seen => ({ frame: bytes.toString('hex'), offset });
const e = (code: string, offset: number): Seen => ({ error: code, offset });

function pushAll(framer: ApduFramer, chunks: readonly Uint8Array[]): FramerItem[] {
  return chunks.flatMap((c) => framer.push(c));
}

describe('ApduFramer: whole frames', () => {
  it('delivers several APDUs from one chunk with their stream offsets', () => {
    const items = new ApduFramer().push(Buffer.concat([GI, TESTFR, NC10, TESTFR]));
    expect(seen(items)).toEqual([f(GI, 0), f(TESTFR, 16), f(NC10, 22), f(TESTFR, 114)]);
  });

  it('accepts the largest APDU (length octet 253) and the smallest (4)', () => {
    expect(seen(new ApduFramer().push(Buffer.concat([MAX, TESTFR])))).toEqual([f(MAX, 0), f(TESTFR, 255)]);
  });

  it('delivers the same frames however a stream of three APDUs is cut into three chunks', () => {
    const stream = Buffer.concat([GI, TESTFR, GI]);
    const want = [f(GI, 0), f(TESTFR, 16), f(GI, 22)];
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const framer = new ApduFramer();
        const items = pushAll(framer, [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(seen(items), `cuts ${a}/${b}`).toEqual(want);
        expect(framer.buffered).toBe(0);
      }
    }
  });

  it('accepts a plain Uint8Array chunk', () => {
    const items = new ApduFramer().push(new Uint8Array(TESTFR));
    expect(seen(items)).toEqual([f(TESTFR, 0)]);
  });

  it('returns nothing for an empty chunk and keeps its state', () => {
    const framer = new ApduFramer();
    expect(framer.push(GI.subarray(0, 3))).toEqual([]);
    expect(framer.push(new Uint8Array(0))).toEqual([]);
    expect(framer.buffered).toBe(3);
    expect(seen(framer.push(GI.subarray(3)))).toEqual([f(GI, 0)]);
  });

  it('pushTo appends to the caller array', () => {
    const out: FramerItem[] = [];
    const framer = new ApduFramer();
    framer.pushTo(TESTFR, out);
    framer.pushTo(GI, out);
    expect(seen(out)).toEqual([f(TESTFR, 0), f(GI, 6)]);
  });
});

describe('ApduFramer: partial frames', () => {
  it('keeps a partial frame across pushes and accounts for it in buffered/position', () => {
    const framer = new ApduFramer();
    expect(framer.push(GI.subarray(0, 1))).toEqual([]);
    expect([framer.buffered, framer.position]).toEqual([1, 1]);
    expect(framer.push(GI.subarray(1, 10))).toEqual([]);
    expect([framer.buffered, framer.position]).toEqual([10, 10]);
    const items = framer.push(Buffer.concat([GI.subarray(10), TESTFR.subarray(0, 4)]));
    expect(seen(items)).toEqual([f(GI, 0)]);
    expect([framer.buffered, framer.position]).toEqual([4, 20]);
    expect(seen(framer.push(TESTFR.subarray(4)))).toEqual([f(TESTFR, 16)]);
    expect([framer.buffered, framer.position]).toEqual([0, 22]);
  });

  it('holds a lone start byte until the length octet arrives', () => {
    const framer = new ApduFramer();
    expect(framer.push(Buffer.from([0x68]))).toEqual([]);
    expect(framer.buffered).toBe(1);
    expect(seen(framer.push(TESTFR.subarray(1)))).toEqual([f(TESTFR, 0)]);
  });

  it('does not alter frames already delivered when later chunks arrive', () => {
    const framer = new ApduFramer();
    const first = framer.push(Buffer.concat([GI, TESTFR.subarray(0, 3)]));
    const copy = Buffer.from((first[0] as { frame: Buffer }).frame);
    framer.push(Buffer.concat([TESTFR.subarray(3), Buffer.alloc(50, 0x55)]));
    expect((first[0] as { frame: Buffer }).frame).toEqual(copy);
    expect(copy).toEqual(GI);
  });

  it('counts position over frames, garbage and the buffered tail', () => {
    const framer = new ApduFramer();
    framer.push(Buffer.from([1, 2, 3]));
    framer.push(GI);
    framer.push(TESTFR.subarray(0, 2));
    expect(framer.position).toBe(3 + 16 + 2);
    expect(framer.buffered).toBe(2);
  });
});

describe('ApduFramer: garbage and resynchronisation', () => {
  const garbage = Buffer.from([0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99]);

  it('reports a garbage run once, with its offset and bytes, and resyncs at the next start byte', () => {
    const items = new ApduFramer().push(Buffer.concat([TESTFR, garbage, GI]));
    expect(seen(items)).toEqual([f(TESTFR, 0), e('IEC104_BAD_START', 6), f(GI, 16)]);
    const err = (items[1] as { error: DecodeError }).error;
    expect(err).toBeInstanceOf(DecodeError);
    expect(Buffer.from(err.raw ?? [])).toEqual(garbage);
  });

  it('reports a garbage run once even when it arrives byte by byte', () => {
    const framer = new ApduFramer();
    const stream = Buffer.concat([garbage, GI, garbage, TESTFR]);
    const items = pushAll(
      framer,
      Array.from(stream, (b) => Buffer.from([b])),
    );
    expect(seen(items)).toEqual([e('IEC104_BAD_START', 0), f(GI, 10), e('IEC104_BAD_START', 26), f(TESTFR, 36)]);
  });

  it('reports a garbage run once when it spans pushes, and again for a new run after a good frame', () => {
    const framer = new ApduFramer();
    const items = pushAll(framer, [garbage.subarray(0, 4), garbage.subarray(4), GI, garbage]);
    expect(seen(items)).toEqual([e('IEC104_BAD_START', 0), f(GI, 10), e('IEC104_BAD_START', 26)]);
    expect(framer.buffered).toBe(0);
    expect(framer.position).toBe(36);
  });

  it('reports a length octet below 4 at the length octet and skips on', () => {
    const stream = Buffer.concat([Buffer.from([0x68, 0x03, 0x01, 0x00]), TESTFR]);
    expect(seen(new ApduFramer().push(stream))).toEqual([e('IEC104_LENGTH_TOO_SHORT', 1), f(TESTFR, 4)]);
  });

  it('reports a length octet above 253 and does not swallow the following frame', () => {
    const stream = Buffer.concat([Buffer.from([0x68, 0xfe]), TESTFR, Buffer.from([0x68, 0xff, 0x00]), GI]);
    expect(seen(new ApduFramer().push(stream))).toEqual([e('IEC104_LENGTH_TOO_LONG', 1), f(TESTFR, 2), e('IEC104_LENGTH_TOO_LONG', 9), f(GI, 11)]);
  });

  it('reports each bad length octet, but the garbage after one only as part of that error', () => {
    const stream = Buffer.concat([Buffer.from([0x68, 0x01, 0x68, 0x02, 0x00, 0x00]), TESTFR]);
    expect(seen(new ApduFramer().push(stream))).toEqual([e('IEC104_LENGTH_TOO_SHORT', 1), e('IEC104_LENGTH_TOO_SHORT', 3), f(TESTFR, 6)]);
  });

  it('keeps trailing garbage out of the buffer', () => {
    const framer = new ApduFramer();
    expect(seen(framer.push(garbage))).toEqual([e('IEC104_BAD_START', 0)]);
    expect(framer.buffered).toBe(0);
    expect(framer.position).toBe(garbage.length);
  });
});

describe('ApduFramer: maxApduLength', () => {
  it('defaults to 253', () => {
    expect(new ApduFramer().maxApduLength).toBe(253);
  });

  it('rejects a length octet above the configured maximum', () => {
    const framer = new ApduFramer({ maxApduLength: 89 });
    expect(seen(framer.push(Buffer.concat([NC10, TESTFR])))).toEqual([e('IEC104_LENGTH_TOO_LONG', 1), f(TESTFR, 92)]);
  });

  it('accepts a length octet equal to the configured maximum', () => {
    const framer = new ApduFramer({ maxApduLength: 90 });
    expect(seen(framer.push(NC10))).toEqual([f(NC10, 0)]);
  });

  it('with maximum 4 lets only S- and U-frames through', () => {
    const framer = new ApduFramer({ maxApduLength: 4 });
    expect(seen(framer.push(Buffer.concat([TESTFR, GI, TESTFR])))).toEqual([f(TESTFR, 0), e('IEC104_LENGTH_TOO_LONG', 7), f(TESTFR, 22)]);
  });

  it.each([3, 254, 0, 100.5, Number.NaN])('refuses maxApduLength %s', (max) => {
    expect(() => new ApduFramer({ maxApduLength: max })).toThrow(RangeError);
  });
});

describe('ApduFramer: reset', () => {
  it('drops a partial frame and restarts offsets at 0', () => {
    const framer = new ApduFramer();
    framer.push(GI);
    framer.push(TESTFR.subarray(0, 3));
    framer.reset();
    expect([framer.buffered, framer.position]).toEqual([0, 0]);
    expect(seen(framer.push(GI))).toEqual([f(GI, 0)]);
  });

  it('reports garbage again after a reset even while it was resynchronising', () => {
    const framer = new ApduFramer();
    expect(seen(framer.push(Buffer.from([1, 2, 3])))).toEqual([e('IEC104_BAD_START', 0)]);
    expect(framer.push(Buffer.from([4, 5]))).toEqual([]);
    framer.reset();
    expect(seen(framer.push(Buffer.from([6, 7])))).toEqual([e('IEC104_BAD_START', 0)]);
  });
});
