/**
 * YkcFramer specifics (docs/protocols/ykc.md §1, §7): several frames per chunk, frames split anywhere, the CRC byte
 * order reported per frame, resynchronisation after garbage, bad length fields and bad CRCs, the
 * maxLength option, buffered/position accounting and reset().
 */
import { describe, expect, it } from 'vitest';
import { YkcDecodeError, YkcFramer, type YkcFramerItem } from '../../../../codecs/ykc/index.js';
import { fixturePath, loadHexFixture } from '../../../support/fixtures.js';

const frame = (name: string): Buffer => loadHexFixture(fixturePath('ykc', 'frames', `${name}.hex`)).bytes;

const LOGIN = frame('01-login-jcpp'); // 38 bytes, CRC low byte first
const HB_BE = frame('03-heartbeat-jcpp-crc-be'); // 17 bytes, CRC high byte first
const RECORD = frame('3d-transaction-record-v17-jcpp'); // 209 bytes, L = 205
const HB = frame('03-heartbeat-spec'); // 17 bytes

type Seen = { frame: string; offset: number; crc: string } | { error: string; offset: number };

function seen(items: readonly YkcFramerItem[]): Seen[] {
  return items.map((i) => (i.kind === 'frame' ? { frame: i.frame.toString('hex'), offset: i.offset, crc: i.crcOrder } : { error: i.error.code, offset: i.error.offset }));
}

const f = (bytes: Buffer, offset: number, crc = 'le'): Seen => ({ frame: bytes.toString('hex'), offset, crc });
const e = (code: string, offset: number): Seen => ({ error: code, offset });

function pushAll(framer: YkcFramer, chunks: readonly Uint8Array[]): YkcFramerItem[] {
  return chunks.flatMap((c) => framer.push(c));
}

describe('YkcFramer: whole frames', () => {
  it('delivers several frames from one chunk with offsets and CRC byte order', () => {
    const items = new YkcFramer().push(Buffer.concat([LOGIN, HB_BE, RECORD, HB]));
    expect(seen(items)).toEqual([f(LOGIN, 0), f(HB_BE, 38, 'be'), f(RECORD, 55), f(HB, 264)]);
  });

  it('delivers the same frames however a stream of three frames is cut into three chunks', () => {
    const stream = Buffer.concat([HB, LOGIN, HB_BE]);
    const want = [f(HB, 0), f(LOGIN, 17), f(HB_BE, 55, 'be')];
    for (let a = 0; a <= stream.length; a++) {
      for (let b = a; b <= stream.length; b++) {
        const framer = new YkcFramer();
        const items = pushAll(framer, [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)]);
        expect(seen(items), `cuts ${a}/${b}`).toEqual(want);
        expect(framer.buffered).toBe(0);
      }
    }
  });

  it('accepts a plain Uint8Array chunk and appends to a caller array with pushTo', () => {
    expect(seen(new YkcFramer().push(new Uint8Array(HB)))).toEqual([f(HB, 0)]);
    const out: YkcFramerItem[] = [];
    const framer = new YkcFramer();
    framer.pushTo(HB, out);
    framer.pushTo(LOGIN, out);
    expect(seen(out)).toEqual([f(HB, 0), f(LOGIN, 17)]);
  });
});

describe('YkcFramer: partial frames', () => {
  it('keeps a partial frame across pushes and accounts for it', () => {
    const framer = new YkcFramer();
    expect(framer.push(LOGIN.subarray(0, 10))).toEqual([]);
    expect(framer.buffered).toBe(10);
    expect(framer.push(new Uint8Array(0))).toEqual([]);
    expect(framer.buffered).toBe(10);
    expect(framer.position).toBe(10);
    expect(seen(framer.push(LOGIN.subarray(10)))).toEqual([f(LOGIN, 0)]);
    expect(framer.buffered).toBe(0);
    expect(framer.position).toBe(LOGIN.length);
  });

  it('waits for the length byte after a lone start byte', () => {
    const framer = new YkcFramer();
    expect(framer.push(Buffer.from([0x68]))).toEqual([]);
    expect(framer.buffered).toBe(1);
  });

  it('forgets a partial frame on reset and counts offsets from zero again', () => {
    const framer = new YkcFramer();
    framer.push(LOGIN.subarray(0, 20));
    framer.reset();
    expect(framer.buffered).toBe(0);
    expect(framer.position).toBe(0);
    expect(seen(framer.push(HB))).toEqual([f(HB, 0)]);
  });
});

