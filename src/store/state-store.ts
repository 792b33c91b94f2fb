/**
 * The `StateStore` contract: everything a virtual station must keep beyond one process — boot
 * state, device-model values set by the CSMS, availability, open transactions, the transactional
 * outbound queue, dedupe keys of legacy records, and ownership leases (docs/delivery-and-outages.md says what
 * an operator can rely on).
 *
 * Every method is async and every guarantee below is one a Redis implementation can give with
 * single commands or a Lua script (hash per station, list/stream per queue, `SET NX PX` for marks
 * and leases). Nothing may rely on two calls being atomic together: a caller that needs
 * "read then write" semantics must use the dedicated primitive (`markOnce`, `acquireLease`, ...),
 * and one that needs "write this state and queue that message" uses `enqueue` with `state`.
 *
 * Values are JSON values. They are serialised on the way in, so a caller never shares an object
 * with the store: mutating what was `set` or what `get` returned changes nothing stored.
 */

/** A value that survives `JSON.stringify`/`JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A key/value change made in the same atomic step as a queue append (`EnqueueOptions.state`). */
export type StateChange = { readonly key: string; readonly value: JsonValue } | { readonly key: string; readonly delete: true };

export interface EnqueueOptions {
  /**
   * Names the append. Appending again with the key of an entry still in the queue appends nothing,
   * changes nothing and resolves that entry's id. When absent the store generates one per call, so
   * a command the client library resends after a reconnect (ioredis replays unacknowledged
   * commands) still lands once. Keys live with their entry: once it is removed, the key is free.
   */
  readonly idempotencyKey?: string;
  /**
   * Set (or delete) keys of the station together with the append: all happen or none does, in the
   * order given. This is how a transaction's state (its next seqNo) and the event that used the
   * seqNo are written without a crash window that would leave a seqNo gap or a duplicate.
   */
  readonly state?: StateChange | readonly StateChange[];
}

/** One entry of a per-station queue, as returned by `peek`. */
export interface QueueEntry {
  /** Assigned by `enqueue`; unique within its (station, queue), never reused. */
  readonly id: string;
  readonly item: JsonValue;
}

export interface StateStore {
  /**
   * True when an acknowledged write survives a process crash (Redis with AOF). The memory store
   * is not durable; the gateway says so at start and must not claim durability to a charger.
   */
  readonly durable: boolean;

  /** The value stored under `key` for `station`, or undefined. Keys of other stations are never seen. */
  get(station: string, key: string): Promise<JsonValue | undefined>;

  /**
   * Stores `value` under `key` (replacing any previous value). When the promise resolves the write
   * is as durable as the store is (`durable`).
   * @throws TypeError (rejects) when `value` is not a JSON value (undefined, NaN, Infinity, a
   *   function, a Date or other class instance, a cycle) — such values would not read back equal.
   */
  set(station: string, key: string, value: JsonValue): Promise<void>;

  /** Removes `key`; resolves true when it existed. */
  delete(station: string, key: string): Promise<boolean>;

  /**
   * Every key of `station` that starts with `prefix` (a literal prefix, not a glob: `*`, `?` and
   * `[` match only themselves), with its value. Order is unspecified. Without `prefix`, all keys.
   */
  getAll(station: string, prefix?: string): Promise<Map<string, JsonValue>>;

  /**
   * Appends `item` to the ordered queue `queue` of `station` and resolves its id once stored.
   * Items of one queue are returned by `peek` in the order their `enqueue` calls resolved; ids are
   * unique within the queue and never reused, even after removal. Queues are independent.
   * `options` make the append idempotent and/or atomic with a key/value change (see
   * `EnqueueOptions`); a value that is not JSON (item or state) rejects with TypeError, storing nothing.
   */
  enqueue(station: string, queue: string, item: JsonValue, options?: EnqueueOptions): Promise<string>;

  /**
   * Up to `limit` (a non-negative integer) of the oldest items of the queue, oldest first, without
   * removing them. An unknown queue is empty.
   */
  peek(station: string, queue: string, limit: number): Promise<QueueEntry[]>;

  /** Removes the item with `id` wherever it is in the queue; resolves true when it was there. */
  remove(station: string, queue: string, id: string): Promise<boolean>;

  /** Number of items in the queue. */
  size(station: string, queue: string): Promise<number>;

  /**
   * Marks `key` (a dedupe key, e.g. a legacy transaction id) as seen. Resolves true only for the
   * one caller that set the mark — also among concurrent callers — and false while the mark lives.
   * With `ttlMs` (a positive integer) the mark expires after that time, counted from the first
   * mark; later calls do not extend it. Without `ttlMs` the mark never expires. Marks live in their
   * own namespace: they are not keys of `get`/`set`.
   */
  markOnce(station: string, key: string, ttlMs?: number): Promise<boolean>;

  /**
   * Takes the ownership lease of `station` for `owner` for `ttlMs` (a positive integer). Succeeds
   * when nobody holds a live lease or `owner` already does (then the lease is extended to `ttlMs`
   * from now). Among concurrent callers for a free lease exactly one succeeds. A lease is live until
   * `ttlMs` after its last acquire/renew.
   */
  acquireLease(station: string, owner: string, ttlMs: number): Promise<boolean>;

