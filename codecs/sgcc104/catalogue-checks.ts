/**
 * The checks of a family-B catalogue that its JSON Schema cannot express: unique names and
 * (type, record) keys, roles allowed for a record's meaning and required ones present, answers and
 * results naming records of the right direction, values tables and their words, group counts, the
 * login's size and charger id, record sizes, private types declared, units the engine converts. Each problem is a JSON pointer
 * and a reason; `load-catalogue.ts` attaches lines and columns.
 */
import type { PointerIssue } from '../../src/config/document.js';
import { pointerOf } from '../../src/config/document.js';
import { typeInfo } from '../../src/iec104/constants.js';
import { LOGIN_ROLES, MEANINGS, VALUE_WORDS, type FieldRole, type Meaning } from './catalogue.js';
import { linkProblems } from './session-link.js';
import { unitProblem } from './unit-checks.js';

/** The largest ASDU a record may need: 253 APDU octets minus the 4 control octets. */
export const MAX_ASDU_OCTETS = 249;

/** A field as written in YAML (the schema holds). */
export interface RawField {
  readonly name: string;
  readonly encoding: 'bcd' | 'uint' | 'cp56' | 'ascii' | 'bytes' | 'reserved' | 'group';
  readonly octets?: number;
  readonly order?: string;
  readonly endian?: string;
  readonly scale?: number;
  readonly unit?: string;
  readonly role?: FieldRole;
  readonly period?: string;
  readonly values?: string;
  readonly fault?: unknown;
  readonly value?: number | string;
  readonly secret?: boolean;
  readonly count?: number | string;
  readonly maxCount?: number;
  readonly fields?: readonly RawField[];
  readonly unconfirmed?: string;
}

export interface RawRecord {
  readonly name: string;
  readonly title?: string;
  readonly type: number;
  readonly record: number | readonly number[] | 'none';
  readonly cause?: number;
  readonly meaning: Meaning;
  readonly fields: readonly RawField[];
  readonly answer?: string;
  readonly resultIn?: string;
  readonly endReasonFromRecordType?: string;
  readonly zeroSerial?: 'derive' | 'keep';
  readonly unconfirmed?: string;
}

export interface RawDialect {
  readonly name: string;
  readonly title: string;
  readonly confidence?: string;
  readonly currentType?: 'AC' | 'DC';
  readonly connectors?: number;
  readonly connectorBase?: 0 | 1;
  readonly framing: {
    readonly lengthOctets: 1 | 2;
    readonly uFrameOctets?: 6 | 7;
    readonly checksum?: 'none' | 'sum16le';
    readonly privateIoa: boolean;
    readonly cotOctets?: 1 | 2;
    readonly caOctets?: 1 | 2;
    readonly ioaOctets?: 1 | 2 | 3;
    readonly commonAddress?: number;
    readonly ioa?: number;
    readonly connectorInIoa?: boolean;
  };
  readonly login: {
    readonly prefix: string;
    readonly octets: number;
    readonly fields: readonly RawField[];
    readonly answer?: 'echo' | 'none';
    readonly answerPatch?: readonly { offset: number; value: number }[];
  };
  readonly link?: {
    readonly startDt?: boolean;
    readonly clockSync?: boolean;
    readonly clockSyncHours?: number;
    readonly interrogate?: boolean;
    readonly t1?: number;
    readonly t2?: number;
    readonly t3?: number;
    readonly k?: number;
    readonly w?: number;
  };
  readonly types?: Readonly<Record<string, { readonly name: string; readonly direction: 'up' | 'down' }>>;
  readonly values?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly records: readonly RawRecord[];
}

type Add = (pointer: string, reason: string) => void;

/** `0x82`: a code as catalogues write it. */
export function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

/** Octets of a field list: `fixed` plus, per variable group, nothing (or `maxCount` times its size in `max`). */
export function fieldsSize(fields: readonly RawField[]): { fixed: number; max: number; variable: boolean } {
  let fixed = 0;
  let max = 0;
  let variable = false;
  for (const f of fields) {
    if (f.encoding === 'group') {
      const inner = fieldsSize(f.fields ?? []);
      if (typeof f.count === 'number') {
        fixed += f.count * inner.fixed;
        max += f.count * inner.max;
      } else {
        variable = true;
        max += (f.maxCount ?? 0) * inner.max;
      }
      variable ||= inner.variable;
    } else {
      const n = f.encoding === 'cp56' ? 7 : (f.octets ?? 0);
      fixed += n;
      max += n;
    }
  }
  return { fixed, max, variable };
}

