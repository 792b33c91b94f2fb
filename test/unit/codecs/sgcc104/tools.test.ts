/** Family-B frame tools: framing, one field per line and JSON, secrets never shown, the replayer. */
import { describe, expect, it } from 'vitest';
import type { Sgcc104Options } from '../../../../codecs/sgcc104/options.js';
import { RecordCodec } from '../../../../codecs/sgcc104/records.js';
import { describeWireFrame, sgcc104FrameTools } from '../../../../codecs/sgcc104/tools.js';
import { linkWire } from '../../../../codecs/sgcc104/wire.js';
import { testDialect } from '../../../support/sgcc104-dialect.js';

const ZONE = 'Asia/Shanghai';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const B1_LOGIN = hex('68 01 02 84 01 01 10 11 11 22 13 00 00 00 00 00 00 00 00 00 00 AE 21 02 17');
const options = (checksum = false): Sgcc104Options => ({ dialect: testDialect(checksum ? 'b3' : 'b1', { checksum }), timeZone: ZONE, commandTimeoutMs: 8000 });

function authFrame(checksum = false): Buffer {
  const d = options(checksum).dialect;
  const asdu = new RecordCodec(d, ZONE).encode('authRequest', { chargerId: '8401011011112213', gun: 1, card: '1234567890123456', password: 'hunter', spare: '0000' });
  return linkWire(d).iFrame(0, 0, asdu);
}

describe('decode', () => {
  const tools = sgcc104FrameTools(options(), { timeZone: ZONE });

  it('describes a login one field per line and as JSON', () => {
    const r = tools.decode(B1_LOGIN);
    expect(r).toEqual({
      ok: true,
      lines: ['  login test-b1 (25 octets)', '  chargerId 8401011011112213', '  zeros 0000000000000000', '  address 0', '  version ae210217'],
      json: { login: { dialect: 'test-b1', chargerId: '8401011011112213', values: { chargerId: '8401011011112213', zeros: '0000000000000000', address: 0, version: 'ae210217' } } },
    });
  });

  it('describes a record with units and value words, and never shows a secret', () => {
    const r = tools.decode(authFrame());
    if (!r.ok) throw new Error(r.message);
    expect(r.lines).toEqual([
      '  APCI  I-frame N(S)=0 N(R)=0',
      '  ASDU  M_RE_NA (130) record 0x01 authRequest COT 3 CA 0',
      '  chargerId 8401011011112213',
      '  gun 1',
      '  card 1234567890123456',
      '  password (secret, 6 octets, not shown)',
      '  spare 0000',
    ]);
    expect(JSON.stringify(r.json)).not.toContain('hunter');
    expect(r.json).toMatchObject({ apci: { format: 'I' }, asdu: { typeId: 0x82, type: 'M_RE_NA', record: 'authRequest', recordType: 1, values: { card: '1234567890123456' } } });
    const monitoring = new RecordCodec(options().dialect, ZONE).encode('monitoring', { chargerId: '1', gun: 1, state: '3', voltage: 230.5 });
    const m = tools.decode(linkWire(options().dialect).iFrame(0, 0, monitoring));
    expect(m.ok && m.lines).toEqual(expect.arrayContaining(['  state 0003 (charging)', '  voltage 230.5 V']));
  });

  it('describes standard ASDUs and U-frames as the IEC 104 tools do', () => {
    expect(tools.decode(hex('680407000000'))).toEqual({ ok: true, lines: ['  APCI  U-frame STARTDT_ACT'], json: { apci: { format: 'U', fn: 'STARTDT_ACT' } } });
    const gi = tools.decode(hex('680e0000000064010600000000000014'));
    expect(gi.ok && gi.lines[1]).toBe('  ASDU  C_IC_NA_1 (100) COT 6 ACTIVATION CA 0 objects 1');
  });

  it('gives the code and the frame offset of what cannot be read', () => {
    const frame = authFrame();
    frame[14] = 0xab; // inside the charger id
    expect(tools.decode(frame)).toMatchObject({ ok: false, code: 'SGCC104_BAD_BCD', offset: 14 });
    expect(tools.decode(hex('680e0000000082010300000099'.padEnd(32, '0')))).toMatchObject({ ok: false, code: 'SGCC104_UNKNOWN_RECORD', offset: 12 });
    expect(tools.decode(hex('680f0000000064010600000000000014'))).toMatchObject({ ok: false, code: 'SGCC104_TRUNCATED' });
    expect(describeWireFrame(options(true).dialect, Buffer.concat([authFrame(true).subarray(0, -1), hex('00')]), ZONE)).toMatchObject({ ok: false, code: 'SGCC104_BAD_CHECKSUM' });
  });
});

