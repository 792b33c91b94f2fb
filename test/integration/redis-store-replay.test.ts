/**
 * The reply to an `enqueue` lost on the wire: Redis applied the script, the connection broke before
 * ioredis read the answer, and ioredis resent the command after reconnecting. A TCP relay between
 * the client and a real redis-server swallows the server's replies, then cuts the client off; the
 * resent command must find its idempotency key and append nothing.
 */
import { randomUUID } from 'node:crypto';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { escapeStation, RedisStore } from '../../src/store/redis.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';

let server: TestRedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});
afterAll(async () => {
  await server?.dispose();
});

/** A relay to the redis-server that can swallow replies and cut its client connections. */
interface Relay {
  readonly port: number;
  swallowReplies: boolean;
  cutClients(): void;
  close(): Promise<void>;
}

async function relay(target: number): Promise<Relay> {
  const clients = new Set<Socket>();
  const state = { swallowReplies: false };
  const srv: Server = createServer((client) => {
    clients.add(client);
    const upstream = createConnection({ host: '127.0.0.1', port: target });
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => {
      if (!state.swallowReplies) client.write(chunk);
    });
    const end = (): void => {
      clients.delete(client);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    client.on('error', end);
    upstream.on('close', end);
    upstream.on('error', end);
  });
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  return {
    port: (srv.address() as AddressInfo).port,
    get swallowReplies() {
      return state.swallowReplies;
    },
    set swallowReplies(v: boolean) {
      state.swallowReplies = v;
    },
    cutClients() {
      for (const c of clients) c.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of clients) c.destroy();
        srv.close(() => resolve());
      }),
  };
}

/** How many EVALSHA commands the server has executed. */
async function evalshaCalls(client: Redis): Promise<number> {
  const info = await client.info('commandstats');
  return Number(/cmdstat_evalsha:calls=(\d+)/.exec(info)?.[1] ?? 0);
}

describe('RedisStore enqueue when the reply is lost', () => {
  it('appends once although ioredis resends the command after reconnecting, and applies the state change once', async () => {
    const r = await relay(server.port);
    const store = new RedisStore({ host: '127.0.0.1', port: r.port, retryStrategy: () => 20 });
    const observer = new Redis(server.url);
    try {
      const st = `replay-${randomUUID()}`;
      const stream = `pg:{${escapeStation(st)}}:q:tx`;
      // Connected, and the script loaded (a first EVALSHA answers NOSCRIPT), before replies go missing.
      await store.enqueue(`warm-${st}`, 'tx', 'warm');
      const before = await evalshaCalls(observer);
      r.swallowReplies = true;
      const pending = store.enqueue(st, 'tx', { seqNo: 0 }, { state: { key: 'tx:1', value: { seqNo: 1 } } });
      // Redis has applied the script; its answer never reached the client.
      await expect.poll(() => observer.xlen(stream), { timeout: 5_000, interval: 20 }).toBe(1);
      r.swallowReplies = false;
      r.cutClients();
      const id = await pending;
      // The script ran twice: the lost original and ioredis's resend.
      expect((await evalshaCalls(observer)) - before).toBe(2);
      const entries = await observer.xrange(stream, '-', '+');
      expect(entries.map(([entryId]) => entryId)).toEqual([id]);
      expect(await store.peek(st, 'tx', 10)).toEqual([{ id, item: { seqNo: 0 } }]);
      expect(await store.get(st, 'tx:1')).toEqual({ seqNo: 1 });
      // The key goes with the entry.
      expect(await store.remove(st, 'tx', id)).toBe(true);
      expect(await observer.exists(`pg:{${escapeStation(st)}}:qk:tx`)).toBe(0);
    } finally {
      await store.close();
      observer.disconnect();
      await r.close();
    }
  });
});
