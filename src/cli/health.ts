/**
 * `pilegate health [--url <url>] [--ready] [--username <name>] [--timeout <ms>]`: asks a running
 * gateway's `/healthz` (or `/readyz` with `--ready`) and exits 0 when it answers 200, 1 otherwise,
 * for container and service-manager health checks on hosts without curl. The default address is
 * this host at `PILEGATE_HTTP_PORT` (or 9104). When the endpoints require credentials, the secret is
 * read from `PILEGATE_HTTP_SECRET` (a bearer token, or with `--username` a Basic password): never
 * from the command line, and a URL carrying credentials is refused (exit 2).
 * `node dist/src/cli/health.js [options]` runs the same check without loading the other commands:
 * a container health check runs it every 30 s.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Command, CommanderError } from 'commander';
import { EXIT, isMainModule, processIo, UsageError, type CliIo } from './io.js';

export interface HealthOptions {
  readonly url?: string;
  readonly ready?: boolean;
  readonly username?: string;
  readonly timeoutMs?: number;
}

type Env = Readonly<Record<string, string | undefined>>;

const DEFAULT_PORT = 9104;
const DEFAULT_TIMEOUT_MS = 5_000;

/** The URL to ask: `--url` as given (its path, or the probe's when it has none), else this host. */
function healthUrl(options: HealthOptions, env: Env): URL {
  const probe = options.ready === true ? '/readyz' : '/healthz';
  const base = options.url ?? `http://127.0.0.1:${env['PILEGATE_HTTP_PORT'] || DEFAULT_PORT}`;
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new UsageError('HEALTH_URL_INVALID', `--url is not a URL (expected e.g. http://127.0.0.1:${DEFAULT_PORT})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('HEALTH_URL_INVALID', `--url must be http:// or https://, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') {
    throw new UsageError('HEALTH_URL_CREDENTIALS', '--url must not carry credentials: set PILEGATE_HTTP_SECRET (and --username for Basic auth) instead');
  }
  if (url.pathname === '/') url.pathname = probe;
  return url;
}

/** The Authorization header for the configured secret, if any. */
function authorization(options: HealthOptions, env: Env): string | undefined {
  const secret = env['PILEGATE_HTTP_SECRET'];
  if (secret === undefined || secret === '') return undefined;
  if (options.username !== undefined) return `Basic ${Buffer.from(`${options.username}:${secret}`, 'utf8').toString('base64')}`;
  return `Bearer ${secret}`;
}

/** One GET: the status code, or the reason there was none. */
function get(url: URL, headers: Record<string, string>, timeoutMs: number): Promise<{ status: number } | { failure: string }> {
  return new Promise((resolve) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, { method: 'GET', headers, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    req.on('timeout', () => {
      req.destroy();
      resolve({ failure: `no answer within ${timeoutMs} ms` });
    });
    req.on('error', (e: NodeJS.ErrnoException) => {
      const reason = e.code === 'ECONNREFUSED' ? 'connection refused (is pilegate serve running, and is http.port right?)' : (e.code ?? e.message);
      resolve({ failure: reason });
    });
    req.end();
  });
}

/** Asks the endpoint; prints one line; 0 when it answered 200. */
async function runHealth(options: HealthOptions, io: CliIo, env: Env = process.env): Promise<number> {
  const url = healthUrl(options, env);
  const auth = authorization(options, env);
  const result = await get(url, auth === undefined ? {} : { authorization: auth }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const where = url.toString();
  if ('failure' in result) {
    io.err(`unhealthy: ${where}: ${result.failure}`);
    return EXIT.FAILURE;
  }
  if (result.status === 200) {
    io.out(`ok: ${where}`);
    return EXIT.OK;
  }
  const hint =
    result.status === 401
      ? auth === undefined
        ? ': the endpoints require credentials; set PILEGATE_HTTP_SECRET (and --username for Basic auth)'
        : ': the credentials were refused (PILEGATE_HTTP_SECRET, --username)'
      : result.status === 503
        ? ': not ready'
        : '';
  io.err(`unhealthy: ${where} answered ${result.status}${hint}`);
  return EXIT.FAILURE;
}

export function registerHealth(program: Command, io: CliIo, setExit: (code: number) => void): void {
  configureHealth(program.command('health'), io, setExit);
}

/** The command's options and action, on `pilegate health` or on the stand-alone entry below. */
function configureHealth(command: Command, io: CliIo, setExit: (code: number) => void): void {
  command
    .description('ask a running gateway whether it is alive (/healthz) or ready (/readyz): exit 0 when it answers 200, 1 otherwise')
    .option('--url <url>', `the gateway's HTTP address (default http://127.0.0.1:$PILEGATE_HTTP_PORT, else port ${DEFAULT_PORT}); a path given is used as is`)
    .option('--ready', 'ask /readyz instead of /healthz')
    .option('--username <name>', 'Basic auth user name (the password is PILEGATE_HTTP_SECRET); without it the secret is sent as a bearer token')
    .option('--timeout <ms>', `how long to wait for the answer (default ${DEFAULT_TIMEOUT_MS})`)
    .action(async (given: { url?: string; ready?: boolean; username?: string; timeout?: string }) => {
      const timeoutMs = given.timeout === undefined ? undefined : Number(given.timeout);
      if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new UsageError('HEALTH_TIMEOUT_INVALID', '--timeout must be a positive whole number of milliseconds');
      const options: HealthOptions = {
        ...(given.url !== undefined ? { url: given.url } : {}),
        ...(given.ready === true ? { ready: true } : {}),
        ...(given.username !== undefined ? { username: given.username } : {}),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      };
      setExit(await runHealth(options, io));
    });
}

/** Parses `args` as the options of `pilegate health` and runs it; resolves to the exit code. */
async function runHealthCommand(args: readonly string[], io: CliIo = processIo): Promise<number> {
  let code: number = EXIT.OK;
  const command = new Command('pilegate health').exitOverride().configureOutput({ writeOut: (t) => io.out(t), writeErr: (t) => io.err(t) });
  configureHealth(command, io, (c) => {
    code = c;
  });
  try {
    await command.parseAsync(args as string[], { from: 'user' });
    return code;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.BAD_INPUT;
    if (e instanceof UsageError) {
      io.err(`error ${e.code}: ${e.message}`);
      return EXIT.BAD_INPUT;
    }
    throw e;
  }
}

if (isMainModule(import.meta.url)) {
  runHealthCommand(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`pilegate health: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = EXIT.FAILURE;
    },
  );
}
