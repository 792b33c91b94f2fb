/**
 * The far side of the YKC capacity benchmark, in a child process so that none of its CPU or memory
 * counts as the gateway's: a sink CSMS and a fleet of simulated YKC chargers. Each charger dials the
 * gateway, logs in, starts a card session (the gateway authorises locally) and then sends real-time
 * data (0x13) every `realTimeIntervalMs` and heartbeats every 10 s, as a charging YKC pile does.
 *
 * IPC: the child sends `{ sinkPort }` once listening; the parent sends `{ cmd: 'add', count, port }`
 * (answered `{ added, charging }`) and `{ cmd: 'stop' }`.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startSinkCsms } from './sink-csms.js';

export interface FleetOptions {
  readonly realTimeIntervalMs: number;
}

type ToChild = { cmd: 'add'; count: number; port: number } | { cmd: 'stop' };
type FromChild = { sinkPort: number } | { added: number; charging: number; failed: number; firstError?: string };

export interface YkcFleet {
  readonly sinkPort: number;
  /** Connects `count` more chargers to the gateway at `port`, each charging; resolves when done. */
  add(count: number, port: number): Promise<{ added: number; charging: number; failed: number; firstError?: string }>;
  close(): Promise<void>;
}

/** Forks the fleet process (same loader flags as this process, so it also runs under tsx). */
export function forkYkcFleet(options: FleetOptions): Promise<YkcFleet> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), [JSON.stringify(options)], { execArgv: process.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  let waiting: ((m: FromChild) => void) | undefined;
  child.on('message', (m) => waiting?.(m as FromChild));
  const next = (): Promise<FromChild> =>
    new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`YKC fleet child exited with ${code}`));
      child.once('exit', onExit);
      waiting = (m) => {
        child.off('exit', onExit);
        waiting = undefined;
        resolve(m);
      };
    });
  return next().then((first) => {
    if (!('sinkPort' in first)) throw new Error('YKC fleet child did not report its sink port');
    return {
      sinkPort: first.sinkPort,
      async add(count, port) {
        const answer = next();
        child.send({ cmd: 'add', count, port } satisfies ToChild);
        const m = await answer;
        if (!('added' in m)) throw new Error('unexpected answer from the YKC fleet child');
        return m;
      },
      close: () =>
        new Promise<void>((done) => {
          if (child.exitCode !== null) return done();
          child.once('exit', () => done());
          child.send({ cmd: 'stop' } satisfies ToChild);
        }),
    };
  });
}

async function runChild(options: FleetOptions): Promise<void> {
  const sink = await startSinkCsms();
  const sims: YkcChargerSimulator[] = [];
  let serial = 0;
  let firstError: string | undefined;
  const addOne = async (port: number): Promise<'charging' | 'connected' | 'failed'> => {
    serial += 1;
    const sim = new YkcChargerSimulator({
      host: '127.0.0.1',
      port,
      // 40 chargers per loopback source address: real fleets dial from many addresses, and the
      // gateway limits connections per address.
      localAddress: `127.0.${1 + Math.floor(serial / 40 / 250)}.${2 + (Math.floor(serial / 40) % 250)}`,
      pileCode: `3301${String(serial).padStart(10, '0')}`,
      realTimeIntervalMs: options.realTimeIntervalMs,
      heartbeatIntervalMs: 10_000,
    });
    sims.push(sim);
    try {
      await sim.connect();
      const confirm = await sim.swipeCard(1, `C${String(serial).padStart(7, '0')}`, 30_000);
      return confirm.authResult === 1 ? 'charging' : 'connected';
    } catch (e) {
      firstError ??= e instanceof Error ? e.message : String(e);
      return 'failed';
    }
  };
  process.on('message', (raw) => {
    const m = raw as ToChild;
    if (m.cmd === 'stop') {
      for (const s of sims) s.close();
      void sink.close().then(() => process.exit(0));
      return;
    }
    void (async () => {
      let charging = 0;
      let failed = 0;
      // Batches of 100, as a fleet comes back after an outage in waves rather than all at once.
      for (let at = 0; at < m.count; at += 100) {
        const batch = await Promise.all(Array.from({ length: Math.min(100, m.count - at) }, () => addOne(m.port)));
        charging += batch.filter((r) => r === 'charging').length;
        failed += batch.filter((r) => r === 'failed').length;
      }
      process.send?.({ added: m.count, charging, failed, ...(firstError !== undefined ? { firstError } : {}) } satisfies FromChild);
    })();
  });
  process.send?.({ sinkPort: sink.port } satisfies FromChild);
}

// Child-process entry point.
if (process.send !== undefined && process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await runChild(JSON.parse(process.argv[2] ?? '{}') as FleetOptions);
}
