/**
 * The far side of the YKC capacity benchmark, in a child process so that none of its CPU or memory
 * counts as the gateway's: a sink CSMS and a fleet of simulated YKC chargers. Each charger dials the
 * gateway, logs in, starts a card session (the gateway authorises locally) and then sends real-time
 * data (0x13) every `realTimeIntervalMs` and heartbeats every 10 s, as a charging YKC pile does.
 *
 * IPC: the child sends `{ sinkPort }` once listening; the parent sends `{ cmd: 'add', count, port }`
 * (answered `{ added, charging }`) and `{ cmd: 'stop' }`.
 */
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import type { AddResult } from './capacity.js';
import { addAndAnswer, asFleetChild, forkFleetChild, loopbackAddress } from './fleet.js';
import { startSinkCsms } from './sink-csms.js';

export interface FleetOptions {
  readonly realTimeIntervalMs: number;
}

type ToChild = { cmd: 'add'; count: number; port: number } | { cmd: 'stop' };
type FromChild = { sinkPort: number } | AddResult;

export interface YkcFleet {
  readonly sinkPort: number;
  /** Connects `count` more chargers to the gateway at `port`, each charging; resolves when done. */
  add(count: number, port: number): Promise<AddResult>;
  close(): Promise<void>;
}

/** Forks the fleet process (same loader flags as this process, so it also runs under tsx). */
export async function forkYkcFleet(options: FleetOptions): Promise<YkcFleet> {
  const child = await forkFleetChild<ToChild, FromChild>(import.meta.url, options, 'YKC', { cmd: 'stop' });
  return {
    sinkPort: child.sinkPort,
    async add(count, port) {
      const m = await child.ask({ cmd: 'add', count, port });
      if (!('added' in m)) throw new Error('unexpected answer from the YKC fleet child');
      return m;
    },
    close: () => child.close(),
  };
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
      localAddress: loopbackAddress(serial),
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
    addAndAnswer(
      m.count,
      () => addOne(m.port),
      () => firstError,
    );
  });
  process.send?.({ sinkPort: sink.port } satisfies FromChild);
}

// Child-process entry point.
await asFleetChild(import.meta.url, runChild);
