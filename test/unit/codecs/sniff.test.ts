/**
 * Each codec's `sniff` against every fixture frame of every codec: a whole frame is claimed by its
 * own codec and by no other, a prefix of it makes its codec ask for more (so detection waits),
 * and random chunkings, bit flips and noise never make detection pick the wrong codec. Of the family-B
 * fixtures, the logins (what a family-B connection starts with) are sgcc104's; its other frames
 * (IEC 104 link frames, private records) are never sgcc104's first bytes.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Codec, SniffResult } from '../../../codecs/codec.js';
import { allCodecs, findCodec } from '../../../codecs/registry.js';
import type { Dialect } from '../../../codecs/sgcc104/catalogue.js';
import { BUILT_IN_DIALECTS, loadDialect } from '../../../codecs/sgcc104/load-catalogue.js';
import type { Sgcc104Options } from '../../../codecs/sgcc104/options.js';
import { isLogin } from '../../../codecs/sgcc104/wire.js';
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

/** The family-B dialects' fixture frames: logins start a connection, the rest never does. */
const DIALECTS = BUILT_IN_DIALECTS.map((name) => ({ name, dialect: loadDialect(name) }));
const familyB = DIALECTS.flatMap(({ name, dialect }) => loadHexFixtures('sgcc104', name, 'frames').map((f) => ({ dialect: name, name: f.name, bytes: f.bytes, login: isLogin(dialect, f.bytes) })));
const logins = familyB.filter((f) => f.login);
const sgcc104 = findCodec('sgcc104') as Codec<Sgcc104Options>;

const codecs = [...FRAMES.map(([name]) => findCodec(name) as Codec<unknown>), sgcc104 as Codec<unknown>];
const sniffers: Sniffer[] = codecs.map((c) => ({ name: c.name, sniff: (head) => sniffOf(c)(head), ...(c.gatewaySpeaksFirst === true ? { gatewaySpeaksFirst: true } : {}) }));
const frames = [
  ...FRAMES.flatMap(([codec, folder]) => loadHexFixtures(folder, 'frames').map((f) => ({ codec, name: f.name, bytes: f.bytes }))),
  ...logins.map((f) => ({ codec: 'sgcc104', name: `${f.dialect} ${f.name}`, bytes: f.bytes })),
];

/** Whether `bytes` could be the start of a shipped dialect's login (sgcc104 then asks for more). */
function beginsLogin(bytes: Uint8Array): boolean {
  return bytes.length > 0 && DIALECTS.some(({ dialect }) => bytes.length < dialect.login.octets && dialect.login.prefix.every((b, i) => i >= bytes.length || bytes[i] === b));
}

function sgOptions(dialect: Dialect): Sgcc104Options {
  return { dialect, timeZone: 'Asia/Shanghai', commandTimeoutMs: 8_000 };
}

function sgSniff(head: Uint8Array, dialect?: Dialect): SniffResult {
  return (sgcc104.sniff as NonNullable<Codec<Sgcc104Options>['sniff']>).call(sgcc104, head, dialect === undefined ? undefined : sgOptions(dialect));
}

function sniffOf(codec: Codec<unknown>): (head: Uint8Array) => SniffResult {
  const sniff = codec.sniff;
  if (sniff === undefined) throw new Error(`${codec.name} has no sniff`);
  return (head) => sniff.call(codec, head, undefined);
}

