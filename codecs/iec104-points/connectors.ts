/**
 * Per-connector state built from individual points, and the canonical events that follow from a
 * change: a full connector snapshot, faults raised and cleared, and charging sessions derived from
 * the charging state (plain IEC 104 has no transactions: a session is a period of charging). One
 * instance lives for one connection: its first word on each connector is reported as a session
 * found running or as idle, so that the station can reconcile what it kept from before.
 */
import type { ChargerEvent, ChargingState, ConnectorStatus, FaultSeverity, StopReason, Timestamp } from '../../src/model/events.js';
import { idleAtConnect, lacks, NO_FIGURES, sessionStart, type MappedFigures } from './session-reports.js';

interface FaultState {
  readonly code: string;
  readonly severity: FaultSeverity;
  /** The mapping's stop reason for sessions this fault ends. */
  readonly stopReason?: StopReason;
}

/** What the mapped points last said about one connector (0 = charger). */
interface Connector {
  /** A state point of this connector (plug, charging, availability, status code) has been read. */
  known?: boolean;
  plugged?: boolean;
  charging?: boolean;
  available?: boolean;
  /** From a status-code point. */
  coded?: { status: ConnectorStatus; chargingState?: ChargingState; plugged?: boolean; raw: number };
  /** Active faults; created with the first (an empty Map costs ~180 bytes, most connectors have none). */
  faults?: Map<string, FaultState>;
  energyWh?: number;
  /** When `energyWh` was read. */
  energyAt?: Timestamp;
  /** The charger's own start figures of its running session (optional start points). */
  startWh?: number;
  startedAt?: Timestamp;
  /** The start time point was read (0, or no calendar time, says there is none: `startedAt` stays unset). */
  startTimeRead?: boolean;
  /** Reported on this connection, as a session found running or as idle. */
  checked?: boolean;
  /** Last snapshot emitted, to emit only changes. */
  last?: string;
  /**
   * The running session. `opening`: its start is not reported yet, waiting (bounded) for what it
   * needs (see `lacks`); `found`: it was running when the connection came up.
   */
  session?: { id: string; commandId?: string; opening?: { at: Timestamp; found: boolean } };
  /** The connection's first word on the connector says idle; the report waits for the register. */
  idle?: { at: Timestamp };
  /**
   * Charging stopped; the end waits for a final meter reading (see `finishEnding`). `intended`: the
   * reason is the gateway's own stop, not one read from the charger's state.
   */
  ending?: { id: string; at: Timestamp; reason: StopReason; intended: boolean };
}

const NONE: readonly ChargerEvent[] = [];
const IN_SESSION: ReadonlySet<ChargingState> = new Set(['charging', 'suspendedEV', 'suspendedEVSE']);

/** Why the next session end on a connector happens, when the gateway caused it. */
export interface StopIntent {
  readonly reason: StopReason;
}

export class ConnectorStates {
  private readonly connectors = new Map<number, Connector>();
  private ready = false;
  /** Something that can change a snapshot changed since the last flush. */
  private dirty = false;
  // Created with their first entry, dropped once empty: a charger is idle between commands.
  private stopIntents: Map<number, StopIntent> | undefined;
  private startCommands: Map<number, string> | undefined;
  private readonly issuedIds = new Set<string>();
  private endingCount = 0;
  /** Session starts and idle reports waiting for a reading. */
  private openingCount = 0;

  /**
   * `mapped` says which figures the point table gives a connector: its energy register, and the
   * charger's own start energy and start time of a running session.
   */
  constructor(
    readonly count: number,
    private readonly chargerId: () => string,
    private readonly mapped: (c: number) => MappedFigures = () => NO_FIGURES,
  ) {
    for (let c = 0; c <= count; c++) this.connectors.set(c, {});
  }

  private get(c: number): Connector {
    let s = this.connectors.get(c);
    if (s === undefined) {
      s = {};
      this.connectors.set(c, s);
    }
    return s;
  }

