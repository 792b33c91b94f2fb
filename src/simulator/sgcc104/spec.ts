/**
 * What the family-B charger simulator reads out of a dialect catalogue: records by meaning, fields
 * by role, codes by canonical word (through the catalogue's values tables), and values in each
 * field's unit. Everything a dialect decides comes from its catalogue (`codecs/sgcc104/catalogue.ts`);
 * nothing here names a dialect.
 */
import type { Dialect, FieldRole, FieldSpec, Meaning, RecordSpec } from '../../../codecs/sgcc104/catalogue.js';
import type { FieldValue, FieldValues } from '../../../codecs/sgcc104/fields.js';
import { RECORD_TYPE_KEY } from '../../../codecs/sgcc104/records.js';

/** The records of `dialect` with `meaning`, in catalogue order. */
export function recordsOf(dialect: Dialect, meaning: Meaning): RecordSpec[] {
  return dialect.records.filter((r) => r.meaning === meaning);
}

/** The first record with `meaning`, if the dialect has one. */
export function recordOf(dialect: Dialect, meaning: Meaning): RecordSpec | undefined {
  return dialect.records.find((r) => r.meaning === meaning);
}

/** A record by name, if the catalogue has it. */
export function recordNamed(dialect: Dialect, name: string | undefined): RecordSpec | undefined {
  return name === undefined ? undefined : dialect.records.find((r) => r.name === name);
}

/** The first field of `fields` (groups not entered) with `role`. */
export function fieldOf(fields: readonly FieldSpec[], role: FieldRole): FieldSpec | undefined {
  return fields.find((f) => f.role === role);
}

/**
 * The code a field writes for a canonical word, through its values table; the first code of the
 * first word in `[word, ...fallbacks]` the table knows. Without a table: `plain` (accepted 1, rejected 0...).
 */
export function codeFor(dialect: Dialect, field: FieldSpec | undefined, words: readonly string[], plain: number): number {
  const table = field?.values === undefined ? undefined : dialect.values.get(field.values);
  if (table === undefined) return plain;
  for (const word of words) for (const [code, w] of table) if (w === word) return code;
  return plain;
}

/** The canonical word a received code stands for through the field's values table; undefined without a table or code. */
export function wordFor(dialect: Dialect, field: FieldSpec | undefined, code: FieldValue | undefined): string | undefined {
  if (field?.values === undefined || typeof code !== 'number') return undefined;
  return dialect.values.get(field.values)?.get(code);
}

/** Whether a received answer says yes: its `accepted` (or `result`) field through its table, else nonzero. */
export function isPositive(dialect: Dialect, spec: RecordSpec, values: FieldValues): boolean {
  const field = fieldOf(spec.fields, 'accepted') ?? fieldOf(spec.fields, 'result');
  if (field === undefined) return true;
  const raw = values[field.name];
  const word = wordFor(dialect, field, raw);
  if (word !== undefined) return word === 'accepted' || word === 'Accepted';
  return typeof raw === 'number' ? raw !== 0 : raw !== undefined && /[1-9a-f]/i.test(String(raw));
}

/** A received value as digits (BCD, ASCII or hex), or undefined when it is absent or all zeros. */
export function digitsOf(value: FieldValue | undefined): string | undefined {
  if (value === undefined || Array.isArray(value)) return undefined;
  const text = String(value);
  return /^[0\s]*$/.test(text) ? undefined : text;
}

/** The canonical quantity a role carries, so it can be written in the field's unit. */
export type Quantity = 'Wh' | 'W' | 'V' | 'A' | '%' | 'yuan' | 'min' | 'yuan/kWh';

const SCALE_FROM_CANONICAL: Readonly<Record<string, number>> = {
  kWh: 1 / 1000,
  Wh: 1,
  MWh: 1 / 1e6,
  kW: 1 / 1000,
  W: 1,
  V: 1,
  kV: 1 / 1000,
  A: 1,
  '%': 1,
  yuan: 1,
  fen: 100,
  min: 1,
  s: 60,
  h: 1 / 60,
};

/** `value` (in the canonical unit of `quantity`) in `field`'s unit; energy without a unit is taken as kWh, as the dialects write it. */
export function inFieldUnit(field: FieldSpec, value: number, quantity: Quantity): number {
  const unit = field.unit ?? (quantity === 'Wh' ? 'kWh' : quantity === 'W' ? 'kW' : undefined);
  const factor = unit === undefined ? 1 : (SCALE_FROM_CANONICAL[unit.replace(/\/kWh$/, '')] ?? 1);
  const v = value * factor;
  const scale = field.scale ?? 1;
  // Round to the field's resolution (0.01 kWh...), so what is written is what the charger counts.
  return Math.round(Math.round(v / scale) * scale * 1e6) / 1e6;
}

/** `value` read from `field` in the canonical unit of `quantity`. */
export function fromFieldUnit(field: FieldSpec | undefined, value: FieldValue | undefined, quantity: Quantity): number | undefined {
  if (field === undefined || typeof value !== 'number') return undefined;
  const unit = field.unit ?? (quantity === 'Wh' ? 'kWh' : quantity === 'W' ? 'kW' : undefined);
  const factor = unit === undefined ? 1 : (SCALE_FROM_CANONICAL[unit.replace(/\/kWh$/, '')] ?? 1);
  return value / factor;
}

/**
 * Digits for a digit field (BCD: twice its octets; ASCII: its octets): a shorter id is padded with
 * leading zeros (BCD only), a longer one keeps its last digits (a serial's counter end).
 */
