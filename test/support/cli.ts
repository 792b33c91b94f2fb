import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { run } from '../../src/cli/index.js';
import type { CliIo } from '../../src/cli/io.js';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the CLI in-process with captured output. */
export async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (t) => {
      stdout += t.endsWith('\n') ? t : `${t}\n`;
    },
    err: (t) => {
      stderr += t.endsWith('\n') ? t : `${t}\n`;
    },
  };
  const code = await run(args, io);
  return { code, stdout, stderr };
}

/** Runs `pilegate` as a real child process from the TypeScript sources; `input` is its standard input (else empty), `env` added to the environment. */
export function spawnCli(args: string[], options: { readonly input?: string; readonly env?: NodeJS.ProcessEnv } = {}): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [...CLI_FROM_SOURCES, ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 30_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
    ...(options.env !== undefined ? { env: { ...process.env, ...options.env } } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Node's arguments that run the CLI from the TypeScript sources, `pilegate` being the words after them. */
export const CLI_FROM_SOURCES = ['--import', 'tsx', 'src/cli/index.ts'] as const;

/** A child process's exit and all it wrote. */
export interface ChildOutput {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Gathers `child`'s stdout and stderr until it exits; kills it and rejects, naming `what`, when it
 * has not exited within `timeoutMs`. `onStdout` sees the stdout so far after each chunk.
 */
export function childOutput(child: ChildProcessWithoutNullStreams, what: string, timeoutMs: number, onStdout?: (stdout: string) => void): Promise<ChildOutput> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString('utf8');
      onStdout?.(stdout);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${what} did not exit within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `pilegate <args>` as a child process without blocking the test's event loop; `env` is added to the test's environment. */
export async function runCliProcess(args: string[], timeoutMs: number, env: Readonly<Record<string, string>> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...args], { cwd: repoRoot, env: { ...process.env, ...env } });
  const { code, stdout, stderr } = await childOutput(child, `pilegate ${args[0] ?? ''}`, timeoutMs);
  return { code, stdout, stderr };
}

/**
 * Runs `pilegate <args>` as a child process whose stdout is read until `until` matches what came
 * so far, and then closed, as `pilegate … | head` does; `closed` runs then with that output (to make
 * the command write more). Resolves with the exit code, signal, the output read and all of stderr.
 */
export function runCliClosingStdout(args: string[], until: RegExp, timeoutMs: number, closed?: (stdout: string) => void): Promise<ChildOutput> {
  const child = spawn(process.execPath, [...CLI_FROM_SOURCES, ...args], { cwd: repoRoot, env: { ...process.env, FORCE_COLOR: '0' } });
  return childOutput(child, `pilegate ${args[0] ?? ''}`, timeoutMs, (stdout) => {
    if (!until.test(stdout) || child.stdout.destroyed) return;
    child.stdout.destroy();
    closed?.(stdout);
  });
}
