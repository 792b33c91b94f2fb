/**
 * Availability (OCPP 2.0.1 G01-G04, B11/B12): connector status from the charger's canonical
 * status and the operative state the CSMS set, StatusNotification on every change and for every
 * connector after each (re)connection; ChangeAvailability. Reset belongs to provisioning (`provisioning/reset.ts`, B11/B12).
 *
 * What the charger did decides (issue 12): ChangeAvailability waits for the charger's answer
 * (`ChargerCommands`, bounded by OCPPCommCtrlr.ChargerCommandTimeout) and answers Rejected, naming
 * its reason, when it refuses or stays silent; only a confirmed change is persisted and reported.
 * A change the charger confirms after the CSMS was told Rejected (Timeout) is applied then, as if
 * confirmed in time — the charger did it — unless a newer command for the same target went out since. Where the charger has no availability
 * command the gateway keeps the operative state itself (see `tellCharger`) and says so in `statusInfo`.
 * A station-wide change told to each connector that only some confirm is kept as the state of
 * their EVSEs (`keepConfirmed`): the station's own state covers every EVSE, so it changes only when
 * every connector took the change.
 *
 * A connector the charger has not reported yet is never guessed Available: its status is
 * Unavailable. After the boot (B01 wants every connector reported) such a connector waits for the
 * charger up to the same bound, so a state that arrives a moment later is the first one sent.
 */
import type { ConnectorStatusEvent } from '../../model/events.js';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { evseNames, info, statusInfo, type ChargerCommands, type Refusal } from '../charger-commands.js';
import { background, type StationContext } from '../context.js';
import type { ReservedEvses } from '../reservations/types.js';

type OcppStatus = RequestOf<'StatusNotification'>['connectorStatus'];
type Operational = RequestOf<'ChangeAvailability'>['operationalStatus'];
type ChangeResult = { response: ResponseOf<'ChangeAvailability'>; after: () => void };

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

/** What became of telling the charger: every target confirmed, some refused, or none can be told. */
type Told = { kind: 'confirmed'; notTold: number[] } | Refused | { kind: 'notTold' };
/** Some target refused: `confirmed` are the connectors that took a station-wide change told to each of `told`. */
type Refused = { kind: 'refused'; refusal: Refusal; confirmed: number[]; told: number[] };

