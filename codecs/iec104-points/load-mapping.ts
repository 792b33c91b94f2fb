/**
 * Loads an IEC 104 point-table mapping: YAML -> JSON Schema (`mappings/schema/iec104-points.schema.json`)
 * -> checks the schema cannot express (duplicates, connector count, connector 0, energy registers,
 * units, state ranges, link and address sizes). Every problem is reported at once, each with its
 * JSON pointer, line and column.
 */
import { readFileSync } from 'node:fs';
import type { ErrorObject } from 'ajv';
import { compileSchema, invalidConfig, parseConfigText, pointerOf, showValue, valueAt, type PointerIssue, type SchemaValidator } from '../../src/config/document.js';
import { findPackageFile, readConfigFile } from '../../src/config/read.js';
import { SUPPORTED_TYPES, typeByName, type ElementKind, type TypeInfo } from '../../src/iec104/constants.js';
import { isValidTimeZone } from '../../src/core/time-zone.js';
import { DEFAULT_LINK_PARAMETERS } from '../../src/iec104/link-params.js';
import { IEC104_ASDU_PARAMETERS } from '../../src/iec104/types.js';
import { UNIT_FACTORS } from '../../src/model/units.js';
import type { Iec104PointsMapping } from './mapping.js';

/** The schema, relative to the package root. */
const MAPPING_SCHEMA_PATH = 'mappings/schema/iec104-points.schema.json';

/**
 * Parses and validates a mapping. `file` names it in errors and gives the default `name`.
 * @returns the mapping with `name` filled in and `$schema` dropped; nothing else is defaulted.
 * @throws ConfigError `CONFIG_SYNTAX` or `CONFIG_INVALID` listing every problem.
 */
export function parseMapping(text: string, file: string): Iec104PointsMapping {
  const doc = parseConfigText(text, file);
  const schemaIssues = mappingValidator()(doc.value);
  if (schemaIssues.length > 0) throw invalidConfig(doc, schemaIssues);
  // The schema holds, so the value has the declared shape.
  const raw = doc.value as Iec104PointsMapping & { $schema?: string };
  const issues = checkMapping(raw);
  if (issues.length > 0) throw invalidConfig(doc, issues);
  const { $schema: _schema, kind, version, name, ...rest } = raw;
  return { kind, version, name: name ?? nameFromFile(file), ...rest };
}

/**
 * Reads and parses a mapping file.
 * @throws ConfigError `CONFIG_READ`, `CONFIG_SYNTAX` or `CONFIG_INVALID`.
 */
export function loadMappingFile(path: string): Iec104PointsMapping {
  return parseMapping(readConfigFile(path), path);
}

/** `0x6401`: an IOA in hex, at least four digits, as mapping files write them. */
export function ioaHex(ioa: number): string {
  return `0x${ioa.toString(16).toUpperCase().padStart(4, '0')}`;
}

let validator: SchemaValidator | undefined;

/** Compiled on first use, once per process. */
function mappingValidator(): SchemaValidator {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(findPackageFile(import.meta.url, MAPPING_SCHEMA_PATH), 'utf8')) as Record<string, unknown>;
    validator = compileSchema(schema, { reason: mappingReason });
  }
  return validator;
}

function nameFromFile(file: string): string {
  // Either separator: a Windows path names the same mapping on every platform.
  const stem = (file.split(/[\\/]/).pop() ?? '').replace(/\.(ya?ml|json)$/i, '');
  // Keep the schema's name pattern true for defaulted names too.
  return stem.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^-+|-+$/g, '') || 'mapping';
}

/** Reasons that need to know what a TI is: a command at a monitor TI, a time-tagged TI on a point. */
function mappingReason(e: ErrorObject, pointer: string, root: unknown): string | undefined {
  const tiAt = /^\/(points|commands)\/\d+\/ti$/.exec(pointer);
  if (e.keyword === 'enum' && tiAt !== null) {
    const allowed = (e.params as { allowedValues: string[] }).allowedValues;
    const owner = valueAt(root, pointer.slice(0, -'/ti'.length)) as Record<string, unknown>;
    return tiAt[1] === 'commands' ? commandTiReason(String(owner['command']), e.data, allowed) : pointTiReason(String(owner['signal']), e.data, allowed);
  }
  if (e.keyword === 'pattern' && e.propertyName !== undefined && /^\/points\/\d+\/states$/.test(e.instancePath)) {
    return `state ${JSON.stringify(e.propertyName)} is not an integer raw value`;
  }
  return undefined;
}

