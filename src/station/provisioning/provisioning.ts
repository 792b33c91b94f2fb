/**
 * Provisioning (OCPP 2.0.1 B01-B04, G02): BootNotification and its three answers, the heartbeat on
 * inactivity, and the CSMS clock passed on to the charger.
 *
 * - Accepted: adopt `interval` as heartbeat interval; listeners report connectors etc.
 * - Pending: answer the CSMS, send nothing of our own but the next BootNotification after
 *   `interval` (or at once on TriggerMessage(BootNotification)).
 * - Rejected: send nothing until `interval` has passed; CSMS CALLs get SecurityError (TC_B_30).
 */
import type { ResponseOf } from '../../ocpp/actions.js';
import { OcppError } from '../../ocpp/errors.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { background, type BootReason, type StationContext } from '../context.js';

export type { BootReason };

export type BootState = 'unbooted' | 'booting' | 'pending' | 'accepted' | 'rejected';

/** Wait before retrying a boot that failed (time-out, CALLERROR) or when the CSMS says interval 0. */
const BOOT_RETRY_MS = 30_000;
/** The CSMS time is passed to the charger at most this often. */
const CLOCK_SYNC_EVERY_MS = 3_600_000;

export class Provisioning {
  private current: BootState = 'unbooted';
  private reason: BootReason = 'PowerUp';
  private retryTimer: unknown;
  private heartbeatTimer: unknown;
  private lastActivity = 0;
  private lastClockSync = Number.NEGATIVE_INFINITY;
  private connected = false;

  constructor(private readonly ctx: StationContext) {
    ctx.rpc.setGuard((action) => (this.current === 'rejected' ? new OcppError('SecurityError', `BootNotification was rejected: ${action} refused until accepted`) : undefined));
  }

  get state(): BootState {
    return this.current;
  }

  /** The first boot of this engine gives this reason (FirmwareUpdate: the charger came back from an installation). */
  firstBootReason(reason: BootReason): void {
    if (this.current === 'unbooted') this.reason = reason;
  }

  /** The boot is Accepted (first time and after a re-boot): what waited for it goes out. */
  private accepted(): void {
    const { reservations, availability, queue, security, firmware } = this.ctx.blocks;
    reservations.accepted();
    availability.reportAll(true);
    queue.setOnline(true);
    security.setOnline(true);
    firmware.accepted();
  }

  /** Any OCPP exchange: postpones the heartbeat. */
  activity(): void {
    this.lastActivity = this.ctx.clock.now();
  }

  /** The WebSocket is open: boot if not yet accepted (no new boot on a mere reconnect). */
  connectionOpened(): void {
    this.connected = true;
    if (this.current === 'unbooted' || this.current === 'pending' || this.current === 'booting') this.boot();
    else if (this.current === 'accepted') this.armHeartbeat();
  }

  connectionClosed(): void {
    this.connected = false;
    this.ctx.clock.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    // A boot in flight failed with the connection; the next open boots again.
    if (this.current === 'booting') this.setState('unbooted', 'connection closed during boot');
  }

  /** The virtual station reboots (Reset): boot again with this reason on the next connection. */
  reboot(reason: BootReason): void {
    this.reason = reason;
    this.ctx.clock.clearTimeout(this.retryTimer);
    this.setState('unbooted', `reboot (${reason})`);
  }

  /** TriggerMessage(BootNotification): Rejected once accepted (F06.FR.17), else boot at once. */
  trigger(): 'Accepted' | 'Rejected' {
    if (this.current === 'accepted') return 'Rejected';
    return 'Accepted';
  }

  /** Sends the triggered BootNotification (after the TriggerMessage response). */
  bootTriggered(): void {
    this.reason = 'Triggered';
    this.ctx.clock.clearTimeout(this.retryTimer);
    if (this.connected) this.boot();
  }

  /** The heartbeat interval (s) changed through SetVariables. */
  heartbeatIntervalChanged(): void {
    if (this.current === 'accepted') this.armHeartbeat();
  }

  /** Sends a Heartbeat now (TriggerMessage) and applies its time. */
  async heartbeat(): Promise<void> {
    const r = await this.ctx.call('Heartbeat', {});
    this.syncClock(r.currentTime);
  }

