/**
 * Request/response over the IPC channel of a forked bench process: the parent sends
 * `{ id, cmd, args }`, the child answers `{ id, result }` or `{ id, error }`. Structured-clone
 * ("advanced") serialization, so typed arrays cross without JSON.
 *
 * Children are forked with the parent's `execArgv` (so a `tsx` run forks `tsx` children) plus
 * `--expose-gc`, which the memory figures need.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchChild {
  readonly pid: number;
  request<T>(cmd: string, args?: unknown): Promise<T>;
  /** Disconnects; the child exits on its own, or is killed after `graceMs`. */
  close(graceMs?: number): Promise<void>;
}

interface Reply {
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

/** The sibling module `name` of `fromUrl` (`./support/x`), with the caller's own extension (.ts or .js). */
export function siblingModule(fromUrl: string, name: string): string {
  const ext = fromUrl.endsWith('.ts') ? '.ts' : '.js';
  return fileURLToPath(new URL(`${name}${ext}`, fromUrl));
}

/** Forks `file` (node flags `nodeArgs` added) and resolves once it says it is ready. */
export function forkBenchChild(file: string, nodeArgs: readonly string[] = []): Promise<BenchChild> {
  const child: ChildProcess = fork(file, [], {
    execArgv: [...process.execArgv.filter((a) => a !== '--expose-gc'), '--expose-gc', ...nodeArgs],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    serialization: 'advanced',
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 1;
  let exited = false;
  child.on('message', (m) => {
    const reply = m as Reply;
    const p = pending.get(reply.id);
    if (p === undefined) return;
    pending.delete(reply.id);
    if (reply.error !== undefined) p.reject(new Error(reply.error));
    else p.resolve(reply.result);
  });
  child.once('exit', (code, signal) => {
    exited = true;
    for (const p of pending.values()) p.reject(new Error(`bench child ${file} exited (${code ?? signal})`));
    pending.clear();
  });
  const handle: BenchChild = {
    pid: child.pid ?? -1,
    request: <T>(cmd: string, args?: unknown): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        if (exited) return reject(new Error(`bench child ${file} is gone`));
        const id = next++;
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        child.send({ id, cmd, args });
      }),
    close: (graceMs = 5000) =>
      new Promise<void>((resolve) => {
        if (exited) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        if (child.connected) child.disconnect();
      }),
  };
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`bench child ${file} exited with ${code} before it was ready`)));
    const ready = (m: unknown): void => {
      if ((m as { ready?: boolean }).ready !== true) return;
      child.off('message', ready);
      resolve(handle);
    };
    child.on('message', ready);
  });
}

/** True when the module at `url` is the process's entry point and it has an IPC channel. */
export function isForkedEntry(url: string): boolean {
  return process.send !== undefined && process.argv[1] !== undefined && url === pathToFileURL(process.argv[1]).href;
}

/** Child side: answers requests with `handlers`; exits when the parent disconnects (after `onExit`). */
export function serveParent(handlers: Readonly<Record<string, (args: never) => unknown>>, onExit: () => Promise<void> = async () => undefined): void {
  process.on('message', (m) => {
    const { id, cmd, args } = m as { id: number; cmd: string; args: never };
    const handler = handlers[cmd];
    const reply = (r: Omit<Reply, 'id'>): void => {
      if (process.connected) process.send?.({ id, ...r });
    };
    if (handler === undefined) return reply({ error: `unknown command ${cmd}` });
    Promise.resolve()
      .then(() => handler(args))
      .then(
        (result) => reply({ result }),
        (e: unknown) => reply({ error: e instanceof Error ? (e.stack ?? e.message) : String(e) }),
      );
  });
  process.once('disconnect', () => {
    void onExit()
      .catch(() => undefined)
      .then(() => process.exit(0));
  });
  process.send?.({ ready: true });
}

/** `global.gc` (children run with --expose-gc); a no-op without it. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc !== undefined) for (let i = 0; i < 4; i++) gc();
}

/** Wall clock comparable across processes on one machine, in ms with sub-ms resolution. */
export function sharedNow(): number {
  return performance.timeOrigin + performance.now();
}
