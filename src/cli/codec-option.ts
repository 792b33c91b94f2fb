/** `--codec <name>` of the commands that read frames or options files: a codec from the registry, by its registry name. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Codec, CodecFlag } from '../../codecs/codec.js';
import { allCodecs, codecNames, DEFAULT_CODEC, findCodec } from '../../codecs/registry.js';
import { UsageError, type CliIo } from './io.js';

/** The codec `--codec` names (default: the IEC 104 one); a UsageError for an unknown name. */
export function codecOption(name: string | undefined): Codec<unknown> {
  const codec = findCodec(name ?? DEFAULT_CODEC);
  if (codec === undefined) throw new UsageError('OPTION_INVALID', `--codec must be one of ${codecNames().join(', ')}, got ${JSON.stringify(name)}`);
  return codec;
}

/**
 * The codec flags given, each checked: a flag of another codec, or a value its codec refuses, is a
 * usage error (that never quotes the value: a flag may carry a key). A secret flag of `codec` that
 * was not given is taken from its environment variable in `env`.
 */
export function checkFlags(codec: Codec<unknown>, given: Readonly<Record<string, string>>, env: NodeJS.ProcessEnv = process.env): Readonly<Record<string, string>> {
  for (const [name, value] of Object.entries(given)) {
    const flag = codec.cliFlags?.find((f) => f.name === name);
    if (flag === undefined) {
      const owner = allCodecs().findIndex((c) => c.cliFlags?.some((f) => f.name === name) === true);
      throw new UsageError('OPTION_INVALID', `--${name} applies to ${owner < 0 ? 'no codec' : `--codec ${codecNames()[owner]} only`}`);
    }
    const problem = flag.check?.(value);
    if (problem !== undefined) throw new UsageError('OPTION_INVALID', problem);
  }
  const fromEnv: Record<string, string> = {};
  for (const flag of codec.cliFlags ?? []) {
    const value = flag.secret === undefined || given[flag.name] !== undefined ? undefined : env[flag.secret.env]?.trim();
    if (value === undefined || value === '') continue;
    const problem = flag.check?.(value);
    if (problem !== undefined) throw new UsageError('OPTION_INVALID', `${flag.secret?.env ?? ''}: ${problem}`);
    fromEnv[flag.name] = value;
  }
  return { ...given, ...fromEnv };
}

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** Adds every registered codec's flags to a command; a secret flag also gets its `--<name>-file <file>`. */
export function addCodecFlags(command: Command): void {
  for (const flag of allCodecs().flatMap((c) => c.cliFlags ?? [])) {
    const secret = flag.secret === undefined ? '' : `; better from ${flag.secret.env} or --${flag.name}-file, as the command line is visible to other users`;
    command.option(`--${flag.name} <${flag.value}>`, `${flag.description}${secret}`);
    if (flag.secret !== undefined) command.option(`--${flag.name}-file <file>`, `read --${flag.name} from the first line of this file`);
  }
}

/** The first line of a secret flag's file; a usage error that never quotes the file's content. */
function readSecretFile(flag: CodecFlag, file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError('OPTION_INVALID', `--${flag.name}-file: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const first = text.split(/\r?\n/, 1)[0]?.trim() ?? '';
  if (first === '') throw new UsageError('OPTION_INVALID', `--${flag.name}-file: the first line of ${file} is empty`);
  return first;
}

/**
 * The values of every registered codec's flags that commander parsed (`cot-size` is kept as
 * `cotSize`), by flag name; a secret flag from its `--<name>-file`, or from the command line with a
 * warning on `io` that other users can read it there.
 */
export function flagValues(given: Readonly<Record<string, unknown>>, io?: CliIo): Record<string, string> {
  const values: Record<string, string> = {};
  for (const flag of allCodecs().flatMap((c) => c.cliFlags ?? [])) {
    const value = given[camel(flag.name)];
    const file = flag.secret === undefined ? undefined : given[camel(`${flag.name}-file`)];
    if (typeof value === 'string' && typeof file === 'string') throw new UsageError('OPTION_INVALID', `give --${flag.name} or --${flag.name}-file, not both`);
    if (typeof file === 'string') values[flag.name] = readSecretFile(flag, file);
    if (typeof value !== 'string') continue;
    values[flag.name] = value;
    if (flag.secret !== undefined)
      io?.err(`warning: --${flag.name} on the command line can be read by other users of this machine (ps); give it in ${flag.secret.env} or --${flag.name}-file <file> instead`);
  }
  return values;
}