/** ASDU octets before a record's fields: TI, VSQ, COT, CA, the IOA of private ASDUs that carry one, the record-type octet. */
export function asduHeaderOctets(d: RawDialect, record: RawRecord['record']): number {
  const f = d.framing;
  return 2 + (f.cotOctets ?? 2) + (f.caOctets ?? 2) + (f.privateIoa ? (f.ioaOctets ?? 3) : 0) + (record === 'none' ? 0 : 1);
}

export function directionOf(meaning: Meaning): 'up' | 'down' | 'either' {
  return MEANINGS[meaning].direction;
}

/** The semantic checks of a schema-valid catalogue. */
export function checkDialect(d: RawDialect): PointerIssue[] {
  const issues: PointerIssue[] = [];
  const add: Add = (pointer, reason) => issues.push({ pointer, reason });
  const tables = d.values ?? {};
  checkFraming(d, add);
  checkLogin(d, tables, add);
  for (const { key, reason } of linkProblems(d.link ?? {})) add(pointerOf('link', key), reason);
  for (const key of Object.keys(d.types ?? {})) {
    const n = Number(key);
    if (n > 255) add(pointerOf('types', key), `type identification ${key} does not fit one octet`);
  }
  for (const [name, table] of Object.entries(tables)) {
    for (const key of Object.keys(table)) if (Number(key) > 0xffffffff) add(pointerOf('values', name, key), `code ${key} does not fit four octets`);
  }

  const byName = new Map<string, number>();
  d.records.forEach((r, i) => {
    const first = byName.get(r.name);
    if (first === undefined) byName.set(r.name, i);
    else add(pointerOf('records', i, 'name'), `record name ${JSON.stringify(r.name)} is already used by ${pointerOf('records', first)}`);
  });
  const keys = new Map<string, number>();
  d.records.forEach((r, i) => {
    const at = (...rest: (string | number)[]): string => pointerOf('records', i, ...rest);
    const dir = directionOf(r.meaning);
    const numbers = r.record === 'none' ? ['none'] : typeof r.record === 'number' ? [r.record] : r.record;
    for (const n of numbers) {
      for (const side of dir === 'either' ? ['up', 'down'] : [dir]) {
        const key = `${r.type}/${String(n)}/${side}`;
        const other = keys.get(key);
        const shown = `${hex(r.type)}/${typeof n === 'number' ? n : 'none'}`;
        if (other === undefined) keys.set(key, i);
        else if (other !== i && !toldApartByLength(d, d.records[other], r)) {
          add(
            at('record'),
            `${shown} ${side} is already the key of ${pointerOf('records', other)} (${d.records[other]?.name ?? ''}): records sharing a (type, record) pair in one direction need fixed, different lengths`,
          );
        }
      }
    }
    checkType(d, r, at, add);
    checkRecordFields(r, tables, at, add);
    checkLinks(d, r, byName, at, add);
    const size = fieldsSize(r.fields);
    const header = asduHeaderOctets(d, r.record);
    const worst = header + Math.max(size.fixed, size.max);
    if (worst > MAX_ASDU_OCTETS) {
      add(
        at('fields'),
        `record ${r.name} needs ${worst} octets in its ASDU (header ${header} + fields ${Math.max(size.fixed, size.max)}${size.variable ? ' at maxCount' : ''}); an ASDU holds at most ${MAX_ASDU_OCTETS}`,
      );
    }
  });
  return issues;
}

/** Two records of one key can be told apart by the ASDU's length: both fixed, of different sizes. */
function toldApartByLength(d: RawDialect, a: RawRecord | undefined, b: RawRecord): boolean {
  if (a === undefined) return false;
  const sa = fieldsSize(a.fields);
  const sb = fieldsSize(b.fields);
  return !sa.variable && !sb.variable && asduHeaderOctets(d, a.record) + sa.fixed !== asduHeaderOctets(d, b.record) + sb.fixed;
}

