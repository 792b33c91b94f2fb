/**
 * The YKC 3DES key of `pilegate decode` and `replay` without putting it on the command line: from
 * PILEGATE_YKC_KEY or the first line of `--ykc-key-file`; `--ykc-key` still works but warns that
 * other users can read it. No output ever shows the key. Run as the real binary.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { YkcCipher } from '../../../codecs/ykc/cipher.js';
import { encodeYkcFrame } from '../../../codecs/ykc/index.js';
import { spawnCli } from '../../support/cli.js';

const KEY = '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567';
/** A heartbeat with a 3DES body under the default mode and padding (ECB, zeros). */
const heartbeat = encodeYkcFrame({ type: 'heartbeat', sequence: 7, pileCode: '32010200000001', gun: '01', gunState: 0 }, { cipher: new YkcCipher(KEY, {}) }).toString('hex');

const dir = mkdtempSync(join(tmpdir(), 'pilegate-ykc-key-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** No environment key from the test's own environment. */
const NO_KEY = { PILEGATE_YKC_KEY: '' };

function expectDecrypted(r: { code: number | null; stdout: string; stderr: string }): void {
  expect(r.code).toBe(0);
  expect(r.stdout).toContain('pileCode: "32010200000001"');
  expect(`${r.stdout}${r.stderr}`.toUpperCase()).not.toContain(KEY);
}

describe('the YKC key of pilegate decode and replay', { timeout: 60_000 }, () => {
  it('comes from PILEGATE_YKC_KEY, without a warning', () => {
    const r = spawnCli(['decode', '--codec', 'ykc', heartbeat], { env: { PILEGATE_YKC_KEY: KEY.toLowerCase() } });
    expectDecrypted(r);
    expect(r.stderr).toBe('');
  });

  it('comes from the first line of --ykc-key-file, without a warning', () => {
    const file = join(dir, 'key.txt');
    writeFileSync(file, `${KEY}\nthe pile's key, from the vendor\n`);
    const r = spawnCli(['decode', '--codec', 'ykc', '--ykc-key-file', file, heartbeat], { env: NO_KEY });
    expectDecrypted(r);
    expect(r.stderr).toBe('');
  });

  it('on the command line still works, with a warning that other users can read it', () => {
    const r = spawnCli(['decode', '--codec', 'ykc', '--ykc-key', KEY, heartbeat], { env: NO_KEY });
    expectDecrypted(r);
    expect(r.stderr).toMatch(/^warning: --ykc-key on the command line can be read by other users of this machine \(ps\); give it in PILEGATE_YKC_KEY or --ykc-key-file <file> instead$/m);
  });

  it('refuses a malformed key from the environment or a file without showing it, and both a key and a key file', () => {
    const env = spawnCli(['decode', '--codec', 'ykc', heartbeat], { env: { PILEGATE_YKC_KEY: 'ABCDEF0123' } });
    expect(env.code).toBe(2);
    expect(env.stderr).toContain('error OPTION_INVALID: PILEGATE_YKC_KEY: --ykc-key must be 48 hex digits');
    expect(env.stderr).not.toContain('ABCDEF0123');
    const empty = join(dir, 'empty.txt');
    writeFileSync(empty, '\nABCDEF\n');
    const file = spawnCli(['decode', '--codec', 'ykc', '--ykc-key-file', empty, heartbeat], { env: NO_KEY });
    expect(file.code).toBe(2);
    expect(file.stderr).toContain(`--ykc-key-file: the first line of ${empty} is empty`);
    const both = spawnCli(['decode', '--codec', 'ykc', '--ykc-key', KEY, '--ykc-key-file', empty, heartbeat], { env: NO_KEY });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give --ykc-key or --ykc-key-file, not both');
  });

  it('reaches replay too, and is not applied to another codec', () => {
    const capture = join(dir, 'ykc.jsonl');
    writeFileSync(capture, `${JSON.stringify({ time: '2026-01-31T08:00:00.000Z', dir: 'in', hex: heartbeat })}\n`);
    const r = spawnCli(['replay', '--codec', 'ykc', capture], { env: { PILEGATE_YKC_KEY: KEY } });
    expectDecrypted(r);
    expect(r.stderr).toBe('');
    const iec = spawnCli(['decode', '680407000000'], { env: { PILEGATE_YKC_KEY: KEY } });
    expect(iec).toMatchObject({ code: 0, stderr: '' });
  });
});
