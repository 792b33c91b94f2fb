/**
 * What a family-B record's fields mean in the canonical model, for any catalogue: units to
 * canonical ones (Wh, W, V, A, %, fen), codes through the dialect's values tables and back, wire
 * gun numbers to connectors, a connector's work state to its status. Pure: no clock, no I/O.
 * The catalogue's data model is `catalogue.ts`; the dialects are described in
 * docs/protocols/state-grid-dialects.md.
 */
import type { ChargingState, ConnectorStatus, StopReason } from '../../src/model/events.js';
import { STOP_REASONS } from '../../src/model/events.js';
import { toCanonical, type Measurand } from '../../src/model/units.js';
import type { Dialect, FieldRole, FieldSpec, RecordSpec } from './catalogue.js';

/** A field's value after decoding: digits, text, a number, or a group's entries. */
export type Value = number | string | readonly Readonly<Record<string, unknown>>[];

/** The first field of `fields` (groups included, depth first) with `role` (and `period`, when given). */
export function fieldWith(fields: readonly FieldSpec[], role: FieldRole, period?: string): FieldSpec | undefined {
  for (const f of fields) {
    if (f.role === role && (period === undefined || f.period === period)) return f;
    if (f.encoding === 'group' && f.fields !== undefined) {
      const inner = fieldWith(f.fields, role, period);
      if (inner !== undefined) return inner;
    }
  }
  return undefined;
}

/** True when the record has a field with `role`. */
export function hasRole(spec: RecordSpec, role: FieldRole): boolean {
  return fieldWith(spec.fields, role) !== undefined;
}

/** Energy units a catalogue may state, to Wh. An energy field without a unit is read as kWh (the family-B habit, docs/protocols/state-grid-dialects.md §2). */
export function energyWh(value: number, unit: string | undefined): number | undefined {
  const wh = toCanonical('energy', value, unit ?? 'kWh');
  return wh === undefined ? undefined : round(wh, 3);
}

/** Money to fen (the minor unit of CNY): `yuan` (also `CNY`, the default) or `fen`. */
export function fen(value: number, unit: string | undefined): number | undefined {
  const u = unit ?? 'yuan';
  if (u === 'fen') return round(value, 2);
  if (u === 'yuan' || u === 'CNY') return round(value * 100, 2);
  return undefined;
}

/** Price units a catalogue may state, per kWh: to how many of them one yuan is. */
export const PRICE_UNITS: Readonly<Record<string, number>> = { yuan: 1, CNY: 1, 'yuan/kWh': 1, 'CNY/kWh': 1, fen: 100, 'fen/kWh': 100 };

/** A price per kWh in yuan, in the field's unit (yuan when it names none); undefined for a unit not in `PRICE_UNITS`. */
export function priceIn(yuan: number, unit: string | undefined): number | undefined {
  const u = unit ?? 'yuan';
  const per = Object.hasOwn(PRICE_UNITS, u) ? PRICE_UNITS[u] : undefined;
  return per === undefined ? undefined : round(yuan * per, 9);
}

