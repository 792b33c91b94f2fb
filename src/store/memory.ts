/**
 * The embedded default `StateStore`: everything in process memory, nothing durable. Single node
 * only — leases here protect nothing across processes. Values are kept serialised, as Redis keeps
 * them, so the memory store cannot hide a caller that shares objects with the store.
 */
import { checkEnqueueOptions, checkLimit, checkName, checkTtl, decodeJson, encodeJson } from './state-store.js';
import type { EnqueueOptions, JsonValue, QueueEntry, StateStore } from './state-store.js';

export interface MemoryStoreOptions {
  /** Clock for TTLs (marks, leases), in ms. Default `Date.now`. */
  readonly now?: () => number;
}

interface Queue {
  /** Next id to hand out; survives the queue being emptied so ids are never reused. */
  next: number;
  /** Insertion-ordered: a Map iterates in insertion order, which is enqueue order. */
  readonly items: Map<string, Item>;
  /** Idempotency key → id of the entry appended with it, while that entry is queued. */
  readonly keys: Map<string, string>;
}

interface Item {
  readonly text: string;
  readonly key: string | undefined;
}

interface Lease {
  readonly owner: string;
  readonly expiresAt: number;
}

interface Station {
  readonly kv: Map<string, string>;
  readonly queues: Map<string, Queue>;
  /** Dedupe marks; value = expiry time, or Infinity for marks without TTL. */
  readonly marks: Map<string, number>;
  /** Size of `marks` at which expired marks are swept, so expired dedupe keys do not pile up. */
  sweepAt: number;
  lease?: Lease;
}

const MIN_SWEEP = 1024;

export class MemoryStore implements StateStore {
  readonly durable = false;
  private readonly now: () => number;
  private readonly stations = new Map<string, Station>();
  private closed = false;

  constructor(options: MemoryStoreOptions = {}) {
    this.now = options.now ?? Date.now;
  }

  async get(station: string, key: string): Promise<JsonValue | undefined> {
    checkName('key', key, true);
    const text = this.existing(station)?.kv.get(key);
    return text === undefined ? undefined : decodeJson(text);
  }

  async set(station: string, key: string, value: JsonValue): Promise<void> {
    checkName('key', key, true);
    const text = encodeJson(value);
    this.station(station).kv.set(key, text);
  }

  async delete(station: string, key: string): Promise<boolean> {
    checkName('key', key, true);
    return this.existing(station)?.kv.delete(key) ?? false;
  }

  async getAll(station: string, prefix = ''): Promise<Map<string, JsonValue>> {
    checkName('prefix', prefix, true);
    const out = new Map<string, JsonValue>();
    for (const [key, text] of this.existing(station)?.kv ?? []) {
      if (key.startsWith(prefix)) out.set(key, decodeJson(text));
    }
    return out;
  }

  async enqueue(station: string, queue: string, item: JsonValue, options?: EnqueueOptions): Promise<string> {
    checkName('queue', queue);
    const text = encodeJson(item);
    const { idempotencyKey: key, state } = checkEnqueueOptions(options);
    const s = this.station(station);
    let q = s.queues.get(queue);
    if (q === undefined) {
      q = { next: 1, items: new Map(), keys: new Map() };
      s.queues.set(queue, q);
    }
    const prior = key === undefined ? undefined : q.keys.get(key);
    if (prior !== undefined) return prior;
    // One synchronous step: nothing can observe the append without the state change.
    const id = String(q.next++);
    q.items.set(id, { text, key });
    if (key !== undefined) q.keys.set(key, id);
    for (const change of state) {
      if (change.text === undefined) s.kv.delete(change.key);
      else s.kv.set(change.key, change.text);
    }
    return id;
  }

  async peek(station: string, queue: string, limit: number): Promise<QueueEntry[]> {
    checkName('queue', queue);
    checkLimit(limit);
    const out: QueueEntry[] = [];
    if (limit === 0) return out;
    for (const [id, { text }] of this.existing(station)?.queues.get(queue)?.items ?? []) {
      out.push({ id, item: decodeJson(text) });
      if (out.length >= limit) break;
    }
    return out;
  }

  async remove(station: string, queue: string, id: string): Promise<boolean> {
    checkName('queue', queue);
    checkName('id', id);
    const q = this.existing(station)?.queues.get(queue);
    const found = q?.items.get(id);
    if (q === undefined || found === undefined) return false;
    q.items.delete(id);
    if (found.key !== undefined) q.keys.delete(found.key);
    return true;
  }

  async size(station: string, queue: string): Promise<number> {
    checkName('queue', queue);
    return this.existing(station)?.queues.get(queue)?.items.size ?? 0;
  }

  async markOnce(station: string, key: string, ttlMs?: number): Promise<boolean> {
    checkName('key', key, true);
    if (ttlMs !== undefined) checkTtl('ttlMs', ttlMs);
    const s = this.station(station);
    const now = this.now();
    const expiresAt = s.marks.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    s.marks.set(key, ttlMs === undefined ? Infinity : now + ttlMs);
    if (s.marks.size >= s.sweepAt) {
      for (const [k, at] of s.marks) if (at <= now) s.marks.delete(k);
      s.sweepAt = Math.max(MIN_SWEEP, 2 * s.marks.size);
    }
    return true;
  }

  async acquireLease(station: string, owner: string, ttlMs: number): Promise<boolean> {
    checkName('owner', owner);
    checkTtl('ttlMs', ttlMs);
    const s = this.station(station);
    const now = this.now();
    const live = this.liveLease(s, now);
    if (live !== undefined && live.owner !== owner) return false;
    s.lease = { owner, expiresAt: now + ttlMs };
    return true;
  }

  async renewLease(station: string, owner: string, ttlMs: number): Promise<boolean> {
    checkName('owner', owner);
    checkTtl('ttlMs', ttlMs);
    const s = this.existing(station);
    const now = this.now();
    if (s === undefined || this.liveLease(s, now)?.owner !== owner) return false;
    s.lease = { owner, expiresAt: now + ttlMs };
    return true;
  }

  async releaseLease(station: string, owner: string): Promise<boolean> {
    checkName('owner', owner);
    const s = this.existing(station);
    if (s === undefined || this.liveLease(s, this.now())?.owner !== owner) return false;
    delete s.lease;
    return true;
  }

  async leaseOwner(station: string): Promise<string | undefined> {
    const s = this.existing(station);
    return s === undefined ? undefined : this.liveLease(s, this.now())?.owner;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.stations.clear();
  }

  /** The station's state, created on first write. */
  private station(station: string): Station {
    const existing = this.existing(station);
    if (existing !== undefined) return existing;
    const created: Station = { kv: new Map(), queues: new Map(), marks: new Map(), sweepAt: MIN_SWEEP };
    this.stations.set(station, created);
    return created;
  }

  /** The station's state if any; also the one place that checks `closed` and the station name. */
  private existing(station: string): Station | undefined {
    if (this.closed) throw new Error('state store is closed');
    checkName('station', station);
    return this.stations.get(station);
  }

  private liveLease(s: Station, now: number): Lease | undefined {
    // Expired at exactly `expiresAt`, like a Redis key whose PX has run out.
    if (s.lease !== undefined && s.lease.expiresAt <= now) delete s.lease;
    return s.lease;
  }
}
