/**
 * The contract every `StateStore` passes: one suite, run by the memory store's unit test and by
 * the Redis store's integration test against a real redis-server. Each test works on fresh,
 * randomly named stations, so a shared Redis database does not leak between tests.
 *
 * TTL tests use real time with generous margins (tens of ms of slack, hundreds at most), because a
 * Redis server's clock cannot be faked; the memory store's injected clock is tested on its own.
 */
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JsonValue, StateStore } from '../../src/store/state-store.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Registers the suite. `create` is called before each test; `cleanup` after it, with the same
 * store, which the test may already have closed (so `cleanup` must tolerate that).
 */
export function describeStateStore(name: string, create: () => Promise<StateStore>, cleanup: (store: StateStore) => Promise<void> = (s) => s.close()): void {
  describe(`StateStore contract: ${name}`, () => {
    let store: StateStore;
    let a: string;
    let b: string;

    beforeEach(async () => {
      store = await create();
      const run = randomUUID();
      a = `st-a-${run}`;
      b = `st-b-${run}`;
    });
    afterEach(async () => {
      await cleanup(store);
    });

    describe('key/value', () => {
      it('reads back every kind of JSON value, and undefined for a missing key', async () => {
        const values: JsonValue[] = [null, false, true, 0, -1.5, 2 ** 53 - 1, '', 'ünïcødé ⚡', [], {}, { n: [1, { x: 'y' }], e: null }];
        for (const [i, v] of values.entries()) await store.set(a, `k${i}`, v);
        for (const [i, v] of values.entries()) expect(await store.get(a, `k${i}`)).toEqual(v);
        expect(await store.get(a, 'missing')).toBeUndefined();
      });

      it('replaces a value, and shares no object with the caller', async () => {
        const value = { list: [1, 2] };
        await store.set(a, 'k', value);
        value.list.push(3);
        const read = (await store.get(a, 'k')) as { list: number[] };
        expect(read).toEqual({ list: [1, 2] });
        read.list.push(4);
        expect(await store.get(a, 'k')).toEqual({ list: [1, 2] });
        await store.set(a, 'k', 'second');
        expect(await store.get(a, 'k')).toBe('second');
      });

      it('keeps stations apart', async () => {
        await store.set(a, 'k', 1);
        expect(await store.get(b, 'k')).toBeUndefined();
        expect((await store.getAll(b)).size).toBe(0);
        await store.set(b, 'k', 2);
        expect(await store.get(a, 'k')).toBe(1);
      });

      it('delete resolves whether the key existed', async () => {
        await store.set(a, 'k', 1);
        expect(await store.delete(a, 'k')).toBe(true);
        expect(await store.get(a, 'k')).toBeUndefined();
        expect(await store.delete(a, 'k')).toBe(false);
        expect(await store.delete(b, 'never')).toBe(false);
      });

      it('getAll filters by a literal prefix', async () => {
        for (const key of ['dm:a', 'dm:b', 'dmx', 'tx:1', 'dm*', 'dm?', 'dm[a]']) await store.set(a, key, key.length);
        const sorted = (m: Map<string, JsonValue>): [string, JsonValue][] => [...m].sort(([x], [y]) => (x < y ? -1 : 1));
        expect(sorted(await store.getAll(a, 'dm:'))).toEqual([
          ['dm:a', 4],
          ['dm:b', 4],
        ]);
        expect([...(await store.getAll(a, 'dm*')).keys()]).toEqual(['dm*']);
        expect([...(await store.getAll(a, 'dm?')).keys()]).toEqual(['dm?']);
        expect([...(await store.getAll(a, 'dm[')).keys()]).toEqual(['dm[a]']);
        expect((await store.getAll(a)).size).toBe(7);
        expect((await store.getAll(a, 'none:')).size).toBe(0);
      });

      it('refuses values that would not read back equal, storing nothing', async () => {
        const cyclic: Record<string, unknown> = {};
        cyclic['self'] = cyclic;
        const bad: unknown[] = [undefined, NaN, Infinity, () => 1, new Date(0), new Map(), { nested: [1, undefined] }, cyclic];
        for (const value of bad) {
          await expect(store.set(a, 'bad', value as JsonValue)).rejects.toThrow(TypeError);
          await expect(store.enqueue(a, 'q', value as JsonValue)).rejects.toThrow(TypeError);
        }
        expect(await store.get(a, 'bad')).toBeUndefined();
        expect(await store.size(a, 'q')).toBe(0);
      });
    });

    describe('queues', () => {
      it('returns items oldest first, with distinct ids, without removing them', async () => {
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) ids.push(await store.enqueue(a, 'tx', { n: i }));
        expect(new Set(ids).size).toBe(5);
        expect(await store.peek(a, 'tx', 3)).toEqual([0, 1, 2].map((n) => ({ id: ids[n], item: { n } })));
        expect(await store.peek(a, 'tx', 100)).toHaveLength(5);
        expect(await store.peek(a, 'tx', 0)).toEqual([]);
        expect(await store.size(a, 'tx')).toBe(5);
      });

      it('removes an item anywhere by id, and says whether it was there', async () => {
        const ids = [await store.enqueue(a, 'tx', 'x'), await store.enqueue(a, 'tx', 'y'), await store.enqueue(a, 'tx', 'z')];
        expect(await store.remove(a, 'tx', ids[1] as string)).toBe(true);
        expect(await store.remove(a, 'tx', ids[1] as string)).toBe(false);
        expect(await store.remove(a, 'tx', 'no-such-id')).toBe(false);
        expect((await store.peek(a, 'tx', 10)).map((e) => e.item)).toEqual(['x', 'z']);
        expect(await store.remove(a, 'tx', ids[0] as string)).toBe(true);
        expect(await store.peek(a, 'tx', 1)).toEqual([{ id: ids[2], item: 'z' }]);
        expect(await store.size(a, 'tx')).toBe(1);
      });

      it('never reuses an id, even after the queue was emptied', async () => {
        const first = await store.enqueue(a, 'tx', 1);
        await store.remove(a, 'tx', first);
        expect(await store.size(a, 'tx')).toBe(0);
        const second = await store.enqueue(a, 'tx', 2);
        expect(second).not.toBe(first);
        expect(await store.remove(a, 'tx', first)).toBe(false);
        expect(await store.peek(a, 'tx', 5)).toEqual([{ id: second, item: 2 }]);
      });

      it('keeps queues of one station and of different stations apart', async () => {
        await store.enqueue(a, 'tx', 'a-tx');
        await store.enqueue(a, 'security', 'a-sec');
        await store.enqueue(b, 'tx', 'b-tx');
        expect((await store.peek(a, 'tx', 5)).map((e) => e.item)).toEqual(['a-tx']);
        expect((await store.peek(a, 'security', 5)).map((e) => e.item)).toEqual(['a-sec']);
        expect((await store.peek(b, 'tx', 5)).map((e) => e.item)).toEqual(['b-tx']);
        expect(await store.size(b, 'security')).toBe(0);
        expect(await store.peek(b, 'unknown', 5)).toEqual([]);
      });

      it('concurrent enqueues all land, in the order they resolved', async () => {
        const resolved: string[] = [];
        const ids = await Promise.all(Array.from({ length: 50 }, (_, i) => store.enqueue(a, 'tx', i).then((id) => (resolved.push(id), id))));
        expect(new Set(ids).size).toBe(50);
        expect(await store.size(a, 'tx')).toBe(50);
        expect((await store.peek(a, 'tx', 50)).map((e) => e.id)).toEqual(resolved);
      });

      it('shares no object with the caller', async () => {
        const item = { a: [1] };
        await store.enqueue(a, 'tx', item);
        item.a.push(2);
        const [entry] = await store.peek(a, 'tx', 1);
        expect(entry?.item).toEqual({ a: [1] });
        (entry?.item as { a: number[] }).a.push(3);
        expect((await store.peek(a, 'tx', 1))[0]?.item).toEqual({ a: [1] });
      });

      it('appends once per idempotency key, resolving the first id, until that entry is removed', async () => {
        const first = await store.enqueue(a, 'tx', { seqNo: 0 }, { idempotencyKey: 'tx-1:0' });
        // A replay of the same append (a resent command, a retried call) adds nothing and changes nothing.
        expect(await store.enqueue(a, 'tx', { seqNo: 0, replay: true }, { idempotencyKey: 'tx-1:0', state: { key: 'k', value: 'replay' } })).toBe(first);
        const concurrent = await Promise.all(Array.from({ length: 10 }, () => store.enqueue(a, 'tx', 'dup', { idempotencyKey: 'tx-1:1' })));
        expect(new Set(concurrent).size).toBe(1);
        expect(await store.enqueue(b, 'tx', 'other station', { idempotencyKey: 'tx-1:0' })).toBeTypeOf('string');
        expect(await store.enqueue(a, 'other', 'other queue', { idempotencyKey: 'tx-1:0' })).toBeTypeOf('string');
        expect(await store.peek(a, 'tx', 10)).toEqual([
          { id: first, item: { seqNo: 0 } },
          { id: concurrent[0], item: 'dup' },
        ]);
        expect(await store.get(a, 'k')).toBeUndefined();
        expect(await store.remove(a, 'tx', first)).toBe(true);
        const again = await store.enqueue(a, 'tx', 'again', { idempotencyKey: 'tx-1:0' });
        expect(again).not.toBe(first);
        expect((await store.peek(a, 'tx', 10)).map((e) => e.item)).toEqual(['dup', 'again']);
        await expect(store.enqueue(a, 'tx', 1, { idempotencyKey: '' })).rejects.toThrow(TypeError);
      });

      it('sets or deletes a key in the same step as the append', async () => {
        const id = await store.enqueue(a, 'tx', { seqNo: 0 }, { state: { key: 'tx:1', value: { seqNo: 1 } } });
        expect(await store.get(a, 'tx:1')).toEqual({ seqNo: 1 });
        expect(await store.peek(a, 'tx', 5)).toEqual([{ id, item: { seqNo: 0 } }]);
        await store.enqueue(a, 'tx', { seqNo: 1 }, { state: { key: 'tx:1', value: { seqNo: 2 } }, idempotencyKey: 'x:1' });
        expect(await store.get(a, 'tx:1')).toEqual({ seqNo: 2 });
        await store.enqueue(a, 'tx', { seqNo: 2, ended: true }, { state: { key: 'tx:1', delete: true } });
        expect(await store.get(a, 'tx:1')).toBeUndefined();
        expect(await store.size(a, 'tx')).toBe(3);
        expect(await store.get(b, 'tx:1')).toBeUndefined();
      });

      it('applies several key changes, in order, in the same step as the append', async () => {
        await store.set(a, 'tx:1', { seqNo: 4 });
        await store.enqueue(
          a,
          'tx',
          { seqNo: 4, ended: true },
          {
            state: [
              { key: 'tx:1', delete: true },
              { key: 'done', value: ['L1'] },
              { key: 'done', value: ['L1', 'L2'] },
            ],
          },
        );
        expect(await store.get(a, 'tx:1')).toBeUndefined();
        expect(await store.get(a, 'done')).toEqual(['L1', 'L2']);
        // A replay with the same idempotency key changes nothing, however many changes it names.
        await store.enqueue(a, 'tx', { seqNo: 5 }, { idempotencyKey: 'k5', state: [{ key: 'n', value: 1 }] });
        await store.enqueue(
          a,
          'tx',
          { seqNo: 5 },
          {
            idempotencyKey: 'k5',
            state: [
              { key: 'n', value: 2 },
              { key: 'm', value: 3 },
            ],
          },
        );
        expect(await store.get(a, 'n')).toBe(1);
        expect(await store.get(a, 'm')).toBeUndefined();
        expect(await store.size(a, 'tx')).toBe(2);
        await store.enqueue(a, 'tx', 'no change', { state: [] });
        expect(await store.size(a, 'tx')).toBe(3);
        await expect(
          store.enqueue(a, 'tx', 'x', {
            state: [
              { key: 'ok', value: 1 },
              { key: 'bad', value: NaN },
            ],
          }),
        ).rejects.toThrow(TypeError);
        expect(await store.get(a, 'ok')).toBeUndefined();
        expect(await store.size(a, 'tx')).toBe(3);
      });

      it('stores neither the item nor the state when the state value is not JSON', async () => {
        await store.set(a, 'tx:1', 'before');
        for (const value of [undefined, NaN, new Date(0)]) {
          await expect(store.enqueue(a, 'tx', 'item', { state: { key: 'tx:1', value: value as JsonValue } })).rejects.toThrow(TypeError);
        }
        expect(await store.size(a, 'tx')).toBe(0);
        expect(await store.get(a, 'tx:1')).toBe('before');
      });

      it('rejects a limit that is not a non-negative integer', async () => {
        await expect(store.peek(a, 'tx', -1)).rejects.toThrow(RangeError);
        await expect(store.peek(a, 'tx', 1.5)).rejects.toThrow(RangeError);
      });
    });

    describe('markOnce', () => {
      it('is true only the first time, per key and station, and is not a key/value entry', async () => {
        expect(await store.markOnce(a, 'legacy-tx-1')).toBe(true);
        expect(await store.markOnce(a, 'legacy-tx-1')).toBe(false);
        expect(await store.markOnce(a, 'legacy-tx-2')).toBe(true);
        expect(await store.markOnce(b, 'legacy-tx-1')).toBe(true);
        expect(await store.get(a, 'legacy-tx-1')).toBeUndefined();
        await store.set(a, 'k', 1);
        expect(await store.markOnce(a, 'k')).toBe(true);
      });

      it('is true for exactly one of many concurrent callers', async () => {
        const results = await Promise.all(Array.from({ length: 20 }, () => store.markOnce(a, 'rec', 60_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('expires after ttlMs, and later calls do not extend it', async () => {
        expect(await store.markOnce(a, 'short', 60)).toBe(true);
        expect(await store.markOnce(a, 'short', 60)).toBe(false);
        await sleep(120);
        expect(await store.markOnce(a, 'short', 60)).toBe(true);

        const start = Date.now();
        expect(await store.markOnce(a, 'fixed', 300)).toBe(true);
        await sleep(150);
        expect(await store.markOnce(a, 'fixed', 300)).toBe(false); // would move expiry to ~450 if it extended
        await sleep(Math.max(0, start + 380 - Date.now()));
        expect(await store.markOnce(a, 'fixed', 300)).toBe(true);
      });

      it('without ttlMs the mark stays', async () => {
        expect(await store.markOnce(a, 'forever')).toBe(true);
        await sleep(60);
        expect(await store.markOnce(a, 'forever')).toBe(false);
      });

      it('rejects a ttlMs that is not a positive integer', async () => {
        for (const ttl of [0, -5, 1.5, NaN]) await expect(store.markOnce(a, 'k', ttl)).rejects.toThrow(RangeError);
      });
    });

    describe('leases', () => {
      it('has one owner at a time; the owner may re-acquire, renew and release', async () => {
        expect(await store.leaseOwner(a)).toBeUndefined();
        expect(await store.acquireLease(a, 'gw-1', 10_000)).toBe(true);
        expect(await store.leaseOwner(a)).toBe('gw-1');
        expect(await store.acquireLease(a, 'gw-2', 10_000)).toBe(false);
        expect(await store.acquireLease(a, 'gw-1', 10_000)).toBe(true);
        expect(await store.renewLease(a, 'gw-1', 10_000)).toBe(true);
        expect(await store.renewLease(a, 'gw-2', 10_000)).toBe(false);
        expect(await store.releaseLease(a, 'gw-2')).toBe(false);
        expect(await store.leaseOwner(a)).toBe('gw-1');
        expect(await store.releaseLease(a, 'gw-1')).toBe(true);
        expect(await store.leaseOwner(a)).toBeUndefined();
        expect(await store.releaseLease(a, 'gw-1')).toBe(false);
        expect(await store.acquireLease(a, 'gw-2', 10_000)).toBe(true);
        expect(await store.leaseOwner(a)).toBe('gw-2');
      });

      it('cannot be renewed when never taken, and leases of stations are independent', async () => {
        expect(await store.renewLease(a, 'gw-1', 10_000)).toBe(false);
        expect(await store.leaseOwner(a)).toBeUndefined();
        expect(await store.acquireLease(a, 'gw-1', 10_000)).toBe(true);
        expect(await store.acquireLease(b, 'gw-2', 10_000)).toBe(true);
        expect(await store.leaseOwner(a)).toBe('gw-1');
        expect(await store.leaseOwner(b)).toBe('gw-2');
      });

      it('expires after ttlMs: the old owner cannot renew, another may acquire', async () => {
        expect(await store.acquireLease(a, 'gw-1', 40)).toBe(true);
        await sleep(120);
        expect(await store.leaseOwner(a)).toBeUndefined();
        expect(await store.renewLease(a, 'gw-1', 10_000)).toBe(false);
        expect(await store.acquireLease(a, 'gw-2', 10_000)).toBe(true);
        expect(await store.leaseOwner(a)).toBe('gw-2');
      });

      it('renewing moves the expiry to ttlMs from now', async () => {
        const start = Date.now();
        expect(await store.acquireLease(a, 'gw-1', 300)).toBe(true);
        await sleep(200);
        expect(await store.renewLease(a, 'gw-1', 300)).toBe(true);
        await sleep(Math.max(0, start + 380 - Date.now())); // past the first expiry (~300), before the renewed one (~500)
        expect(await store.leaseOwner(a)).toBe('gw-1');
        expect(await store.acquireLease(a, 'gw-2', 300)).toBe(false);
      });

      it('goes to exactly one of many concurrent owners', async () => {
        const owners = Array.from({ length: 10 }, (_, i) => `gw-${i}`);
        const results = await Promise.all(owners.map((o) => store.acquireLease(a, o, 10_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.leaseOwner(a)).toBe(owners[results.indexOf(true)]);
      });

      it('rejects a ttlMs that is not a positive integer', async () => {
        for (const ttl of [0, -1, 2.5, NaN]) {
          await expect(store.acquireLease(a, 'gw-1', ttl)).rejects.toThrow(RangeError);
          await expect(store.renewLease(a, 'gw-1', ttl)).rejects.toThrow(RangeError);
        }
        expect(await store.leaseOwner(a)).toBeUndefined();
      });
    });

    describe('lifecycle', () => {
      it('states whether it is durable', () => {
        expect(typeof store.durable).toBe('boolean');
      });

      it('close is idempotent and every method rejects afterwards', async () => {
        await store.set(a, 'k', 1);
        await store.close();
        await store.close();
        await expect(store.get(a, 'k')).rejects.toThrow();
        await expect(store.set(a, 'k', 2)).rejects.toThrow();
        await expect(store.enqueue(a, 'q', 1)).rejects.toThrow();
        await expect(store.markOnce(a, 'm')).rejects.toThrow();
        await expect(store.acquireLease(a, 'gw', 1000)).rejects.toThrow();
        await expect(store.leaseOwner(a)).rejects.toThrow();
      });
    });
  });
}
