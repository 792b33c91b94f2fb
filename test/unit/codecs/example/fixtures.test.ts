/**
 * Every byte fixture under fixtures/example: good frames decode to their .json, encode back to the
 * same bytes and mirror, and frame in any chunking; bad inputs give exactly the errors of their
 * `# expect:` headers while the good frames around them still come through.
 */
import { describe, expect, it } from 'vitest';
import { ExampleFramer } from '../../../../codecs/example/framer.js';
import { decodeExampleFrame, encodeExampleFrame, TYPE_BYTES, type ExampleMessage } from '../../../../codecs/example/messages.js';
import { loadFrameFixtures, loadHexFixtures } from '../../../support/fixtures.js';
import { frameAndDecode as frameAndDecodeOf, frameChunks as frameChunksOf, split, summary } from '../../../support/framing.js';
import { describeBadFixtures, describeGoodStream } from '../../../support/framing-suites.js';

const good = loadFrameFixtures('example', 'frames');
const bad = loadHexFixtures('example', 'bad');

function decodeOk(bytes: Uint8Array): ExampleMessage {
  const r = decodeExampleFrame(bytes);
  if (!r.ok) throw new Error(`decodeExampleFrame failed: ${r.error.code} at ${r.error.offset}: ${r.error.message}`);
  return r.value;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const frameChunks = (chunks: readonly Uint8Array[]) => frameChunksOf(() => new ExampleFramer(), chunks);
const frameAndDecode = (chunks: readonly Uint8Array[]) => frameAndDecodeOf(() => new ExampleFramer(), decodeExampleFrame, chunks);

describe('fixture set', () => {
  it('covers every message type and has bad fixtures', () => {
    const covered = new Set(good.map((f) => (f.expected as ExampleMessage).type));
    expect([...covered].sort()).toEqual(Object.keys(TYPE_BYTES).sort());
    expect(bad.length).toBeGreaterThanOrEqual(3);
  });
});

describe.each(good)('good fixture $name', ({ bytes, expected }) => {
  it('decodes to the JSON', () => {
    expect(decodeOk(bytes)).toEqual(expected);
  });

  it('encodes the JSON to the same bytes', () => {
    expect(hex(encodeExampleFrame(expected as ExampleMessage))).toBe(hex(bytes));
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

describeBadFixtures(bad, frameAndDecode, (_fixture, r) => {
  expect(r.buffered).toBe(0);
});

describe('decoding what the framer passed but the protocol does not allow', () => {
  const frame = (type: number, body: number[]): Buffer => {
    const b = Buffer.from([type, ...body]);
    return Buffer.concat([Buffer.from([0x68, b.length]), b, Buffer.from([b.reduce((s, x) => (s + x) & 0xff, 0)])]);
  };

  it('names an unknown type with EXAMPLE_TYPE at the type byte', () => {
    const r = decodeExampleFrame(frame(0x7f, []));
    expect(r.ok ? undefined : { code: r.error.code, offset: r.error.offset }).toEqual({ code: 'EXAMPLE_TYPE', offset: 2 });
  });

  it('refuses a body of the wrong size with EXAMPLE_BODY, before reading past it', () => {
    const short = decodeExampleFrame(frame(0x04, [1, 0, 0]));
    expect(short.ok ? undefined : short.error.code).toBe('EXAMPLE_BODY');
    const login = decodeExampleFrame(frame(0x01, [40, 0x41]));
    expect(login.ok ? undefined : login.error.message).toMatch(/charger id length 40/);
  });

  it('refuses an encoder value its field cannot hold', () => {
    expect(() => encodeExampleFrame({ type: 'status', connector: 256, code: 0 })).toThrow(RangeError);
    expect(() => encodeExampleFrame({ type: 'login', chargerId: 'x'.repeat(33), connectors: 1, currentType: 'AC' })).toThrow(RangeError);
  });
});
