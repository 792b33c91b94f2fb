/**
 * What the capacity benchmarks' fleet children share: forking the child (same loader flags as this
 * process, so it also runs under tsx) and asking it one question at a time over IPC; in the child,
 * the loopback address a charger dials from and adding chargers in batches.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { AddResult } from './capacity.js';

export interface FleetChild<ToChild, FromChild> {
  readonly sinkPort: number;
  /** Sends a message and resolves with the child's answer. */
  ask(m: ToChild): Promise<FromChild>;
  /** Sends `stop` and resolves when the child has exited. */
  close(): Promise<void>;
}

/** Forks the module at `moduleUrl` with `options` and waits for its `{ sinkPort }`. */
export function forkFleetChild<ToChild, FromChild extends object>(moduleUrl: string, options: unknown, label: string, stop: ToChild): Promise<FleetChild<ToChild, FromChild>> {
  const child: ChildProcess = fork(fileURLToPath(moduleUrl), [JSON.stringify(options)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: ((m: FromChild) => void) | undefined;
  child.on('message', (m) => waiting?.(m as FromChild));
  const next = (): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`${label} fleet child exited with ${code}`));
      child.once('exit', onExit);
      waiting = (m) => {
        child.off('exit', onExit);
        waiting = undefined;
        resolve(m);
      };
    });
  return next().then((first) => {
    if (!('sinkPort' in first) || typeof first.sinkPort !== 'number') throw new Error(`${label} fleet child did not report its sink port`);
    return {
      sinkPort: first.sinkPort,
      async ask(m) {
        const answer = next();
        child.send(m as object);
        return answer;
      },
      close: () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.send(stop as object);
        }),
    };
  });
}

/**
 * 40 chargers per loopback source address: real fleets dial from many addresses, and the gateway
 * limits connections per address.
 */
export function loopbackAddress(serial: number): string {
  return `127.0.${1 + Math.floor(serial / 40 / 250)}.${2 + (Math.floor(serial / 40) % 250)}`;
}

/** Adds `count` chargers in batches of 100, as a fleet comes back after an outage in waves rather than all at once. */
export async function addInBatches(count: number, addOne: () => Promise<'charging' | 'connected' | 'failed'>, firstError: () => string | undefined): Promise<AddResult> {
  let charging = 0;
  let failed = 0;
  for (let at = 0; at < count; at += 100) {
    const batch = await Promise.all(Array.from({ length: Math.min(100, count - at) }, () => addOne()));
    charging += batch.filter((r) => r === 'charging').length;
    failed += batch.filter((r) => r === 'failed').length;
  }
  const error = firstError();
  return { added: count, charging, failed, ...(error !== undefined ? { firstError: error } : {}) };
}

/** Adds `count` chargers (`addInBatches`) and sends the parent the result. */
export function addAndAnswer(count: number, addOne: () => Promise<'charging' | 'connected' | 'failed'>, firstError: () => string | undefined): void {
  void addInBatches(count, addOne, firstError).then((r) => process.send?.(r));
}

/** Runs `run` with the options the parent passed when the module at `moduleUrl` is this child process's entry point. */
export async function asFleetChild<O>(moduleUrl: string, run: (options: O) => Promise<void>): Promise<void> {
  if (process.send !== undefined && process.argv[1] !== undefined && moduleUrl === pathToFileURL(process.argv[1]).href) await run(JSON.parse(process.argv[2] ?? '{}') as O);
}
