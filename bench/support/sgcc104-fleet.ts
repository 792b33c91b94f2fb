/**
 * The far side of the family-B capacity benchmark, in a child process so that none of its CPU or
 * memory counts as the gateway's: a sink CSMS and a fleet of simulated family-B chargers (one
 * dialect catalogue). Each charger dials the gateway, logs in, starts a card session (the sink
 * accepts every card) and then sends charging data every `meterIntervalMs`, TESTFR every 30 s and
 * monitoring every 5 min, as a charging family-B charger does.
 *
 * Latency: the time each charger wrote its last charging-data record, and the arrival at the sink
 * of the next TransactionEvent(Updated) of its station (both on `performance.timeOrigin +
 * performance.now()`, one process). A station sends Updated on the first measurement after its
 * TxUpdatedInterval (1 s in the benchmark), so the record last written is the one the event carries.
 *
 * IPC: the child sends `{ sinkPort }` once listening; the parent sends `{ cmd: 'add', count, port }`
 * (answered `{ added, charging, failed }`), `{ cmd: 'window' }` (forgets the latencies so far, answered
 * `{ ok }`), `{ cmd: 'latencies' }` (answered with the window's, sorted) and `{ cmd: 'stop' }`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { Sgcc104ChargerSimulator } from '../../src/simulator/sgcc104/simulator.js';
import type { AddResult } from './capacity.js';
import { addAndAnswer, asFleetChild, forkFleetChild, loopbackAddress } from './fleet.js';
import { startSinkCsms } from './sink-csms.js';

export interface Sgcc104FleetOptions {
  /** A built-in dialect name (`b3`) or a catalogue file. */
  readonly dialect: string;
  readonly meterIntervalMs: number;
  /** The station identity the gateway gives a terminal id (the sink sees identities). */
  readonly identityPrefix: string;
}

type ToChild = { cmd: 'add'; count: number; port: number } | { cmd: 'window' } | { cmd: 'latencies' } | { cmd: 'stop' };
type FromChild = { sinkPort: number } | AddResult | { ok: true } | { latencies: number[] };

export interface Sgcc104Fleet {
  readonly sinkPort: number;
  /** Connects `count` more chargers to the gateway at `port`, each charging; resolves when done. */
  add(count: number, port: number): Promise<AddResult>;
  /** Starts a latency window. */
  window(): Promise<void>;
  /** Latencies (ms) of the window so far, sorted. */
  latencies(): Promise<number[]>;
  close(): Promise<void>;
}

/** Forks the fleet process (same loader flags as this process, so it also runs under tsx). */
export async function forkSgcc104Fleet(options: Sgcc104FleetOptions): Promise<Sgcc104Fleet> {
  const child = await forkFleetChild<ToChild, FromChild>(import.meta.url, options, 'family-B', { cmd: 'stop' });
  return {
    sinkPort: child.sinkPort,
    async add(count, port) {
      const m = await child.ask({ cmd: 'add', count, port });
      if (!('added' in m)) throw new Error('unexpected answer from the family-B fleet child');
      return m;
    },
    async window() {
      await child.ask({ cmd: 'window' });
    },
    async latencies() {
      const m = await child.ask({ cmd: 'latencies' });
      if (!('latencies' in m)) throw new Error('unexpected answer from the family-B fleet child');
      return m.latencies;
    },
    close: () => child.close(),
  };
}

const now = (): number => performance.timeOrigin + performance.now();

async function runChild(options: Sgcc104FleetOptions): Promise<void> {
  const dialect = loadDialect(options.dialect);
  const dataRecord = dialect.records.find((r) => r.meaning === 'chargingData')?.name;
  /** Per station identity: when its last charging data went, if no Updated has come since. */
  const sentAt = new Map<string, number>();
  let latencies: number[] = [];
  const sink = await startSinkCsms({
    onCall: (identity, action, payload, arrivedAt) => {
      if (action !== 'TransactionEvent' || (payload as { eventType?: string }).eventType !== 'Updated') return;
      const sent = sentAt.get(identity);
      if (sent === undefined) return;
      sentAt.delete(identity);
      latencies.push(arrivedAt - sent);
    },
  });
  const sims: Sgcc104ChargerSimulator[] = [];
  let serial = 0;
  let firstError: string | undefined;
  const addOne = async (port: number): Promise<'charging' | 'connected' | 'failed'> => {
    serial += 1;
    const chargerId = `33010000${String(serial).padStart(8, '0')}`;
    const identity = `${options.identityPrefix}${chargerId}`;
    const sim = new Sgcc104ChargerSimulator({
      host: '127.0.0.1',
      port,
      localAddress: loopbackAddress(serial),
      dialect,
      chargerId,
      meterIntervalMs: options.meterIntervalMs,
      heartbeatMs: 30_000,
      onRecord: (direction, name) => {
        if (direction === 'out' && name === dataRecord) sentAt.set(identity, now());
      },
    });
    sims.push(sim);
    try {
      await sim.connect(30_000);
      // A card before the station has booted is refused (nobody to ask): the driver tries again, as one would.
      for (let attempt = 0; attempt < 20; attempt++) {
        const r = await sim.swipeCard(1, `8${String(serial).padStart(15, '0')}`, { timeoutMs: 30_000 });
        if (r.accepted) return 'charging';
        await sleep(1_000);
      }
      return 'connected';
    } catch (e) {
      firstError ??= e instanceof Error ? e.message : String(e);
      return 'failed';
    }
  };
  process.on('message', (raw) => {
    const m = raw as ToChild;
    if (m.cmd === 'stop') {
      void Promise.all(sims.map((s) => s.close()))
        .then(() => sink.close())
        .then(() => process.exit(0));
      return;
    }
    if (m.cmd === 'window') {
      latencies = [];
      process.send?.({ ok: true } satisfies FromChild);
      return;
    }
    if (m.cmd === 'latencies') {
      process.send?.({ latencies: [...latencies].sort((a, b) => a - b) } satisfies FromChild);
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
