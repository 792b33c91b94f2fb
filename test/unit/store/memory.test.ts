import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../src/store/memory.js';
import { describeStateStore } from '../../contract/state-store.js';

describeStateStore('MemoryStore', async () => new MemoryStore());

describe('MemoryStore', () => {
  function clocked(): { store: MemoryStore; advance: (ms: number) => void } {
    let t = 1_000_000;
    return { store: new MemoryStore({ now: () => t }), advance: (ms) => (t += ms) };
  }

  it('is not durable', () => {
    expect(new MemoryStore().durable).toBe(false);
  });

  it('expires a mark exactly ttlMs after it was first set, on the injected clock', async () => {
    const { store, advance } = clocked();
    expect(await store.markOnce('s', 'k', 1000)).toBe(true);
    advance(999);
    expect(await store.markOnce('s', 'k', 1000)).toBe(false);
    advance(1);
    expect(await store.markOnce('s', 'k', 1000)).toBe(true);
  });

  it('expires a lease exactly ttlMs after the last acquire or renew, on the injected clock', async () => {
    const { store, advance } = clocked();
    expect(await store.acquireLease('s', 'gw-1', 1000)).toBe(true);
    advance(600);
    expect(await store.renewLease('s', 'gw-1', 1000)).toBe(true);
    advance(999);
    expect(await store.leaseOwner('s')).toBe('gw-1');
    advance(1);
    expect(await store.leaseOwner('s')).toBeUndefined();
    expect(await store.renewLease('s', 'gw-1', 1000)).toBe(false);
  });

  it('still dedupes live marks after sweeping many expired ones', async () => {
    const { store, advance } = clocked();
    expect(await store.markOnce('s', 'live')).toBe(true);
    for (let i = 0; i < 3000; i++) await store.markOnce('s', `old-${i}`, 10);
    advance(10);
    for (let i = 0; i < 3000; i++) await store.markOnce('s', `new-${i}`, 1000);
    expect(await store.markOnce('s', 'live')).toBe(false);
    expect(await store.markOnce('s', 'old-1', 10)).toBe(true);
    expect(await store.markOnce('s', 'new-2999', 1000)).toBe(false);
  });

  it('rejects an empty station name', async () => {
    const store = new MemoryStore();
    await expect(store.get('', 'k')).rejects.toThrow(TypeError);
    await expect(store.enqueue('s', '', 1)).rejects.toThrow(TypeError);
    await expect(store.acquireLease('s', '', 1000)).rejects.toThrow(TypeError);
  });
});
