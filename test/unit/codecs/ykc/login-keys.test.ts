/**
 * A YKC pile proves its identity by its own key: the key is found from an encrypted login's first
 * cipher block (`login-keys.ts`), in both modes and for both pile types, with keys from the host
 * (the station registry, taking precedence) and from the listener options; the session hands the
 * host the login's proof (`verified`, `missing`, `none`) and, without a host, refuses `missing`.
 */
import { describe, expect, it } from 'vitest';
import type { ChargerKeys, LoginProof, LoginRefusal } from '../../../../codecs/codec.js';
import { YkcCipher, YkcEncryption, type YkcCipherParams } from '../../../../codecs/ykc/cipher.js';
import { ykcCodec } from '../../../../codecs/ykc/codec.js';
import { decodeYkcFrame, encodeYkcFrame, type YkcFrame } from '../../../../codecs/ykc/index.js';
import { YkcPileKeys } from '../../../../codecs/ykc/login-keys.js';
import { FakeClock } from '../../../support/fake-clock.js';

const PILE = '32010200000201';
const OTHER = '32010200000202';
const KEY = '0123456789ABCDEF1032547698BADCFE0F1E2D3C4B5A6978';
const HOST_KEY = '89ABCDEF01234567FEDCBA98765432100123456789ABCDEF';
const LISTENER_KEY = '111111111111111122222222222222223333333333333333';

const login = (pileCode: string, pileType = 0): YkcFrame => ({
  type: 'login',
  sequence: 0,
  pileCode,
  pileType,
  gunCount: 1,
  protocolVersion: 0x10,
  firmwareVersion: 'T-1.0',
  networkType: 0,
  sim: '0'.repeat(20),
  operator: 0,
});

/** The encrypted body's first 8 bytes of `pileCode`'s login under `cipher`. */
function firstBlock(pileCode: string, cipher: YkcCipher, pileType = 0): Buffer {
  return encodeYkcFrame(login(pileCode, pileType), { cipher }).subarray(6, 14);
}

class HostKeys implements ChargerKeys {
  revision = 1;
  constructor(readonly keys = new Map<string, string>()) {}
  keyOf(id: string): string | undefined {
    return this.keys.get(id);
  }
  entries(): Iterable<readonly [string, string]> {
    return this.keys;
  }
  set(id: string, key: string | undefined): void {
    if (key === undefined) this.keys.delete(id);
    else this.keys.set(id, key);
    this.revision += 1;
  }
}

describe('YkcPileKeys', () => {
  for (const params of [{}, { mode: 'cbc', iv: '0011223344556677', padding: 'pkcs7' }] as YkcCipherParams[]) {
    it(`finds the pile whose own key opens a login (${params.mode ?? 'ecb'}), for both pile types`, () => {
      const options = new YkcEncryption({ ...params, keys: { [PILE]: KEY } });
      const host = new HostKeys(new Map([[OTHER, HOST_KEY]]));
      const keys = new YkcPileKeys(options, host);
      for (const t of [0, 1]) {
        expect(keys.openLogin(firstBlock(PILE, new YkcCipher(KEY, params), t))?.pileCode).toBe(PILE);
        expect(keys.openLogin(firstBlock(OTHER, new YkcCipher(HOST_KEY, params), t))?.pileCode).toBe(OTHER);
      }
      // Its code under another key is no one's login.
      expect(keys.openLogin(firstBlock(PILE, new YkcCipher(HOST_KEY, params)))).toBeUndefined();
      expect(keys.openLogin(Buffer.alloc(4))).toBeUndefined();
    });
  }

  it("follows the host's keys by revision; the host's key of a pile wins over the options'", () => {
    const host = new HostKeys();
    const keys = new YkcPileKeys(new YkcEncryption({ keys: { [PILE]: KEY } }), host);
    expect(keys.hasOwnKey(OTHER)).toBe(false);
    host.set(OTHER, HOST_KEY);
    expect(keys.hasOwnKey(OTHER)).toBe(true);
    expect(keys.openLogin(firstBlock(OTHER, new YkcCipher(HOST_KEY)))?.pileCode).toBe(OTHER);
    host.set(PILE, HOST_KEY);
    expect(keys.openLogin(firstBlock(PILE, new YkcCipher(KEY)))).toBeUndefined();
    expect(keys.openLogin(firstBlock(PILE, new YkcCipher(HOST_KEY)))?.pileCode).toBe(PILE);
    host.set(OTHER, undefined);
    expect(keys.hasOwnKey(OTHER)).toBe(false);
    expect(keys.openLogin(firstBlock(OTHER, new YkcCipher(HOST_KEY)))).toBeUndefined();
  });

  it('keeps a pile whose host key the cipher refuses keyed (it can never log in)', () => {
    const keys = new YkcPileKeys(undefined, new HostKeys(new Map([[PILE, 'not hex']])));
    expect(keys.hasOwnKey(PILE)).toBe(true);
    expect(keys.ownCipher(PILE)).toBeUndefined();
  });
});

