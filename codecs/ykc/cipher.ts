/**
 * 3DES for YKC bodies (encryption flag 0x01, docs/protocols/ykc.md §1). The reference says only "0x01 3DES (body
 * only; L then counts the encrypted length)": it names neither key distribution, mode, IV nor
 * padding, and no public implementation encrypts. Every one of those is therefore a listener
 * option (`encryption:` in the YKC options file) with a guessed default (ECB, zero padding) until
 * a vendor confirms them. The cipher is 3-key EDE (`des-ede3`, a 24-byte key); node's own padding
 * is off and the padding below is applied by hand, so both paddings behave the same in both modes.
 *
 * Key material lives only in `KeyObject`s held in private fields: it never reaches JSON, `inspect`
 * or a log line, and no error message here quotes it.
 */
import { createCipheriv, createDecipheriv, createSecretKey, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { YkcDecodeError } from './errors.js';

export type YkcCipherMode = 'ecb' | 'cbc';
/** `zero`: zero bytes up to a multiple of 8 (none when already aligned); `pkcs7`: 1..8 bytes of value n. */
export type YkcPadding = 'zero' | 'pkcs7';

export const DES_BLOCK = 8;
const DES_EDE3_KEY_HEX = 48;
const KEY_HEX = /^[0-9A-Fa-f]{48}$/;
const IV_HEX = /^[0-9A-Fa-f]{16}$/;

export interface YkcCipherParams {
  /** Default `ecb`. */
  readonly mode?: YkcCipherMode;
  /** 16 hex digits, CBC only; default all zeros. */
  readonly iv?: string;
  /** Default `zero`. */
  readonly padding?: YkcPadding;
}

/** A 3DES key (24 bytes) that does not show itself in JSON, `inspect` or string conversion. */
export class YkcKey {
  readonly #key: KeyObject;

  /** @throws RangeError (without the value) unless `hex` is 48 hex digits. */
  constructor(hex: string) {
    if (!KEY_HEX.test(hex)) throw new RangeError(`a 3DES key must be ${DES_EDE3_KEY_HEX} hex digits`);
    this.#key = createSecretKey(Buffer.from(hex, 'hex'));
  }

  /** The key for node:crypto; for the cipher only. */
  get keyObject(): KeyObject {
    return this.#key;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return 'YkcKey [redacted]';
  }
}

/** One key with its mode, IV and padding: encrypts and decrypts whole bodies. */
export class YkcCipher {
  readonly mode: YkcCipherMode;
  readonly padding: YkcPadding;
  readonly #iv: Buffer | null;
  readonly #key: YkcKey;

  constructor(key: YkcKey | string, params: YkcCipherParams = {}) {
    this.#key = typeof key === 'string' ? new YkcKey(key) : key;
    this.mode = params.mode ?? 'ecb';
    this.padding = params.padding ?? 'zero';
    if (params.iv !== undefined && !IV_HEX.test(params.iv)) throw new RangeError('a 3DES IV must be 16 hex digits');
    this.#iv = this.mode === 'cbc' ? Buffer.from(params.iv ?? '0'.repeat(16), 'hex') : null;
  }

  /** The body padded to whole blocks and encrypted. */
  encrypt(plain: Uint8Array): Buffer {
    const c = createCipheriv(this.algorithm, this.#key.keyObject, this.#iv);
    c.setAutoPadding(false);
    const padded = pad(Buffer.from(plain), this.padding);
    return Buffer.concat([c.update(padded), c.final()]);
  }

  /**
   * The body decrypted, PKCS#7 padding checked and removed (zero padding is left in place: the
   * parser ignores bytes beyond a layout). A `YKC_DECRYPT_FAILED` error (offset 0 = body start)
   * for a length that is not whole blocks or a bad padding, i.e. most often a wrong key or mode.
   */
  decrypt(encrypted: Uint8Array): Buffer | YkcDecodeError {
    if (encrypted.length === 0 || encrypted.length % DES_BLOCK !== 0) {
      return new YkcDecodeError('YKC_DECRYPT_FAILED', `encrypted body of ${encrypted.length} bytes is not a whole number of 8-byte 3DES blocks`, 0);
    }
    const d = createDecipheriv(this.algorithm, this.#key.keyObject, this.#iv);
    d.setAutoPadding(false);
    const plain = Buffer.concat([d.update(encrypted), d.final()]);
    if (this.padding === 'zero') return plain;
    const n = plain[plain.length - 1] as number;
    if (n < 1 || n > DES_BLOCK || !plain.subarray(plain.length - n).every((b) => b === n)) {
      return new YkcDecodeError('YKC_DECRYPT_FAILED', 'bad PKCS#7 padding after 3DES decryption (wrong key, mode or IV?)', encrypted.length - 1);
    }
    return plain.subarray(0, plain.length - n);
  }

  private get algorithm(): string {
    return this.mode === 'cbc' ? 'des-ede3-cbc' : 'des-ede3';
  }

  toJSON(): object {
    return { mode: this.mode, padding: this.padding, key: '[redacted]' };
  }

  [inspect.custom](): string {
    return `YkcCipher { mode: ${this.mode}, padding: ${this.padding}, key: [redacted] }`;
  }
}

function pad(body: Buffer, padding: YkcPadding): Buffer {
  const rest = body.length % DES_BLOCK;
  if (padding === 'pkcs7') {
    const n = DES_BLOCK - rest;
    return Buffer.concat([body, Buffer.alloc(n, n)]);
  }
  return rest === 0 ? body : Buffer.concat([body, Buffer.alloc(DES_BLOCK - rest)]);
}

/**
 * The encryption settings of a listener: parameters, a listener-wide key and keys per pile code.
 * `cipherFor(pile)` is the pile's own key, else the listener-wide one, else undefined.
 */
export class YkcEncryption {
  readonly params: Required<Pick<YkcCipherParams, 'mode' | 'padding'>> & Pick<YkcCipherParams, 'iv'>;
  readonly #default: YkcCipher | undefined;
  readonly #byPile = new Map<string, YkcCipher>();

  constructor(settings: YkcCipherParams & { readonly key?: YkcKey | string; readonly keys?: Readonly<Record<string, YkcKey | string>> }) {
    this.params = { mode: settings.mode ?? 'ecb', padding: settings.padding ?? 'zero', ...(settings.iv !== undefined ? { iv: settings.iv } : {}) };
    this.#default = settings.key !== undefined ? new YkcCipher(settings.key, this.params) : undefined;
    for (const [pile, key] of Object.entries(settings.keys ?? {})) this.#byPile.set(pile, new YkcCipher(key, this.params));
  }

  /** The cipher for `pileCode` (its own key, else the listener-wide key); undefined when none. */
  cipherFor(pileCode?: string): YkcCipher | undefined {
    return (pileCode !== undefined ? this.#byPile.get(pileCode) : undefined) ?? this.#default;
  }

  /** The cipher of `pileCode`'s own key only (no listener-wide fallback). */
  ownCipher(pileCode: string): YkcCipher | undefined {
    return this.#byPile.get(pileCode);
  }

  /** The listener-wide key's cipher, if there is one. */
  get listenerCipher(): YkcCipher | undefined {
    return this.#default;
  }

  /** Piles with their own key (codes only). */
  get piles(): string[] {
    return [...this.#byPile.keys()];
  }

  toJSON(): object {
    return { ...this.params, key: this.#default !== undefined ? '[redacted]' : undefined, keys: this.piles };
  }

  [inspect.custom](): string {
    return `YkcEncryption { mode: ${this.params.mode}, padding: ${this.params.padding}, keys: [redacted] }`;
  }
}
