/**
 * A record's business meaning read off its fields' roles (`FieldRole` in catalogue.ts), and the
 * inverse for the records the engine writes. Values stay as decoded (raw codes, scaled numbers,
 * digit strings); values tables turn codes into canonical words (`wordOf`) and back (`codeOf`).
 */
import type { Dialect, FieldRole, FieldSpec, RecordSpec } from './catalogue.js';
import type { FieldValue, FieldValues } from './fields.js';
import type { TariffSlot } from './options.js';

export interface RoleFault {
  readonly code: string;
  readonly severity: 'info' | 'warning' | 'error' | 'critical';
  readonly active: boolean;
  readonly raw: number;
}

/**
 * The values of a record by role: the first field with a role wins; `periods` gathers the
 * `periodEnergy` / `periodAmount` fields by their `period`; `faults` lists every `fault` field.
 * A group whose fields have roles comes as a list of role records under the role of its first
 * field that has one (a billing model's periods under `periodStart`).
 */
export type Roles = Partial<Record<FieldRole, FieldValue>> & {
  periods?: Partial<Record<TariffSlot, { energy?: number; amount?: number }>>;
  faults?: RoleFault[];
};

/** The first role among a group's fields, which names the group's entries in `Roles`. */
function groupRole(spec: FieldSpec): FieldRole | undefined {
  return spec.fields?.find((f) => f.role !== undefined)?.role;
}

export function rolesOf(spec: Pick<RecordSpec, 'fields'> & Partial<Pick<RecordSpec, 'endReasonFromRecordType'>>, values: FieldValues): Roles {
  const roles: Roles = {};
  const set = (role: FieldRole, v: FieldValue): void => {
    if (roles[role] === undefined) roles[role] = v;
  };
  for (const field of spec.fields) {
    const v = values[field.name];
    if (v === undefined) continue;
    if (field.encoding === 'group') {
      const role = groupRole(field);
      if (role !== undefined && Array.isArray(v))
        set(
          role,
          (v as readonly FieldValues[]).map((entry) => plainRoles(rolesOf({ fields: field.fields ?? [] }, entry))),
        );
      continue;
    }
    if (field.role === undefined) continue;
    if ((field.role === 'periodEnergy' || field.role === 'periodAmount') && field.period !== undefined && typeof v === 'number') {
      const periods = (roles.periods ??= {});
      const slot = (periods[field.period] ??= {});
      if (field.role === 'periodEnergy') slot.energy ??= v;
      else slot.amount ??= v;
    }
    if (field.role === 'fault' && field.fault !== undefined && typeof v === 'number') {
      (roles.faults ??= []).push({ code: field.fault.code, severity: field.fault.severity, active: v !== 0, raw: v });
    }
    set(field.role, v);
  }
  if (spec.endReasonFromRecordType !== undefined && typeof values.recordType === 'number') set('endReason', values.recordType);
  return roles;
}

/** A role record as group entries carry it (the scalar roles only). */
function plainRoles(roles: Roles): FieldValues {
  const { periods: _periods, faults: _faults, ...rest } = roles;
  return rest as FieldValues;
}

/**
 * The values to encode a record from its roles: the inverse of `rolesOf`. Fields without a value
 * here are written as their `value` or zeros by `writeFields`.
 */
export function valuesFor(spec: Pick<RecordSpec, 'fields'> & Partial<Pick<RecordSpec, 'endReasonFromRecordType'>>, roles: Roles): FieldValues {
  const values: Record<string, FieldValue> = {};
  for (const field of spec.fields) {
    if (field.encoding === 'group') {
      const role = groupRole(field);
      const entries = role === undefined ? undefined : roles[role];
      if (Array.isArray(entries)) values[field.name] = (entries as readonly FieldValues[]).map((entry) => valuesFor({ fields: field.fields ?? [] }, entry as Roles));
      continue;
    }
    if (field.role === undefined) continue;
    if ((field.role === 'periodEnergy' || field.role === 'periodAmount') && field.period !== undefined) {
      const slot = roles.periods?.[field.period];
      const v = field.role === 'periodEnergy' ? slot?.energy : slot?.amount;
      if (v !== undefined) values[field.name] = v;
      continue;
    }
    const v = roles[field.role];
    if (v !== undefined && values[field.name] === undefined) values[field.name] = v;
  }
  if (spec.endReasonFromRecordType !== undefined && typeof roles.endReason === 'number') values.recordType = roles.endReason;
  return values;
}

/** The canonical word of `code` in the dialect's values table `table`, or undefined. */
export function wordOf(dialect: Dialect, table: string | undefined, code: FieldValue | undefined): string | undefined {
  if (table === undefined || code === undefined || Array.isArray(code)) return undefined;
  const n = typeof code === 'number' ? code : Number(code);
  return Number.isFinite(n) ? dialect.values.get(table)?.get(n) : undefined;
}

/** The wire code of `word` in the values table `table` (its `default` code when the word is not there), or undefined. */
export function codeOf(dialect: Dialect, table: string | undefined, word: string): number | undefined {
  const entries = table === undefined ? undefined : dialect.values.get(table);
  if (entries === undefined) return undefined;
  let fallback: number | undefined;
  for (const [code, w] of entries) {
    if (w === word) return code;
    if (w === 'default' && fallback === undefined) fallback = code;
  }
  return fallback;
}
