/**
 * Security events (A04): SecurityEventNotification for what the gateway sees happen to a station —
 * the CSMS refusing its credentials, its charger sending a bad-frame budget's worth of garbage, its
 * charger's login being refused, an implausible billing record held. Events are kept in their own persisted queue (not the transaction
 * queue: they must not hold TransactionEvents back, nor wait behind them) and delivered in order
 * once the CSMS accepted the boot — also after an outage or a restart, since the store keeps them.
 * A CALLERROR or time-out is retried up to three times, spaced like TransactionEvents
 * (`MessageAttemptInterval` × attempt); a lost connection is not an attempt.
 */
import type { RequestOf } from '../../ocpp/actions.js';
import { RpcDisconnectedError } from '../../ocpp/errors.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { JsonValue } from '../../store/state-store.js';
import type { SecurityEventType, StationContext } from '../context.js';

export type { SecurityEventType };
import { appendSecurityLog } from './security-log.js';

const SECURITY_QUEUE = 'security';
const MAX_ATTEMPTS = 3;
const BATCH = 20;

type Notification = RequestOf<'SecurityEventNotification'>;

export class SecurityEvents {
  private online = false;
  private draining: Promise<void> | undefined;
  /** An event was stored while the queue was draining. */
  private kickAgain = false;
  private retryTimer: unknown;
  private readonly attempts = new Map<string, number>();

  constructor(private readonly ctx: StationContext) {}

  /** Stores the event (resolves once stored) and sends it when the station may. */
  async record(type: SecurityEventType, techInfo?: string, at = this.ctx.clock.now()): Promise<void> {
    const event: Notification = { type, timestamp: ocppTimestamp(at), ...(techInfo !== undefined ? { techInfo: techInfo.slice(0, 255) } : {}) };
    await this.ctx.store.enqueue(this.ctx.id, SECURITY_QUEUE, event as unknown as JsonValue);
    this.ctx.log('info', 'security event', { type, techInfo });
    this.kick();
    // Kept apart from the queue (whose entries go once sent) for GetLog(SecurityLog).
    await appendSecurityLog(this.ctx.store, this.ctx.id, event).catch((e: unknown) => this.ctx.log('warn', 'security log not kept', { error: e instanceof Error ? e.message : String(e) }));
  }

  /** Number of events waiting. */
  size(): Promise<number> {
    return this.ctx.store.size(this.ctx.id, SECURITY_QUEUE);
  }

  /** The station may send (boot Accepted and connected) or not. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) this.kick();
    else this.dispose();
  }

  dispose(): void {
    this.online = false;
    this.ctx.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  /**
   * Waits (at most `maxMs`) for a delivery in progress, so that stopping the engine right after an
   * event was sent does not lose the CSMS's answer and send the event again from the next engine.
   */
  async flush(maxMs: number): Promise<void> {
    if (this.draining === undefined) return;
    let timer: unknown;
    await Promise.race([this.draining, new Promise<void>((resolve) => (timer = this.ctx.clock.setTimeout(resolve, maxMs)))]);
    this.ctx.clock.clearTimeout(timer);
  }

  private kick(): void {
    if (this.draining !== undefined) {
      // The drain may already have found the queue empty: it looks again once it is done.
      this.kickAgain = true;
      return;
    }
    if (!this.online || this.retryTimer !== undefined) return;
    this.draining = this.drain()
      .catch((e: unknown) => this.ctx.log('error', 'security event queue', { error: e instanceof Error ? e.message : String(e) }))
      .finally(() => {
        this.draining = undefined;
        if (!this.kickAgain) return;
        this.kickAgain = false;
        this.kick();
      });
  }

  private async drain(): Promise<void> {
    while (this.online) {
      const batch = await this.ctx.store.peek(this.ctx.id, SECURITY_QUEUE, BATCH);
      if (batch.length === 0) return;
      for (const { id, item } of batch) {
        if (!this.online) return;
        try {
          await this.ctx.call('SecurityEventNotification', item as unknown as Notification);
        } catch (e) {
          if (e instanceof RpcDisconnectedError || !this.online) return;
          const attempts = (this.attempts.get(id) ?? 0) + 1;
          if (attempts < MAX_ATTEMPTS) {
            this.attempts.set(id, attempts);
            const interval = this.ctx.dm.getNumber('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' });
            this.retryTimer = this.ctx.clock.setTimeout(
              () => {
                this.retryTimer = undefined;
                this.kick();
              },
              Math.max(1, interval * attempts) * 1000,
            );
            return;
          }
          this.ctx.log('error', 'SecurityEventNotification dropped after its last attempt', {
            type: (item as unknown as Notification).type,
            attempts,
            error: e instanceof Error ? e.message : String(e),
          });
        }
        this.attempts.delete(id);
        await this.ctx.store.remove(this.ctx.id, SECURITY_QUEUE, id);
      }
    }
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly security: SecurityEvents;
  }
}
