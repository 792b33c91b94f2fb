/**
 * The transactional queue (OCPP 2.0.1 E13, docs/protocols/ocpp.md §2.4.5, §2.4.6): TransactionEvents persisted in the
 * StateStore before anything is confirmed to the charger, delivered one at a time in order once the
 * boot is Accepted, retried `MessageAttempts` times spaced `MessageAttemptInterval × n` s on a
 * CALLERROR or time-out (attempts count only while connected), then dropped with an error log.
 *
 * Delivery is at least once, and a repeat is the very same CALL. An entry leaves the store only
 * once the CSMS answered it, and that removal is written before the next entry is sent: so a crash,
 * a lost connection or a time-out repeats at most the one entry in flight. The entry holds the
 * payload as sent (the store's JSON, never rebuilt) and the CALL's message id, chosen when it was
 * queued: a repeat of an unanswered CALL is byte-identical, same message id, same transactionId
 * and seqNo, and the CSMS may drop it by either. OCPP-J lets only a retry of an *unanswered* CALL
 * keep its id (Part 4 §4.1.4 and its errata): after a CALLERROR (or an answer that fails its
 * schema) the next attempt goes under a new id, kept in the entry's attempt record so that a new
 * engine after a crash uses it too.
 */
import { randomUUID } from 'node:crypto';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { RpcCallError, RpcDisconnectedError, RpcTimeoutError } from '../../ocpp/errors.js';
import type { JsonValue, StateChange } from '../../store/state-store.js';
import { type StationContext } from '../context.js';

export const TX_QUEUE = 'tx';
const DRAIN_BATCH = 100;

/** What a queue entry holds. */
export interface QueuedTransactionEvent {
  readonly payload: RequestOf<'TransactionEvent'>;
  /** The CALL's message id on every attempt (absent in entries queued by earlier versions: a fresh one each). */
  readonly messageId?: string;
  /** When it was queued (epoch ms; absent in entries queued by earlier versions). */
  readonly queuedAt?: number;
}

/** When a queue entry was queued: its `queuedAt`, else (an older entry) its event's timestamp; undefined when neither reads. */
export function queuedAtOf(item: JsonValue): number | undefined {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const { queuedAt, payload } = item;
  if (typeof queuedAt === 'number') return queuedAt;
  const timestamp = payload !== null && typeof payload === 'object' && !Array.isArray(payload) ? payload['timestamp'] : undefined;
  const at = typeof timestamp === 'string' ? Date.parse(timestamp) : NaN;
  return Number.isFinite(at) ? at : undefined;
}

/** Delivery attempts of a queue entry so far (while connected), beside the immutable entry. */
const attemptsKey = (id: string): string => `txattempts:${id}`;

/** What the attempt record holds: the count and, once a CALLERROR answered the entry, the id of its next attempts. */
interface Attempts {
  readonly attempts: number;
  readonly messageId?: string;
}

/** An attempt record as stored: a bare count (earlier versions) or `Attempts`. */
function attemptsOf(stored: JsonValue | undefined): Attempts {
  if (typeof stored === 'number') return { attempts: stored };
  if (stored === null || typeof stored !== 'object' || Array.isArray(stored)) return { attempts: 0 };
  const { attempts, messageId } = stored;
  return { attempts: typeof attempts === 'number' ? attempts : 0, ...(typeof messageId === 'string' ? { messageId } : {}) };
}

export class TxQueue {
  private draining = false;
  /** The delivery loop while it runs (`stopped`). */
  private running: Promise<void> | undefined;
  private retryTimer: unknown;
  private online = false;
  /** Entries with a stored attempt count (set by this engine). */
  private readonly retried = new Set<string>();
  /** Entries this engine queued: they have no attempt count unless `retried` says so. */
  private readonly own = new Set<string>();
  /** The message id of an entry's next attempt where it is not the entry's own (undefined: the entry's). */
  private readonly ids = new Map<string, string | undefined>();
  /** Resolvers waiting for the queue to be empty (tests, graceful shutdown). */
  private readonly idleWaiters: (() => void)[] = [];

  constructor(private readonly ctx: StationContext) {}

  /** Each CSMS answer with its request: the authorization cache takes its idTokenInfo, a refused token of an open transaction is acted on. */
  private answered(req: RequestOf<'TransactionEvent'>, res: ResponseOf<'TransactionEvent'>): void {
    const { authorization, invalidId } = this.ctx.blocks;
    authorization.transactionEventAnswered(req, res);
    invalidId.answered(req, res);
  }

  /**
   * Persists an event, with the transaction state change that goes with it in the same atomic
   * write; returns once the store has both (the durability point for legacy records).
   */
  async enqueue(payload: RequestOf<'TransactionEvent'>, state?: StateChange | readonly StateChange[]): Promise<void> {
    const idempotencyKey = `${payload.transactionInfo.transactionId}:${payload.seqNo}`;
    const entry: QueuedTransactionEvent = { payload, messageId: randomUUID(), queuedAt: this.ctx.clock.now() };
    this.own.add(await this.ctx.store.enqueue(this.ctx.id, TX_QUEUE, entry as unknown as JsonValue, { idempotencyKey, ...(state !== undefined ? { state } : {}) }));
    this.kick();
  }

  size(): Promise<number> {
    return this.ctx.store.size(this.ctx.id, TX_QUEUE);
  }

  /** True when some queued event belongs to this transaction (any, without an id). */
  async hasQueued(transactionId?: string): Promise<boolean> {
    const entries = await this.ctx.store.peek(this.ctx.id, TX_QUEUE, 10_000);
    if (transactionId === undefined) return entries.length > 0;
    return entries.some((e) => (e.item as unknown as QueuedTransactionEvent).payload.transactionInfo.transactionId === transactionId);
  }