  setPlugged(c: number, v: boolean): void {
    const s = this.get(c);
    if (s.plugged !== v || s.known !== true) this.dirty = true;
    s.plugged = v;
    s.known = true;
  }

  setCharging(c: number, v: boolean): void {
    const s = this.get(c);
    if (s.charging !== v || s.known !== true) this.dirty = true;
    s.charging = v;
    s.known = true;
  }

  setAvailable(c: number, v: boolean): void {
    const s = this.get(c);
    if (s.available !== v || s.known !== true) this.dirty = true;
    s.available = v;
    s.known = true;
  }

  setCoded(c: number, coded: NonNullable<Connector['coded']>): void {
    const s = this.get(c);
    if (s.coded?.raw !== coded.raw || s.known !== true) this.dirty = true;
    s.coded = coded;
    s.known = true;
  }

  /** Records an energy register reading taken at `at`; returns true when it went backwards (meter reset). */
  setEnergy(c: number, wh: number, at: Timestamp): boolean {
    const s = this.get(c);
    const reset = s.energyWh !== undefined && wh < s.energyWh;
    s.energyWh = wh;
    s.energyAt = at;
    if (s.session?.opening !== undefined || s.idle !== undefined) this.dirty = true;
    return reset;
  }

  /** The charger's own register reading at the start of its running session (Wh). */
  setStartEnergy(c: number, wh: number): void {
    const s = this.get(c);
    s.startWh = wh;
    if (s.session?.opening !== undefined) this.dirty = true;
  }

  /** The charger's own start time of its running session, Unix seconds (0: none). */
  setStartTime(c: number, seconds: number): void {
    const s = this.get(c);
    const at = seconds > 0 ? new Date(seconds * 1000) : undefined;
    // A counter beyond the calendar (a charger's garbage) is no time.
    s.startedAt = at !== undefined && Number.isFinite(at.getTime()) ? at.toISOString() : undefined;
    s.startTimeRead = true;
    if (s.session?.opening !== undefined) this.dirty = true;
  }

  /** Raises or clears a fault; returns the event to emit, or undefined when nothing changed. */
  setFault(c: number, fault: { code: string; name?: string; severity: FaultSeverity; stopReason?: StopReason }, active: boolean, at: Timestamp, raw: number): ChargerEvent | undefined {
    const s = this.get(c);
    const was = s.faults?.has(fault.code) === true;
    if (was === active) return undefined;
    this.dirty = true;
    if (active) (s.faults ??= new Map()).set(fault.code, { code: fault.code, severity: fault.severity, ...(fault.stopReason !== undefined ? { stopReason: fault.stopReason } : {}) });
    else {
      s.faults?.delete(fault.code);
      if (s.faults?.size === 0) s.faults = undefined;
    }
    return { type: 'fault', connector: c, code: fault.code, ...(fault.name !== undefined ? { name: fault.name } : {}), severity: fault.severity, active, at, raw };
  }

  /** The gateway sent a stop: the next session end on `c` is remote. */
  expectStop(c: number, intent: StopIntent): void {
    (this.stopIntents ??= new Map()).set(c, intent);
  }

  /** The gateway sent a start with this command id: the next session start on `c` is remote. */
  expectStart(c: number, commandId: string): void {
    (this.startCommands ??= new Map()).set(c, commandId);
  }

  /** From now on snapshots are emitted (after the first general interrogation completes). */
  markReady(): void {
    this.ready = true;
    this.dirty = true;
  }

  get isReady(): boolean {
    return this.ready;
  }

