/**
 * Availability (OCPP 2.0.1 G01-G04, B11/B12): connector status from the charger's canonical
 * status and the operative state the CSMS set, StatusNotification on every change and for every
 * connector after each (re)connection; ChangeAvailability and Reset.
 */
import type { ConnectorStatusEvent } from '../model/events.js';
import type { RequestOf, ResponseOf } from '../ocpp/actions.js';
import { ocppTimestamp } from '../ocpp/schemas.js';
import { background, type StationContext } from './context.js';
import type { BootReason } from './provisioning.js';

type OcppStatus = RequestOf<'StatusNotification'>['connectorStatus'];
type Operational = RequestOf<'ChangeAvailability'>['operationalStatus'];

const TO_OCPP: Readonly<Record<ConnectorStatusEvent['status'], OcppStatus>> = {
  available: 'Available',
  occupied: 'Occupied',
  reserved: 'Reserved',
  unavailable: 'Unavailable',
  faulted: 'Faulted',
};

/** StateStore keys of the operative state: whole station, and per EVSE. */
const STATION_KEY = 'availability';
const evseKey = (evse: number): string => `availability:evse:${evse}`;

export interface AvailabilityHooks {
  /** True while a charging session runs on this EVSE (0 = any). */
  sessionRunning(evse: number): boolean;
  /** The virtual station must reboot (after a Reset was answered). */
  reboot(reason: BootReason): void;
}

export class Availability {
  private readonly charger = new Map<number, ConnectorStatusEvent['status']>();
  private readonly reported = new Map<number, OcppStatus>();
  private stationOperative: Operational = 'Operative';
  private readonly evseOperative = new Map<number, Operational>();
  /** ChangeAvailability answered Scheduled: applied when the sessions end. */
  private readonly scheduled = new Map<number, Operational>();
  private scheduledReset: RequestOf<'Reset'>['type'] | undefined;

  constructor(
    private readonly ctx: StationContext,
    private readonly hooks: AvailabilityHooks,
  ) {}

  /** Loads the operative state persisted by earlier ChangeAvailability requests. */
  async load(): Promise<void> {
    const station = await this.ctx.store.get(this.ctx.id, STATION_KEY);
    if (station === 'Inoperative') this.stationOperative = 'Inoperative';
    for (let e = 1; e <= this.ctx.capabilities.connectorCount; e++) {
      if ((await this.ctx.store.get(this.ctx.id, evseKey(e))) === 'Inoperative') this.evseOperative.set(e, 'Inoperative');
      this.updateDeviceModel(e);
    }
  }

  /** The charger reported a connector's state. */
  chargerStatus(e: ConnectorStatusEvent): void {
    this.charger.set(e.connector, e.status);
    this.report(e.connector, false);
  }

  /** After BootNotification Accepted and after every reconnection: every connector once. */
  reportAll(): void {
    for (let c = 1; c <= this.ctx.capabilities.connectorCount; c++) this.report(c, true);
  }

  /** A session ended: apply what was scheduled for idle time. */
  sessionEnded(): void {
    for (const [evse, op] of [...this.scheduled]) {
      if (this.hooks.sessionRunning(evse)) continue;
      this.scheduled.delete(evse);
      background(this.ctx, 'scheduled ChangeAvailability', this.apply(evse, op));
    }
    if (this.scheduledReset !== undefined && !this.hooks.sessionRunning(0)) {
      this.scheduledReset = undefined;
      this.resetNow('ScheduledReset');
    }
  }

  /** The OCPP status of a connector as the CSMS should see it. */
  statusOf(connector: number): OcppStatus {
    const s = this.charger.get(connector) ?? 'available';
    if (s === 'faulted') return 'Faulted';
    const inoperative = this.stationOperative === 'Inoperative' || this.evseOperative.get(connector) === 'Inoperative';
    // An Inoperative connector with an EV still on it stays Occupied until the session ends (G03).
    if (inoperative && s !== 'occupied') return 'Unavailable';
    return TO_OCPP[s];
  }

