/**
 * Which key opens a YKC login, and so which pile it proves to be. An encrypted login (0x01 with the
 * encryption flag) carries its pile code inside the encrypted body (docs/protocols/ykc.md §1, §4), so the code
 * cannot say which key to use. The keys can: the body's first 8-byte block is the pile code (7 BCD
 * bytes) and the pile type (0 DC, 1 AC), so for every pile with a key of its own the two possible
 * first cipher blocks are computed once (E(k, P0), or E(k, P0 xor IV) in CBC) and a login is
 * matched by its first block in one map lookup, however many piles have keys. A pile whose login is
 * opened this way has proved its identity by its key; a pile with a key whose login is in clear or
 * under another key has not (`LoginProof` `missing`).
 *
 * Keys come from the host (`ConnectionInfo.keys`: the station registry) and from the listener
 * options (`encryption.keys`); the host's key of a pile wins. Indexes are cached per (options,
 * host keys) pair and brought up to date by revision, recomputing only the piles whose key changed.
 */
import type { ChargerKeys } from '../codec.js';
import { encodeBcd } from './bcd.js';
import { DES_BLOCK, YkcCipher, type YkcEncryption } from './cipher.js';

/** Pile types a login may carry (docs/protocols/ykc.md §4: 0 DC, 1 AC); a keyed pile with another type is not recognised. */
const PILE_TYPES = [0, 1] as const;

interface Keyed {
  readonly hex: string;
  /** Undefined for a key the cipher does not take (the host validates keys: fail closed regardless). */
  readonly cipher: YkcCipher | undefined;
  readonly blocks: readonly string[];
}

/** The pile keys of one listener (its options) and one host, with the index of their login blocks. */
export class YkcPileKeys {
  private readonly piles = new Map<string, Keyed>();
  private readonly byBlock = new Map<string, string>();
  private revision = Number.NaN;

  constructor(
    private readonly encryption: YkcEncryption | undefined,
    private readonly host: ChargerKeys | undefined,
  ) {}

  /** True when `pileCode` has a key of its own (the host's or the listener options'): its login must use it. */
  hasOwnKey(pileCode: string): boolean {
    this.refresh();
    // The host is asked as well: a key it names outside `entries()` still binds the pile (fail closed).
    return this.piles.has(pileCode) || this.host?.keyOf(pileCode) !== undefined || this.encryption?.ownCipher(pileCode) !== undefined;
  }

  /** The cipher of `pileCode`'s own key (the host's, else the listener options'), or undefined. */
  ownCipher(pileCode: string): YkcCipher | undefined {
    this.refresh();
    const hosted = this.piles.get(pileCode);
    return hosted !== undefined ? hosted.cipher : this.encryption?.ownCipher(pileCode);
  }

  /** The pile whose own key produced `firstBlock` as the first cipher block of a login body, with that key's cipher. */
  openLogin(firstBlock: Uint8Array): { readonly pileCode: string; readonly cipher: YkcCipher } | undefined {
    if (firstBlock.length < DES_BLOCK) return undefined;
    this.refresh();
    const pileCode = this.byBlock.get(Buffer.from(firstBlock.subarray(0, DES_BLOCK)).toString('hex'));
    const cipher = pileCode === undefined ? undefined : this.ownCipher(pileCode);
    return pileCode === undefined || cipher === undefined ? undefined : { pileCode, cipher };
  }

  /** Brings the index up to the host's revision (the listener options' keys never change). */
  private refresh(): void {
    const revision = this.host?.revision ?? 0;
    if (revision === this.revision) return;
    this.revision = revision;
    const wanted = new Map<string, string>();
    for (const pile of this.encryption?.piles ?? []) wanted.set(pile, '');
    for (const [pile, hex] of this.host?.entries() ?? []) wanted.set(pile, hex);
    for (const [pile, keyed] of this.piles) if (wanted.get(pile) !== keyed.hex) this.forget(pile, keyed);
    for (const [pile, hex] of wanted) {
      if (this.piles.has(pile)) continue;
      const cipher = hex === '' ? this.encryption?.ownCipher(pile) : this.cipherOf(hex);
      const code = bcdOf(pile);
      const blocks =
        cipher === undefined || code === undefined
          ? []
          : PILE_TYPES.map((t) =>
              cipher
                .encrypt(Buffer.concat([code, Buffer.of(t)]))
                .subarray(0, DES_BLOCK)
                .toString('hex'),
            );
      this.piles.set(pile, { hex, cipher, blocks });
      for (const b of blocks) this.byBlock.set(b, pile);
    }
  }

  private forget(pile: string, keyed: Keyed): void {
    this.piles.delete(pile);
    for (const b of keyed.blocks) if (this.byBlock.get(b) === pile) this.byBlock.delete(b);
  }

  /** A cipher with the listener's mode, padding and IV; undefined for a key that is not 48 hex digits. */
  private cipherOf(hex: string): YkcCipher | undefined {
    try {
      return new YkcCipher(hex, this.encryption?.params ?? {});
    } catch {
      // Never quoted: a key the cipher refuses leaves its pile unable to log in (fail closed).
      return undefined;
    }
  }
}

/** A charger id as the 7 BCD bytes of a pile code, or undefined when it is not one. */
function bcdOf(pile: string): Buffer | undefined {
  try {
    return encodeBcd(pile, 7, 'pileCode');
  } catch {
    return undefined;
  }
}

const NO_ENCRYPTION = {};
const NO_HOST = {};
const cache = new WeakMap<object, WeakMap<object, YkcPileKeys>>();

/** The shared `YkcPileKeys` of a listener's encryption settings and a host's keys. */
export function pileKeysFor(encryption: YkcEncryption | undefined, host: ChargerKeys | undefined): YkcPileKeys {
  const outer = encryption ?? NO_ENCRYPTION;
  let inner = cache.get(outer);
  if (inner === undefined) {
    inner = new WeakMap();
    cache.set(outer, inner);
  }
  const key = host ?? NO_HOST;
  let keys = inner.get(key);
  if (keys === undefined) {
    keys = new YkcPileKeys(encryption, host);
    inner.set(key, keys);
  }
  return keys;
}
