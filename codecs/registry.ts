/** The codecs pilegate knows, by name. A new protocol is a folder beside this file and a line here. */
import type { Codec } from './codec.js';
import { iec104PointsCodec } from './iec104-points/index.js';
import { ykcCodec } from './ykc/codec.js';

const CODECS: readonly Codec<never>[] = [iec104PointsCodec as Codec<never>, ykcCodec as Codec<never>];

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
