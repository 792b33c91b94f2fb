/** `--codec <name>` of the commands that read frames or options files: a codec from the registry, by its registry name. */
import type { Codec } from '../../codecs/codec.js';
import { codecNames, DEFAULT_CODEC, findCodec } from '../../codecs/registry.js';
import { UsageError } from './io.js';

/** The codec `--codec` names (default: the IEC 104 one); a UsageError for an unknown name. */
export function codecOption(name: string | undefined): Codec<unknown> {
  const codec = findCodec(name ?? DEFAULT_CODEC);
  if (codec === undefined) throw new UsageError('OPTION_INVALID', `--codec must be one of ${codecNames().join(', ')}, got ${JSON.stringify(name)}`);
  return codec;
}
