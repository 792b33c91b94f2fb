/**
 * The Authorization Cache's bound and replacement policies (AuthCacheCtrlr.Storage maxLimit,
 * Policy LRU / LFU / FIFO) on a fake clock, its stored form, and how CustomerInformation cuts
 * records into NotifyCustomerInformation parts.
 */
import { describe, expect, it } from 'vitest';
import { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import { AUTH_CACHE_KEY, AuthCache } from '../../../../src/station/authorization/auth-cache.js';
import { PART_CHARS, parts } from '../../../../src/station/authorization/customer-information.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import type { JsonValue } from '../../../../src/store/state-store.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { PILE_CAPABILITIES } from '../../../support/station.js';

async function cacheWith(policy: string) {
  const store = new MemoryStore();
  const clock = new FakeClock(Date.UTC(2025, 0, 6, 8));
  const dm = await DeviceModel.load({ store, capabilities: PILE_CAPABILITIES, config: { identity: 'CS-AC', securityProfile: 1 }, now: () => new Date(clock.now()) });
  expect((await dm.set([{ component: { name: 'AuthCacheCtrlr' }, variable: { name: 'Policy' }, attributeValue: policy }]))[0]?.attributeStatus).toBe('Accepted');
  const ctx: StationContext = {
    id: 'CS-AC',
    identity: { vendor: 'V', model: 'M' },
    capabilities: PILE_CAPABILITIES,
    store,
    dm,
    rpc: new RpcEndpoint({ clock }),
    clock,
    log: () => undefined,
    charger: { send: () => ({ status: 'sent' }) },
    call: () => Promise.reject(new Error('no CSMS here')),
    isAccepted: () => true,
    isOnline: () => false,
    commandId: (p) => `${p}-1`,
    ...engineStubs(),
  };
  const cache = new AuthCache(ctx);
  await cache.load();
  const token = (i: number) => ({ idToken: `CARD-${String(i).padStart(4, '0')}-0123456789ABCDEFGHIJKLMNO`, type: 'ISO14443' as const });
  /** Adds tokens 0, 1, 2... one second apart until the first one added had to make room; returns how many were added. */
  const fill = (keepUsing: number): number => {
    for (let i = 0; ; i++) {
      clock.advance(1000);
      cache.update(token(i), { status: 'Accepted' });
      if (i > 0 && i !== keepUsing) for (let k = 0; k < 3; k++) cache.use(token(keepUsing));
      if (cache.size < i + 1) return i + 1;
      expect(i).toBeLessThan(500);
    }
  };
  const held = (i: number): boolean => cache.peek(token(i)) !== undefined;
  return { cache, store, dm, clock, token, fill, held };
}

describe('Authorization Cache', () => {
  it('LRU: the least recently used entry makes room, within Storage maxLimit', async () => {
    const { cache, store, dm, fill, held } = await cacheWith('LRU');
    const added = fill(1);
    expect(held(0)).toBe(false);
    expect(held(1)).toBe(true);
    expect(held(2)).toBe(true);
    await cache.flushed();
    const stored = await store.get('CS-AC', AUTH_CACHE_KEY);
    const bytes = Buffer.byteLength(JSON.stringify(stored));
    expect(bytes).toBeLessThanOrEqual(8192);
    expect(dm.getNumber('AuthCacheCtrlr', 'Storage')).toBe(bytes);
    expect(cache.size).toBe(added - 1);
  });

  it('LFU: the entry used least often makes room, however recently it was added', async () => {
    const { cache, fill, held, token } = await cacheWith('LFU');
    cache.update(token(9999), { status: 'Blocked' });
    const added = fill(0);
    // Every entry but 0 was stored once; the oldest of those (9999, then 1) goes first.
    expect(held(9999)).toBe(false);
    expect(held(0)).toBe(true);
    expect(held(added - 1)).toBe(true);
  });

  it('FIFO: the entry added first makes room, however much it is used', async () => {
    const { fill, held } = await cacheWith('FIFO');
    fill(0);
    // fill() stops once token 0, the first added, is gone although it was used all along.
    expect(held(0)).toBe(false);
    expect(held(1)).toBe(true);
  });

  it('loads what it stored and skips malformed entries', async () => {
    const { cache, store, token, clock } = await cacheWith('LRU');
    cache.update(token(1), { status: 'Accepted', groupIdToken: { idToken: 'GROUP', type: 'Central' }, customData: { vendorId: 'x' } });
    await cache.flushed();
    const stored = (await store.get('CS-AC', AUTH_CACHE_KEY)) as { e: JsonValue[] };
    expect(JSON.stringify(stored)).not.toContain('vendorId');
    await store.set('CS-AC', AUTH_CACHE_KEY, { e: [...stored.e, ['ISO14443', 'BAD'], 'junk', ['ISO14443', 'NOSTATUS', {}, 1, 1, 1]] });
    await cache.load();
    expect(cache.size).toBe(1);
    expect(cache.peek(token(1))).toEqual({ info: { status: 'Accepted', groupIdToken: { idToken: 'GROUP', type: 'Central' } }, used: clock.now(), expired: false });
  });
});

describe('NotifyCustomerInformation parts', () => {
  it('one record per part; a record longer than the data field continues in the next part', () => {
    const long = 'x'.repeat(PART_CHARS * 2 + 76);
    expect(parts(['a', long, 'b']).map((p) => p.length)).toEqual([1, PART_CHARS, PART_CHARS, 76, 1]);
    expect(parts([long]).join('')).toBe(long);
  });
});
