/**
 * A private redis-server for tests: spawned from PATH on a free port of 127.0.0.1, with AOF on and
 * fsynced on every write (`--appendfsync always`), in a fresh temp dir. Never the machine's shared
 * Redis on 6379.
 *
 * `restart` starts a new process on the same port and dir, so the AOF written before is replayed:
 * together with `kill` (SIGKILL, no graceful shutdown) that is how a test proves acknowledged
 * writes survive a crash. `dispose` stops the server and deletes the dir; call it in `afterAll`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestRedisServer {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The data dir (holds `appendonlydir/`). */
  readonly dir: string;
  /** Graceful stop (SIGTERM: Redis flushes the AOF), resolved once the process exited. No-op when stopped. */
  stop(): Promise<void>;
  /** Stops the server if running, then starts it again on the same port and dir and waits for PING. */
  restart(): Promise<void>;
  /** SIGKILL — a crash, no shutdown work — resolved once the process exited. No-op when stopped. */
  kill(): Promise<void>;
  /** Stops the server (if running) and removes its temp dir. Idempotent. */
  dispose(): Promise<void>;
}

export interface RedisServerOptions {
  /**
   * Run as a one-node Redis Cluster (`--cluster-enabled yes`, all 16384 slots on this node), for
   * ioredis `Cluster` clients and `CLUSTER KEYSLOT`. Resolves once `cluster_state:ok`.
   */
  readonly cluster?: boolean;
}

const READY_TIMEOUT_MS = 10_000;

/** Starts a redis-server and resolves once it answers PING (and, for a cluster, serves all slots). */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<TestRedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'pilegate-redis-'));
  // A free port can be taken by another test's server between the probe and the bind: try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = new RedisProcess(port, dir, options.cluster ?? false);
    try {
      await server.start();
      return server;
    } catch (err) {
      await server.dispose(false);
      if (!(err instanceof PortTakenError) || attempt >= 5) {
        await rm(dir, { recursive: true, force: true });
        throw err;
      }
    }
  }
}

/** The port answered, but not from the server this test started (or that server could not bind it). */
class PortTakenError extends Error {}

class RedisProcess implements TestRedisServer {
  readonly url: string;
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';
  private disposed = false;
  /** Kills a still-running server if the test process exits without `dispose` (no orphans). */
  private readonly onProcessExit = (): void => {
    this.child?.kill('SIGKILL');
  };

  constructor(
    readonly port: number,
    readonly dir: string,
    private readonly cluster: boolean,
  ) {
    this.url = `redis://127.0.0.1:${port}`;
    process.once('exit', this.onProcessExit);
  }

  async start(): Promise<void> {
    if (this.disposed) throw new Error('redis-server: disposed');
    if (this.child !== undefined) throw new Error('redis-server: already running');
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--daemonize',
      'no',
      '--protected-mode',
      'yes',
      '--loglevel',
      'warning',
      ...(this.cluster ? ['--cluster-enabled', 'yes', '--cluster-announce-ip', '127.0.0.1', '--cluster-config-file', join(this.dir, 'nodes.conf')] : []),
    ];
    this.output = '';
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const collect = (chunk: Buffer): void => {
      this.output = (this.output + chunk.toString('utf8')).slice(-4000);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    let exitCode: string | undefined;
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        exitCode = signal ?? String(code);
        if (this.child === child) this.child = undefined;
        resolve();
      });
      child.once('error', (err) => {
        exitCode = err.message;
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (!(await ping(this.port))) {
      if (exitCode !== undefined) {
        if (this.output.includes('Address already in use')) throw new PortTakenError(`port ${this.port} taken`);
        throw new Error(`redis-server exited (${exitCode}) before answering PING:\n${this.output}`);
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await this.exited;
        throw new Error(`redis-server did not answer PING within ${READY_TIMEOUT_MS} ms:\n${this.output}`);
      }
      await sleep(20);
    }
    // Another server may answer on this port (a collision): ours reports our child's pid.
    if (!(await command(this.port, 'INFO server')).includes(`process_id:${String(child.pid)}\r\n`)) {
      child.kill('SIGKILL');
      await this.exited;
      throw new PortTakenError(`port ${this.port} answered by another redis-server`);
    }
    if (this.cluster) await this.clusterReady(deadline);
  }

  /** Assigns every slot to this node (kept in nodes.conf across restarts) and waits for `cluster_state:ok`. */
  private async clusterReady(deadline: number): Promise<void> {
    if (!(await command(this.port, 'CLUSTER INFO')).includes('cluster_slots_assigned:16384')) {
      const reply = await command(this.port, 'CLUSTER ADDSLOTSRANGE 0 16383');
      if (!reply.startsWith('+OK')) throw new Error(`CLUSTER ADDSLOTSRANGE failed: ${reply}`);
    }
    while (!(await command(this.port, 'CLUSTER INFO')).includes('cluster_state:ok')) {
      if (Date.now() > deadline) throw new Error(`redis-server cluster not ok within ${READY_TIMEOUT_MS} ms`);
      await sleep(20);
    }
  }

  async stop(): Promise<void> {
    this.child?.kill('SIGTERM');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Stops the server and removes its directory (kept when `removeDir` is false, for a retry). */
  async dispose(removeDir = true): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.stop();
    process.removeListener('exit', this.onProcessExit);
    if (removeDir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** A port nobody listens on right now: bind port 0, read the port, close. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('no port'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

/** True when a server on `port` answers `PING` with `+PONG` (not `-LOADING` while it replays the AOF). */
async function ping(port: number): Promise<boolean> {
  return (await command(port, 'PING')).startsWith('+PONG');
}

/**
 * Sends one inline command on a fresh connection and resolves its raw reply (first line, or a whole
 * bulk string), or '' when the server is not reachable.
 */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = createConnection({ host: '127.0.0.1', port });
    const done = (text: string): void => {
      socket.destroy();
      resolve(text);
    };
    socket.setTimeout(1000, () => done(''));
    socket.once('error', () => done(''));
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      const eol = reply.indexOf('\r\n');
      if (eol < 0) return;
      if (!reply.startsWith('$')) return done(reply.slice(0, eol));
      const length = Number(reply.slice(1, eol));
      if (length < 0) return done('');
      if (Buffer.byteLength(reply, 'latin1') >= eol + 2 + length + 2) done(reply.slice(eol + 2, eol + 2 + length));
    });
    socket.once('close', () => done(reply));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