  async changeAvailability(req: RequestOf<'ChangeAvailability'>): Promise<{ response: ResponseOf<'ChangeAvailability'>; after: () => void }> {
    const evse = req.evse?.id ?? 0;
    const count = this.ctx.capabilities.connectorCount;
    if (evse > count || (req.evse?.connectorId !== undefined && req.evse.connectorId !== 1)) {
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } }, after: () => undefined };
    }
    const current = evse === 0 ? this.stationOperative : (this.evseOperative.get(evse) ?? 'Operative');
    if (current === req.operationalStatus && !this.scheduled.has(evse)) return { response: { status: 'Accepted' }, after: () => undefined };
    if (req.operationalStatus === 'Inoperative' && this.hooks.sessionRunning(evse)) {
      this.scheduled.set(evse, req.operationalStatus);
      return { response: { status: 'Scheduled' }, after: () => undefined };
    }
    this.scheduled.delete(evse);
    await this.persist(evse, req.operationalStatus);
    return { response: { status: 'Accepted' }, after: () => this.afterChange(evse, req.operationalStatus) };
  }

  reset(req: RequestOf<'Reset'>): { response: ResponseOf<'Reset'>; after: () => void } {
    // Resetting one EVSE of a legacy charger is not something it can do.
    if (req.evseId !== undefined) return { response: { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } }, after: () => undefined };
    if (req.type === 'OnIdle' && this.hooks.sessionRunning(0)) {
      this.scheduledReset = req.type;
      return { response: { status: 'Scheduled' }, after: () => undefined };
    }
    return { response: { status: 'Accepted' }, after: () => this.resetNow('RemoteReset') };
  }

  private resetNow(reason: BootReason): void {
    if (this.ctx.capabilities.commands.has('reset')) {
      const outcome = this.ctx.charger.send({ type: 'reset', id: this.ctx.commandId('reset'), kind: 'soft' });
      if (outcome.status !== 'sent') this.ctx.log('warn', 'charger reset not sent', { reason: outcome.reason });
    }
    this.hooks.reboot(reason);
  }

  private async apply(evse: number, op: Operational): Promise<void> {
    await this.persist(evse, op);
    this.afterChange(evse, op);
  }

  private async persist(evse: number, op: Operational): Promise<void> {
    if (evse === 0) this.stationOperative = op;
    else this.evseOperative.set(evse, op);
    await this.ctx.store.set(this.ctx.id, evse === 0 ? STATION_KEY : evseKey(evse), op);
  }

  /** Tells the charger where it can be told, then reports the statuses that changed. */
  private afterChange(evse: number, op: Operational): void {
    if (this.ctx.capabilities.commands.has('setAvailability')) this.tellCharger(evse, op === 'Operative');
    for (let c = 1; c <= this.ctx.capabilities.connectorCount; c++) this.report(c, false);
  }

  /**
   * A station-wide change goes to the whole charger at once, or to each connector where the
   * protocol has no whole-charger command; a change of one EVSE goes to its connector, or to the
   * whole charger when that is its only connector. Where the charger cannot be told, the gateway
   * enforces the status itself (no session is started on an Inoperative EVSE).
   */
  private tellCharger(evse: number, available: boolean): void {
    const count = this.ctx.capabilities.connectorCount;
    const connectors = Array.from({ length: count }, (_, i) => i + 1);
    const ways = evse === 0 ? [[0], connectors] : count === 1 ? [[evse], [0]] : [[evse]];
    let reason = '';
    for (const targets of ways) {
      let supported = true;
      for (const c of targets) {
        const outcome = this.ctx.charger.send({ type: 'setAvailability', id: this.ctx.commandId('availability'), connector: c, available });
        if (outcome.status === 'sent') continue;
        reason = outcome.reason;
        if (outcome.status === 'notSupported') {
          supported = false;
          break;
        }
        this.ctx.log('warn', 'charger availability not changed, the gateway enforces it', { connector: c, reason });
      }
      if (supported) return;
    }
    this.ctx.log('info', 'charger availability not changed, the gateway enforces it', { evse, reason });
  }

  private report(connector: number, always: boolean): void {
    if (connector < 1 || connector > this.ctx.capabilities.connectorCount) return;
    const status = this.statusOf(connector);
    this.updateDeviceModel(connector);
    if (!this.ctx.isAccepted()) return;
    if (!always && this.reported.get(connector) === status) return;
    this.reported.set(connector, status);
    background(
      this.ctx,
      'StatusNotification',
      this.ctx.call('StatusNotification', { timestamp: ocppTimestamp(this.ctx.clock.now()), connectorStatus: status, evseId: connector, connectorId: 1 }),
    );
  }

  private updateDeviceModel(connector: number): void {
    const status = this.statusOf(connector);
    const available = status !== 'Unavailable' && status !== 'Faulted';
    for (const component of ['EVSE', 'Connector'] as const) {
      const where = component === 'EVSE' ? { evse: connector } : { evse: connector, connector: 1 };
      this.ctx.dm.setRuntime(component, 'AvailabilityState', status, where);
      this.ctx.dm.setRuntime(component, 'Available', available, where);
    }
    const all = Array.from({ length: this.ctx.capabilities.connectorCount }, (_, i) => this.statusOf(i + 1));
    const station: OcppStatus = this.stationOperative === 'Inoperative' ? 'Unavailable' : all.every((s) => s === 'Faulted') ? 'Faulted' : all.some((s) => s === 'Occupied') ? 'Occupied' : 'Available';
    this.ctx.dm.setRuntime('ChargingStation', 'AvailabilityState', station);
    this.ctx.dm.setRuntime('ChargingStation', 'Available', station !== 'Unavailable' && station !== 'Faulted');
  }
}
