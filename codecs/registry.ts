/**
 * The codecs pilegate knows, by name. A new protocol is a folder beside this file (its `codec.ts`
 * exports the protocol's `Codec` as `codec`) and one line in this list; the CLI and the gateway
 * reach codecs only through here.
 */
import type { Codec } from './codec.js';

const MODULES = await Promise.all([
  // One line per codec, in the order the CLI lists them.
  import('./iec104-points/codec.js'),
  import('./ykc/codec.js'),
  import('./sgcc104/codec.js'),
  import('./example/codec.js'),
]);

const CODECS: readonly Codec<never>[] = MODULES.map((m) => m.codec as Codec<never>);

/** The codec the CLI uses when `--codec` is not given. */
export const DEFAULT_CODEC = 'iec104-points';

export function codecNames(): string[] {
  return CODECS.map((c) => c.name);
}

export function findCodec(name: string): Codec<unknown> | undefined {
  return CODECS.find((c) => c.name === name) as Codec<unknown> | undefined;
}

/** Every codec, in registration order. */
export function allCodecs(): readonly Codec<unknown>[] {
  return CODECS as readonly Codec<unknown>[];
}
