/**
 * 3DES of YKC bodies (`codecs/ykc/cipher.ts`): known answers from OpenSSL, round trips in both
 * modes and paddings, whole frames with the encryption flag (CRC over the encrypted bytes), the
 * typed errors, and keys that never show themselves.
 */
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { decodeYkcFrame, encodeYkcFrame, YkcCipher, YkcEncryption, YkcKey, type YkcCipherMode, type YkcFrame, type YkcPadding } from '../../../../codecs/ykc/index.js';
import { writeCrc } from '../../../../codecs/ykc/crc.js';
import { fixturePath, loadHexFixture } from '../../../support/fixtures.js';

/** Three different 8-byte parts, so this is real 3-key EDE (not single DES in disguise). */
const KEY = '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567';
const OTHER_KEY = '89ABCDEF01234567FEDCBA98765432100123456789ABCDEF';
const IV = '0011223344556677';
const PLAIN = Buffer.from('3201020000000101001122334455aabb', 'hex');

describe('3DES known answers (computed with OpenSSL 3.0)', () => {
  it('ECB, no padding', () => {
    // printf '3201020000000101001122334455aabb' | xxd -r -p |
    //   openssl enc -des-ede3 -K 0123456789ABCDEFFEDCBA987654321089ABCDEF01234567 -nopad | xxd -p
    const c = new YkcCipher(KEY, { mode: 'ecb', padding: 'zero' });
    expect(c.encrypt(PLAIN).toString('hex')).toBe('0db47225d370c94ad889587bc927547d');
    expect(c.decrypt(Buffer.from('0db47225d370c94ad889587bc927547d', 'hex'))).toEqual(PLAIN);
  });

  it('CBC with an IV, and with the default all-zero IV', () => {
    // ... | openssl enc -des-ede3-cbc -K <KEY> -iv 0011223344556677 -nopad | xxd -p
    expect(new YkcCipher(KEY, { mode: 'cbc', iv: IV }).encrypt(PLAIN).toString('hex')).toBe('69d197b170efc905388c7c187febeb63');
    // ... | openssl enc -des-ede3-cbc -K <KEY> -iv 0000000000000000 -nopad | xxd -p
    expect(new YkcCipher(KEY, { mode: 'cbc' }).encrypt(PLAIN).toString('hex')).toBe('0db47225d370c94a0988ce2c0ca87cf8');
  });

  it('PKCS#7 padding as OpenSSL pads', () => {
    // printf '320102000000010100' | xxd -r -p | openssl enc -des-ede3 -K <KEY> | xxd -p   (default padding = PKCS#7)
    const heartbeatBody = Buffer.from('320102000000010100', 'hex');
    const c = new YkcCipher(KEY, { padding: 'pkcs7' });
    expect(c.encrypt(heartbeatBody).toString('hex')).toBe('0db47225d370c94a6332868907bffa78');
    expect(c.decrypt(Buffer.from('0db47225d370c94a6332868907bffa78', 'hex'))).toEqual(heartbeatBody);
  });
});

