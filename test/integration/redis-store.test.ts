/**
 * RedisStore against real redis-servers spawned for this file (never the machine's Redis on 6379):
 * the shared StateStore contract, then what only Redis has — the key layout and its hash tags,
 * several clients racing as several gateway instances would, AOF durability across a crash, and
 * behaviour while the server is down.
 */
import { randomUUID } from 'node:crypto';
import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { escapeStation, RedisStore } from '../../src/store/redis.js';
import type { StateStore } from '../../src/store/state-store.js';
import { describeStateStore } from '../contract/state-store.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let server: TestRedisServer;
let clusterServer: TestRedisServer;

beforeAll(async () => {
  // The one-node cluster needs ~2 s before it reports cluster_state:ok; start both at once.
  [server, clusterServer] = await Promise.all([startRedisServer(), startRedisServer({ cluster: true })]);
});
afterAll(async () => {
  await Promise.all([server?.dispose(), clusterServer?.dispose()]);
});

describeStateStore('RedisStore', async () => new RedisStore(server.url));

/** The Redis Cluster hash tag of a key: between the first `{` and the first `}` after it, if non-empty. */
function hashTag(key: string): string | undefined {
  const open = key.indexOf('{');
  const close = open < 0 ? -1 : key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/** Stream ids `<ms>-<seq>` in numeric order. */
function compareIds(x: string, y: string): number {
  const [xm = 0n, xs = 0n] = x.split('-').map(BigInt);
  const [ym = 0n, ys = 0n] = y.split('-').map(BigInt);
  return xm !== ym ? (xm < ym ? -1 : 1) : xs === ys ? 0 : xs < ys ? -1 : 1;
}

describe('RedisStore', () => {
  const opened: StateStore[] = [];
  const clients: (Redis | Cluster)[] = [];
  /** A store with its own connection — as a separate gateway instance would have. */
  function open(connection: ConstructorParameters<typeof RedisStore>[0] = server.url): RedisStore {
    const store = new RedisStore(connection);
    opened.push(store);
    return store;
  }
  function redis(): Redis {
    const client = new Redis(server.url);
    clients.push(client);
    return client;
  }
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
    for (const c of clients.splice(0)) c.disconnect();
  });

  it('is durable', () => {
    expect(open().durable).toBe(true);
  });

  describe('key layout', () => {
    it('puts every key of a station under pg:{<station>}: with the station as the hash tag', async () => {
      const run = randomUUID();
      const stations = [`plain-${run}`, `we{ir}d-${run}`, `}{-${run}`, `pct%7D-${run}`];
      const store = open();
      for (const st of stations) {
        await store.set(st, 'k', 1);
        await store.enqueue(st, 'tx', 'item');
        await store.markOnce(st, 'legacy-1');
        await store.acquireLease(st, 'gw-1', 10_000);
      }
      const keys = (await redis().keys('*')).filter((k) => k.includes(run));
      expect(keys).toHaveLength(5 * stations.length);
      for (const st of stations) {
        const tag = escapeStation(st);
        expect(tag).not.toMatch(/[{}]/);
        const mine = keys.filter((k) => hashTag(k) === tag).sort();
        expect(mine).toEqual([`pg:{${tag}}:kv`, `pg:{${tag}}:lease`, `pg:{${tag}}:once:legacy-1`, `pg:{${tag}}:q:tx`, `pg:{${tag}}:qk:tx`]);
      }
    });

    it('keeps stations apart whose names differ only in characters the escaping encodes', async () => {
      const run = randomUUID();
      const store = open();
      const names = [`s}-${run}`, `s%7D-${run}`, `s{-${run}`, `s%7B-${run}`, `s%-${run}`, `s%25-${run}`];
      for (const [i, st] of names.entries()) await store.set(st, 'k', i);
      for (const [i, st] of names.entries()) expect(await store.getAll(st)).toEqual(new Map([['k', i]]));
    });

    it('works through a Redis Cluster client, each station in one slot', async () => {
      const cluster = new Cluster([{ host: '127.0.0.1', port: clusterServer.port }]);
      clients.push(cluster);
      const store = open(cluster);
      const st = `cl{us}ter-${randomUUID()}`;
      await store.set(st, 'dm:a', { v: 1 });
      expect(await store.getAll(st, 'dm:')).toEqual(new Map([['dm:a', { v: 1 }]]));
      const id = await store.enqueue(st, 'tx', 'e');
      expect(await store.peek(st, 'tx', 5)).toEqual([{ id, item: 'e' }]);
      expect(await store.markOnce(st, 'm', 10_000)).toBe(true);
      expect(await store.acquireLease(st, 'gw-1', 10_000)).toBe(true);
      expect(await store.renewLease(st, 'gw-1', 10_000)).toBe(true);
      expect(await store.leaseOwner(st)).toBe('gw-1');

      const tag = escapeStation(st);
      const keys = [`pg:{${tag}}:kv`, `pg:{${tag}}:q:tx`, `pg:{${tag}}:qk:tx`, `pg:{${tag}}:once:m`, `pg:{${tag}}:lease`];
      for (const key of keys) expect(await cluster.exists(key)).toBe(1);
      const slots = await Promise.all(keys.map((k) => cluster.call('CLUSTER', 'KEYSLOT', k)));
      expect(new Set(slots).size).toBe(1);
      expect(slots[0]).toBe(await cluster.call('CLUSTER', 'KEYSLOT', `{${tag}}`));
      // The caller's client stays open after the store closes (quitOnClose defaults to false for it).
      await store.close();
      expect(cluster.status).toBe('ready');
    });

    it('uses the configured prefix and refuses one that would break the hash tag', async () => {
      const st = `pre-${randomUUID()}`;
      const store = new RedisStore(server.url, { prefix: 'other' });
      opened.push(store);
      await store.set(st, 'k', 1);
      expect(await redis().exists(`other:{${st}}:kv`)).toBe(1);
      expect(await open().get(st, 'k')).toBeUndefined();
      for (const prefix of ['', 'a{b', 'a}']) expect(() => new RedisStore(server.url, { prefix })).toThrow(TypeError);
    });
  });

  describe('several instances sharing one Redis', () => {
    it('a lease raced for by two clients goes to exactly one, and only it may renew or release', async () => {
      const [one, two] = [open(), open()];
      for (let round = 0; round < 20; round++) {
        const st = `race-${randomUUID()}`;
        const [a, b] = await Promise.all([one.acquireLease(st, 'gw-1', 10_000), two.acquireLease(st, 'gw-2', 10_000)]);
        expect([a, b].filter(Boolean)).toHaveLength(1);
        const [winner, loser, winnerOwner, loserOwner] = a ? [one, two, 'gw-1', 'gw-2'] : [two, one, 'gw-2', 'gw-1'];
        expect(await loser.leaseOwner(st)).toBe(winnerOwner);
        expect(await loser.renewLease(st, loserOwner, 10_000)).toBe(false);
        expect(await loser.releaseLease(st, loserOwner)).toBe(false);
        expect(await winner.renewLease(st, winnerOwner, 10_000)).toBe(true);
        expect(await winner.releaseLease(st, winnerOwner)).toBe(true);
        expect(await loser.acquireLease(st, loserOwner, 10_000)).toBe(true);
        expect(await winner.leaseOwner(st)).toBe(loserOwner);
      }
    });

    it('markOnce from two clients is true for exactly one caller', async () => {
      const [one, two] = [open(), open()];
      for (let round = 0; round < 10; round++) {
        const st = `mark-${randomUUID()}`;
        const calls = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).markOnce(st, 'legacy-tx-7', 60_000));
        expect((await Promise.all(calls)).filter(Boolean)).toHaveLength(1);
        expect(await one.markOnce(st, 'legacy-tx-7')).toBe(false);
        expect(await two.markOnce(st, 'legacy-tx-7')).toBe(false);
      }
    });

    it('queue ids never repeat across clients, also after the queue was emptied', async () => {
      const [one, two] = [open(), open()];
      const st = `queue-${randomUUID()}`;
      const enqueueBoth = (n: number, tag: string): Promise<string[]> => Promise.all(Array.from({ length: n }, (_, i) => (i % 2 === 0 ? one : two).enqueue(st, 'tx', `${tag}-${i}`)));
      const first = await enqueueBoth(100, 'a');
      expect(new Set(first).size).toBe(100);
      const peeked = await one.peek(st, 'tx', 1000);
      expect(peeked).toHaveLength(100);
      expect(peeked.map((e) => e.id)).toEqual([...first].sort(compareIds));
      expect(await two.peek(st, 'tx', 1000)).toEqual(peeked);

      // Each client removes half; every removal succeeds exactly once.
      const removed = await Promise.all(first.map((id, i) => (i % 2 === 0 ? two : one).remove(st, 'tx', id)));
      expect(removed.every(Boolean)).toBe(true);
      expect(await one.remove(st, 'tx', first[0] as string)).toBe(false);
      expect(await two.size(st, 'tx')).toBe(0);

      const second = await enqueueBoth(50, 'b');
      const all = new Set([...first, ...second]);
      expect(all.size).toBe(150);
      const newest = [...first].sort(compareIds).at(-1) as string;
      for (const id of second) expect(compareIds(id, newest)).toBe(1);
      expect(await one.size(st, 'tx')).toBe(50);
    });
  });

  describe('durability and outages', () => {
    it('keeps every acknowledged write across a crash (SIGKILL) and restart: AOF with fsync always', async () => {
      const st = `durable-${randomUUID()}`;
      const store = open();
      await store.set(st, 'boot', { status: 'Accepted' });
      await store.set(st, 'dm:HeartbeatInterval', 300);
      const ids = [await store.enqueue(st, 'tx', { seqNo: 0 }), await store.enqueue(st, 'tx', { seqNo: 1 })];
      await store.remove(st, 'tx', ids[0] as string);
      expect(await store.markOnce(st, 'legacy-42')).toBe(true);
      expect(await store.acquireLease(st, 'gw-1', 60_000)).toBe(true);
      await store.close();

      await server.kill();
      await server.restart();

      const after = open();
      expect(await after.getAll(st)).toEqual(
        new Map<string, unknown>([
          ['boot', { status: 'Accepted' }],
          ['dm:HeartbeatInterval', 300],
        ]),
      );
      expect(await after.peek(st, 'tx', 10)).toEqual([{ id: ids[1], item: { seqNo: 1 } }]);
      expect(await after.markOnce(st, 'legacy-42')).toBe(false);
      expect(await after.leaseOwner(st)).toBe('gw-1');
      expect(await after.acquireLease(st, 'gw-2', 60_000)).toBe(false);
      const next = await after.enqueue(st, 'tx', { seqNo: 2 });
      expect(ids).not.toContain(next);
      expect(compareIds(next, ids[1] as string)).toBe(1);
    });

    it('an operation issued while Redis is down waits and succeeds once it is back', async () => {
      const st = `outage-${randomUUID()}`;
      const store = open();
      const other = open();
      await store.set(st, 'k', 1);
      expect(await store.acquireLease(st, 'gw-1', 60_000)).toBe(true); // its script is now cached — until the restart

      await server.stop();
      const settled: string[] = [];
      const write = store.set(st, 'k', 2).then(() => settled.push('set'));
      const renew = store.renewLease(st, 'gw-1', 60_000).then((ok) => (settled.push('renew'), ok));
      const enqueue = store.enqueue(st, 'tx', 'while-down').then((id) => (settled.push('enqueue'), id));
      // Closing a store while Redis is down does not wait for Redis.
      await other.close();
      await expect(other.get(st, 'k')).rejects.toThrow(/closed/);
      await sleep(300);
      expect(settled).toEqual([]);

      await server.restart();
      await write;
      expect(await renew).toBe(true); // EVALSHA → NOSCRIPT on the fresh server → EVAL
      const id = await enqueue;
      expect(settled.sort()).toEqual(['enqueue', 'renew', 'set']);
      expect(await store.get(st, 'k')).toBe(2);
      expect(await store.peek(st, 'tx', 5)).toEqual([{ id, item: 'while-down' }]);
      expect(await open().leaseOwner(st)).toBe('gw-1');
    });

    it('rejects with a clear error once ioredis gives up (maxRetriesPerRequest), and works again after', async () => {
      const st = `giveup-${randomUUID()}`;
      const store = open({ host: '127.0.0.1', port: server.port, maxRetriesPerRequest: 1, retryStrategy: () => 50 });
      await store.set(st, 'k', 1);

      await server.stop();
      const started = Date.now();
      await expect(store.get(st, 'k')).rejects.toThrow(/max retries per request/i);
      await expect(store.acquireLease(st, 'gw-1', 1000)).rejects.toThrow(/max retries per request/i);
      expect(Date.now() - started).toBeLessThan(5_000);

      await server.restart();
      await expect.poll(() => store.get(st, 'k').catch(() => 'down'), { timeout: 5_000, interval: 50 }).toBe(1);
      expect(await store.acquireLease(st, 'gw-1', 1000)).toBe(true);
    });
  });
});
