/**
 * The `encryption` section of the YKC options file: keys as `${ENV_NAME}` resolved at load, every
 * mistake a ConfigError with line and pointer, and no message that quotes a key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { YkcCipher } from '../../../../codecs/ykc/cipher.js';
import { loadYkcOptions } from '../../../../codecs/ykc/options.js';
import { ConfigError } from '../../../../src/config/errors.js';

const KEY = '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567';
const PILE_KEY = '89ABCDEF01234567FEDCBA98765432100123456789ABCDEF';
const PILE = '32010200000001';
const PLAIN = Buffer.from('3201020000000101001122334455aabb', 'hex');

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pilegate-ykc-encryption-'));
  const path = join(dir, 'ykc.yaml');
  writeFileSync(path, text);
  return path;
}

async function issues(text: string, env: Record<string, string> = {}): Promise<string[]> {
  const path = file(text);
  try {
    await loadYkcOptions({ file: path }, env);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    expect(e.code).toBe('CONFIG_INVALID');
    for (const k of [KEY, PILE_KEY]) expect(e.message.toLowerCase()).not.toContain(k.toLowerCase());
    return e.message.split('\n').map((l) => l.replace(`${path}:`, ''));
  }
  throw new Error('expected a ConfigError');
}

describe('YKC options: encryption', () => {
  it('resolves ${NAME} keys from the environment: listener-wide key and a key per pile', async () => {
    const o = await loadYkcOptions(
      { file: file(`encryption:\n  mode: cbc\n  iv: '0011223344556677'\n  padding: pkcs7\n  key: \${YKC_KEY}\n  keys:\n    '${PILE}': \${YKC_PILE_KEY}\n`) },
      { YKC_KEY: KEY, YKC_PILE_KEY: PILE_KEY },
    );
    const e = o.encryption;
    if (e === undefined) throw new Error('no encryption settings');
    expect(e.params).toEqual({ mode: 'cbc', iv: '0011223344556677', padding: 'pkcs7' });
    const params = { mode: 'cbc', iv: '0011223344556677', padding: 'pkcs7' } as const;
    expect(e.cipherFor()?.encrypt(PLAIN)).toEqual(new YkcCipher(KEY, params).encrypt(PLAIN));
    expect(e.cipherFor(PILE)?.encrypt(PLAIN)).toEqual(new YkcCipher(PILE_KEY, params).encrypt(PLAIN));
    expect(e.cipherFor('32010200000099')?.encrypt(PLAIN)).toEqual(new YkcCipher(KEY, params).encrypt(PLAIN));
    expect(JSON.stringify(o)).not.toContain(KEY);
  });

  it('defaults: ECB, zero padding; no encryption section, no cipher', async () => {
    const o = await loadYkcOptions({ file: file('encryption:\n  key: ${K}\n') }, { K: KEY.toLowerCase() });
    expect(o.encryption?.params).toEqual({ mode: 'ecb', padding: 'zero' });
    expect(o.encryption?.cipherFor()?.encrypt(PLAIN)).toEqual(new YkcCipher(KEY).encrypt(PLAIN));
    expect((await loadYkcOptions({ file: file('timeZone: UTC\n') }, {})).encryption).toBeUndefined();
  });

  it('a key in clear is accepted from code but refused in a file', async () => {
    const o = await loadYkcOptions({ value: { encryption: { key: KEY } } }, {});
    expect(o.encryption?.cipherFor()?.encrypt(PLAIN)).toEqual(new YkcCipher(KEY).encrypt(PLAIN));
    expect(await issues(`encryption:\n  key: '${KEY}'\n`)).toEqual([expect.stringMatching(/^2:\d+: \/encryption\/key: .*must not be written in clear.*\$\{ENV_NAME\}/)]);
  });

  it('a missing variable, or one that holds no 48-digit key, names the variable and the pointer', async () => {
    expect(await issues('encryption:\n  key: ${YKC_KEY}\n')).toEqual([expect.stringMatching(/^2:\d+: \/encryption\/key: environment variable YKC_KEY is not set$/)]);
    expect(await issues(`encryption:\n  keys:\n    '${PILE}': \${YKC_PILE_KEY}\n`)).toEqual([
      expect.stringMatching(new RegExp(`^3:\\d+: /encryption/keys/${PILE}: environment variable YKC_PILE_KEY is not set$`)),
    ]);
    expect(await issues('encryption:\n  key: ${YKC_KEY}\n', { YKC_KEY: KEY.slice(2) })).toEqual([
      expect.stringMatching(/^2:\d+: \/encryption\/key: environment variable YKC_KEY must hold a 3DES key of 48 hex digits/),
    ]);
  });

  it('schema mistakes: mode, padding, IV, key form, pile code, unknown key', async () => {
    expect((await issues('encryption:\n  mode: ofb\n'))[0]).toMatch(/^2:\d+: \/encryption\/mode: .*ecb.*cbc/);
    expect((await issues('encryption:\n  padding: iso10126\n'))[0]).toMatch(/^2:\d+: \/encryption\/padding: .*zero.*pkcs7/);
    expect((await issues("encryption:\n  mode: cbc\n  iv: '0011'\n"))[0]).toMatch(/^3:\d+: \/encryption\/iv: /);
    expect(await issues("encryption:\n  iv: '0011223344556677'\n", {})).toEqual([expect.stringMatching(/^2:\d+: \/encryption\/iv: an IV applies to mode cbc only$/)]);
    expect((await issues(`encryption:\n  key: '${KEY.slice(0, 46)}'\n`))[0]).toMatch(/^2:\d+: \/encryption\/key: /);
    expect((await issues('encryption:\n  key: $YKC_KEY\n'))[0]).toMatch(/^2:\d+: \/encryption\/key: /);
    expect((await issues("encryption:\n  keys:\n    '123': ${K}\n"))[0]).toMatch(/\/encryption\/keys/);
    expect((await issues('encryption:\n  keyy: ${K}\n'))[0]).toMatch(/^2:\d+: .*keyy/);
  });
});