describe('shown', () => {
  it('zeroes a secret field’s octets and leaves other frames alone', () => {
    const tools = sgcc104FrameTools(options(), { timeZone: ZONE });
    const frame = authFrame();
    const shown = tools.shown(frame);
    expect(shown.includes(Buffer.from('hunter'))).toBe(false);
    expect(shown.length).toBe(frame.length);
    expect(shown.subarray(0, 30)).toEqual(frame.subarray(0, 30));
    expect(shown.subarray(30, 36)).toEqual(Buffer.alloc(6));
    expect(shown.subarray(36)).toEqual(frame.subarray(36));
    expect(frame.includes(Buffer.from('hunter'))).toBe(true);
    expect(tools.shown(B1_LOGIN)).toBe(B1_LOGIN);
  });

  it('zeroes the whole record when a record with a secret cannot be read', () => {
    const tools = sgcc104FrameTools(options(), { timeZone: ZONE });
    const frame = authFrame();
    frame[14] = 0xab;
    const shown = tools.shown(frame);
    expect(shown.subarray(13)).toEqual(Buffer.alloc(frame.length - 13));
  });

  it('keeps the checksum valid', () => {
    const tools = sgcc104FrameTools(options(true), { timeZone: ZONE });
    const shown = tools.shown(authFrame(true));
    expect(shown.includes(Buffer.from('hunter'))).toBe(false);
    expect(tools.decode(shown)).toMatchObject({ ok: true });
  });
});

describe('framer and replayer', () => {
  it('frames logins and APDUs as frames, in stream order', () => {
    const tools = sgcc104FrameTools(options(), { timeZone: ZONE });
    const f = tools.framer();
    const items = [...f.push(Buffer.concat([B1_LOGIN, hex('680407000000 6804')]))];
    expect(items.map((i) => (i.kind === 'frame' ? i.offset : i.error.code))).toEqual([0, 25]);
    expect(f.end()).toMatchObject({ code: 'SGCC104_TRUNCATED', offset: 31 });
  });

  it('rewrites the charger’s N(R) to acknowledge what the replaying session sent, checksum included', () => {
    const d = options(true).dialect;
    const wire = linkWire(d);
    const replayer = sgcc104FrameTools(options(true), { timeZone: ZONE }).replayer?.();
    if (replayer === undefined) throw new Error('no replayer');
    replayer.sent(Buffer.concat([wire.uFrame('STARTDT_ACT'), wire.iFrame(0, 0, hex('64010600000000000014')), wire.iFrame(1, 0, hex('64010600000000000014'))]));
    const back = replayer.toSession(authFrame(true));
    expect(wire.apci(back)).toEqual({ ok: true, value: { format: 'I', ns: 0, nr: 2 } });
    expect(describeWireFrame(d, back, ZONE)).toMatchObject({ ok: true });
    expect(wire.apci(replayer.toSession(wire.sFrame(0)))).toEqual({ ok: true, value: { format: 'S', nr: 2 } });
    expect(replayer.toSession(wire.uFrame('TESTFR_ACT'))).toEqual(wire.uFrame('TESTFR_ACT'));
  });
});

describe('without a dialect', () => {
  it('reads frames as plain IEC 104', () => {
    const tools = sgcc104FrameTools(undefined, { timeZone: ZONE });
    expect(tools.decode(hex('680407000000'))).toMatchObject({ ok: true, lines: ['  APCI  U-frame STARTDT_ACT'] });
  });
});