function checkFraming(d: RawDialect, add: Add): void {
  const f = d.framing;
  const ca = f.caOctets ?? 2;
  const ioa = f.ioaOctets ?? 3;
  if (f.commonAddress !== undefined && f.commonAddress >= 256 ** ca) add('/framing/commonAddress', `common address ${f.commonAddress} does not fit caOctets ${ca}`);
  if (f.ioa !== undefined && f.ioa >= 256 ** ioa) add('/framing/ioa', `IOA ${f.ioa} does not fit ioaOctets ${ioa}`);
  if (f.connectorInIoa === true && !f.privateIoa) add('/framing/connectorInIoa', 'the connector cannot travel in the IOA: privateIoa is false (private ASDUs carry no IOA)');
  if (f.uFrameOctets === 7 && f.lengthOctets === 1) add('/framing/uFrameOctets', 'a 7-octet U-frame (68 04 00 ...) has a 2-octet length: set lengthOctets 2 or uFrameOctets 6');
  if (f.uFrameOctets === 6 && f.lengthOctets === 2) add('/framing/uFrameOctets', 'a 6-octet U-frame has a 1-octet length: with lengthOctets 2 U-frames are 7 octets');
}

function checkLogin(d: RawDialect, tables: NonNullable<RawDialect['values']>, add: Add): void {
  const login = d.login;
  checkFields(login.fields, LOGIN_ROLES, tables, (...rest) => pointerOf('login', 'fields', ...rest), add, 'the login');
  const ids = login.fields.filter((f) => f.role === 'chargerId');
  if (ids.length !== 1) add('/login/fields', `the login needs exactly one field with role chargerId, it has ${ids.length}`);
  const counts = login.fields.flatMap((f, i) => (f.role === 'connectorCount' ? [{ f, i }] : []));
  counts.slice(1).forEach(({ i }) => add(pointerOf('login', 'fields', i, 'role'), `the login has at most one field with role connectorCount, it has ${counts.length}`));
  for (const { f, i } of counts) if (f.encoding !== 'uint') add(pointerOf('login', 'fields', i, 'encoding'), `a connectorCount is a uint field; ${f.name} is ${f.encoding}`);
  const prefix = login.prefix.split(' ').length;
  const size = fieldsSize(login.fields);
  if (size.variable) add('/login/fields', 'the login has a fixed length: no group with a counted length');
  else if (prefix + size.fixed !== login.octets) {
    add('/login/octets', `the login is ${login.octets} octets, but its prefix (${prefix}) and fields (${size.fixed}) make ${prefix + size.fixed}`);
  }
  (login.answerPatch ?? []).forEach((p, i) => {
    if (p.offset >= login.octets) add(pointerOf('login', 'answerPatch', i, 'offset'), `offset ${p.offset} is beyond the ${login.octets}-octet login`);
  });
}

function checkType(d: RawDialect, r: RawRecord, at: (...rest: (string | number)[]) => string, add: Add): void {
  const declared = Object.entries(d.types ?? {}).find(([k]) => Number(k) === r.type)?.[1];
  const dir = directionOf(r.meaning);
  if (declared === undefined) {
    if (typeInfo(r.type) === undefined) add(at('type'), `type ${hex(r.type)} (${r.type}) is not a standard IEC 104 type: declare it under types with its name and direction`);
  } else if (dir !== 'either' && declared.direction !== dir) {
    add(at('meaning'), `${r.meaning} goes ${dir}, but type ${hex(r.type)} (${declared.name}) is declared ${declared.direction}`);
  }
  if (r.endReasonFromRecordType !== undefined && (r.meaning !== 'chargeRecord' || r.record === 'none')) {
    add(at('endReasonFromRecordType'), 'only a chargeRecord with record-type numbers reads its end reason from the record type');
  }
  if (r.zeroSerial !== undefined && r.meaning !== 'chargeRecord') add(at('zeroSerial'), 'only a chargeRecord derives an id for an all-zero serial');
}

