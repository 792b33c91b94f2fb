/**
 * Helpers of the fleet e2e tests: `pilegate serve` as a real child process with a YKC listener (or
 * an IEC 104 one with a point-table mapping) and the Redis store, a TCP switch that plays the load
 * balancer in front of several instances, and a YKC simulator that dials again until a gateway
 * answers its login.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server, type Socket, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { repoRoot } from '../support/cli.js';
import type { StationCall, TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';
import { servedPort } from '../support/serve-banner.js';

export const PASSWORD = 'fleet-secret-0123456789';

export interface ServeOptions {
  readonly csmsUrl: string;
  readonly redisUrl: string;
  /** Charger port (0 = any; see `port`). */
  readonly port?: number;
  readonly instanceId?: string;
  readonly leaseTtlMs?: number;
  /** `stations.defaults.duplicateLogin` (default: the gateway's, keep-live). */
  readonly duplicateLogin?: 'keep-live' | 'replace';
  /** The charger listener's codec: YKC (default), an IEC 104 point table or a family-B catalogue (options) with this mapping file. */
  readonly listener?: { readonly codec: 'ykc' } | { readonly codec: 'iec104-points' | 'sgcc104'; readonly mapping: string };
}

export interface ServeProcess {
  /** The charger port it listens on. */
  readonly port: number;
  readonly pid: number;
  /** Parsed pino lines so far. */
  logs(): Record<string, unknown>[];
  /** SIGKILL: a crash, no shutdown work. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for a graceful exit; resolves the exit code. */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcessWithoutNullStreams>();
const dirs: string[] = [];

/** Starts `pilegate serve` and resolves once it prints where it listens. */
export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'pilegate-fleet-'));
  dirs.push(dir);
  const file = join(dir, 'pilegate.yaml');
  const listener = options.listener ?? { codec: 'ykc' };
  writeFileSync(
    file,
    [
      'listeners:',
      `  - { port: ${options.port ?? 0}, host: 127.0.0.1, codec: ${listener.codec}${listener.codec !== 'ykc' ? `, mapping: ${JSON.stringify(listener.mapping)}` : ''} }`,
      `csms: { url: ${JSON.stringify(options.csmsUrl)}, securityProfile: 1 }`,
      `stations: { unknownChargers: provision${options.duplicateLogin !== undefined ? `, defaults: { duplicateLogin: ${options.duplicateLogin} }` : ''} }`,
      `store: { redis: ${JSON.stringify(options.redisUrl)} }`,
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: info }',
      `fleet: { leaseTtlMs: ${options.leaseTtlMs ?? 2000}${options.instanceId !== undefined ? `, instanceId: ${options.instanceId}` : ''} }`,
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve', '--config', file], {
    cwd: repoRoot,
    env: { ...process.env, PILEGATE_CSMS_PASSWORD: PASSWORD },
  });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('close', (code) => {
      running.delete(child);
      resolve(code);
    }),
  );
  let port = 0;
  await until(
    () => {
      port = servedPort(stdout, listener.codec) ?? 0;
      if (child.exitCode !== null) throw new Error(`pilegate serve exited ${child.exitCode}\n${stdout}\n${stderr}`);
      return port !== 0;
    },
    'pilegate serve to listen',
    30_000,
  );
  return {
    port,
    pid: child.pid ?? 0,
    logs: () =>
      stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Kills every serve process still running and removes the config dirs. */
export async function cleanupServe(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('close', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The TCP load balancer in front of the instances: each charger connection goes to `target`.
 * `cut()` drops the charger side of every connection but leaves the gateway side open, as a
 * charger that vanished behind a NAT does: the old instance still believes it is connected.
 */
export class TcpSwitch {
  target = 0;
  private readonly server: Server;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket }>();

  private constructor() {
    this.server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: this.target });
      const pair = { client, upstream };
      this.pairs.add(pair);
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (!client.destroyed) client.write(d);
      });
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
      upstream.on('close', () => {
        client.destroy();
        this.pairs.delete(pair);
      });
      client.on('close', () => this.pairs.delete(pair));
    });
  }

  static async start(): Promise<TcpSwitch> {
    const s = new TcpSwitch();
    await new Promise<void>((resolve) => s.server.listen(0, '127.0.0.1', resolve));
    return s;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Drops the charger side; the gateway side stays open (and is kept to close later) unless
   * `clean`, which closes both, as when the charger hangs up properly.
   */
  cut(clean = false): void {
    for (const p of this.pairs) {
      p.client.removeAllListeners('data');
      p.client.destroy();
      if (clean) p.upstream.end();
    }
  }

  async close(): Promise<void> {
    for (const p of this.pairs) {
      p.client.destroy();
      p.upstream.destroy();
    }
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** Dials until the gateway answers the login (it may still be starting or waiting for a lease). */
export async function reconnect(sim: YkcChargerSimulator, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await sim.connect();
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export type TxParams = {
  eventType: string;
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  transactionInfo: { transactionId: string; stoppedReason?: string };
  customData?: { legacyTransactionId?: string };
};

export const txEvents = (c: TestCsms, identity: string): TxParams[] =>
  c.calls.filter((x: StationCall) => x.identity === identity && x.action === 'TransactionEvent').map((x) => x.params as unknown as TxParams);

/** Zero CALLERRORs either way and zero strict-validation failures at the CSMS. */
export function expectCleanOcpp(c: TestCsms): void {
  expect(c.strictFailures).toEqual([]);
  expect(c.errorsSent.map((e) => JSON.stringify(e.frame).slice(0, 400))).toEqual([]);
  expect(c.replies.filter((r) => r.frame[0] === 4).map((r) => JSON.stringify(r.frame).slice(0, 400))).toEqual([]);
}

/**
 * The TransactionEvents of one transaction as distinct messages: a message the station resent after
 * a crash (same seqNo, same content) is one message delivered at least once, as OCPP allows; two
 * different messages with one seqNo fail here.
 */
export function distinctBySeqNo(events: TxParams[]): TxParams[] {
  const bySeq = new Map<number, TxParams>();
  for (const e of events) {
    const seen = bySeq.get(e.seqNo);
    if (seen !== undefined) expect(e).toEqual(seen);
    else bySeq.set(e.seqNo, e);
  }
  return [...bySeq.values()].sort((a, b) => a.seqNo - b.seqNo);
}