  /**
   * Extends a live lease held by `owner` to `ttlMs` from now. Resolves false (changing nothing) when
   * the lease expired, is held by another owner, or was never taken: the caller has lost ownership
   * and must stop acting for the station.
   */
  renewLease(station: string, owner: string, ttlMs: number): Promise<boolean>;

  /** Ends a live lease held by `owner`; resolves false (changing nothing) when `owner` does not hold it. */
  releaseLease(station: string, owner: string): Promise<boolean>;

  /** The owner of the live lease of `station`, or undefined when the lease is free or expired. */
  leaseOwner(station: string): Promise<string | undefined>;

  /** Releases connections and timers. Idempotent; every other method rejects afterwards. */
  close(): Promise<void>;
}

/**
 * Serialises a value for storage, refusing what would not read back equal.
 * @throws TypeError naming the JSON path of the first offending value.
 */
export function encodeJson(value: JsonValue): string {
  const problem = jsonProblem(value, []);
  if (problem !== undefined) throw new TypeError(`$${problem.path}: ${problem.reason}`);
  return JSON.stringify(value);
}

/** Parses what `encodeJson` produced. */
export function decodeJson(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

/**
 * Checks the identifiers every method takes (station, key, queue, owner, id).
 * @throws TypeError when `value` is not a string or (unless `allowEmpty`) is empty.
 */
export function checkName(what: string, value: unknown, allowEmpty = false): void {
  if (typeof value !== 'string' || (!allowEmpty && value.length === 0)) {
    throw new TypeError(`${what} must be a ${allowEmpty ? '' : 'non-empty '}string`);
  }
}

/**
 * Checks a TTL: Redis `PX` takes a positive integer of milliseconds, so every store does.
 * @throws RangeError otherwise.
 */
export function checkTtl(what: string, ttlMs: unknown): void {
  if (typeof ttlMs !== 'number' || !Number.isSafeInteger(ttlMs) || ttlMs <= 0) {
    throw new RangeError(`${what} must be a positive integer of milliseconds, got ${String(ttlMs)}`);
  }
}

/** `EnqueueOptions` checked and serialised: what a store needs to apply them. */
export interface CheckedEnqueue {
  readonly idempotencyKey: string | undefined;
  /** Each state key and its serialised value, or `undefined` as the value for a delete; in order. */
  readonly state: readonly { readonly key: string; readonly text: string | undefined }[];
}

/**
 * Checks `enqueue` options and serialises the state value.
 * @throws TypeError for an empty idempotency key, a state key that is not a string, or a value
 *   that is not JSON.
 */
export function checkEnqueueOptions(options: EnqueueOptions | undefined): CheckedEnqueue {
  if (options === undefined) return { idempotencyKey: undefined, state: [] };
  if (options.idempotencyKey !== undefined) checkName('idempotencyKey', options.idempotencyKey);
  const changes: readonly StateChange[] = options.state === undefined ? [] : isChangeList(options.state) ? options.state : [options.state];
  const state = changes.map((change) => {
    checkName('state key', change.key, true);
    return { key: change.key, text: 'delete' in change && change.delete ? undefined : encodeJson((change as { value: JsonValue }).value) };
  });
  return { idempotencyKey: options.idempotencyKey, state };
}

function isChangeList(state: StateChange | readonly StateChange[]): state is readonly StateChange[] {
  return Array.isArray(state);
}

/**
 * Checks a `peek` limit.
 * @throws RangeError unless a non-negative integer.
 */
export function checkLimit(limit: unknown): void {
  if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0) {
    throw new RangeError(`limit must be a non-negative integer, got ${String(limit)}`);
  }
}

/** Why `value` is not a JSON value, with the path to the offending part; the path is only built on failure. */
interface JsonProblem {
  path: string;
  readonly reason: string;
}

/**
 * The first reason `value` is not a JSON value, or undefined. Allocates nothing for a valid value
 * (it runs on every store write): `ancestors` is the current path of objects, for cycles.
 */
function jsonProblem(value: unknown, ancestors: object[]): JsonProblem | undefined {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return undefined;
    case 'number':
      return Number.isFinite(value) ? undefined : { path: '', reason: `${value} is not a JSON number` };
    case 'object': {
      if (value === null) return undefined;
      if (ancestors.includes(value)) return { path: '', reason: 'cycle' };
      const proto: unknown = Object.getPrototypeOf(value);
      const isArray = Array.isArray(value);
      if (!isArray && proto !== Object.prototype && proto !== null) {
        return { path: '', reason: `${value.constructor?.name ?? 'object'} is not a plain JSON object` };
      }
      ancestors.push(value);
      let problem: JsonProblem | undefined;
      if (isArray) {
        for (let i = 0; i < value.length && problem === undefined; i++) {
          problem = jsonProblem(value[i], ancestors);
          if (problem !== undefined) problem.path = `[${i}]${problem.path}`;
        }
      } else {
        const record = value as Record<string, unknown>;
        for (const k in record) {
          if (!Object.hasOwn(record, k)) continue;
          problem = jsonProblem(record[k], ancestors);
          if (problem !== undefined) {
            problem.path = `.${k}${problem.path}`;
            break;
          }
        }
      }
      ancestors.pop();
      return problem;
    }
    default:
      return { path: '', reason: `${typeof value} is not a JSON value` };
  }
}