export function fitDigits(field: FieldSpec, digits: string): string {
  if (field.encoding === 'ascii') return digits.slice(-(field.octets ?? digits.length));
  if (field.encoding !== 'bcd') return digits;
  const width = (field.octets ?? Math.ceil(digits.length / 2)) * 2;
  return digits.length >= width ? digits.slice(-width) : digits.padStart(width, '0');
}

/** What the simulator knows of one record it sends, by role; periods per time-of-use slot. */
export interface RoleValues {
  readonly [role: string]: number | string | undefined;
}

/** Per time-of-use slot, for `periodEnergy` (Wh) and `periodAmount` (yuan) fields. */
export type PeriodValues = Partial<Record<'tip' | 'peak' | 'flat' | 'valley', { readonly energyWh: number; readonly amountYuan: number }>>;

/** The canonical quantity of each role written as a number. */
const QUANTITY: Partial<Record<FieldRole, Quantity>> = {
  meterStart: 'Wh',
  meterStop: 'Wh',
  energy: 'Wh',
  energyRegister: 'Wh',
  amount: 'yuan',
  balance: 'yuan',
  voltage: 'V',
  current: 'A',
  power: 'W',
  soc: '%',
  energyPrice: 'yuan/kWh',
  servicePrice: 'yuan/kWh',
};

/**
 * The field values of a record the simulator sends: each field with a role in `roles` gets it (a
 * number in the field's unit, digits fitted to BCD widths, a canonical word through the field's
 * values table), period fields their slot's figures; the rest is left to the encoder (`value` or zeros).
 */
export function valuesFrom(dialect: Dialect, spec: RecordSpec, roles: RoleValues, periods: PeriodValues = {}): FieldValues {
  const out: Record<string, FieldValue> = {};
  for (const field of spec.fields) {
    if (field.role === undefined || field.encoding === 'group' || field.encoding === 'reserved') continue;
    if ((field.role === 'periodEnergy' || field.role === 'periodAmount') && field.period !== undefined) {
      const p = periods[field.period] ?? { energyWh: 0, amountYuan: 0 };
      out[field.name] = field.role === 'periodEnergy' ? inFieldUnit(field, p.energyWh, 'Wh') : inFieldUnit(field, p.amountYuan, 'yuan');
      continue;
    }
    const v = roles[field.role];
    if (v === undefined) continue;
    // Digits on an integer field are its number; a word (a state, a result, a reason) its code, on an
    // integer field without a table its plain code (0 when it has none).
    if (typeof v === 'string' && field.encoding === 'uint' && /^\d+$/.test(v)) out[field.name] = Number(v);
    else if (typeof v === 'string' && (field.encoding === 'uint' || (field.encoding === 'bcd' && (field.values !== undefined || v in PLAIN_CODES)))) {
      const code = codeFor(dialect, field, [v, ...(FALLBACK_WORDS[v] ?? [])], PLAIN_CODES[v] ?? 0);
      out[field.name] = field.encoding === 'bcd' ? fitDigits(field, String(code)) : code;
    } else if (typeof v === 'number') {
      const q = QUANTITY[field.role];
      out[field.name] = field.encoding === 'bcd' ? fitDigits(field, String(Math.round(v))) : q === undefined ? v : inFieldUnit(field, v, q);
    } else out[field.name] = field.encoding === 'bcd' || field.encoding === 'ascii' ? fitDigits(field, v) : v;
  }
  // A record whose record-type octet is its end reason (B1's charge record): the octet goes as `recordType`.
  const reason = roles['endReason'];
  if (spec.endReasonFromRecordType !== undefined && typeof reason === 'string') {
    const table = { name: 'recordType', encoding: 'uint', values: spec.endReasonFromRecordType } as const;
    out[RECORD_TYPE_KEY] = codeFor(dialect, table, [reason, 'other'], spec.record === 'none' ? 0 : (spec.record[0] ?? 0));
  }
  return out;
}

/** Words tried after a word a dialect's table lacks (B1 knows no `preparing`: an idle charger with a car is idle). */
const FALLBACK_WORDS: Readonly<Record<string, readonly string[]>> = {
  preparing: ['available'],
  suspended: ['charging'],
  finishing: ['available'],
  faulted: ['unavailable'],
  unavailable: ['faulted'],
  accepted: ['Accepted'],
  rejected: ['Invalid', 'default'],
  Accepted: ['accepted'],
};

/** Codes written for a word when the field has no values table. */
const PLAIN_CODES: Readonly<Record<string, number>> = { accepted: 1, Accepted: 1, rejected: 0, available: 0, preparing: 0, charging: 1, finishing: 0, faulted: 2, Invalid: 1, default: 1 };

/** A record received from the gateway, decoded. */
export interface ReceivedRecord {
  readonly name: string;
  readonly spec: RecordSpec;
  readonly values: FieldValues;
  /** The IOA of a private ASDU that carries one (B3 puts the connector in its first octet's high nibble). */
  readonly ioa?: number;
}

/** A received record's value by role (the first field with it). */
export function fieldValue(r: ReceivedRecord, role: FieldRole): FieldValue | undefined {
  const field = fieldOf(r.spec.fields, role);
  return field === undefined ? undefined : r.values[field.name];
}

/** Two serials name the same session (leading zeros aside: fields of different widths). */
export function sameSerial(a: string, b: string): boolean {
  return a.replace(/^0+/, '') === b.replace(/^0+/, '');
}
