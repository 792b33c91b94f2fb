/**
 * Every byte fixture under fixtures/sgcc104/<dialect>: each good frame decodes (under the dialect's
 * YAML catalogue) to its .json, which a writer independent of the engine produced (not kept: see
 * fixtures/sgcc104/README.md; tshark.test.ts checks the headers independently), encodes back to the same bytes, and the good frames frame in any chunking; each bad input gives
 * exactly the errors of its `# expect:` headers and its good frames, in any chunking.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../../../codecs/sgcc104/catalogue.js';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { RecordCodec } from '../../../../codecs/sgcc104/records.js';
import { describeWireFrame } from '../../../../codecs/sgcc104/tools.js';
import { Sgcc104Framer, decodeLogin, encodeLogin, isLogin, linkWire } from '../../../../codecs/sgcc104/wire.js';
import type { ExpectedError } from '../../../support/fixtures.js';
import { loadFrameFixtures, loadHexFixtures } from '../../../support/fixtures.js';
import { testSeed } from '../../../support/seed.js';

const seed = testSeed('sgcc104 fixtures');
const ZONE = 'Asia/Shanghai';
const DIALECTS = ['b1', 'b2', 'b3'] as const;

/** `bytes` cut at the given points. */
function cut(bytes: Buffer, points: readonly number[]): Buffer[] {
  const sorted = [...new Set(points)].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of sorted) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

/** The frames (offset, hex) and every error (framing, decoding at its stream offset, end of input) of a stream. */
function run(dialect: Dialect, chunks: readonly Buffer[]): { frames: string[]; errors: ExpectedError[]; good: number } {
  const framer = new Sgcc104Framer(dialect);
  const frames: string[] = [];
  const errors: ExpectedError[] = [];
  let good = 0;
  for (const chunk of chunks) {
    for (const item of framer.push(chunk)) {
      if (item.kind === 'error') {
        errors.push({ code: item.error.code, offset: item.error.offset });
        continue;
      }
      frames.push(`${item.offset} ${item.frame.toString('hex')}`);
      const r = describeWireFrame(dialect, Buffer.from(item.frame), ZONE);
      if (r.ok) good++;
      else errors.push({ code: r.code, offset: item.offset + r.offset });
    }
  }
  const end = framer.end();
  if (end !== undefined) errors.push({ code: end.code, offset: end.offset });
  return { frames, errors, good };
}

/** The frame encoded again from what it decodes to. */
function reencode(dialect: Dialect, frame: Buffer): Buffer {
  if (isLogin(dialect, frame)) {
    const r = decodeLogin(dialect, frame, ZONE);
    if (!r.ok) throw new Error(r.message);
    return encodeLogin(dialect, r.values, ZONE);
  }
  const wire = linkWire(dialect);
  const apci = wire.apci(frame);
  if (!apci.ok) throw apci.error;
  if (apci.value.format === 'U') return wire.uFrame(apci.value.fn);
  if (apci.value.format === 'S') return wire.sFrame(apci.value.nr);
  const codec = new RecordCodec(dialect, ZONE);
  const r = codec.decode(wire.asdu(frame));
  if (!r.ok) throw new Error(r.message);
  if (r.kind === 'standard') return wire.iFrame(apci.value.ns, apci.value.nr, codec.encodeStandard(r.asdu));
  const { record } = r;
  const header = { cause: record.cause, negative: record.negative, commonAddress: record.commonAddress, ...(record.ioa === undefined ? {} : { ioa: record.ioa }) };
  return wire.iFrame(apci.value.ns, apci.value.nr, codec.encode(record.spec.name, record.values, header));
}

