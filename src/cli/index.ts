#!/usr/bin/env node
/** `pilegate`: the command-line entry. One file per command beside this one. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError, configErrorLines } from '../config/errors.js';
import { findPackageFile } from '../config/read.js';
import { registerCsms } from './csms.js';
import { registerDecode } from './decode.js';
import { registerDemo } from './demo.js';
import { registerHealth } from './health.js';
import { registerMapping } from './mapping.js';
import { registerReplay } from './replay.js';
import { registerServe } from './serve.js';
import { registerSimulate } from './simulate.js';
import { registerStations } from './stations.js';
import { dropOutputOnClose, EXIT, isMainModule, processIo, UsageError, type CliIo } from './io.js';

/** The package's version, from its package.json. */
function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(findPackageFile(import.meta.url, 'package.json'), 'utf8')) as { version?: unknown };
  return String(pkg.version);
}

/** Builds the program; `run` parses argv and resolves to the exit code. */
export function buildProgram(io: CliIo): { program: Command; exitCode: () => number } {
  let code: number = EXIT.OK;
  const program = new Command()
    .name('pilegate')
    .description('Gateway that makes legacy EV chargers speaking 104-style protocols appear as OCPP 2.0.1 stations')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.out(s), writeErr: (s) => io.err(s) });
  registerDecode(program, io, (c) => {
    code = c;
  });
  registerMapping(program, io, (c) => {
    code = c;
  });
  registerServe(program, io, (c) => {
    code = c;
  });
  registerDemo(program, io, (c) => {
    code = c;
  });
  registerCsms(program, io, (c) => {
    code = c;
  });
  registerSimulate(program, io, (c) => {
    code = c;
  });
  registerReplay(program, io, (c) => {
    code = c;
  });
  registerStations(program, io, (c) => {
    code = c;
  });
  registerHealth(program, io, (c) => {
    code = c;
  });
  return { program, exitCode: () => code };
}

/** Runs the CLI with user arguments (without `node` and the script); returns the exit code. */
export async function run(args: readonly string[], io: CliIo = processIo): Promise<number> {
  const { program, exitCode } = buildProgram(io);
  try {
    await program.parseAsync(args as string[], { from: 'user' });
    return exitCode();
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version exit 0; usage mistakes are bad input.
      return e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    }
    if (e instanceof ConfigError) {
      for (const line of configErrorLines(e)) io.err(line);
      return EXIT.BAD_INPUT;
    }
    if (e instanceof UsageError) {
      io.err(`error ${e.code}: ${e.message}`);
      return EXIT.BAD_INPUT;
    }
    throw e;
  }
}

if (isMainModule(import.meta.url)) {
  // A reader that closes stdout early (`pilegate replay … | head`) ends a command quietly: one that
  // runs until a signal (serve, simulate, demo) stops as on SIGTERM; the others finish, writing nothing more.
  // A command stopped that way exits 1: it did not run its course, and a service manager that
  // restarts on failure (the systemd unit) brings a gateway whose log reader went away back.
  let stoppedByClosedOutput = false;
  dropOutputOnClose(() => {
    if (process.listenerCount('SIGTERM') === 0) return;
    stoppedByClosedOutput = true;
    process.stderr.write('pilegate: stdout was closed by its reader: stopping\n');
    process.kill(process.pid, 'SIGTERM');
  });
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = stoppedByClosedOutput && code === EXIT.OK ? EXIT.FAILURE : code;
    },
    (e: unknown) => {
      process.stderr.write(`pilegate: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
