/** `--codec <name>` of the commands that read frames or options files: a codec from the registry, by its registry name. */
import type { Codec } from '../../codecs/codec.js';
import { allCodecs, codecNames, DEFAULT_CODEC, findCodec } from '../../codecs/registry.js';
import { UsageError } from './io.js';

/** The codec `--codec` names (default: the IEC 104 one); a UsageError for an unknown name. */
export function codecOption(name: string | undefined): Codec<unknown> {
  const codec = findCodec(name ?? DEFAULT_CODEC);
  if (codec === undefined) throw new UsageError('OPTION_INVALID', `--codec must be one of ${codecNames().join(', ')}, got ${JSON.stringify(name)}`);
  return codec;
}

/**
 * The codec flags given, each checked: a flag of another codec, or a value its codec refuses, is a
 * usage error (that never quotes the value: a flag may carry a key).
 */
export function checkFlags(codec: Codec<unknown>, given: Readonly<Record<string, string>>): Readonly<Record<string, string>> {
  for (const [name, value] of Object.entries(given)) {
    const flag = codec.cliFlags?.find((f) => f.name === name);
    if (flag === undefined) {
      const owner = allCodecs().findIndex((c) => c.cliFlags?.some((f) => f.name === name) === true);
      throw new UsageError('OPTION_INVALID', `--${name} applies to ${owner < 0 ? 'no codec' : `--codec ${codecNames()[owner]} only`}`);
    }
    const problem = flag.check?.(value);
    if (problem !== undefined) throw new UsageError('OPTION_INVALID', problem);
  }
  return given;
}

/** The values of every registered codec's flags that commander parsed (`cot-size` is kept as `cotSize`), by flag name. */
export function flagValues(given: Readonly<Record<string, unknown>>): Record<string, string> {
  const values: Record<string, string> = {};
  for (const flag of allCodecs().flatMap((c) => c.cliFlags ?? [])) {
    const value = given[flag.name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())];
    if (typeof value === 'string') values[flag.name] = value;
  }
  return values;
}
