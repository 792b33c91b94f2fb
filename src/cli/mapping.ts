/**
 * `pilegate mapping check <file>`: validates a codec's options file (by default an IEC 104
 * point-table mapping) and prints what the codec reports of it, or with `--json` the normalised
 * options. Any problem is printed on stderr as
 * `error <code> <file>:<line>:<col> <pointer>: <reason>`, one per line, with exit code 2.
 */
import type { Command } from 'commander';
import { codecNames, DEFAULT_CODEC } from '../../codecs/registry.js';
import { ConfigError, configErrorLines } from '../config/errors.js';
import { codecOption } from './codec-option.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface MappingCheckOptions {
  readonly json?: boolean;
  /** A registered codec (default: the IEC 104 one). */
  readonly codec?: string;
}

/** Runs `mapping check`; returns the process exit code. */
async function runMappingCheck(file: string, options: MappingCheckOptions, io: CliIo): Promise<number> {
  const codec = codecOption(options.codec);
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

/** Registers `mapping` and its subcommand `check` on the program. */
export function registerMapping(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const mapping = program.command('mapping').description('work with codec options files (IEC 104 point-table mappings)');
  mapping
    .command('check')
    .description('validate a mapping file and print the charger, points and commands it describes')
    .argument('<file>', 'mapping file (YAML or JSON), e.g. mappings/iec104-points/example-dc-2gun.yaml')
    .option('--codec <name>', `codec of the file: ${codecNames().join(' or ')} (default ${DEFAULT_CODEC})`)
    .option('--json', 'print the normalised mapping as JSON instead of a summary')
    .action(async (file: string, options: MappingCheckOptions) => setExit(await runMappingCheck(file, options, io)));
}
