/** `--codec <name>` of the commands that read frames: a codec from the registry. */
import type { Codec } from '../../codecs/codec.js';
import { codecNames, DEFAULT_CODEC, findCodec } from '../../codecs/registry.js';
import { UsageError } from './io.js';

/** The CLI's former name of the IEC 104 codec, still accepted. */
const ALIASES: Readonly<Record<string, string>> = { iec104: 'iec104-points' };

/** The names `--codec` lists. */
export function cliCodecNames(): string[] {
  return codecNames().map((name) => Object.keys(ALIASES).find((alias) => ALIASES[alias] === name) ?? name);
}

/** How `--codec` names the default codec. */
export function cliDefaultCodec(): string {
  return Object.keys(ALIASES).find((alias) => ALIASES[alias] === DEFAULT_CODEC) ?? DEFAULT_CODEC;
}

/** The codec `--codec` names (default: the IEC 104 one); a UsageError for an unknown name. */
export function codecOption(name: string | undefined): Codec<unknown> {
  const codec = findCodec(ALIASES[name ?? DEFAULT_CODEC] ?? name ?? DEFAULT_CODEC);
  if (codec === undefined) throw new UsageError('OPTION_INVALID', `--codec must be one of ${cliCodecNames().join(', ')}, got ${JSON.stringify(name)}`);
  return codec;
}
