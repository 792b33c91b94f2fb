/**
 * `pilegate decode --codec ykc` on 3DES frames: without a key the header is shown and the body
 * said to be encrypted (exit 2, YKC_ENCRYPTED); with `--ykc-key` or the options file given as
 * `--mapping` (key from the environment) the body is decrypted and printed.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { YkcCipher } from '../../../../codecs/ykc/cipher.js';
import { encodeYkcFrame } from '../../../../codecs/ykc/index.js';
import { runCli } from '../../../support/cli.js';

const KEY = '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567';
const heartbeat = encodeYkcFrame({ type: 'heartbeat', sequence: 7, pileCode: '32010200000001', gun: '01', gunState: 0 }, { cipher: new YkcCipher(KEY, { mode: 'cbc', padding: 'pkcs7' }) }).toString(
  'hex',
);

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
  Reflect.deleteProperty(process.env, 'PILEGATE_TEST_DECODE_KEY');
});

describe('pilegate decode --codec ykc, encrypted frames', () => {
  it('without a key: header shown, body said to be encrypted, exit 2 with YKC_ENCRYPTED', async () => {
    const r = await runCli(['decode', '--codec', 'ykc', heartbeat]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('heartbeat (0x03) seq 7 encryption flag 0x01');
    expect(r.stdout).toContain('body: 16 bytes, 3DES-encrypted (no key given)');
    expect(r.stderr).toContain('error YKC_ENCRYPTED at byte 4');
  });

  it('--ykc-key with the options file for mode and padding; the key itself from the environment', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-decode-ykc-'));
    const options = join(dir, 'ykc.yaml');
    writeFileSync(options, 'encryption:\n  mode: cbc\n  padding: pkcs7\n  key: ${PILEGATE_TEST_DECODE_KEY}\n');
    process.env['PILEGATE_TEST_DECODE_KEY'] = KEY;
    const viaFile = await runCli(['decode', '--codec', 'ykc', '--mapping', options, heartbeat]);
    expect(viaFile.stderr).toBe('');
    expect(viaFile.code).toBe(0);
    expect(viaFile.stdout).toContain('heartbeat (0x03) seq 7 crc le 3DES (decrypted)');
    expect(viaFile.stdout).toContain('pileCode: "32010200000001"');
    expect(viaFile.stdout).not.toContain(KEY);

    writeFileSync(options, 'encryption:\n  mode: cbc\n  padding: pkcs7\n');
    const viaFlag = await runCli(['decode', '--codec', 'ykc', '--mapping', options, '--ykc-key', KEY.toLowerCase(), '--json', heartbeat]);
    expect(viaFlag.code).toBe(0);
    expect(JSON.parse(viaFlag.stdout)).toMatchObject({ frames: [{ frame: { type: 'heartbeat', encrypted: true, pileCode: '32010200000001' } }] });
  });

  it('a wrong key is YKC_DECRYPT_FAILED; a malformed key is a usage error that does not echo it', async () => {
    const wrong = await runCli(['decode', '--codec', 'ykc', '--ykc-key', KEY.replace('01', '10'), heartbeat]);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/error YKC_DECRYPT_FAILED/);
    const bad = await runCli(['decode', '--codec', 'ykc', '--ykc-key', 'ABCDEF0123', heartbeat]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--ykc-key must be 48 hex digits/);
    expect(bad.stderr).not.toContain('ABCDEF0123');
  });
});