describe('YkcFramer: resynchronisation', () => {
  it('reports a stretch of garbage once, with its bytes, and carries on', () => {
    const garbage = Buffer.from([0x01, 0x02, 0x03]);
    const items = new YkcFramer().push(Buffer.concat([garbage, HB, garbage, garbage, LOGIN]));
    expect(seen(items)).toEqual([e('YKC_BAD_START', 0), f(HB, 3), e('YKC_BAD_START', 20), f(LOGIN, 26)]);
    const first = items[0];
    expect(first?.kind === 'error' ? Buffer.from(first.error.raw ?? []).toString('hex') : '').toBe('010203');
  });

  it('reports garbage split over several chunks once', () => {
    const framer = new YkcFramer();
    const items = pushAll(framer, [Buffer.from([1, 2]), Buffer.from([3]), Buffer.from([4]), HB]);
    expect(seen(items)).toEqual([e('YKC_BAD_START', 0), f(HB, 4)]);
  });

  it('reports a length field below 4 and resynchronises one byte further on', () => {
    const items = new YkcFramer().push(Buffer.concat([Buffer.from([0x68, 0x03, 0x68, 0x00]), HB]));
    expect(seen(items)).toEqual([e('YKC_LENGTH', 1), e('YKC_LENGTH', 3), f(HB, 4)]);
  });

  it('reports a bad CRC at the CRC field and finds a frame hidden inside the bad candidate', () => {
    // A stray 0x68 with length byte 0x0D swallows the start of a real frame: the candidate fails its
    // CRC, the search resumes one byte on and the real frame inside the candidate's span is found.
    const stream = Buffer.concat([Buffer.from([0x68, 0x0d]), HB, HB]);
    const items = new YkcFramer().push(stream);
    expect(seen(items)).toEqual([e('YKC_CRC', 15), f(HB, 2), f(HB, 19)]);
  });

  it('does not report candidates inside a frame that failed its CRC', () => {
    // A corrupted record whose body holds 0x68 bytes: only one error.
    const bad = Buffer.from(RECORD);
    bad[100] = 0x68;
    bad[101] = 0x04;
    bad[120] = 0x68;
    const items = new YkcFramer().push(Buffer.concat([bad, HB]));
    expect(seen(items)).toEqual([e('YKC_CRC', 207), f(HB, 209)]);
  });

  it('keeps waiting behind a false start byte with a large length, then delivers every frame', () => {
    const stream = Buffer.concat([Buffer.from([0x68, 0xc8]), ...Array.from({ length: 13 }, () => HB)]);
    const framer = new YkcFramer();
    expect(framer.push(stream.subarray(0, 100))).toEqual([]);
    const items = framer.push(stream.subarray(100));
    expect(seen(items)).toEqual([e('YKC_CRC', 202), ...Array.from({ length: 13 }, (_, i) => f(HB, 2 + 17 * i))]);
    expect(framer.buffered).toBe(0);
  });

  it('never throws and returns typed errors', () => {
    const items = new YkcFramer().push(Buffer.from([0x68, 0x00, 0x68, 0x01, 0x68]));
    for (const item of items) if (item.kind === 'error') expect(item.error).toBeInstanceOf(YkcDecodeError);
  });
});

describe('YkcFramer: maxLength', () => {
  it('rejects a length field above the limit', () => {
    const items = new YkcFramer({ maxLength: 100 }).push(Buffer.concat([RECORD, HB]));
    expect(seen(items)).toEqual([e('YKC_LENGTH', 1), f(HB, 209)]);
  });

  it('accepts the largest frame of the catalogue by default', () => {
    expect(seen(new YkcFramer().push(RECORD))).toEqual([f(RECORD, 0)]);
  });

  it('refuses a limit outside 4..255', () => {
    expect(() => new YkcFramer({ maxLength: 3 })).toThrow(RangeError);
    expect(() => new YkcFramer({ maxLength: 256 })).toThrow(RangeError);
    expect(new YkcFramer({ maxLength: 4 }).maxLength).toBe(4);
  });
});
