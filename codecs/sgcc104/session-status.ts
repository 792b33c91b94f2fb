/**
 * What a family-B charger reports of its guns (docs/protocols/state-grid-dialects.md §7): real-time
 * monitoring records (`monitoring`) become connector snapshots (the work state through the
 * dialect's `workState` table), measurements in canonical units and faults raised or cleared as
 * their flags change; charging data (`chargingData`) becomes measurements. Both name the session's
 * serial where the dialect carries it, which is how a session is seen to run (`SgSessions`).
 */
import type { IdToken, Measurement } from '../../src/model/events.js';
import type { RecordSpec } from './catalogue.js';
import type { Roles } from './records.js';
import type { SgIo } from './session-io.js';
import { isoTime, optional, blank, connectorOf, connectorState, energyWh, fieldWith, measured, numeric, text, wordOf, type ConnectorState } from './session-values.js';

/** How many ended serials a connection remembers. */
const OVER_KEPT = 32;

/** What a gun did, for commands that wait to see it (a start without a result record, a stop). */
export type GunSeen = 'charging' | 'stopped';

/**
 * Sessions as the charger shows them: the serial running on each gun, reported once as
 * `sessionStarted` (with the id of the remote start it answers, where one is waiting).
 */
export class SgSessions {
  private readonly running = new Map<number, string>();
  /** Remote starts the charger accepted whose session has not been seen yet: connector -> command id. */
  private readonly remote = new Map<number, string>();
  /** Serials whose charge record came on this connection: a monitoring record still naming one does not start it again. */
  private readonly over = new Set<string>();
  /** Cards accepted at a connector whose session has not been seen yet (B1 starts on the accepted card). */
  private readonly cards = new Map<number, IdToken>();
  private readonly watchers = new Set<(connector: number, seen: GunSeen) => void>();

  constructor(private readonly io: SgIo) {}

  /** The serial of the session running on `connector`, if one was seen. */
  serialOf(connector: number): string | undefined {
    return this.running.get(connector);
  }

  /** A remote start the charger accepted on `connector`: the next session there is its. */
  expectRemote(connector: number, commandId: string): void {
    this.remote.set(connector, commandId);
  }

  /** A card was accepted at `connector`: the next session there that names no card of its own is its. */
  expectCard(connector: number, idToken: IdToken): void {
    this.cards.set(connector, idToken);
  }

  /** Session `serial` runs on `connector`: reported once (a serial already running is not reported again). */
  started(connector: number, serial: string, figures: { idToken?: IdToken; meterStartWh?: number; startedAt?: string; commandId?: string } = {}): void {
    if (blank(serial) || this.running.get(connector) === serial || this.over.has(serial)) return;
    this.running.set(connector, serial);
    const commandId = figures.commandId ?? this.remote.get(connector);
    const idToken = figures.idToken ?? (commandId === undefined ? this.cards.get(connector) : undefined);
    this.remote.delete(connector);
    this.cards.delete(connector);
    this.io.event({
      type: 'sessionStarted',
      connector,
      legacyTransactionId: serial,
      ...(idToken !== undefined ? { idToken } : {}),
      ...(figures.meterStartWh !== undefined ? { meterStartWh: figures.meterStartWh } : {}),
      at: figures.startedAt ?? this.io.now(),
      ...(commandId !== undefined ? { commandId } : {}),
    });
    this.seen(connector, 'charging');
  }

  /** The session `serial` on `connector` is over (its charge record came). */
  ended(connector: number, serial: string): void {
    if (this.running.get(connector) === serial) this.running.delete(connector);
    this.over.add(serial);
    if (this.over.size > OVER_KEPT) {
      const oldest = this.over.values().next();
      if (oldest.done !== true) this.over.delete(oldest.value);
    }
    this.seen(connector, 'stopped');
  }

  watch(w: (connector: number, seen: GunSeen) => void): () => void {
    this.watchers.add(w);
    return () => this.watchers.delete(w);
  }

  seen(connector: number, what: GunSeen): void {
    for (const w of [...this.watchers]) w(connector, what);
  }
}

export class SgStatus {
  private readonly states = new Map<number, ConnectorState & { raw: number }>();
  /** Active fault codes by connector. */
  private readonly faults = new Map<number, Set<string>>();

  constructor(
    private readonly io: SgIo,
    private readonly sessions: SgSessions,
  ) {}