function commandTiReason(command: string, ti: unknown, allowed: readonly string[]): string {
  const info = typeof ti === 'string' ? typeByName(ti) : undefined;
  if (info === undefined) return `unknown TI ${showValue(ti)}; expected one of ${allowed.join(', ')}`;
  const need = command === 'setLimit' ? `setLimit needs a setpoint type: ${orList(allowed)}` : `commands need ${orList(allowed)}`;
  return `command ${command} uses ${kindOfType(info)} ${info.name}; ${need}`;
}

function pointTiReason(signal: string, ti: unknown, allowed: readonly string[]): string {
  const info = typeof ti === 'string' ? typeByName(ti) : undefined;
  if (info === undefined) return `unknown TI ${showValue(ti)}; expected one of ${allowed.join(', ')}`;
  if (info.control) return `${signal} point uses ${kindOfType(info)} ${info.name}; ${signal} points need ${orList(allowed)}`;
  const untimed = untimedOf(info);
  if (info.timeTag && untimed !== undefined && allowed.includes(untimed.name)) {
    return `${info.name} is the time-tagged variant of ${untimed.name}: write ${untimed.name} (both are accepted at the IOA)`;
  }
  return `${signal} points cannot use ${info.name}; expected ${orList(allowed)}`;
}

function kindOfType(info: TypeInfo): string {
  if (!info.control) return 'monitor type';
  if (info.name.startsWith('C_SE_')) return 'setpoint type';
  if (info.name === 'C_SC_NA_1' || info.name === 'C_DC_NA_1') return 'command type';
  return 'system type';
}

/** The type without time tag sharing the element kind: M_SP_TB_1 -> M_SP_NA_1 (one "family" of IOAs). */
function untimedOf(info: TypeInfo): TypeInfo | undefined {
  return SUPPORTED_TYPES.find((t) => t.kind === info.kind && !t.timeTag && !t.control);
}