  /**
   * Derives each connector's snapshot and emits those that changed (each the first time it is
   * known), then session starts and ends. A connector the charger said nothing about is not
   * reported: its status is unknown, and a guess ("available") would be a lie to the CSMS.
   */
  flush(at: Timestamp): readonly ChargerEvent[] {
    if (!this.ready || !this.dirty) return NONE;
    this.dirty = false;
    const out: ChargerEvent[] = [];
    for (let c = 1; c <= this.count; c++) {
      const s = this.get(c);
      if (!this.isKnown(c, s)) continue;
      const snap = this.snapshot(c);
      const text = `${snap.status}/${snap.plugged}/${snap.chargingState}`;
      if (text !== s.last) {
        s.last = text;
        out.push({ type: 'connectorStatus', connector: c, ...snap, at, ...(s.coded !== undefined ? { raw: s.coded.raw } : {}) });
      }
      const charging = IN_SESSION.has(snap.chargingState);
      // The connection's first word on the connector: a session found running, or idle.
      const found = s.checked !== true;
      s.checked = true;
      if (charging && s.session === undefined) {
        if (s.ending !== undefined) out.push(this.ended(c, s));
        // Idle as the connection came up, charging before the register came: both are reported.
        if (s.idle !== undefined) out.push(this.idleReport(c, s));
        const commandId = this.startCommands?.get(c);
        this.forgetStart(c);
        s.session = { id: this.newId(c, at), ...(commandId !== undefined ? { commandId } : {}), opening: { at, found } };
        this.openingCount += 1;
      } else if (!charging && s.session !== undefined) {
        // A start still waiting is reported before its end.
        if (s.session.opening !== undefined) out.push(this.opened(c, s));
        const intent = this.stopIntents?.get(c);
        s.ending = { id: s.session.id, at, reason: intent?.reason ?? this.stopReason(c, snap.plugged), intended: intent !== undefined };
        this.endingCount += 1;
        s.session = undefined;
        this.forgetStop(c);
      } else if (!charging && found) {
        s.idle = { at };
        this.openingCount += 1;
      }
      const opening = s.session?.opening;
      if (opening !== undefined && !this.lacks(c, s, opening.found)) out.push(this.opened(c, s));
      if (s.idle !== undefined && !this.lacks(c, s, false)) out.push(this.idleReport(c, s));
    }
    return out;
  }

  private lacks(c: number, s: Connector, found: boolean): boolean {
    return lacks(this.mapped(c), s, found);
  }

  /** The start of the connector's session, reported now with the figures known. */
  private opened(c: number, s: Connector): ChargerEvent {
    const session = s.session as NonNullable<Connector['session']>;
    const { at, found } = session.opening as NonNullable<NonNullable<Connector['session']>['opening']>;
    session.opening = undefined;
    this.openingCount -= 1;
    return sessionStart(c, session, at, found, s);
  }

  /** The connection's report that the connector was idle as it came up, with the register known. */
  private idleReport(c: number, s: Connector): ChargerEvent {
    const idle = s.idle as NonNullable<Connector['idle']>;
    s.idle = undefined;
    this.openingCount -= 1;
    return idleAtConnect(c, idle.at, s, this.faultReason(c) ?? 'other');
  }

  /** True while some session waits for its final meter reading (checked on every ASDU). */
  get anyEnding(): boolean {
    return this.endingCount > 0;
  }

  /** True while a session start or an idle report waits for a reading. */
  get anyOpening(): boolean {
    return this.openingCount > 0;
  }

  /** Connectors whose session stopped charging and waits for its final meter reading. */
  endingConnectors(): number[] {
    const out: number[] = [];
    for (let c = 1; c <= this.count; c++) if (this.get(c).ending !== undefined) out.push(c);
    return out;
  }

  /** Reports the session starts and idle connectors still waiting for figures, with those known. */
  finishOpening(): ChargerEvent[] {
    const out: ChargerEvent[] = [];
    for (let n = 1; n <= this.count && this.openingCount > 0; n++) {
      const s = this.get(n);
      if (s.session?.opening !== undefined) out.push(this.opened(n, s));
      if (s.idle !== undefined) out.push(this.idleReport(n, s));
    }
    return out;
  }

  /**
   * Ends the sessions waiting for a final meter reading (on `c`, or all) with the energy register
   * as it stands now: the charger may report the stop before its last counter value.
   */
  finishEnding(c?: number): ChargerEvent[] {
    const out: ChargerEvent[] = [];
    for (const n of c === undefined ? this.endingConnectors() : [c]) {
      const s = this.get(n);
      if (s.ending !== undefined) out.push(this.ended(n, s));
    }
    return out;
  }