  dispose(): void {
    this.ctx.clock.clearTimeout(this.retryTimer);
    this.ctx.clock.clearTimeout(this.heartbeatTimer);
  }

  private boot(): void {
    if (this.current === 'booting') return;
    this.setState('booting', this.reason);
    const id = this.ctx.identity;
    const chargingStation = {
      model: id.model.slice(0, 20),
      vendorName: id.vendor.slice(0, 50),
      ...(id.serialNumber !== undefined ? { serialNumber: id.serialNumber.slice(0, 25) } : {}),
      ...(id.firmwareVersion !== undefined ? { firmwareVersion: id.firmwareVersion.slice(0, 50) } : {}),
      ...(id.iccid !== undefined ? { modem: { iccid: id.iccid.slice(0, 20) } } : {}),
    };
    this.ctx.call('BootNotification', { chargingStation, reason: this.reason }).then(
      (r) => this.onBootResponse(r),
      (e: unknown) => {
        if (this.current !== 'booting') return;
        this.ctx.log('warn', 'BootNotification failed', { error: e instanceof Error ? e.message : String(e) });
        this.setState('unbooted', 'boot failed');
        this.retry(BOOT_RETRY_MS);
      },
    );
  }

  private onBootResponse(r: ResponseOf<'BootNotification'>): void {
    if (this.current !== 'booting') return;
    const intervalMs = r.interval > 0 ? r.interval * 1000 : BOOT_RETRY_MS;
    if (r.status === 'Accepted') {
      this.setState('accepted', 'Accepted');
      this.reason = 'PowerUp';
      if (r.interval > 0) this.ctx.dm.setRuntime('OCPPCommCtrlr', 'HeartbeatInterval', r.interval);
      this.syncClock(r.currentTime);
      this.armHeartbeat();
      background(this.ctx, 'SecurityEventNotification', this.ctx.call('SecurityEventNotification', { type: 'StartupOfTheDevice', timestamp: ocppTimestamp(this.ctx.clock.now()) }));
      this.accepted();
      return;
    }
    this.setState(r.status === 'Pending' ? 'pending' : 'rejected', r.status);
    this.retry(intervalMs);
  }

  private retry(ms: number): void {
    this.ctx.clock.clearTimeout(this.retryTimer);
    this.retryTimer = this.ctx.clock.setTimeout(() => {
      if (this.current === 'rejected') this.setState('unbooted', 'rejection interval over');
      if (this.connected && this.current !== 'accepted') this.boot();
    }, ms);
  }

  private armHeartbeat(): void {
    this.ctx.clock.clearTimeout(this.heartbeatTimer);
    const intervalMs = this.ctx.dm.getNumber('OCPPCommCtrlr', 'HeartbeatInterval') * 1000;
    if (!(intervalMs > 0) || !this.connected) return;
    const due = Math.max(0, this.lastActivity + intervalMs - this.ctx.clock.now());
    this.heartbeatTimer = this.ctx.clock.setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (!this.connected || this.current !== 'accepted') return;
      if (this.ctx.clock.now() - this.lastActivity >= intervalMs) background(this.ctx, 'Heartbeat', this.heartbeat());
      this.armHeartbeat();
    }, due);
  }

  /** The CSMS time, passed to the charger (at most hourly) when the charger can take it. */
  private syncClock(currentTime: string): void {
    const now = this.ctx.clock.now();
    if (!this.ctx.capabilities.commands.has('setClock') || now - this.lastClockSync < CLOCK_SYNC_EVERY_MS) return;
    const sources = this.ctx.dm.getList('ClockCtrlr', 'TimeSource');
    if (!sources.includes('Heartbeat')) return;
    this.lastClockSync = now;
    const outcome = this.ctx.charger.send({ type: 'setClock', id: this.ctx.commandId('clock'), time: new Date(currentTime).toISOString() });
    if (outcome.status !== 'sent') this.ctx.log('debug', 'charger clock not set', { reason: outcome.reason });
  }

  private setState(to: BootState, reason: string): void {
    if (to === this.current) return;
    this.ctx.log('info', `boot ${this.current} -> ${to}`, { from: this.current, to, reason });
    this.current = to;
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly provisioning: Provisioning;
  }
}
