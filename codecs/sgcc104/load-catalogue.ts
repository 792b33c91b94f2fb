/**
 * Loads a family-B dialect catalogue: YAML -> JSON Schema (`mappings/schema/sgcc104-dialect.schema.json`)
 * -> the checks a schema cannot express (`catalogue-checks.ts`) -> a `Dialect`. Every problem is
 * reported at once, each with its JSON pointer, line and column, as for point-table mappings.
 * Built-in dialects (`b1`, `b2`, `b3`) live in `mappings/sgcc104/<name>.yaml`.
 */
import { isAbsolute, resolve } from 'node:path';
import { invalidConfig, parseConfigText } from '../../src/config/document.js';
import { findPackageFile, packageSchemaValidator, readConfigFile } from '../../src/config/read.js';
import type { Dialect, FieldSpec, RecordSpec, ValuesTable } from './catalogue.js';
import { checkDialect, type RawDialect, type RawField, type RawRecord } from './catalogue-checks.js';

const DIALECT_SCHEMA_PATH = 'mappings/schema/sgcc104-dialect.schema.json';

/** The dialects shipped with pilegate, by name. */
export const BUILT_IN_DIALECTS = ['b1', 'b2', 'b3'] as const;

const dialectValidator = packageSchemaValidator(import.meta.url, DIALECT_SCHEMA_PATH);

/**
 * Parses and checks a catalogue. `file` names it in errors.
 * @throws ConfigError `CONFIG_SYNTAX` or `CONFIG_INVALID` listing every problem with its position.
 */
export function parseDialect(text: string, file: string): Dialect {
  const doc = parseConfigText(text, file);
  const schemaIssues = dialectValidator()(doc.value);
  if (schemaIssues.length > 0) throw invalidConfig(doc, schemaIssues);
  const raw = doc.value as RawDialect;
  const issues = checkDialect(raw);
  if (issues.length > 0) throw invalidConfig(doc, issues);
  return toDialect(raw);
}

/** Whether `nameOrFile` is a built-in dialect's name rather than a file. */
export function isBuiltInDialect(nameOrFile: string): boolean {
  return (BUILT_IN_DIALECTS as readonly string[]).includes(nameOrFile);
}

/** The file of a built-in dialect, or `nameOrFile` resolved against `baseDir` (default: the working directory). */
export function dialectFile(nameOrFile: string, baseDir?: string): string {
  if (isBuiltInDialect(nameOrFile)) return findPackageFile(import.meta.url, `mappings/sgcc104/${nameOrFile}.yaml`);
  return isAbsolute(nameOrFile) || baseDir === undefined ? nameOrFile : resolve(baseDir, nameOrFile);
}

/**
 * A built-in dialect by name (`b1`, `b2`, `b3`) or a catalogue file (relative to `baseDir`).
 * @throws ConfigError `CONFIG_READ`, `CONFIG_SYNTAX` or `CONFIG_INVALID`.
 */
export function loadDialect(nameOrFile: string, baseDir?: string): Dialect {
  const file = dialectFile(nameOrFile, baseDir);
  return parseDialect(readConfigFile(file), file);
}

/** `"68 01 02"` -> `[0x68, 0x01, 0x02]` (the schema checked the form). */
export function parseHexOctets(text: string): number[] {
  return text.split(' ').map((h) => parseInt(h, 16));
}

/** The checked raw catalogue as the engine's `Dialect`, defaults filled in. */
function toDialect(raw: RawDialect): Dialect {
  const f = raw.framing;
  const link = raw.link ?? {};
  const values = new Map<string, ValuesTable>();
  for (const [name, table] of Object.entries(raw.values ?? {})) {
    values.set(name, new Map(Object.entries(table).map(([code, word]) => [Number(code), word])));
  }
  const types = new Map<number, { name: string; direction: 'up' | 'down' }>();
  for (const [code, t] of Object.entries(raw.types ?? {})) types.set(Number(code), { name: t.name, direction: t.direction });
  return {
    name: raw.name,
    title: raw.title,
    ...(raw.confidence !== undefined ? { confidence: raw.confidence } : {}),
    framing: {
      lengthOctets: f.lengthOctets,
      uFrameOctets: f.uFrameOctets ?? (f.lengthOctets === 2 ? 7 : 6),
      checksum: f.checksum ?? 'none',
      privateIoa: f.privateIoa,
      cotOctets: f.cotOctets ?? 2,
      caOctets: f.caOctets ?? 2,
      ioaOctets: f.ioaOctets ?? 3,
      commonAddress: f.commonAddress ?? 0,
      ioa: f.ioa ?? 0,
      ...(f.connectorInIoa !== undefined ? { connectorInIoa: f.connectorInIoa } : {}),
    },
    login: {
      prefix: parseHexOctets(raw.login.prefix),
      octets: raw.login.octets,
      fields: raw.login.fields.map(toField),
      answer: raw.login.answer ?? 'echo',
      ...(raw.login.answerPatch !== undefined ? { answerPatch: raw.login.answerPatch.map((p) => ({ offset: p.offset, value: p.value })) } : {}),
    },
    link: {
      startDt: link.startDt ?? true,
      clockSync: link.clockSync ?? true,
      interrogate: link.interrogate ?? false,
      ...pick(link, ['clockSyncHours', 't1', 't2', 't3', 'k', 'w']),
    },
    types,
    records: raw.records.map(toRecord),
    values,
    connectors: raw.connectors ?? 1,
    currentType: raw.currentType ?? 'AC',
    connectorBase: raw.connectorBase ?? 1,
  };
}

function toRecord(r: RawRecord): RecordSpec {
  return {
    ...r,
    record: r.record === 'none' ? 'none' : typeof r.record === 'number' ? [r.record] : [...r.record],
    fields: r.fields.map(toField),
  };
}

function toField(f: RawField): FieldSpec {
  const { fields, fault, ...rest } = f;
  return {
    ...(rest as Omit<FieldSpec, 'fields' | 'fault'>),
    ...(f.encoding === 'cp56' ? { octets: 7 } : {}),
    ...(fault !== undefined ? { fault: fault as FieldSpec['fault'] & object } : {}),
    ...(fields !== undefined ? { fields: fields.map(toField) } : {}),
  };
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
}