interface Hosted {
  readonly proofs: { pile: string; proof: LoginProof }[];
  readonly answers: YkcFrame[];
  readonly refused: { reason: LoginRefusal; detail: string }[];
  readonly closed: string[];
  receive(bytes: Buffer): void;
}

/** A YKC session whose host admits every login and records the proofs; answers decoded with `answerCipher`. */
function hosted(options: { encryption?: YkcEncryption; host?: ChargerKeys; admit?: boolean; answerCipher?: YkcCipher }): Hosted {
  const h: Hosted = { proofs: [], answers: [], refused: [], closed: [], receive: () => undefined };
  const session = ykcCodec.createSession({
    options: options.encryption !== undefined ? { encryption: options.encryption } : {},
    clock: new FakeClock(Date.UTC(2026, 10, 25)),
    connection: {
      ...(options.host !== undefined ? { keys: options.host } : {}),
      ...(options.admit !== false
        ? {
            admit: (pile: string, proof: LoginProof) => {
              h.proofs.push({ pile, proof });
              return true;
            },
          }
        : {}),
    },
    sink: {
      event: () => undefined,
      send: (b) => {
        const r = decodeYkcFrame(b, options.answerCipher !== undefined ? { cipher: options.answerCipher } : {});
        if (r.ok) h.answers.push(r.value);
      },
      error: () => undefined,
      close: (r) => h.closed.push(r),
      loginRefused: (reason, detail) => h.refused.push({ reason, detail }),
      log: () => undefined,
    },
  });
  session.start();
  return { ...h, receive: (bytes) => session.receive(bytes) };
}

describe('YKC session: the login proof', () => {
  it('is verified under the pile own key (host key), and the answer goes under it', () => {
    const own = new YkcCipher(HOST_KEY);
    const s = hosted({ host: new HostKeys(new Map([[PILE, HOST_KEY]])), answerCipher: own });
    s.receive(encodeYkcFrame(login(PILE), { cipher: own }));
    expect(s.proofs).toEqual([{ pile: PILE, proof: { key: 'verified' } }]);
    expect(s.answers[0]).toMatchObject({ type: 'loginAnswer', result: 0, encrypted: true });
  });

  it('is missing in clear or under the listener-wide key for a pile with its own key, none for a pile without', () => {
    const listener = new YkcCipher(LISTENER_KEY);
    const encryption = new YkcEncryption({ key: LISTENER_KEY, keys: { [PILE]: KEY } });
    const clear = hosted({ encryption });
    clear.receive(encodeYkcFrame(login(PILE)));
    const shared = hosted({ encryption });
    shared.receive(encodeYkcFrame(login(PILE), { cipher: listener }));
    const other = hosted({ encryption });
    other.receive(encodeYkcFrame(login(OTHER), { cipher: listener }));
    expect([...clear.proofs, ...shared.proofs, ...other.proofs]).toEqual([
      { pile: PILE, proof: { key: 'missing' } },
      { pile: PILE, proof: { key: 'missing' } },
      { pile: OTHER, proof: { key: 'none' } },
    ]);
  });

  it('without a host to decide, refuses a missing proof with answer 1', () => {
    const s = hosted({ encryption: new YkcEncryption({ keys: { [PILE]: KEY } }), admit: false });
    s.receive(encodeYkcFrame(login(PILE)));
    expect(s.answers[0]).toMatchObject({ type: 'loginAnswer', result: 1 });
    expect(s.closed).toHaveLength(1);
  });

  it('refuses an encrypted login that no key opens: bad_key, no answer, closed', () => {
    const s = hosted({ host: new HostKeys(new Map([[PILE, HOST_KEY]])) });
    s.receive(encodeYkcFrame(login(PILE), { cipher: new YkcCipher(KEY) }));
    expect(s.refused).toEqual([{ reason: 'bad_key', detail: expect.stringContaining('no configured key opens') as string }]);
    expect(s.answers).toEqual([]);
    expect(s.closed).toEqual(['encrypted login that no configured key opens']);
    expect(JSON.stringify(s.refused)).not.toContain(HOST_KEY);
  });
});