  /** The gateway's start or stop did not happen: forget what it announced. */
  cancelIntent(c: number, kind: 'start' | 'stop'): void {
    if (kind === 'start') this.forgetStart(c);
    else this.forgetStop(c);
  }

  private ended(c: number, s: Connector): ChargerEvent {
    const e = s.ending as NonNullable<Connector['ending']>;
    s.ending = undefined;
    this.endingCount -= 1;
    // A charger often reports the stop of charging before the fault that caused it: a fault
    // raised while the session waited for its last reading names the reason.
    const reason = e.intended ? e.reason : (this.faultReason(c) ?? e.reason);
    return {
      type: 'sessionEnded',
      connector: c,
      legacyTransactionId: e.id,
      ...(s.energyWh !== undefined ? { meterStopWh: s.energyWh } : {}),
      at: e.at,
      reason,
    };
  }

  /** Session ids from the start time; two sessions started within one millisecond get a suffix. */
  private newId(c: number, at: Timestamp): string {
    const base = `${this.chargerId()}-${c}-${at.replace(/[-:.TZ]/g, '')}`;
    let id = base;
    for (let n = 2; this.issuedIds.has(id); n++) id = `${base}-${n}`;
    this.issuedIds.add(id);
    return id;
  }

  /** The session id running on a connector, if any. */
  sessionOf(c: number): string | undefined {
    return this.get(c).session?.id;
  }

  /**
   * The charger said something that decides the connector's status: a state point of its own, the
   * whole charger out of service, or a fault that makes it faulted.
   */
  private isKnown(c: number, s: Connector): boolean {
    if (s.known === true) return true;
    if (this.get(0).available === false) return true;
    return this.activeFaults(c).some((f) => f.severity === 'error' || f.severity === 'critical');
  }

  private activeFaults(c: number): FaultState[] {
    return [...(this.get(c).faults?.values() ?? []), ...(this.get(0).faults?.values() ?? [])];
  }

  private forgetStart(c: number): void {
    this.startCommands?.delete(c);
    if (this.startCommands?.size === 0) this.startCommands = undefined;
  }

  private forgetStop(c: number): void {
    this.stopIntents?.delete(c);
    if (this.stopIntents?.size === 0) this.stopIntents = undefined;
  }

  private snapshot(c: number): { status: ConnectorStatus; plugged: boolean; chargingState: ChargingState } {
    const s = this.get(c);
    const coded = s.coded;
    const plugged = coded?.plugged ?? s.plugged ?? false;
    const chargingState: ChargingState = coded?.chargingState ?? (s.charging === true ? 'charging' : plugged ? 'evConnected' : 'idle');
    let status: ConnectorStatus;
    if (this.activeFaults(c).some((f) => f.severity === 'error' || f.severity === 'critical')) status = 'faulted';
    else if (coded !== undefined && coded.status !== 'available' && coded.status !== 'occupied') status = coded.status;
    else if (s.available === false || this.get(0).available === false) status = 'unavailable';
    else if (plugged || IN_SESSION.has(chargingState)) status = 'occupied';
    else status = coded?.status ?? 'available';
    return { status, plugged, chargingState };
  }

  /**
   * Why a session the charger stopped ended, from its state. A plain point table says nothing of who
   * stopped a session the EV is still plugged into (a button, a card, the EV itself, a full battery):
   * that is `other`, never a guessed `local`.
   */
  private stopReason(c: number, plugged: boolean): StopReason {
    return this.faultReason(c) ?? (plugged ? 'other' : 'evDisconnected');
  }

  /**
   * The stop reason active faults give: the mapping's (an emergency-stop bit says emergencyStop),
   * else evseFault for an error or critical one.
   */
  private faultReason(c: number): StopReason | undefined {
    const faults = this.activeFaults(c);
    const named = faults.find((f) => f.stopReason !== undefined);
    if (named !== undefined) return named.stopReason;
    return faults.some((f) => f.severity === 'error' || f.severity === 'critical') ? 'evseFault' : undefined;
  }
}
