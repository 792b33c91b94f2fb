/**
 * Ownership leases between instances that share one store (here two `Ownership`s on one memory
 * store): a takeover request makes the owner stop its station before the lease moves, a dead owner's
 * lease is taken once it expires, a takeover that never comes times out, and the renewal loop
 * releases ended stations, stops a station whose lease was lost and re-takes one that merely expired.
 * Within one instance: a second attempt for a station waits for the first one instead of overwriting
 * its record, `hold` and `release` act on their own lease only, and a station already running is
 * ended before a new attempt takes its lease. An owner whose station keeps its live connection
 * (`Holding.consider`) refuses a takeover, and the asking instance learns it at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Ownership, TAKEOVER_KEY, type Holding, type Lease } from '../../../src/gateway/ownership.js';
import { MemoryStore } from '../../../src/store/memory.js';
import { until } from '../../support/station.js';

/** Polls an async condition. */
async function eventually(pred: () => Promise<boolean>, what: string, timeoutMs = 2_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const S = 'ST-1';
const owners: Ownership[] = [];
let offset = 0;
const store = (): MemoryStore => new MemoryStore({ now: () => Date.now() + offset });

afterEach(async () => {
  await Promise.all(owners.splice(0).map((o) => o.stop()));
  offset = 0;
});

function instance(s: MemoryStore, id: string, options: { leaseTtlMs?: number; takeoverTimeoutMs?: number; loop?: boolean } = {}): Ownership {
  const o = new Ownership({
    store: s,
    instanceId: id,
    leaseTtlMs: options.leaseTtlMs ?? 300,
    renewIntervalMs: 50,
    ...(options.takeoverTimeoutMs !== undefined ? { takeoverTimeoutMs: options.takeoverTimeoutMs } : {}),
    log: () => undefined,
  });
  if (options.loop !== false) o.start();
  owners.push(o);
  return o;
}

/** Takes the lease of `station`, failing the test when it is not granted. */
async function lease(o: Ownership, station: string): Promise<Lease> {
  const r = await o.acquire(station, () => false);
  if (!r.ok) throw new Error(`lease of ${station} not granted: ${r.reason}`);
  return r.lease;
}

/** A station that records when it was stopped. */
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

describe('Ownership', () => {
  it('hands a station over on a takeover request: the owner stops before the taker holds the lease', async () => {
    const s = store();
    const a = instance(s, 'a');
    const b = instance(s, 'b');
    const log: string[] = [];
    a.hold(await lease(a, S), station(log, 'a'));
    const taken = b
      .acquire(S, () => false)
      .then((r) => {
        log.push('b acquired');
        return r;
      });
    expect(await taken).toMatchObject({ ok: true });
    expect(log).toEqual(['a stopped: taken over by b', 'b acquired']);
    expect(await s.leaseOwner(S)).toBe('b');
    expect(a.stations).toEqual([]);
    expect(b.stations).toEqual([S]);
    // The request is gone, so b is not asked to hand the station back.
    expect(await s.get(S, TAKEOVER_KEY)).toBeUndefined();
  });

  it('lets the owner refuse a takeover for its live connection, told the newcomer address: the taker gets the refusal at once', async () => {
    const s = store();
    const a = instance(s, 'a');
    const b = instance(s, 'b', { takeoverTimeoutMs: 5_000 });
    const log: string[] = [];
    const claims: unknown[] = [];
    a.hold(await lease(a, S), {
      ...station(log, 'a'),
      consider: (claim) => {
        claims.push(claim);
        return 'the live connection keeps it';
      },
    });
    const t0 = Date.now();
    expect(await b.acquire(S, () => false, '127.0.0.2')).toEqual({ ok: false, reason: 'the live connection keeps it', refused: true });
    expect(Date.now() - t0).toBeLessThan(2_000);
    expect(claims).toEqual([{ by: 'b', address: '127.0.0.2' }]);
    expect(log).toEqual([]);
    expect(await s.leaseOwner(S)).toBe('a');
    expect(await s.get(S, TAKEOVER_KEY)).toBeUndefined();
  });

  it("takes a dead owner's lease once it expires", async () => {
    const s = store();
    const dead = instance(s, 'dead', { loop: false });
    expect((await dead.acquire(S, () => false)).ok).toBe(true);
    const b = instance(s, 'b');
    const t0 = Date.now();
    expect(await b.acquire(S, () => false)).toMatchObject({ ok: true });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(200);
    expect(await s.leaseOwner(S)).toBe('b');
  });

  it('gives up after takeoverTimeoutMs when the owner does not hand over, and withdraws its request', async () => {
    const s = store();
    const stubborn = instance(s, 'stubborn', { leaseTtlMs: 60_000, loop: false });
    expect((await stubborn.acquire(S, () => false)).ok).toBe(true);
    const b = instance(s, 'b', { takeoverTimeoutMs: 300 });
    const r = await b.acquire(S, () => false);
    expect(r).toEqual({ ok: false, reason: 'lease held by stubborn; no handover within 300 ms' });
    expect(await s.get(S, TAKEOVER_KEY)).toBeUndefined();
    expect(await s.leaseOwner(S)).toBe('stubborn');
  });

  it('stops waiting when the new connection goes away', async () => {
    const s = store();
    const a = instance(s, 'a', { leaseTtlMs: 60_000, loop: false });
    await a.acquire(S, () => false);
    let gone = false;
    setTimeout(() => (gone = true), 100);
    expect(await instance(s, 'b').acquire(S, () => gone)).toEqual({ ok: false, reason: 'abandoned while waiting for the lease' });
  });

  it('releases the lease of a station whose charger disconnected', async () => {
    const s = store();
    const a = instance(s, 'a');
    const log: string[] = [];
    const h = station(log, 'a');
    a.hold(await lease(a, S), h);
    h.closed = true;
    await eventually(async () => (await s.leaseOwner(S)) === undefined, 'lease released');
    expect(log).toEqual(['a stopped: charger disconnected']);
  });

  it('stops a station whose lease another instance holds now', async () => {
    const s = store();
    const a = instance(s, 'a', { leaseTtlMs: 200 });
    const log: string[] = [];
    a.hold(await lease(a, S), station(log, 'a'));
    // A stall long enough for the lease to expire and be taken by someone else.
    offset = 10_000;
    expect(await s.acquireLease(S, 'intruder', 60_000)).toBe(true);
    await until(() => log.includes('a stopped: ownership lease lost'), 'station stopped', 2_000);
    expect(await s.leaseOwner(S)).toBe('intruder');
  });

  it('takes an expired lease again when nobody else took it, without stopping the station', async () => {
    const s = store();
    const a = instance(s, 'a');
    const log: string[] = [];
    a.hold(await lease(a, S), station(log, 'a'));
    offset = 10_000;
    await eventually(async () => (await s.leaseOwner(S)) === 'a' && log.length === 0, 'lease taken again');
    await new Promise((r) => setTimeout(r, 150));
    expect(log).toEqual([]);
    expect(a.stations).toEqual([S]);
  });

  it('hands over a station still starting only once it is held; hold() refuses after the lease is lost', async () => {
    const s = store();
    const a = instance(s, 'a');
    const starting = await lease(a, S);
    await s.set(S, TAKEOVER_KEY, { by: 'b', at: Date.now() });
    await new Promise((r) => setTimeout(r, 200));
    // Still ours and renewed: an engine half-created cannot be stopped properly yet.
    expect(await s.leaseOwner(S)).toBe('a');
    const log: string[] = [];
    expect(a.hold(starting, station(log, 'a'))).toBe(true);
    await until(() => log.includes('a stopped: taken over by b'), 'handed over once held', 2_000);

    const c = instance(s, 'c');
    const other = await lease(c, 'other');
    offset = 10_000;
    expect(await s.acquireLease('other', 'intruder', 60_000)).toBe(true);
    await until(() => !c.stations.includes('other'), 'lease lost noticed', 2_000);
    expect(c.hold(other, station(log, 'c'))).toBe(false);
    expect(log).not.toContain('c stopped: ownership lease lost');
  });

  it('stop() stops every station, then releases every lease', async () => {
    const s = store();
    const a = instance(s, 'a');
    const log: string[] = [];
    for (const id of ['x', 'y']) {
      a.hold(await lease(a, id), station(log, id));
    }
    await a.stop();
    expect(log.sort()).toEqual(['x stopped: gateway stopping', 'y stopped: gateway stopping']);
    expect(await s.leaseOwner('x')).toBeUndefined();
    expect(await s.leaseOwner('y')).toBeUndefined();
  });
});

describe('Ownership lease records', () => {
  it('lets a second attempt wait for the first; the stale attempt releasing its lease leaves the live one alone', async () => {
    const store = new MemoryStore();
    const a = instance(store, 'a', { takeoverTimeoutMs: 2_000 });
    const first = await a.acquire(S, () => false);
    if (!first.ok) throw new Error(first.reason);
    let secondDone = false;
    const second = a
      .acquire(S, () => false)
      .then((r) => {
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
    const a = instance(store, 'a', { takeoverTimeoutMs: 2_000 });
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
    const a = instance(store, 'a', { takeoverTimeoutMs: 2_000 });
    const first = await a.acquire(S, () => false);
    expect(first.ok).toBe(true);
    let gone = false;
    setTimeout(() => (gone = true), 100);
    expect(await a.acquire(S, () => gone)).toEqual({ ok: false, reason: 'abandoned while waiting for the lease' });
    expect(a.stations).toEqual([S]);
  });
});