function checkRecordFields(r: RawRecord, tables: NonNullable<RawDialect['values']>, at: (...rest: (string | number)[]) => string, add: Add): void {
  const meaning = MEANINGS[r.meaning];
  checkFields(r.fields, meaning.roles, tables, (...rest) => at('fields', ...rest), add, `meaning ${r.meaning}`);
  const present = new Set<FieldRole>();
  const collect = (fields: readonly RawField[]): void => {
    for (const f of fields) {
      if (f.role !== undefined) present.add(f.role);
      if (f.fields !== undefined) collect(f.fields);
    }
  };
  collect(r.fields);
  if (r.endReasonFromRecordType !== undefined) present.add('endReason');
  for (const role of meaning.required as readonly FieldRole[]) {
    if (!present.has(role)) add(at('meaning'), `meaning ${r.meaning} needs a field with role ${role}`);
  }
  const table = r.endReasonFromRecordType;
  if (table !== undefined) {
    const codes = tables[table];
    if (codes === undefined) add(at('endReasonFromRecordType'), `no values table ${JSON.stringify(table)}${known(Object.keys(tables))}`);
    else {
      checkWords(codes, 'endReason', table, add);
      const numbers = typeof r.record === 'number' ? [r.record] : r.record === 'none' ? [] : r.record;
      for (const n of numbers) if (!Object.keys(codes).some((k) => Number(k) === n)) add(at('record'), `record type ${n} has no end reason in values table ${table}`);
    }
  }
}

function checkLinks(d: RawDialect, r: RawRecord, byName: ReadonlyMap<string, number>, at: (...rest: (string | number)[]) => string, add: Add): void {
  const dir = directionOf(r.meaning);
  const link = (prop: 'answer' | 'resultIn', from: 'up' | 'down', to: 'up' | 'down'): void => {
    const name = r[prop];
    if (name === undefined) return;
    if (dir !== from && dir !== 'either') {
      add(at(prop), `${prop} belongs to ${from === 'up' ? 'an uplink' : 'a downlink'} record; ${r.name} (${r.meaning}) goes ${dir}`);
      return;
    }
    const i = byName.get(name);
    const target = i === undefined ? undefined : d.records[i];
    if (target === undefined) add(at(prop), `no record named ${JSON.stringify(name)}${known(d.records.filter((x) => directionOf(x.meaning) !== from).map((x) => x.name))}`);
    else if (directionOf(target.meaning) === from) add(at(prop), `${prop} must name ${to === 'down' ? 'a downlink' : 'an uplink'} record; ${name} (${target.meaning}) goes ${from}`);
  };
  link('answer', 'up', 'down');
  link('resultIn', 'down', 'up');
}

const VALUE_ROLES = Object.keys(VALUE_WORDS) as (keyof typeof VALUE_WORDS)[];

function checkWords(table: Readonly<Record<string, string>>, role: keyof typeof VALUE_WORDS, name: string, add: Add): void {
  const words: readonly string[] = VALUE_WORDS[role];
  for (const [code, word] of Object.entries(table)) {
    if (!words.includes(word)) add(pointerOf('values', name, code), `${JSON.stringify(word)} is not a ${role} word; expected one of ${words.join(', ')}`);
  }
}