/** A measured value in the measurand's canonical unit; a field without a unit is in the canonical unit already. */
export function measured(measurand: Measurand, value: number, unit: string | undefined): number | undefined {
  const v = unit === undefined ? value : toCanonical(measurand, value, unit);
  return v === undefined ? undefined : round(v, 6);
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** The canonical word of `code` in the dialect's values table `table`, if the table names it. */
export function wordOf(dialect: Dialect, table: string | undefined, code: number): string | undefined {
  return table === undefined ? undefined : dialect.values.get(table)?.get(code);
}

/** The first code of the values table `table` whose word is `word`. */
export function codeOf(dialect: Dialect, table: string | undefined, word: string): number | undefined {
  const t = table === undefined ? undefined : dialect.values.get(table);
  if (t === undefined) return undefined;
  for (const [code, w] of t) if (w === word) return code;
  return undefined;
}

/**
 * A yes/no the charger answered (`result`, `accepted`): through the field's values table, else 1
 * for yes and anything else for no (the family-B habit: "1 ok", docs/protocols/state-grid-dialects.md §2).
 */
export function isYes(dialect: Dialect, field: FieldSpec | undefined, value: unknown): boolean | undefined {
  const code = numeric(value);
  if (code === undefined) return undefined;
  const word = wordOf(dialect, field?.values, code);
  if (word !== undefined) return word === 'accepted';
  if (field?.values !== undefined) return undefined;
  return code === 1;
}

/**
 * The code for a yes/no the gateway sends in `field`: through its values table; without one, a yes
 * is the field's constant `value` (the dialect's own "ok"), else 1, and a no 0.
 */
export function yesCode(dialect: Dialect, field: FieldSpec | undefined, yes: boolean): number {
  const coded = codeOf(dialect, field?.values, yes ? 'accepted' : 'rejected');
  if (coded !== undefined) return coded;
  const constant = typeof field?.value === 'number' ? field.value : undefined;
  return yes ? (constant ?? 1) : constant === 0 ? 1 : 0;
}

/**
 * The fail-reason code for the CSMS's word (an AuthorizationStatus such as `Blocked`): the code
 * the values table gives that word, else the one it gives `default`, else `Invalid`'s (a refusal
 * the dialect has no word for is the card's), else 0.
 */
export function failCode(dialect: Dialect, field: FieldSpec | undefined, word: string | undefined): number {
  if (field?.values === undefined) return 0;
  const table = field.values;
  return (word !== undefined ? codeOf(dialect, table, word) : undefined) ?? codeOf(dialect, table, 'default') ?? codeOf(dialect, table, 'Invalid') ?? 0;
}

/** A value as a number (a uint, or BCD digits), or undefined. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^[0-9]{1,15}$/.test(value)) return Number(value);
  return undefined;
}

/** The most connectors a login may state: as many as a catalogue's `connectors` may give. */
export const MAX_CONNECTORS = 16;

/**
 * How many connectors a charger has: its login's `connectorCount` field when it states 1..
 * `MAX_CONNECTORS`, else the dialect's `connectors`; `stated` is a count the login gave but that
 * could not be used (0, absurd, unreadable), for a log line.
 */
export function loginConnectors(dialect: Dialect, values: Readonly<Record<string, unknown>>): { readonly count: number; readonly stated?: unknown } {
  const fallback = Math.max(1, dialect.connectors);
  const field = fieldWith(dialect.login.fields, 'connectorCount');
  if (field === undefined) return { count: fallback };
  const n = numeric(values[field.name]);
  if (n !== undefined && Number.isInteger(n) && n >= 1 && n <= MAX_CONNECTORS) return { count: n };
  return { count: fallback, stated: values[field.name] };
}

/** A value as text (digits of a BCD field, text of an ASCII one), or undefined for nothing. */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** A decoded CP56 time as an instant (`...Z`), or undefined (an invalid time decodes as its octets in hex). */
export function isoTime(value: unknown): string | undefined {
  return typeof value === 'string' && /^\d{4}-\d\d-\d\dT[0-9:.]+Z$/.test(value) ? value : undefined;
}

/** `{ [key]: value }`, or nothing when the value is undefined (for optional event fields). */
export function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/** Digits that say nothing: empty or all zeros (an unused card or serial field). */
export function blank(value: string | undefined): boolean {
  return value === undefined || /^[0\s]*$/.test(value);
}

/** The end reason of a charge record: the values table's word, `other` when it names none. */
export function stopReason(dialect: Dialect, table: string | undefined, code: number | undefined): StopReason {
  if (code === undefined) return 'other';
  const word = wordOf(dialect, table, code);
  return word !== undefined && (STOP_REASONS as readonly string[]).includes(word) ? (word as StopReason) : 'other';
}

/** A connector's snapshot from its work state word (`VALUE_WORDS.workState`) and, where reported, its plug. */
export interface ConnectorState {
  readonly status: ConnectorStatus;
  readonly chargingState: ChargingState;
  readonly plugged: boolean;
}

export function connectorState(word: string, plugged: boolean | undefined): ConnectorState | undefined {
  switch (word) {
    case 'available':
      return plugged === true ? { status: 'occupied', chargingState: 'evConnected', plugged: true } : { status: 'available', chargingState: 'idle', plugged: false };
    case 'preparing':
    case 'finishing':
      return { status: 'occupied', chargingState: plugged === false ? 'idle' : 'evConnected', plugged: plugged ?? true };
    case 'charging':
      return { status: 'occupied', chargingState: 'charging', plugged: true };
    case 'suspended':
      return { status: 'occupied', chargingState: 'suspendedEVSE', plugged: true };
    case 'faulted':
      return { status: 'faulted', chargingState: 'idle', plugged: plugged ?? false };
    case 'unavailable':
      return { status: 'unavailable', chargingState: 'idle', plugged: plugged ?? false };
    default:
      return undefined;
  }
}

/** The connector (1..n) of a wire gun number, given the dialect's numbering. */
export function connectorOf(dialect: Dialect, gun: unknown): number | undefined {
  const n = numeric(gun);
  if (n === undefined) return 1;
  const c = dialect.connectorBase === 0 ? n + 1 : n;
  return Number.isInteger(c) && c >= 1 ? c : undefined;
}

/** The wire gun number of connector `connector`. */
export function gunOf(dialect: Dialect, connector: number): number {
  return dialect.connectorBase === 0 ? connector - 1 : connector;
}

/** The octets of the first field with `role` that is BCD (its digits are twice as many). */
export function bcdDigits(spec: RecordSpec, role: FieldRole): number | undefined {
  const f = fieldWith(spec.fields, role);
  return f?.encoding === 'bcd' && f.octets !== undefined ? f.octets * 2 : undefined;
}
