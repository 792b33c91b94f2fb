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
import type { StationContext } from '../context.js';
import { appendSecurityLog } from './security-log.js';

export const SECURITY_QUEUE = 'security';
const MAX_ATTEMPTS = 3;
const BATCH = 20;

/**
 * Types from the OCPP 2.0.1 security events list (Part 2 appendix) the gateway raises, plus a
 * vendor type for what the list has no name for. `type` is a free string of at most 50 characters.
 */
export type SecurityEventType =
  /** The CSMS refused the station's credentials (HTTP 401 on the WebSocket handshake). */
  | 'FailedToAuthenticateAtCsms'
  /** The charger sent more malformed frames than the per-connection budget allows. */
  | 'InvalidMessages'
  /**
   * A login claiming this station's charger was refused: from outside its allowed networks,
   * without its key, or while it is connected (vendor type: the list has none; `techInfo` starts
   * with the reason, e.g. `duplicate_login:`).
   */
  | 'ChargerLoginRefused'
  /** A billing record from the charger failed its plausibility checks and is held (vendor type). */
  | 'ImplausibleTransactionRecord'
  /** A second login of this station's charger took over its live connection (`duplicateLogin: replace`; vendor type). */
  | 'ChargerLoginReplaced'
  /** A firmware image whose signature does not verify (L01.FR.03). */
  | 'InvalidFirmwareSignature'
  /** A firmware signing certificate that is not valid (L01.FR.02). */
  | 'InvalidFirmwareSigningCertificate'
  /** New firmware installed (L01.FR.31). */
  | 'FirmwareUpdated'
  /** The CSMS's TLS certificate failed verification against the station's trusted roots. */
  | 'InvalidCsmsCertificate'
  /** A CertificateSignedRequest carried a certificate the station refused (A02.FR.07). */
  | 'InvalidChargingStationCertificate'
  /** The renewed client certificate was dropped: the station connected with the previous one (A02.FR.29, 2025 errata). */
  | 'DiscardedRenewedClientCertificate'
  | 'SettingSystemTime'
  | 'ResetOrReboot'
  | 'StartupOfTheDevice'
  | 'ReconfigurationOfSecurityParameters';

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
            this.retryTimer = this.ctx.clock.setTimeout(() => {
              this.retryTimer = undefined;
              this.kick();
            }, Math.max(1, interval * attempts) * 1000);
            return;
          }
          this.ctx.log('error', 'SecurityEventNotification dropped after its last attempt', { type: (item as unknown as Notification).type, attempts, error: e instanceof Error ? e.message : String(e) });
        }
        this.attempts.delete(id);
        await this.ctx.store.remove(this.ctx.id, SECURITY_QUEUE, id);
      }
    }
  }
}
