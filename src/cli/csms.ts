/**
 * `pilegate csms [--port 9000] [--host 127.0.0.1]`: the development CSMS of `pilegate demo` on its
 * own, for a gateway run with `pilegate serve`: it accepts every station (any password), answers
 * every CALL, sends RequestStartTransaction when a connector is plugged in, and prints each OCPP
 * frame. Runs until SIGINT / SIGTERM. Not for production.
 */
import type { Command } from 'commander';
import { startDevCsms } from './dev-csms.js';
import { EXIT, UsageError, type CliIo } from './io.js';
import { waitForSignal } from './serve.js';

export interface CsmsOptions {
  readonly port?: string;
  readonly host?: string;
}

/** The port of the example configs' `csms.url` (`examples/dev.yaml`, `examples/pilegate.yaml`). */
const DEV_CSMS_PORT = 9000;

function port(text: string | undefined): number {
  if (text === undefined) return DEV_CSMS_PORT;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < 0 || n > 65_535) throw new UsageError('CSMS_ARG', `--port must be an integer from 0 to 65535, got ${JSON.stringify(text)}`);
  return n;
}

async function runCsms(options: CsmsOptions, io: CliIo): Promise<number> {
  const host = options.host ?? '127.0.0.1';
  const listenPort = port(options.port);
  const signalled = waitForSignal();
  let csms;
  try {
    csms = await startDevCsms({ port: listenPort, host, remoteStart: true, print: (line) => io.out(line) });
  } catch (e) {
    const code = e instanceof Error && 'code' in e ? String(e.code) : '';
    const why = code === 'EADDRINUSE' ? `${host}:${listenPort} is in use (another CSMS already running? give another --port)` : e instanceof Error ? e.message : String(e);
    io.err(`error CSMS_START: ${why}`);
    return EXIT.FAILURE;
  }
  io.out(
    `development CSMS on ${csms.url}/<station id>: accepts every station and password, starts a transaction when a cable is plugged in (RequestStartTransaction), prints each OCPP frame; not for production. Ctrl-C to stop.`,
  );
  const signal = await signalled;
  io.out(`${signal}: stopping`);
  await csms.close();
  return EXIT.OK;
}

export function registerCsms(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('csms')
    .description('run the development CSMS (accepts every station, prints the OCPP traffic; not for production)')
    .option('--port <port>', `port to listen on (default ${DEV_CSMS_PORT})`)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .action(async (options: CsmsOptions) => setExit(await runCsms(options, io)));
}
