/**
 * `pilegate serve --config <file>` as a real child process, for the e2e tests that start it: its
 * output kept, its pino lines parsed, and a stop that escalates to SIGKILL.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { CLI_FROM_SOURCES, repoRoot } from '../support/cli.js';
import { servedPort } from '../support/serve-banner.js';
import { until } from '../support/station.js';

export interface ServeProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** What it has printed so far. */
  stdout(): string;
  stderr(): string;
  /** Parsed pino lines so far. */
  lines(): Record<string, unknown>[];
  /** Whether it has exited. */
  gone(): boolean;
  /** SIGKILL: a crash, no shutdown work. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** `signal`, then SIGKILL after 10 s; resolves once gone. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

/** Spawns the serve command with `password` as the CSMS password, more arguments and environment variables. */
export function spawnServe(configFile: string, password: string, more: { readonly args?: readonly string[]; readonly env?: Readonly<Record<string, string>> } = {}): ServeProcess {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, 'serve', '--config', configFile, ...(more.args ?? [])], {
    cwd: repoRoot,
    env: { ...process.env, PILEGATE_CSMS_PASSWORD: password, ...more.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    lines: () =>
      stdout.split('\n').flatMap((l) => {
        if (!l.startsWith('{')) return [];
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    gone,
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop(signal) {
      if (gone()) return;
      child.kill(signal);
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Waits for the start-up line of `serve` and returns the port of its listener for `codec`; throws with its output when it exits first. */
export async function servedPortOf(serve: ServeProcess, codec: string, timeoutMs = 30_000): Promise<number> {
  await until(() => servedPort(serve.stdout(), codec) !== undefined || serve.gone(), 'pilegate serve to listen', timeoutMs);
  const port = servedPort(serve.stdout(), codec);
  if (port === undefined) throw new Error(`pilegate serve did not start:\n${serve.stdout()}\n${serve.stderr()}`);
  return port;
}
