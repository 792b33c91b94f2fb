/** Family-B framing: logins by prefix, one- and two-octet lengths, seven-octet U-frames, sum16le, and the link's view. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ControllingLink } from '../../../../src/iec104/link.js';
import { Sgcc104Framer, decodeLogin, encodeLogin, linkWire, loginAnswer, sum16, type WireItem } from '../../../../codecs/sgcc104/wire.js';
import { testSeed } from '../../../support/seed.js';
import { testDialect } from '../../../support/sgcc104-dialect.js';

const seed = testSeed('sgcc104 wire');
const ZONE = 'Asia/Shanghai';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const B1_LOGIN = hex('68 01 02 84 01 01 10 11 11 22 13 00 00 00 00 00 00 00 00 00 00 AE 21 02 17');
const GI = hex('64 01 0600 0000 000000 14');

function show(item: WireItem): string {
  return item.kind === 'error' ? `error ${item.error.code} @${item.error.offset}` : `${item.kind} ${item.frame.toString('hex')} @${item.offset}`;
}

function frameAll(framer: Sgcc104Framer, chunks: readonly Uint8Array[]): string[] {
  const out: string[] = [];
  for (const c of chunks) for (const item of framer.push(c)) out.push(show(item));
  return out;
}

/** `bytes` cut at the sorted `cuts`. */
function cut(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts)].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

describe('B1-shaped framing (one-octet length, login 68 01 02)', () => {
  const d = testDialect('b1');
  const wire = linkWire(d);

  it('frames the login of docs/protocols/state-grid-dialects.md §8, then APDUs', () => {
    const i = wire.iFrame(0, 0, GI);
    expect(i).toEqual(hex(`68 0e 0000 0000 ${GI.toString('hex')}`));
    expect(frameAll(new Sgcc104Framer(d), [Buffer.concat([B1_LOGIN, hex('680407000000'), i])])).toEqual([
      `login ${B1_LOGIN.toString('hex')} @0`,
      `apdu 680407000000 @25`,
      `apdu ${i.toString('hex')} @31`,
    ]);
  });

  it('reads the login’s terminal id, echoes it as the answer and encodes it back', () => {
    const r = decodeLogin(d, B1_LOGIN, ZONE);
    expect(r).toEqual({ ok: true, chargerId: '8401011011112213', values: { chargerId: '8401011011112213', zeros: '0000000000000000', address: 0, version: 'ae210217' } });
    if (r.ok) expect(encodeLogin(d, r.values, ZONE)).toEqual(B1_LOGIN);
    expect(loginAnswer(d, B1_LOGIN)).toEqual(B1_LOGIN);
    expect(loginAnswer({ ...d, login: { ...d.login, answer: 'none' } }, B1_LOGIN)).toBeUndefined();
  });

  it('refuses a login with bad BCD or of another shape', () => {
    const bad = Buffer.from(B1_LOGIN);
    bad[5] = 0x1a;
    expect(decodeLogin(d, bad, ZONE)).toMatchObject({ ok: false, code: 'SGCC104_BAD_BCD', offset: 5 });
    expect(decodeLogin(d, B1_LOGIN.subarray(0, 24), ZONE)).toMatchObject({ ok: false, code: 'SGCC104_BAD_LOGIN' });
  });

  it('reports garbage, a bad length and a stream that ends inside a frame', () => {
    const f = new Sgcc104Framer(d);
    expect(frameAll(f, [hex('00 01 68 02 680407000000 6804')])).toEqual(['error SGCC104_BAD_START @0', 'error SGCC104_BAD_LENGTH @3', 'apdu 680407000000 @4']);
    expect(f.end()).toMatchObject({ code: 'SGCC104_TRUNCATED', offset: 10 });
  });
});