export class Availability {
  private readonly charger = new Map<number, ConnectorStatusEvent['status']>();
  private readonly reported = new Map<number, OcppStatus>();
  private stationOperative: Operational = 'Operative';
  // The maps and the set below are created on first use (and the set dropped once empty): most
  // stations never see a ChangeAvailability, and an empty Map or Set costs ~150-180 bytes each.
  /** EVSEs the CSMS set (to Inoperative, or back to Operative). */
  private evseOperative: Map<number, Operational> | undefined;
  /** ChangeAvailability answered Scheduled: applied when the sessions end. */
  private scheduled: Map<number, Operational> | undefined;
  /** The last availability command sent per target (0 = station, else EVSE): a late answer to an older one is stale. */
  private lastSent: Map<number, string> | undefined;
  /** Connectors owed their after-boot report, waiting for the charger's state. */
  private owed: Set<number> | undefined;
  private owedTimer: unknown;
  /** A firmware installation waits for the transactions to end (L01.FR.07): no new session anywhere. */
  private firmwareHeld = false;

  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
  ) {}

  /** The reservations: an EVSE shown Reserved, held on the charger, checked before each report. */
  private get reservations(): ReservedEvses {
    return this.ctx.blocks.reservations;
  }

  /** True while a charging session runs on this EVSE (0 = any). */
  private sessionRunning(evse: number): boolean {
    return this.ctx.blocks.chargerEvents.sessionRunning(evse);
  }

  /** Loads the operative state persisted by earlier ChangeAvailability requests. */
  async load(): Promise<void> {
    const station = await this.ctx.store.get(this.ctx.id, STATION_KEY);
    if (station === 'Inoperative') this.stationOperative = 'Inoperative';
    for (let e = 1; e <= this.ctx.capabilities.connectorCount; e++) {
      if ((await this.ctx.store.get(this.ctx.id, evseKey(e))) === 'Inoperative') (this.evseOperative ??= new Map()).set(e, 'Inoperative');
      this.updateDeviceModel(e);
    }
  }

  /** The charger reported a connector's state. */
  chargerStatus(e: ConnectorStatusEvent): void {
    this.charger.set(e.connector, e.status);
    const owed = this.owed?.delete(e.connector) === true;
    if (this.owed?.size === 0) this.clearOwed();
    this.report(e.connector, owed);
    this.reservations.chargerReported(e.connector);
  }

  /**
   * Every connector once: after BootNotification Accepted and after every reconnection (B01), or
   * for TriggerMessage. With `waitForCharger`, a connector whose state the charger has not reported
   * yet is reported when it does, or as Unavailable once the wait is over.
   */
  reportAll(waitForCharger = false): void {
    for (let c = 1; c <= this.ctx.capabilities.connectorCount; c++) {
      if (waitForCharger && !this.charger.has(c)) {
        (this.owed ??= new Set()).add(c);
      } else {
        this.owed?.delete(c);
        this.report(c, true);
      }
    }
    if (this.owed === undefined || this.owed.size === 0) {
      this.clearOwed();
      return;
    }
    if (this.owedTimer !== undefined) return;
    this.owedTimer = this.ctx.clock.setTimeout(() => {
      this.owedTimer = undefined;
      const unknown = [...(this.owed ?? [])];
      this.owed = undefined;
      if (unknown.length > 0) this.ctx.log('info', 'charger has not reported these connectors: reported Unavailable until it does', { connectors: unknown });
      for (const c of unknown) this.report(c, true);
    }, this.commands.waitMs());
  }

  /** The station stops: no report is owed any more. */
  dispose(): void {
    this.clearOwed();
  }

  /** A session ended: apply what was scheduled for idle time. */
  sessionEnded(): void {
    for (const [evse, op] of [...(this.scheduled ?? [])]) {
      if (this.sessionRunning(evse)) continue;
      this.unschedule(evse);
      background(this.ctx, 'scheduled ChangeAvailability', this.applyScheduled(evse, op));
    }
  }

  /**
   * While a firmware installation waits for the transactions to end (L01.FR.07), EVSEs not in use
   * are Unavailable and remote starts refused, and so are the starts a charger asks the gateway
   * about (a YKC card); a start a charger decides alone is not prevented;
   * an EVSE whose session ends becomes Unavailable too.
   */
  firmwareHold(on: boolean): void {
    if (this.firmwareHeld === on) return;
    this.firmwareHeld = on;
    this.reportChanges();
  }

  /** The OCPP status of a connector as the CSMS should see it; Unavailable while the charger has not said. */
  statusOf(connector: number): OcppStatus {
    const reported = this.charger.get(connector);
    // A connector a reservation made unavailable on the charger is, to the CSMS, as it would be without it.
    const s = reported === 'unavailable' && this.reservations.holds(connector) ? 'available' : reported;
    if (s === undefined) return 'Unavailable';
    if (s === 'faulted') return 'Faulted';
    const inoperative = this.firmwareHeld || !this.operative(connector);
    // An Inoperative connector with an EV still on it stays Occupied until the session ends (G03).
    if (inoperative && s !== 'occupied') return 'Unavailable';
    if (this.reservations.shown(connector)) return 'Reserved';
    return TO_OCPP[s];
  }

  /** The charger's own last report of a connector; undefined before its first. */
  chargerState(connector: number): ConnectorStatusEvent['status'] | undefined {
    return this.charger.get(connector);
  }

  /** True when neither the station nor the EVSE was made Inoperative by the CSMS. */
  operative(evse: number): boolean {
    return this.stationOperative === 'Operative' && this.evseOperative?.get(evse) !== 'Inoperative';
  }

  /**
   * True when no session may start on `connector` by the station's own state: the CSMS made it (or
   * the station) Inoperative, or a firmware installation holds the EVSEs. A charger that asks the
   * gateway about its starts is refused there too, whether or not it could be told itself.
   */
  heldOff(connector: number): boolean {
    return this.firmwareHeld || !this.operative(connector);
  }

  /** Reports a connector again when its status changed (a reservation made, used or ended). */
  refresh(connector: number): void {
    this.report(connector, false);
  }

  /**
   * True when a remote start on `connector` is refused before the charger is asked: the CSMS made
   * it (or the station) Inoperative, or the charger reported it faulted or unavailable. A connector
   * the charger has not reported yet is not refused here: the charger's own answer decides.
   */
  startBlocked(connector: number): boolean {
    const s = this.charger.get(connector);
    if (this.heldOff(connector)) return true;
    return s === 'faulted' || (s === 'unavailable' && !this.reservations.holds(connector));
  }

  async changeAvailability(req: RequestOf<'ChangeAvailability'>): Promise<ChangeResult> {
    const nothing = (): void => undefined;
    const evse = req.evse?.id ?? 0;
    const count = this.ctx.capabilities.connectorCount;
    if (evse > count || (req.evse?.connectorId !== undefined && req.evse.connectorId !== 1)) {
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } }, after: nothing };
    }
    const op = req.operationalStatus;
    const current = evse === 0 ? this.stationOperative : (this.evseOperative?.get(evse) ?? 'Operative');
    if (current === op && this.scheduled?.has(evse) !== true) return { response: { status: 'Accepted' }, after: nothing };
    if (op === 'Inoperative' && this.sessionRunning(evse)) {
      (this.scheduled ??= new Map()).set(evse, op);
      return { response: { status: 'Scheduled' }, after: nothing };
    }
    this.unschedule(evse);
    const told = await this.tellCharger(evse, op === 'Operative');
    const after = (): void => this.reportChanges();
    if (told.kind === 'refused') {
      await this.keepConfirmed(op, told);
      return { response: { status: 'Rejected', statusInfo: statusInfo(told.refusal) }, after };
    }
    await this.persist(evse, op);
    const notTold = told.kind === 'notTold' ? (evse === 0 ? Array.from({ length: count }, (_, i) => i + 1) : [evse]) : told.notTold;
    if (notTold.length === 0) return { response: { status: 'Accepted' }, after };
    const refused = this.ctx.capabilities.localAuthorization
      ? "refuses remote starts and the charger's own starts there (it asks the gateway about them)"
      : 'refuses remote starts there; a session started at the charger itself is not prevented';
    const additionalInfo = `the charger cannot be told (no availability command for ${evseNames(notTold, count)}): the gateway reports it ${op === 'Inoperative' ? `Unavailable and ${refused}` : 'Operative again'}`;
    this.ctx.log('info', 'charger availability not changed, the gateway enforces it', { evse, notTold });
    return { response: { status: 'Accepted', statusInfo: info('GatewayEnforced', additionalInfo) }, after };
  }

  private async applyScheduled(evse: number, op: Operational): Promise<void> {
    const told = await this.tellCharger(evse, op === 'Operative');
    if (told.kind === 'refused') {
      await this.keepConfirmed(op, told);
      this.ctx.log('warn', 'scheduled availability change refused by the charger: not applied', { evse, operationalStatus: op, ...statusInfo(told.refusal) });
    } else {
      await this.persist(evse, op);
    }
    this.reportChanges();
  }

  /**
   * The charger confirmed change `id` of `evse` (0 = station) after the CSMS was told Rejected;
   * `told`: it was connector `evse`'s part of a station-wide change told to each of these.
   */
  private lateChange(evse: number, op: Operational, id: string, told?: readonly number[]): void {
    if (this.lastSent?.get(evse) !== id) {
      this.ctx.log('info', 'late availability confirmation overtaken by a newer change: not applied', { evse, operationalStatus: op, command: id });
      return;
    }
    const apply = async (): Promise<void> => {
      if (told !== undefined && op === 'Operative') await this.enabled([evse], told);
      else await this.persist(evse, op);
      this.reportChanges();
    };
    background(this.ctx, 'late ChangeAvailability', apply());
  }

  /** Only what the charger confirmed changes: the connectors that took a station-wide change keep it. */
  private async keepConfirmed(op: Operational, r: Refused): Promise<void> {
    if (op === 'Operative') await this.enabled(r.confirmed, r.told);
    else for (const c of r.confirmed) await this.persist(c, op);
  }

  /**
   * Connectors `confirmed` of a station-wide Operative told to each of `told` are enabled on the
   * charger. While the station is Inoperative that would not show (the station's state covers every
   * EVSE), so the station becomes Operative and the connectors told that did not confirm (yet)
   * Inoperative, as they still are on the charger: each EVSE's state is then the charger's.
   */
  private async enabled(confirmed: readonly number[], told: readonly number[]): Promise<void> {
    if (confirmed.length === 0) return;
    if (this.stationOperative === 'Inoperative') {
      for (const c of told) if (!confirmed.includes(c)) await this.persist(c, 'Inoperative');
      await this.persist(0, 'Operative');
    }
    for (const c of confirmed) await this.persist(c, 'Operative');
  }

  private async persist(evse: number, op: Operational): Promise<void> {
    if (evse === 0) this.stationOperative = op;
    else (this.evseOperative ??= new Map()).set(evse, op);
    await this.ctx.store.set(this.ctx.id, evse === 0 ? STATION_KEY : evseKey(evse), op);
  }

  private reportChanges(): void {
    for (let c = 1; c <= this.ctx.capabilities.connectorCount; c++) this.report(c, false);
  }

  /**
   * Tells the charger and waits for its answer. A station-wide change goes to the whole charger
   * at once, or to each connector where the protocol has no whole-charger command (a connector
   * the CSMS made Inoperative on its own stays off); a change of one EVSE goes to its connector, or
   * to the whole charger when that is its only connector. Targets the codec cannot tell
   * (`NotSupported`) are `notTold`: the gateway keeps their state itself, reports it, and refuses
   * remote starts on an Inoperative EVSE (RemoteControl); it cannot stop a session started at the
   * charger.
   */
  private async tellCharger(evse: number, available: boolean): Promise<Told> {
    if (!this.ctx.capabilities.commands.has('setAvailability')) return { kind: 'notTold' };
    const count = this.ctx.capabilities.connectorCount;
    const connectors = Array.from({ length: count }, (_, i) => i + 1).filter((c) => !available || this.evseOperative?.get(c) !== 'Inoperative');
    const ways = evse === 0 ? [[0], connectors] : count === 1 ? [[evse], [0]] : [[evse]];
    for (const targets of ways) {
      if (targets.length === 0) return { kind: 'confirmed', notTold: [] };
      const commands = targets.map((connector) => ({ type: 'setAvailability' as const, id: this.ctx.commandId('availability'), connector, available }));
      // The state a confirmation changes: the station's for connector 0 of a station-wide change, else the EVSE's.
      const keyOf = (connector: number): number => (connector === 0 ? evse : connector);
      // A station-wide change told to each connector: what one confirms is that connector's.
      const perConnector = evse === 0 && targets[0] !== 0;
      const lastSent = (this.lastSent ??= new Map());
      for (const c of commands) lastSent.set(keyOf(c.connector), c.id);
      const op = available ? 'Operative' : 'Inoperative';
      const outcomes = await Promise.all(commands.map((c) => this.commands.run(c, { late: () => this.lateChange(keyOf(c.connector), op, c.id, perConnector ? targets : undefined) })));
      const notTold = targets.filter((_, i) => outcomes[i]?.ok === false && (outcomes[i] as Refusal).reasonCode === 'NotSupported');
      if (notTold.length === targets.length) continue;
      const refusal = outcomes.find((o): o is Refusal => !o.ok && o.reasonCode !== 'NotSupported');
      if (refusal !== undefined) {
        const confirmed = perConnector ? targets.filter((_, i) => outcomes[i]?.ok === true) : [];
        return { kind: 'refused', refusal, confirmed, told: perConnector ? targets : [] };
      }
      return { kind: 'confirmed', notTold: notTold.filter((c) => c > 0) };
    }
    return { kind: 'notTold' };
  }

  private report(connector: number, always: boolean): void {
    if (connector < 1 || connector > this.ctx.capabilities.connectorCount) return;
    this.reservations.check(connector);
    const status = this.statusOf(connector);
    this.updateDeviceModel(connector);
    if (!this.ctx.isAccepted() || this.owed?.has(connector) === true) return;
    if (!always && this.reported.get(connector) === status) return;
    this.reported.set(connector, status);
    background(this.ctx, 'StatusNotification', this.ctx.call('StatusNotification', { timestamp: ocppTimestamp(this.ctx.clock.now()), connectorStatus: status, evseId: connector, connectorId: 1 }));
  }

  /** No connector is owed its report (any more). */
  private clearOwed(): void {
    this.owed = undefined;
    if (this.owedTimer !== undefined) this.ctx.clock.clearTimeout(this.owedTimer);
    this.owedTimer = undefined;
  }

  private unschedule(evse: number): void {
    this.scheduled?.delete(evse);
    if (this.scheduled?.size === 0) this.scheduled = undefined;
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
    const station: OcppStatus =
      this.stationOperative === 'Inoperative' || all.every((s) => s === 'Unavailable')
        ? 'Unavailable'
        : all.every((s) => s === 'Faulted')
          ? 'Faulted'
          : all.some((s) => s === 'Occupied')
            ? 'Occupied'
            : 'Available';
    this.ctx.dm.setRuntime('ChargingStation', 'AvailabilityState', station);
    this.ctx.dm.setRuntime('ChargingStation', 'Available', station !== 'Unavailable' && station !== 'Faulted');
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly availability: Availability;
  }
}