describe('sniff', () => {
  it('every codec with fixture frames has one', () => {
    expect(codecs.map((c) => typeof c.sniff)).toEqual(['function', 'function', 'function', 'function']);
    expect(frames.length).toBeGreaterThan(100);
    expect(logins.map((f) => f.dialect)).toEqual(['b1', 'b2', 'b3']);
    expect(sgcc104.gatewaySpeaksFirst).toBeUndefined();
  });

  it.each(frames.map((f) => [`${f.codec} ${f.name}`, f] as const))('%s: claimed by its codec only', (_, f) => {
    const answers = Object.fromEntries(codecs.map((c) => [c.name, sniffOf(c)(f.bytes)]));
    expect(answers).toEqual(Object.fromEntries(codecs.map((c) => [c.name, c.name === f.codec ? 'yes' : c === sgcc104 && beginsLogin(f.bytes) ? 'more' : 'no'])));
  });

  it("a frame that could begin a family-B login is one of the template's only (B1's login starts `68 01 02`, as its heartbeat does)", () => {
    expect(frames.filter((f) => f.codec !== 'sgcc104' && beginsLogin(f.bytes)).map((f) => `${f.codec} ${f.name}`)).toEqual(['example 03-heartbeat']);
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
    const byCodec = codecs.map((codec) => frames.filter((f) => f.codec === codec.name));
    fc.assert(
      fc.property(
        fc.nat(byCodec.length - 1).chain((c) => fc.tuple(fc.constant(c), fc.array(fc.constantFrom(...(byCodec[c] ?? [])), { minLength: 1, maxLength: 3 }), fc.array(fc.nat(400), { maxLength: 5 }))),
        ([c, picked, cuts]) => {
          const stream = Buffer.concat(picked.map((f) => f.bytes));
          const first = picked[0]?.bytes.length ?? 0;
          for (const cut of [...new Set(cuts.map((x) => x % (stream.length + 1)))].sort((a, b) => a - b)) {
            const d = detect(sniffers, stream.subarray(0, cut), false);
            if (d.kind === 'codec') expect(d.index).toBe(c);
            else if (cut >= first && !beginsLogin(stream.subarray(0, cut))) expect(d.kind).toBe('codec');
            else expect(d.kind).toBe('wait');
          }
          // A stream that could still be a family-B login waits for it, and goes to its codec at the limit.
          expect(detect(sniffers, stream, beginsLogin(stream))).toEqual({ kind: 'codec', index: c, by: 'sniff' });
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

describe('sgcc104 sniff', () => {
  it.each(familyB.filter((f) => !f.login).map((f) => [`${f.dialect} ${f.name}`, f] as const))('%s (not a login): never a family-B connection start', (_, f) => {
    expect([sgSniff(f.bytes), ...DIALECTS.map(({ dialect }) => sgSniff(f.bytes, dialect))]).toEqual(['no', 'no', 'no', 'no']);
  });

  it.each(logins.map((f) => [`${f.dialect} ${f.name}`, f] as const))("%s: with options, only its own dialect's listener claims it, whole", (_, f) => {
    expect(DIALECTS.map(({ name, dialect }) => [name, sgSniff(f.bytes, dialect)])).toEqual(DIALECTS.map(({ name }) => [name, name === f.dialect ? 'yes' : 'no']));
    const own = (DIALECTS.find((d) => d.name === f.dialect) as { dialect: Dialect }).dialect;
    for (let n = 1; n < f.bytes.length; n++) expect([n, sgSniff(f.bytes.subarray(0, n), own)]).toEqual([n, 'more']);
    // What follows the login: a frame start is fine (STARTDT may follow), anything else is not this protocol.
    expect(sgSniff(Buffer.concat([f.bytes, Buffer.from([0x68, 0x04])]), own)).toBe('yes');
    expect(sgSniff(Buffer.concat([f.bytes, Buffer.from([0x00])]), own)).toBe('no');
  });

  it.each(logins.map((f) => [`${f.dialect} ${f.name}`, f] as const))('%s: a charger id with a nibble above 9 is no login, with or without options', (_, f) => {
    const dialect = (DIALECTS.find((d) => d.name === f.dialect) as { dialect: Dialect }).dialect;
    const idAt = loginFieldOffset(dialect, 'chargerId');
    const bad = Buffer.from(f.bytes);
    bad[idAt] = 0xa0 | ((bad[idAt] as number) & 0x0f);
    expect([sgSniff(bad), sgSniff(bad, dialect)]).toEqual(['no', 'no']);
  });

  it('a family-B login with one octet changed anywhere: its own sniff says no at once for a broken prefix, and no other codec claims what is still a login', () => {
    fc.assert(
      fc.property(fc.constantFrom(...logins), fc.nat(), fc.integer({ min: 1, max: 255 }), (f, at, xor) => {
        const bytes = Buffer.from(f.bytes);
        const i = at % bytes.length;
        bytes[i] = (bytes[i] as number) ^ xor;
        const dialect = (DIALECTS.find((d) => d.name === f.dialect) as { dialect: Dialect }).dialect;
        const own = sgSniff(bytes, dialect);
        if (i < dialect.login.prefix.length) expect(own).toBe('no');
        else expect(['yes', 'no']).toContain(own);
        // What is still a login is no other codec's, but for one case: a B2 login (`68 0D ...`, 16 octets) is a 15-octet IEC 104
        // APDU and one octet more; when that octet is a start byte and the rest decodes as a standard ASDU, IEC 104 claims it too
        // (a listener serving both then refuses it as ambiguous at its time limit).
        const iecToo = f.dialect === 'b2' && bytes[bytes.length - 1] === 0x68;
        if (own === 'yes') for (const c of codecs.slice(0, 3)) if (!(iecToo && c.name === 'iec104-points')) expect([c.name, sniffOf(c)(bytes)]).not.toEqual([c.name, 'yes']);
      }),
      { seed, numRuns: 500 },
    );
  });
});

/** The offset of a login field in the frame (fixed widths in the shipped dialects' logins). */
function loginFieldOffset(dialect: Dialect, role: string): number {
  let at = dialect.login.prefix.length;
  for (const field of dialect.login.fields) {
    if (field.role === role) return at;
    at += field.octets ?? 0;
  }
  throw new Error(`${dialect.name}: no login field with role ${role}`);
}

describe('sgcc104 sniff: the one overlap with IEC 104', () => {
  it('a B2 login whose station id ends in 0x68 and whose charger id reads as an ASDU: both claim it, so a listener serving both refuses it as ambiguous', () => {
    const login = Buffer.from('680d00fd0401330102000000012300' + '68', 'hex');
    const b2 = (DIALECTS.find((d) => d.name === 'b2') as { dialect: Dialect }).dialect;
    expect(sgSniff(login, b2)).toBe('yes');
    expect(sniffOf(codecs[1] as Codec<unknown>)(login)).toBe('yes');
    expect(detect([sniffers[1] as Sniffer, sniffers[3] as Sniffer], login, true)).toMatchObject({ kind: 'refuse', reason: 'protocol_ambiguous' });
  });
});