  /** A real-time monitoring record. */
  monitoring(spec: RecordSpec, roles: Roles): void {
    const connector = this.connector(spec, roles);
    if (connector === undefined) return;
    const at = this.io.now();
    const code = numeric(roles.workState);
    const table = fieldWith(spec.fields, 'workState')?.values;
    const word = code === undefined ? undefined : wordOf(this.io.dialect, table, code);
    if (word === undefined) {
      this.io.ctx.sink.ignored?.('unmapped_value');
      this.io.once(`workState:${code}`, 'warn', 'sgcc104 work state the catalogue has no meaning for: status not reported', { record: spec.name, workState: code, table });
    }
    const plugged = roles.plugged === undefined ? undefined : numeric(roles.plugged) !== 0;
    const state = word === undefined ? undefined : connectorState(word, plugged);
    const values = this.measurements(spec, roles, true);
    if (values.length > 0) this.io.event({ type: 'measurements', connector, at, values });
    if (state !== undefined && code !== undefined) {
      const last = this.states.get(connector);
      if (last === undefined || last.status !== state.status || last.chargingState !== state.chargingState || last.plugged !== state.plugged) {
        this.states.set(connector, { ...state, raw: code });
        this.io.event({ type: 'connectorStatus', connector, ...state, at, raw: code });
      }
    }
    this.faultsOf(connector, roles, at);
    const serial = text(roles.transactionId);
    if (word === 'charging' && serial !== undefined) this.sessions.started(connector, serial);
    else if (word === 'charging') this.sessions.seen(connector, 'charging');
    else if (word !== undefined && word !== 'suspended') this.sessions.seen(connector, 'stopped');
  }

  /** Charging data of a running session: its measurements, and the session itself. */
  chargingData(spec: RecordSpec, roles: Roles): void {
    const connector = this.connector(spec, roles);
    if (connector === undefined) return;
    const values = this.measurements(spec, roles, false);
    if (values.length > 0) this.io.event({ type: 'measurements', connector, at: this.io.now(), values });
    const serial = text(roles.transactionId);
    if (serial !== undefined && !blank(serial)) {
      const card = text(roles.idToken);
      const start = this.energy(spec, roles, 'meterStart');
      this.sessions.started(connector, serial, {
        ...(card !== undefined && !blank(card) ? { idToken: { id: card, type: 'card' } } : {}),
        ...(start !== undefined ? { meterStartWh: start } : {}),
        ...optional('startedAt', isoTime(roles.startTime)),
      });
    } else {
      this.sessions.seen(connector, 'charging');
    }
  }

  /** The record's connector, or undefined (counted, logged once) when the charger has no such gun. */
  connector(spec: RecordSpec, roles: Roles): number | undefined {
    const c = connectorOf(this.io.dialect, roles.connector);
    if (c !== undefined && c <= this.io.connectorCount) return c;
    this.io.ctx.sink.ignored?.('unmapped_address');
    this.io.once(`gun:${String(roles.connector)}`, 'warn', 'sgcc104 record for a gun the charger does not have: ignored', {
      record: spec.name,
      gun: roles.connector,
      connectors: this.io.connectorCount,
    });
    return undefined;
  }

  /** An energy figure of the record (`meterStart`, `meterStop`, `energy`, `energyRegister`) in Wh. */
  energy(spec: RecordSpec, roles: Roles, role: 'meterStart' | 'meterStop' | 'energy' | 'energyRegister'): number | undefined {
    const v = numeric(roles[role]);
    return v === undefined ? undefined : energyWh(v, fieldWith(spec.fields, role)?.unit);
  }

  private measurements(spec: RecordSpec, roles: Roles, monitoring: boolean): Measurement[] {
    const out: Measurement[] = [];
    const add = (measurand: Measurement['measurand'], role: 'voltage' | 'current' | 'power' | 'soc'): void => {
      const raw = numeric(roles[role]);
      if (raw === undefined) return;
      const value = measured(measurand, raw, fieldWith(spec.fields, role)?.unit);
      if (value === undefined) return this.io.once(`unit:${spec.name}:${role}`, 'warn', 'sgcc104 field in a unit pilegate cannot convert: not reported', { record: spec.name, role });
      out.push({ measurand, value });
    };
    add('voltage', 'voltage');
    add('current', 'current');
    add('power', 'power');
    add('soc', 'soc');
    // The energy register: the monitoring's total, or the charging data's meter (its stop, else start + energy).
    const register = monitoring
      ? this.energy(spec, roles, 'energyRegister')
      : (this.energy(spec, roles, 'meterStop') ?? sum(this.energy(spec, roles, 'meterStart'), this.energy(spec, roles, 'energy')));
    if (register !== undefined) out.push({ measurand: 'energy', value: register });
    return out;
  }

  private faultsOf(connector: number, roles: Roles, at: string): void {
    const list = roles.faults;
    if (list === undefined || list.length === 0) return;
    const first = !this.faults.has(connector);
    const active = this.faults.get(connector) ?? new Set<string>();
    this.faults.set(connector, active);
    for (const f of list) {
      const was = active.has(f.code);
      if (f.active === was || (first && !f.active)) continue;
      if (f.active) active.add(f.code);
      else active.delete(f.code);
      this.io.event({ type: 'fault', connector, code: f.code, severity: f.severity, active: f.active, at, raw: f.raw });
    }
  }
}

function sum(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a + b;
}