describe('round trips', () => {
  const cases: [YkcCipherMode, YkcPadding][] = [
    ['ecb', 'zero'],
    ['ecb', 'pkcs7'],
    ['cbc', 'zero'],
    ['cbc', 'pkcs7'],
  ];
  for (const [mode, padding] of cases) {
    it(`${mode} / ${padding}: every body length 1..40`, () => {
      const c = new YkcCipher(KEY, { mode, padding, ...(mode === 'cbc' ? { iv: IV } : {}) });
      for (let n = 1; n <= 40; n++) {
        const body = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
        const enc = c.encrypt(body);
        expect(enc.length % 8).toBe(0);
        expect(enc.length).toBe(padding === 'pkcs7' ? (Math.floor(n / 8) + 1) * 8 : Math.ceil(n / 8) * 8);
        const dec = c.decrypt(enc);
        if (!Buffer.isBuffer(dec)) throw dec;
        // zero padding stays (the parser ignores bytes beyond a layout); PKCS#7 is removed
        expect(dec.subarray(0, n)).toEqual(body);
        expect(dec.subarray(n).every((b) => b === 0)).toBe(true);
        if (padding === 'pkcs7') expect(dec.length).toBe(n);
      }
    });
  }

  it('a wrong key or IV fails the PKCS#7 check; an unaligned length fails in any padding', () => {
    const enc = new YkcCipher(KEY, { padding: 'pkcs7' }).encrypt(PLAIN);
    const wrong = new YkcCipher(OTHER_KEY, { padding: 'pkcs7' }).decrypt(enc);
    expect(wrong).toMatchObject({ code: 'YKC_DECRYPT_FAILED' });
    expect(new YkcCipher(KEY, { padding: 'zero' }).decrypt(Buffer.alloc(9))).toMatchObject({ code: 'YKC_DECRYPT_FAILED' });
    expect(new YkcCipher(KEY).decrypt(Buffer.alloc(0))).toMatchObject({ code: 'YKC_DECRYPT_FAILED' });
  });

  it('refuses a key or IV of the wrong size without quoting it', () => {
    expect(() => new YkcKey('ABCDEF')).toThrow(/48 hex digits/);
    expect(() => new YkcKey('ABCDEF')).not.toThrow(/ABCDEF/);
    expect(() => new YkcCipher(KEY, { mode: 'cbc', iv: '0011' })).toThrow(/16 hex digits/);
  });
});

const heartbeat: YkcFrame = { type: 'heartbeat', sequence: 0x0102, pileCode: '32010200000001', gun: '01', gunState: 0 };

describe('frames with the encryption flag', () => {
  it('encodes flag 0x01, L over the encrypted body and the CRC over the encrypted bytes; decodes back', () => {
    for (const padding of ['zero', 'pkcs7'] as const) {
      const cipher = new YkcCipher(KEY, { padding });
      const bytes = encodeYkcFrame(heartbeat, { cipher });
      expect(bytes[4]).toBe(0x01);
      expect(bytes[5]).toBe(0x03);
      const body = bytes.subarray(6, bytes.length - 2);
      expect(body.length).toBe(16); // 9-byte heartbeat body in two blocks
      expect(bytes[1]).toBe(body.length + 4);
      expect(body).toEqual(cipher.encrypt(Buffer.from('320102000000010100', 'hex')));
      // without a key the frame is refused with a typed error
      expect(decodeYkcFrame(bytes, {})).toMatchObject({ ok: false, error: { code: 'YKC_ENCRYPTED', offset: 4 } });
      const r = decodeYkcFrame(bytes, { cipher });
      if (!r.ok) throw r.error;
      expect(r.value).toMatchObject({ ...heartbeat, encrypted: true });
      // zero padding shows as ignored trailing zeros; re-encrypting them gives the same frame
      expect(r.value.trailing).toBe(padding === 'zero' ? '00'.repeat(7) : undefined);
      expect(encodeYkcFrame(r.value, { cipher })).toEqual(bytes);
    }
  });

  it('wrong key: YKC_DECRYPT_FAILED (PKCS#7) after the CRC check passed', () => {
    const bytes = encodeYkcFrame(heartbeat, { cipher: new YkcCipher(KEY, { padding: 'pkcs7' }) });
    const r = decodeYkcFrame(bytes, { cipher: new YkcCipher(OTHER_KEY, { padding: 'pkcs7' }) });
    expect(r).toMatchObject({ ok: false, error: { code: 'YKC_DECRYPT_FAILED' } });
    const crcBroken = Buffer.from(bytes);
    crcBroken.writeUInt8((crcBroken.at(-1) ?? 0) ^ 0xff, crcBroken.length - 1);
    expect(decodeYkcFrame(crcBroken, { cipher: new YkcCipher(KEY, { padding: 'pkcs7' }) })).toMatchObject({ ok: false, error: { code: 'YKC_CRC' } });
  });

  it('the bad fixture encrypted-no-key: YKC_ENCRYPTED without a key, YKC_DECRYPT_FAILED with one (9 bytes is no whole block)', () => {
    const f = loadHexFixture(fixturePath('ykc', 'bad', 'encrypted-no-key.hex'));
    expect(decodeYkcFrame(f.bytes)).toMatchObject({ ok: false, error: { code: 'YKC_ENCRYPTED', offset: 4 } });
    expect(decodeYkcFrame(f.bytes, { cipher: new YkcCipher(KEY) })).toMatchObject({ ok: false, error: { code: 'YKC_DECRYPT_FAILED' } });
  });

  it('a body that decrypts shorter than its identifying fields is YKC_TRUNCATED', () => {
    const cipher = new YkcCipher(KEY, { padding: 'pkcs7' });
    // a login whose encrypted body holds only 3 bytes
    const frame = encodeYkcFrame(heartbeat, { cipher });
    const short = Buffer.from(frame);
    short[5] = 0x01; // login needs at least its pile code
    const body = cipher.encrypt(Buffer.from('320102', 'hex'));
    const bytes = Buffer.concat([short.subarray(0, 6), body, Buffer.alloc(2)]);
    bytes[1] = body.length + 4;
    writeCrc(bytes, bytes.length - 2, 'le');
    expect(decodeYkcFrame(bytes, { cipher })).toMatchObject({ ok: false, error: { code: 'YKC_TRUNCATED' } });
  });
});