describe.each(DIALECTS)('dialect %s', (name) => {
  const dialect = loadDialect(name);
  const good = loadFrameFixtures('sgcc104', name, 'frames');
  const bad = loadHexFixtures('sgcc104', name, 'bad');

  it('has good and bad fixtures, a login among them, and every bad fixture says what it expects', () => {
    expect(good.length).toBeGreaterThanOrEqual(10);
    expect(bad.length).toBeGreaterThanOrEqual(4);
    expect(good.some((f) => isLogin(dialect, f.bytes))).toBe(true);
    for (const f of bad) {
      expect(f.expect.length, f.name).toBeGreaterThan(0);
      expect(f.frames, f.name).toBeTypeOf('number');
    }
    expect(bad.map((f) => f.expect.map((e) => e.code)).flat()).toEqual(expect.arrayContaining(['SGCC104_BAD_BCD', 'SGCC104_SHORT_RECORD', 'SGCC104_UNKNOWN_RECORD', 'SGCC104_BAD_LENGTH']));
  });

  describe.each(good)('good fixture $name', (fixture) => {
    it('decodes to its JSON', () => {
      const r = describeWireFrame(dialect, fixture.bytes, ZONE);
      if (!r.ok) throw new Error(`${r.code} at ${r.offset}: ${r.message}`);
      expect(r.json).toEqual(fixture.expected);
      expect(r.lines.length).toBeGreaterThan(0);
    });

    it('encodes back to the same bytes', () => {
      expect(reencode(dialect, fixture.bytes).toString('hex')).toBe(fixture.bytes.toString('hex'));
    });
  });

  it('frames the good fixtures as one stream in any chunking', () => {
    const stream = Buffer.concat(good.map((f) => f.bytes));
    const whole = run(dialect, [stream]);
    let at = 0;
    expect(whole.frames).toEqual(
      good.map((f) => {
        const line = `${at} ${f.bytes.toString('hex')}`;
        at += f.bytes.length;
        return line;
      }),
    );
    expect(whole.errors).toEqual([]);
    expect(
      run(
        dialect,
        cut(
          stream,
          Array.from({ length: stream.length }, (_, i) => i),
        ),
      ),
    ).toEqual(whole);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 40 }), (points) => {
        expect(run(dialect, cut(stream, points))).toEqual(whole);
      }),
      { seed, numRuns: 100 },
    );
  });

  describe.each(bad)('bad fixture $name', (fixture) => {
    it('gives its expected errors and good frames in one chunk, byte by byte and in any chunking', () => {
      const whole = run(dialect, [fixture.bytes]);
      expect(whole.errors).toEqual(fixture.expect);
      expect(whole.good).toBe(fixture.frames);
      expect(
        run(
          dialect,
          cut(
            fixture.bytes,
            Array.from({ length: fixture.bytes.length }, (_, i) => i),
          ),
        ),
      ).toEqual(whole);
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 0, max: fixture.bytes.length }), { maxLength: 12 }), (points) => {
          expect(run(dialect, cut(fixture.bytes, points))).toEqual(whole);
        }),
        { seed, numRuns: 50 },
      );
    });
  });
});

describe('the sample frames of docs/protocols/state-grid-dialects.md §8', () => {
  it('holds the B1 login byte for byte as a good frame, and the B3 comment examples as bad ones', () => {
    const b1 = loadFrameFixtures('sgcc104', 'b1', 'frames').find((f) => f.name === '01-login-sample');
    expect(b1?.bytes.toString('hex')).toBe('68 01 02 84 01 01 10 11 11 22 13 00 00 00 00 00 00 00 00 00 00 AE 21 02 17'.replace(/ /g, '').toLowerCase());
    expect(b1?.bytes.length).toBe(25);
    const b3 = loadHexFixtures('sgcc104', 'b3', 'bad').map((f) => f.bytes.toString('hex'));
    expect(b3).toContain('68 13 00 00 00 00 67 00 07 00 00 00 00 00 FF B9 0D 0B 1D 02 14'.replace(/ /g, '').toLowerCase());
    expect(b3).toContain(
      '68 31 00 00 00 00 85 00 07 00 00 00 00 00 00 15 19 00 01 00 00 00 00 31 00 00 00 00 00 01 80 BB 33 0E 1D 02 14 62 31 30 16 51 14 29 02 20 20 00 00 00 00 00 00'.replace(/ /g, '').toLowerCase(),
    );
  });
});