  /** The station may send (boot Accepted and connected) or not. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.kick();
    else {
      this.ctx.clock.clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    }
  }

  /**
   * Resolves when the queue is empty (or now if it is). The waiter is registered before the store
   * is asked: a drain that finds the queue empty while that answer is on its way (with Redis, in
   * the same socket read as its own last peek) wakes it, instead of leaving it for a drain that may
   * never come.
   */
  drained(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter = (): void => resolve();
      this.idleWaiters.push(waiter);
      this.size().then((n) => {
        // Empty and no drain under way (the flag drops as the drain ends, see `drain`): none will wake it.
        if (n !== 0 || this.draining) return;
        const at = this.idleWaiters.indexOf(waiter);
        if (at >= 0) this.idleWaiters.splice(at, 1);
        resolve();
      }, reject);
    });
  }

  dispose(): void {
    this.online = false;
    this.ctx.clock.clearTimeout(this.retryTimer);
  }

  /**
   * Resolves once the delivery loop has ended (offline: it sends nothing more): an entry whose
   * CALL was answered is out of the store by then, so nobody sends it again.
   */
  async stopped(): Promise<void> {
    await this.running;
  }

  private kick(): void {
    if (!this.online || this.draining || this.retryTimer !== undefined) return;
    this.draining = true;
    const running = this.drain().catch((e: unknown) => this.ctx.log('error', 'transaction queue', { error: e instanceof Error ? e.message : String(e) }));
    this.running = running;
    void running.finally(() => {
      if (this.running === running) this.running = undefined;
    });
  }

  /** Runs while `draining`, which it clears itself in the very step it ends (and wakes `drained()`). */
  private async drain(): Promise<void> {
    try {
      for (;;) {
        if (!this.online) return;
        // A batch per read: one store round trip for many deliveries (they still go one at a time).
        const batch = await this.ctx.store.peek(this.ctx.id, TX_QUEUE, DRAIN_BATCH);
        if (batch.length === 0) {
          for (const w of this.idleWaiters.splice(0)) w();
          return;
        }
        if (!(await this.deliver(batch))) return;
      }
    } finally {
      this.draining = false;
    }
  }

  /** Delivers entries in order; false when delivery must pause (offline, or a retry is scheduled). */
  private async deliver(batch: readonly { id: string; item: JsonValue }[]): Promise<boolean> {
    for (const head of batch) {
      if (!this.online) return false;
      const entry = head.item as unknown as QueuedTransactionEvent;
      const messageId = await this.messageIdOf(head.id, entry);
      try {
        const res = await this.ctx.call('TransactionEvent', entry.payload, messageId !== undefined ? { messageId } : {});
        try {
          this.answered(entry.payload, res);
        } catch (err) {
          this.ctx.log('warn', 'TransactionEvent answer not taken in', { error: err instanceof Error ? err.message : String(err) });
        }
        // Answered: removed before the next entry goes out, so a crash repeats only the one in flight.
        await this.forget(head.id);
      } catch (e) {
        // Lost connection: not an attempt; the event waits for the next Accepted connection.
        if (e instanceof RpcDisconnectedError || !this.online) return false;
        const attempts = attemptsOf(await this.ctx.store.get(this.ctx.id, attemptsKey(head.id))).attempts + 1;
        const max = this.ctx.dm.getNumber('OCPPCommCtrlr', 'MessageAttempts', { instance: 'TransactionEvent' });
        const code = e instanceof RpcCallError ? e.code : e instanceof Error ? e.name : 'error';
        if (attempts >= max) {
          this.ctx.log('error', 'TransactionEvent dropped after its last attempt', { seqNo: entry.payload.seqNo, transactionId: entry.payload.transactionInfo.transactionId, attempts, code });
          await this.forget(head.id);
          continue;
        }
        // Answered (a CALLERROR, or an answer that fails its schema): its id is spent. Unanswered: kept.
        const next = e instanceof RpcTimeoutError ? messageId : randomUUID();
        await this.ctx.store.set(this.ctx.id, attemptsKey(head.id), { attempts, ...(next !== undefined ? { messageId: next } : {}) });
        this.ids.set(head.id, next);
        this.retried.add(head.id);
        const interval = this.ctx.dm.getNumber('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' });
        this.ctx.log('warn', 'TransactionEvent not accepted, will retry', { attempts, code, retryInS: interval * attempts });
        this.retryTimer = this.ctx.clock.setTimeout(
          () => {
            this.retryTimer = undefined;
            this.kick();
          },
          interval * attempts * 1000,
        );
        return false;
      }
    }
    return true;
  }

  /**
   * The id to send an entry under: the entry's own, unless a CALLERROR spent it, which this engine
   * saw or (an entry queued before it started) its attempt record says.
   */
  private async messageIdOf(id: string, entry: QueuedTransactionEvent): Promise<string | undefined> {
    if (!this.ids.has(id) && !this.own.has(id)) this.ids.set(id, attemptsOf(await this.ctx.store.get(this.ctx.id, attemptsKey(id))).messageId);
    return this.ids.get(id) ?? entry.messageId;
  }

  private async forget(id: string): Promise<void> {
    await this.ctx.store.remove(this.ctx.id, TX_QUEUE, id);
    this.ids.delete(id);
    // An entry queued before this engine started may carry a count from the previous one.
    const retried = this.retried.delete(id);
    const ours = this.own.delete(id);
    if (retried || !ours) await this.ctx.store.delete(this.ctx.id, attemptsKey(id));
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly queue: TxQueue;
  }
}