/** Field-level checks of one list (recursing into groups); `roles` are the roles allowed here. */
function checkFields(fields: readonly RawField[], roles: readonly FieldRole[], tables: NonNullable<RawDialect['values']>, at: (...rest: (string | number)[]) => string, add: Add, owner: string): void {
  const names = new Map<string, number>();
  fields.forEach((f, i) => {
    const p = (...rest: (string | number)[]): string => at(i, ...rest);
    const first = names.get(f.name);
    if (first === undefined) names.set(f.name, i);
    else add(p('name'), `field name ${JSON.stringify(f.name)} is already used by ${at(first)}`);
    const e = f.encoding;
    if (f.role !== undefined && !roles.includes(f.role)) add(p('role'), `role ${f.role} is not a role of ${owner}; expected one of ${roles.join(', ') || '(none)'}`);
    if (e === 'group') {
      if (f.octets !== undefined) add(p('octets'), 'a group has no octets of its own: its fields decide');
      if (f.fields === undefined) add(p(), 'a group needs fields');
      if (f.count === undefined) add(p(), 'a group needs a count (a number, or the name of an earlier uint field)');
      else if (typeof f.count === 'string') {
        const counter = fields.slice(0, i).find((g) => g.name === f.count);
        if (counter === undefined)
          add(
            p('count'),
            `count ${JSON.stringify(f.count)} names no earlier field of this record${known(
              fields
                .slice(0, i)
                .filter((g) => g.encoding === 'uint')
                .map((g) => g.name),
            )}`,
          );
        else if (counter.encoding !== 'uint') add(p('count'), `count ${JSON.stringify(f.count)} names a ${counter.encoding} field; a count is a uint field`);
      }
      if (f.fields !== undefined) checkFields(f.fields, roles, tables, (...rest) => p('fields', ...rest), add, owner);
    } else {
      if (f.fields !== undefined || f.count !== undefined || f.maxCount !== undefined) add(p('encoding'), `fields, count and maxCount belong to a group; ${f.name} is ${e}`);
      if (e === 'cp56') {
        if (f.octets !== undefined && f.octets !== 7) add(p('octets'), 'a cp56 time is 7 octets');
      } else if (f.octets === undefined) add(p(), `missing required property "octets" (a ${e} field's size)`);
      else if (e === 'uint' && f.octets > 4) add(p('octets'), `a uint is 1 to 4 octets, not ${f.octets}`);
    }
    if (e !== 'uint') {
      for (const prop of ['scale', 'endian', 'unit'] as const) if (f[prop] !== undefined) add(p(prop), `${prop} applies to uint fields only; ${f.name} is ${e}`);
    }
    if (f.order !== undefined && e !== 'bcd') add(p('order'), `order applies to bcd fields only; ${f.name} is ${e}`);
    const unit = unitProblem(f);
    if (unit !== undefined) add(p('unit'), unit);
    checkValue(f, p, add);
    const isFault = f.role === 'fault';
    if (isFault !== (f.fault !== undefined)) add(p(isFault ? 'role' : 'fault'), isFault ? 'a fault field needs fault: { code, severity }' : 'fault belongs to a field with role fault');
    const periodic = f.role === 'periodEnergy' || f.role === 'periodAmount';
    if (periodic !== (f.period !== undefined))
      add(p(periodic ? 'role' : 'period'), periodic ? `a ${f.role ?? ''} field needs its period (tip, peak, flat or valley)` : 'period belongs to periodEnergy and periodAmount fields');
    if (f.role === 'password' && f.secret !== true) add(p('secret'), 'a password field must be secret: true (never shown by decode, replay or logs)');
    if (f.values !== undefined) {
      const table = tables[f.values];
      const role = VALUE_ROLES.find((r) => r === f.role);
      if (table === undefined) add(p('values'), `no values table ${JSON.stringify(f.values)}${known(Object.keys(tables))}`);
      else if (role === undefined) add(p('values'), `a values table is read for roles ${VALUE_ROLES.join(', ')}; ${f.name} has ${f.role === undefined ? 'no role' : `role ${f.role}`}`);
      else checkWords(table, role, f.values, add);
    }
  });
}

function checkValue(f: RawField, p: (...rest: (string | number)[]) => string, add: Add): void {
  const v = f.value;
  if (v === undefined) return;
  const octets = f.octets ?? 0;
  if (f.encoding === 'uint' || f.encoding === 'reserved') {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) add(p('value'), `a ${f.encoding} value is a whole number ≥ 0, got ${JSON.stringify(v)}`);
    else if (f.encoding === 'uint' && v / (f.scale ?? 1) >= 256 ** octets) add(p('value'), `${v} does not fit ${octets} octet(s)`);
  } else if (f.encoding === 'bcd') {
    if (typeof v !== 'string' || !/^[0-9]+$/.test(v) || v.length > octets * 2) add(p('value'), `a bcd value is a string of at most ${octets * 2} digits`);
  } else if (f.encoding === 'ascii') {
    if (typeof v !== 'string' || v.length > octets) add(p('value'), `an ascii value is a string of at most ${octets} characters`);
  } else if (f.encoding === 'bytes') {
    if (typeof v !== 'string' || !/^([0-9A-Fa-f]{2})( ?[0-9A-Fa-f]{2})*$/.test(v) || v.replace(/ /g, '').length !== octets * 2) add(p('value'), `a bytes value is ${octets} octets in hex`);
  } else add(p('value'), `a ${f.encoding} field takes no value`);
}

function known(names: readonly string[]): string {
  return names.length === 0 ? '' : `; known: ${names.join(', ')}`;
}