describe('B3-shaped framing (two-octet length, seven-octet U-frames)', () => {
  const d = testDialect('b3');
  const wire = linkWire(d);
  const login = hex('68 16 00 ff 02 0000000000000001 1900010000000031 01 0b 9501');

  it('writes and reads U-, S- and I-frames in the dialect’s form', () => {
    expect(wire.uFrame('STARTDT_ACT')).toEqual(hex('68 04 00 07 00 00 00'));
    expect(wire.sFrame(2)).toEqual(hex('68 04 00 01 00 04 00'));
    const i = wire.iFrame(1, 2, GI);
    expect(i).toEqual(hex(`68 0e00 0200 0400 ${GI.toString('hex')}`));
    expect(wire.apci(i)).toEqual({ ok: true, value: { format: 'I', ns: 1, nr: 2 } });
    expect(wire.asdu(i)).toEqual(GI);
    expect(wire.apci(hex('68 04 00 83 00 00 00'))).toEqual({ ok: true, value: { format: 'U', fn: 'TESTFR_CON' } });
    expect(wire.apci(hex('68 04 00 01 00 04 00'))).toEqual({ ok: true, value: { format: 'S', nr: 2 } });
    expect(wire.apci(hex('68 04 00 47 00 00 00'))).toMatchObject({ ok: false, error: { code: 'IEC104_UNKNOWN_U_FUNCTION', offset: 3 } });
  });

  it('frames its login (digit-reversed id) and APDUs in any chunking', () => {
    const r = decodeLogin(d, login, ZONE);
    expect(r).toMatchObject({ ok: true, chargerId: '3100000000010019' });
    const stream = Buffer.concat([login, wire.uFrame('STARTDT_CON'), wire.iFrame(0, 0, GI), wire.sFrame(5), wire.uFrame('TESTFR_ACT')]);
    const whole = frameAll(new Sgcc104Framer(d), [stream]);
    expect(whole.map((s) => s.split(' ')[0])).toEqual(['login', 'apdu', 'apdu', 'apdu', 'apdu']);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: stream.length }), { maxLength: 12 }), (cuts) => {
        expect(frameAll(new Sgcc104Framer(d), cut(stream, cuts))).toEqual(whole);
      }),
      { seed, numRuns: 200 },
    );
  });

  it('carries a whole session of the IEC 104 link on the dialect’s wire', () => {
    const sent: Buffer[] = [];
    const asdus: Buffer[] = [];
    const link = new ControllingLink({ wire, send: (b) => sent.push(Buffer.from(b)), close: () => undefined, onAsdu: (a) => asdus.push(Buffer.from(a)) });
    const framer = new Sgcc104Framer(d);
    const feed = (bytes: Buffer): void => {
      for (const item of framer.push(bytes)) if (item.kind === 'apdu') link.receiveFrame(item.frame, item.offset);
    };
    link.start();
    feed(hex('68 04 00 0b 00 00 00'));
    expect(link.state).toBe('active');
    feed(wire.iFrame(0, 0, GI));
    expect(asdus).toEqual([GI]);
    link.sendAsdu(GI);
    expect(sent.map((b) => b.toString('hex'))).toEqual(['68040007000000', wire.iFrame(0, 1, GI).toString('hex')]);
  });
});

describe('sum16le checksum (B2 v4)', () => {
  const d = testDialect('b3', { checksum: true });
  const wire = linkWire(d);

  it('follows every I-frame, sums the octets from the first control octet, and is verified', () => {
    const i = wire.iFrame(0, 0, GI);
    const body = i.subarray(3, i.length - 2);
    expect(i.readUInt16LE(i.length - 2)).toBe(sum16(body, 0, body.length));
    expect(wire.asdu(i)).toEqual(GI);
    expect(wire.uFrame('STARTDT_ACT')).toEqual(hex('68040007000000'));
    const bad = Buffer.from(i);
    bad.writeUInt8(bad.readUInt8(bad.length - 1) ^ 0xff, bad.length - 1);
    expect(frameAll(new Sgcc104Framer(d), [Buffer.concat([bad, i])])).toEqual([`error SGCC104_BAD_CHECKSUM @${i.length - 2}`, `apdu ${i.toString('hex')} @${i.length}`]);
  });
});

describe('six-octet S/U frames beside a two-octet length', () => {
  const d = { ...testDialect('b3'), framing: { ...testDialect('b3').framing, uFrameOctets: 6 as const } };

  it('frames both forms', () => {
    const wire = linkWire(d);
    expect(wire.uFrame('STARTDT_ACT')).toEqual(hex('680407000000'));
    const i = wire.iFrame(0, 0, GI);
    expect(frameAll(new Sgcc104Framer(d), [Buffer.concat([hex('68040b000000'), i])])).toEqual(['apdu 68040b000000 @0', `apdu ${i.toString('hex')} @6`]);
  });
});