describe('keys stay hidden', () => {
  it('JSON, inspect and String show no key material', () => {
    const enc = new YkcEncryption({ mode: 'cbc', iv: IV, key: KEY, keys: { '32010200000001': OTHER_KEY } });
    const shown = [
      JSON.stringify(enc),
      inspect(enc, { depth: 10, showHidden: true }),
      JSON.stringify(enc.cipherFor()),
      inspect(enc.cipherFor(), { showHidden: true }),
      String(new YkcKey(KEY)),
      JSON.stringify({ k: new YkcKey(KEY) }),
      inspect(new YkcKey(KEY)),
    ];
    for (const s of shown) {
      for (const k of [KEY, OTHER_KEY]) {
        expect(s.toLowerCase()).not.toContain(k.toLowerCase());
        expect(s).not.toContain(Buffer.from(k, 'hex').toString('base64'));
      }
    }
    expect(JSON.parse(JSON.stringify(enc))).toEqual({ mode: 'cbc', padding: 'zero', iv: IV, key: '[redacted]', keys: ['32010200000001'] });
  });

  it('cipherFor: the pile key, else the listener-wide key, else none', () => {
    const both = new YkcEncryption({ key: KEY, keys: { '32010200000001': OTHER_KEY } });
    const enc = both.cipherFor('32010200000001')?.encrypt(PLAIN);
    expect(enc).toEqual(new YkcCipher(OTHER_KEY).encrypt(PLAIN));
    expect(both.cipherFor('32010200000002')?.encrypt(PLAIN)).toEqual(new YkcCipher(KEY).encrypt(PLAIN));
    expect(both.cipherFor()?.encrypt(PLAIN)).toEqual(new YkcCipher(KEY).encrypt(PLAIN));
    const pileOnly = new YkcEncryption({ keys: { '32010200000001': OTHER_KEY } });
    expect(pileOnly.cipherFor()).toBeUndefined();
    expect(pileOnly.cipherFor('32010200000009')).toBeUndefined();
  });
});

describe('wrong key with zero padding', () => {
  it('a decrypted pile code that is no BCD number gives the wrong key away', () => {
    const login: YkcFrame = {
      type: 'login',
      sequence: 0,
      pileCode: '32010200000001',
      pileType: 0,
      gunCount: 1,
      protocolVersion: 0x10,
      firmwareVersion: 'V1',
      networkType: 0,
      sim: '0'.repeat(20),
      operator: 0,
    };
    const bytes = encodeYkcFrame(login, { cipher: new YkcCipher(KEY) });
    expect(decodeYkcFrame(bytes, { cipher: new YkcCipher(KEY) })).toMatchObject({ ok: true, value: { pileCode: '32010200000001' } });
    expect(decodeYkcFrame(bytes, { cipher: new YkcCipher(OTHER_KEY) })).toMatchObject({ ok: false, error: { code: 'YKC_DECRYPT_FAILED', offset: 6 } });
  });
});
