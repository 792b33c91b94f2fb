/**
 * `pilegate mapping check <file>`: validates a codec's options file (without `--codec`, the codec
 * its top-level `kind:` names, e.g. a family-B catalogue; else an IEC 104 point-table mapping) and prints what the codec reports of it, or with `--json` the normalised
 * options. Any problem is printed on stderr as
 * `error <code> <file>:<line>:<col> <pointer>: <reason>`, one per line, with exit code 2.
 */
import type { Command } from 'commander';
import type { Codec } from '../../codecs/codec.js';
import { allCodecs, codecNames, DEFAULT_CODEC } from '../../codecs/registry.js';
import { parseConfigText } from '../config/document.js';
import { ConfigError, configErrorLines } from '../config/errors.js';
import { readConfigFile } from '../config/read.js';
import { codecOption } from './codec-option.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface MappingCheckOptions {
  readonly json?: boolean;
  /** A registered codec (default: the one the file's top-level `kind:` names, else the IEC 104 one). */
  readonly codec?: string;
}

/** Runs `mapping check`; returns the process exit code. */
async function runMappingCheck(file: string, options: MappingCheckOptions, io: CliIo): Promise<number> {
  const codec = options.codec !== undefined ? codecOption(options.codec) : (codecOfKind(file) ?? codecOption(undefined));
  if (codec.checkOptions === undefined) throw new UsageError('OPTION_INVALID', `codec ${codec.name} has no options check`);
  let loaded: unknown;
  try {
    loaded = await codec.loadOptions({ file });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    for (const line of configErrorLines(e)) io.err(line);
    return EXIT.BAD_INPUT;
  }
  const report = codec.checkOptions(loaded, file);
  if (options.json === true) io.out(JSON.stringify(report.json, null, 2));
  else io.out(report.lines.join('\n'));
  return EXIT.OK;
}

/**
 * The codec whose `optionsKinds` hold the file's top-level `kind:` (a family-B catalogue says
 * `sgcc104-dialect`), or undefined: no kind, one no codec owns, or a file that does not read or
 * parse (the default codec's loader then reports it, at its line).
 */
function codecOfKind(file: string): Codec<unknown> | undefined {
  let kind: unknown;
  try {
    const value = parseConfigText(readConfigFile(file), file).value;
    kind = value !== null && typeof value === 'object' ? (value as { kind?: unknown }).kind : undefined;
  } catch (e) {
    if (e instanceof ConfigError) return undefined;
    throw e;
  }
  if (typeof kind !== 'string') return undefined;
  return allCodecs().find((c) => c.optionsKinds?.includes(kind) === true);
}

/** Registers `mapping` and its subcommand `check` on the program. */
export function registerMapping(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const mapping = program.command('mapping').description('work with codec options files (IEC 104 point-table mappings)');
  mapping
    .command('check')
    .description('validate a mapping file and print the charger, points and commands it describes')
    .argument('<file>', 'mapping file (YAML or JSON), e.g. mappings/iec104-points/example-dc-2gun.yaml')
    .option('--codec <name>', `codec of the file: ${codecNames().join(' or ')} (default: the codec its top-level kind: names, else ${DEFAULT_CODEC})`)
    .option('--json', 'print the normalised mapping as JSON instead of a summary')
    .action(async (file: string, options: MappingCheckOptions) => setExit(await runMappingCheck(file, options, io)));
}
