/**
 * A private Redis Sentinel deployment for tests, spawned from PATH on free ports of 127.0.0.1 in a
 * fresh temp dir: one master, one replica of it, and `sentinels` sentinel processes
 * (`redis-server <conf> --sentinel`, each with its own writable config file, which Sentinel
 * rewrites) monitoring the master as `name` with quorum 1 and a 1 s down-after. Resolves once every
 * sentinel knows the master and its replica, so a failover can promote the replica at once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';

export interface TestSentinel {
  readonly name: string;
  /** `host:port` of each sentinel, as the gateway config lists them. */
  readonly sentinels: readonly string[];
  /** Ports of the two data servers: [first master, first replica]. */
  readonly dataPorts: readonly [number, number];
  /** The port of the master as the sentinels see it now. */
  masterPort(): Promise<number>;
  /** The client of the server on `port` (closed by `dispose`). */
  client(port: number): Redis;
  /** `SENTINEL FAILOVER`: the replica is promoted; resolves once every sentinel names the new master and it accepts writes. */
  failover(): Promise<number>;
  /**
   * SIGKILL of the master once its replica caught up; resolves once it is gone, with `promoted`:
   * resolved once the sentinels promoted the replica (its port), after their 1 s down-after.
   */
  crashMaster(): Promise<{ promoted: Promise<number> }>;
  /** Stops every process and removes the temp dir. Idempotent. */
  dispose(): Promise<void>;
}

export interface SentinelOptions {
  readonly name?: string;
  readonly sentinels?: number;
  /** `requirepass` of the master and the replica (the sentinels get it as `auth-pass`). */
  readonly password?: string;
}

const READY_TIMEOUT_MS = 20_000;

export async function startSentinel(options: SentinelOptions = {}): Promise<TestSentinel> {
  const name = options.name ?? 'mymaster';
  const dir = await mkdtemp(join(tmpdir(), 'pilegate-sentinel-'));
  const children: ChildProcess[] = [];
  const kill = (): void => {
    for (const c of children) c.kill('SIGKILL');
  };
  process.once('exit', kill);
  const clients: Redis[] = [];
  const sentinelPorts: number[] = [];
  const byPort = new Map<number, Redis>();
  /** One client per port, kept until `dispose`. */
  const client = (port: number): Redis => {
    const known = byPort.get(port);
    if (known !== undefined) return known;
    const auth = sentinelPorts.includes(port) || options.password === undefined ? {} : { password: options.password };
    const c = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 100, ...auth });
    c.on('error', () => undefined);
    clients.push(c);
    byPort.set(port, c);
    return c;
  };
  let disposed = false;
  const dispose = async (): Promise<void> => {
    if (disposed) return;
    disposed = true;
    for (const c of clients) c.disconnect();
    await Promise.all(children.map((c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : (c.once('exit', () => resolve()), c.kill('SIGKILL'))))));
    process.removeListener('exit', kill);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freePort();
    const replicaPort = await freePort();
    const auth = options.password === undefined ? [] : ['--requirepass', options.password, '--masterauth', options.password];
    const common = [...auth, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--appendfsync', 'always', '--daemonize', 'no', '--loglevel', 'warning', '--repl-diskless-sync-delay', '0'];
    children.push(spawnServer(['--port', String(masterPort), '--dir', await subdir(dir, 'master'), ...common]));
    children.push(spawnServer(['--port', String(replicaPort), '--dir', await subdir(dir, 'replica'), ...common, '--replicaof', '127.0.0.1', String(masterPort)]));
    const master = client(masterPort);
    const replica = client(replicaPort);
    await until(async () => /master_link_status:up/.test(await replica.info('replication')), 'the replica in sync with the master', READY_TIMEOUT_MS);
    await until(async () => /connected_slaves:1/.test(await master.info('replication')), 'the master to see its replica', READY_TIMEOUT_MS);
    for (let i = 0; i < (options.sentinels ?? 2); i++) {
      const port = await freePort();
      sentinelPorts.push(port);
      const conf = join(dir, `sentinel-${i}.conf`);
      await writeFile(
        conf,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${JSON.stringify(dir)}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} 1`,
          `sentinel down-after-milliseconds ${name} 1000`,
          `sentinel failover-timeout ${name} 5000`,
          `sentinel parallel-syncs ${name} 1`,
          ...(options.password !== undefined ? [`sentinel auth-pass ${name} ${options.password}`] : []),
          '',
        ].join('\n'),
      );
      children.push(spawnServer([conf, '--sentinel']));
    }
    const sentinels = sentinelPorts.map(client);
    for (const s of sentinels) {
      await until(async () => ((await s.call('SENTINEL', 'REPLICAS', name).catch(() => [])) as unknown[]).length === 1, 'every sentinel to know the replica', READY_TIMEOUT_MS);
    }
    const masterOf = async (s: Redis): Promise<number> => {
      const addr = (await s.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string] | null;
      return Number(addr?.[1] ?? 0);
    };
    /** The current master and the replica, once the replica has every write the master has. */
    const caughtUp = async (): Promise<{ before: number; after: number }> => {
      const before = await masterOf(sentinels[0] as Redis);
      const after = before === masterPort ? replicaPort : masterPort;
      // A failover does not wait for the replica to catch up: what it missed would be lost.
      const offset = async (port: number, field: string): Promise<string | undefined> => new RegExp(`${field}:(\\d+)`).exec(await client(port).info('replication'))?.[1];
      await until(async () => (await offset(after, 'slave_repl_offset')) === (await offset(before, 'master_repl_offset')), 'the replica caught up', READY_TIMEOUT_MS);
      return { before, after };
    };
    /** Resolves once every sentinel names `port` as the master and it says it is one. */
    const promoted = async (port: number): Promise<void> => {
      for (const s of sentinels) await until(async () => (await masterOf(s)) === port, 'every sentinel to name the new master', READY_TIMEOUT_MS);
      await until(async () => /role:master/.test(await client(port).info('replication')), 'the replica promoted', READY_TIMEOUT_MS);
    };
    return {
      name,
      sentinels: sentinelPorts.map((p) => `127.0.0.1:${p}`),
      dataPorts: [masterPort, replicaPort],
      client,
      masterPort: () => masterOf(sentinels[0] as Redis),
      async failover() {
        const { after } = await caughtUp();
        await (sentinels[0] as Redis).call('SENTINEL', 'FAILOVER', name);
        await promoted(after);
        return after;
      },
      async crashMaster() {
        const { before, after } = await caughtUp();
        const child = before === masterPort ? children[0] : children[1];
        if (child !== undefined && child.exitCode === null && child.signalCode === null) {
          const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
          child.kill('SIGKILL');
          await exited;
        }
        return { promoted: promoted(after).then(() => after) };
      },
      dispose,
    };
  } catch (err) {
    await dispose();
    throw err;
  }
}

/** Polls an async condition every 50 ms (a failed check counts as false). */
async function until(pred: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function spawnServer(args: readonly string[]): ChildProcess {
  const child = spawn('redis-server', args, { stdio: 'ignore' });
  child.on('error', () => undefined);
  return child;
}

async function subdir(dir: string, name: string): Promise<string> {
  const path = join(dir, name);
  await mkdir(path);
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address !== null && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}