function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1) ?? ''}`;
}

/** Raw values a status code can take per element kind (IEC 60870-5-101 §7.2.6.1 SIQ, §7.2.6.2 DIQ, §7.2.6.7 SVA). */
const STATE_RANGES: Partial<Record<ElementKind, readonly [number, number]>> = {
  SIQ: [0, 1],
  DIQ: [0, 3],
  SVA: [-32768, 32767],
};

/** Semantic checks on a schema-valid mapping. */
function checkMapping(m: Iec104PointsMapping): PointerIssue[] {
  const issues: PointerIssue[] = [];
  const add = (pointer: string, reason: string): void => {
    issues.push({ pointer, reason });
  };

  if (m.timeZone !== undefined && !isValidTimeZone(m.timeZone)) {
    add('/timeZone', `unknown time zone ${JSON.stringify(m.timeZone)} (expected an IANA name such as Asia/Shanghai)`);
  }
  if (m.identity.source === 'commonAddress' && m.identity.template !== undefined && !m.identity.template.includes('{ca}')) {
    add('/identity/template', `template ${JSON.stringify(m.identity.template)} has no {ca}: every charger would get the same identity`);
  }

  const ioaSize = m.asdu?.ioaSize ?? IEC104_ASDU_PARAMETERS.ioaSize;
  const maxIoa = 256 ** ioaSize - 1;
  const checkIoa = (pointer: string, ioa: number): void => {
    if (ioa > maxIoa) add(pointer, `IOA ${ioaHex(ioa)} (${ioa}) does not fit asdu.ioaSize ${ioaSize} (at most ${ioaHex(maxIoa)} = ${maxIoa})`);
  };
  const caSize = m.asdu?.caSize ?? IEC104_ASDU_PARAMETERS.caSize;
  const maxCa = 256 ** caSize - 1;
  if (m.commonAddress !== undefined && m.commonAddress > maxCa) {
    add('/commonAddress', `common address ${m.commonAddress} does not fit asdu.caSize ${caSize} (at most ${maxCa}, which is also the broadcast address)`);
  }
  const checkConnector = (pointer: string, connector: number): void => {
    if (connector > m.charger.connectors) add(pointer, `connector ${connector} does not exist: charger.connectors is ${m.charger.connectors}`);
  };

  checkLink(m, add);

  // One IOA space per type family: M_SP_NA_1 and its time-tagged M_SP_TB_1 arrive at the same IOA.
  const firstAt = new Map<string, number>();
  /** The energy register (phase-less energy point) of each connector. */
  const registerAt = new Map<number, number>();
  /** The session start figure points of each connector (`signal:connector`). */
  const startFigureAt = new Map<string, number>();
  m.points.forEach((p, i) => {
    const at = (...rest: (string | number)[]): string => pointerOf('points', i, ...rest);
    checkIoa(at('ioa'), p.ioa);
    checkConnector(at('connector'), p.connector);
    const info = typeByName(p.ti);
    const family = info?.kind ?? p.ti;
    const key = `${family}:${p.ioa}`;
    const first = firstAt.get(key);
    if (first === undefined) firstAt.set(key, i);
    else {
      const timed = SUPPORTED_TYPES.filter((t) => t.kind === family && !t.control).map((t) => t.name);
      add(at('ioa'), `IOA ${ioaHex(p.ioa)} (${p.ioa}) is already mapped by ${pointerOf('points', first)} in the same type family (${timed.join('/')})`);
    }
    if (p.connector === 0 && (p.signal === 'plugged' || p.signal === 'charging' || p.signal === 'status' || p.signal === 'sessionStartEnergy' || p.signal === 'sessionStartTime')) {
      // Connector states and sessions belong to connectors 1..n; connector 0 has only availability and faults.
      add(at('connector'), `${p.signal} points need a connector from 1 to ${m.charger.connectors}: connector 0 (the charger as a whole) has no plug or session, only available and fault points`);
    }
    if ((p.signal === 'sessionStartEnergy' || p.signal === 'sessionStartTime') && p.connector > 0) {
      const key = `${p.signal}:${p.connector}`;
      const earlier = startFigureAt.get(key);
      if (earlier === undefined) startFigureAt.set(key, i);
      else add(at('signal'), `connector ${p.connector} already has its ${p.signal} point at ${pointerOf('points', earlier)}`);
    }
    if (p.signal === 'measurand' && p.measurand === 'energy' && p.phase === undefined && p.connector > 0) {
      const register = registerAt.get(p.connector);
      if (register === undefined) registerAt.set(p.connector, i);
      else add(at('measurand'), `connector ${p.connector} already has its energy register at ${pointerOf('points', register)}: a second energy point needs a phase (L1, L2, L3 or N)`);
    }
    if (p.signal === 'measurand') {
      const units = UNIT_FACTORS[p.measurand];
      if (units[p.unit] === undefined) add(at('unit'), `unit ${JSON.stringify(p.unit)} does not fit measurand ${p.measurand}; expected one of ${Object.keys(units).join(', ')}`);
    }
    if (p.signal === 'status') {
      const range = info === undefined ? undefined : STATE_RANGES[info.kind];
      for (const key of Object.keys(p.states)) {
        const n = Number(key);
        if (String(n) !== key) add(at('states', key), `state "${key}" never matches a raw value: write it as ${String(n)}`);
        else if (range !== undefined && (n < range[0] || n > range[1])) add(at('states', key), `state ${key} is impossible for ${p.ti} (raw values ${range[0]}..${range[1]})`);
      }
    }
  });

  // A start energy is a reading of the connector's register: without one it compares with nothing.
  m.points.forEach((p, i) => {
    if (p.signal === 'sessionStartEnergy' && p.connector > 0 && !registerAt.has(p.connector)) {
      add(
        pointerOf('points', i, 'connector'),
        `sessionStartEnergy of connector ${p.connector} is a reading of its energy register, and the connector has none (a measurand energy point without phase)`,
      );
    }
  });

  const firstCommand = new Map<string, number>();
  (m.commands ?? []).forEach((c, i) => {
    checkIoa(pointerOf('commands', i, 'ioa'), c.ioa);
    checkConnector(pointerOf('commands', i, 'connector'), c.connector);
    const key = `${c.command}:${c.connector}`;
    const first = firstCommand.get(key);
    if (first === undefined) firstCommand.set(key, i);
    else add(pointerOf('commands', i), `duplicate command ${c.command} for connector ${c.connector}: already defined at ${pointerOf('commands', first)}`);
  });
  return issues;
}

/** k/w (IEC 60870-5-104 §5.5) and t1/t2 (§5.2) relations, with the defaults standing in for absent values. */
function checkLink(m: Iec104PointsMapping, add: (pointer: string, reason: string) => void): void {
  const link = m.link ?? {};
  const k = link.k ?? DEFAULT_LINK_PARAMETERS.k;
  const w = link.w ?? DEFAULT_LINK_PARAMETERS.w;
  const t1 = link.t1 ?? DEFAULT_LINK_PARAMETERS.t1 / 1000;
  const t2 = link.t2 ?? DEFAULT_LINK_PARAMETERS.t2 / 1000;
  const dflt = (given: number | undefined): string => (given === undefined ? ', the default' : '');
  if (w > k) {
    // The receiver must acknowledge before the sender's window closes, or the link stalls until t1.
    add(link.w !== undefined ? '/link/w' : '/link/k', `w (${w}${dflt(link.w)}) must not exceed k (${k}${dflt(link.k)})`);
  }
  if (t2 >= t1) {
    // An acknowledgement delayed by t2 must reach the peer before its t1 expires.
    add(link.t2 !== undefined ? '/link/t2' : '/link/t1', `t2 (${t2} s${dflt(link.t2)}) must be less than t1 (${t1} s${dflt(link.t1)})`);
  }
}
