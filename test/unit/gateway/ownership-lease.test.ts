/**
 * Lease records within one instance: a second attempt for a station waits for the first one instead
 * of overwriting its record, `hold` and `release` act on their own lease only (a stale attempt's
 * release leaves the live one alone), and a station already running is ended before a new attempt
 * takes its lease.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ownership, type Holding } from '../../../src/gateway/ownership.js';
import { MemoryStore } from '../../../src/store/memory.js';

const S = 'ST-1';
const owners: Ownership[] = [];

afterEach(async () => {
  await Promise.all(owners.splice(0).map((o) => o.stop()));
});

function instance(store: MemoryStore, id: string): Ownership {
  const o = new Ownership({ store, instanceId: id, leaseTtlMs: 300, renewIntervalMs: 50, takeoverTimeoutMs: 2_000, log: () => undefined });
  o.start();
  owners.push(o);
  return o;
}

function station(log: string[], name: string): Holding & { closed: boolean } {
  const h = {
    closed: false,
    ended: () => h.closed,
    stop: async (reason: string) => {
      await new Promise((r) => setTimeout(r, 20));
      log.push(`${name} stopped: ${reason}`);
    },
  };
  return h;
}

describe('Ownership lease records', () => {
  it('lets a second attempt wait for the first; the stale attempt releasing its lease leaves the live one alone', async () => {
    const store = new MemoryStore();
    const a = instance(store, 'a');
    const first = await a.acquire(S, () => false);
    if (!first.ok) throw new Error(first.reason);
    let secondDone = false;
    const second = a.acquire(S, () => false).then((r) => {
      secondDone = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 150));
    // The first attempt is still starting its engine: the second waits rather than overwrite it.
    expect(secondDone).toBe(false);
    await a.release(first.lease, 'charger gone before the engine started');
    const live = await second;
    if (!live.ok) throw new Error(live.reason);
    expect(live.lease).not.toBe(first.lease);
    const log: string[] = [];
    expect(a.hold(live.lease, station(log, 'live'))).toBe(true);
    // A stale attempt releasing (or holding) again touches its own record only.
    await a.release(first.lease, 'stale');
    expect(a.hold(first.lease, station(log, 'stale'))).toBe(false);
    expect(a.stations).toEqual([S]);
    expect(await store.leaseOwner(S)).toBe('a');
    await new Promise((r) => setTimeout(r, 150));
    expect(log).toEqual([]);
    expect(await store.leaseOwner(S)).toBe('a');
  });

  it('ends the station an earlier connection runs before a new attempt takes the lease', async () => {
    const store = new MemoryStore();
    const a = instance(store, 'a');
    const first = await a.acquire(S, () => false);
    if (!first.ok) throw new Error(first.reason);
    const log: string[] = [];
    a.hold(first.lease, station(log, 'first'));
    const second = await a.acquire(S, () => false);
    log.push('second acquired');
    expect(second.ok).toBe(true);
    expect(log).toEqual(['first stopped: replaced by a new connection', 'second acquired']);
    expect(a.stations).toEqual([S]);
    expect(await store.leaseOwner(S)).toBe('a');
  });

  it('gives up waiting for an earlier attempt when the new connection goes away', async () => {
    const store = new MemoryStore();
    const a = instance(store, 'a');
    const first = await a.acquire(S, () => false);
    expect(first.ok).toBe(true);
    let gone = false;
    setTimeout(() => (gone = true), 100);
    expect(await a.acquire(S, () => gone)).toEqual({ ok: false, reason: 'abandoned while waiting for the lease' });
    expect(a.stations).toEqual([S]);
  });
});
