/**
 * The options of a family-B listener (`mapping:` on a `codec: sgcc104` listener): an options file
 * (`mappings/schema/sgcc104-options.schema.json`) naming a dialect and the operator's choices, or a
 * dialect catalogue itself (it has `records:`), whose operator options then take their defaults.
 * Every problem is a ConfigError naming the file, the line and the JSON pointer.
 */
import { dirname } from 'node:path';
import { invalidConfig, type PointerIssue } from '../../src/config/document.js';
import { ConfigError } from '../../src/config/errors.js';
import { packageSchemaValidator, readOptionsDocument } from '../../src/config/read.js';
import { DEFAULT_TIME_ZONE, isValidTimeZone } from '../../src/core/time-zone.js';
import type { Dialect, FieldSpec } from './catalogue.js';
import { dialectFile, isBuiltInDialect, loadDialect, parseDialect } from './load-catalogue.js';
import type { Sgcc104Options, Sgcc104Tariff } from './options.js';

const OPTIONS_SCHEMA_PATH = 'mappings/schema/sgcc104-options.schema.json';

/** How long a command waits for the charger's result record when the options do not say, seconds. */
export const DEFAULT_COMMAND_TIMEOUT_S = 8;

const optionsValidator = packageSchemaValidator(import.meta.url, OPTIONS_SCHEMA_PATH);

interface RawOptions {
  readonly dialect: string;
  readonly timeZone?: string;
  readonly commandTimeoutS?: number;
  readonly ratedPowerW?: number;
  readonly tariff?: Sgcc104Tariff;
}

/**
 * Options from `file` (YAML or JSON) or `value` (an object from code; a relative dialect path is
 * then relative to the working directory).
 * @throws ConfigError (`CONFIG_READ`, `CONFIG_SYNTAX`, `CONFIG_INVALID`) with file, line and pointer;
 *   a bad catalogue is reported in the catalogue's own file.
 */
export async function loadSgcc104Options(source: { readonly file?: string; readonly value?: unknown }): Promise<Sgcc104Options> {
  const { doc, text } = await readOptionsDocument(source, '<sgcc104 options>');
  const value = doc.value;
  if (value !== null && typeof value === 'object' && Object.hasOwn(value, 'records')) {
    // A catalogue named directly: the operator's options take their defaults.
    const dialect = parseDialect(text ?? JSON.stringify(value), doc.file);
    return { dialect, timeZone: DEFAULT_TIME_ZONE, commandTimeoutMs: DEFAULT_COMMAND_TIMEOUT_S * 1000, ...(source.file !== undefined ? { source: source.file } : {}) };
  }
  const issues = optionsValidator()(value ?? {});
  if (issues.length > 0) throw invalidConfig(doc, issues);
  const raw = value as RawOptions;
  if (raw.timeZone !== undefined && !isValidTimeZone(raw.timeZone)) {
    issues.push({ pointer: '/timeZone', reason: `unknown time zone ${JSON.stringify(raw.timeZone)} (expected an IANA name such as Asia/Shanghai)` });
  }
  if (raw.tariff !== undefined) issues.push(...checkPeriods(raw.tariff));
  if (issues.length > 0) throw invalidConfig(doc, issues);

  const baseDir = source.file !== undefined ? dirname(source.file) : undefined;
  let dialect: Dialect;
  try {
    dialect = loadDialect(raw.dialect, baseDir);
  } catch (e) {
    if (e instanceof ConfigError && e.code === 'CONFIG_READ' && !isBuiltInDialect(raw.dialect)) {
      const reason = e.issues.map((i) => i.reason).join('; ');
      throw invalidConfig(doc, [{ pointer: '/dialect', reason: `cannot read the catalogue ${dialectFile(raw.dialect, baseDir)}: ${reason} (built-in dialects: b1, b2, b3)` }]);
    }
    throw e;
  }
  if (raw.tariff !== undefined) {
    const fit = tariffFits(dialect, raw.tariff);
    if (fit.length > 0) throw invalidConfig(doc, fit);
  }
  return {
    dialect,
    timeZone: raw.timeZone ?? DEFAULT_TIME_ZONE,
    commandTimeoutMs: Math.round((raw.commandTimeoutS ?? DEFAULT_COMMAND_TIMEOUT_S) * 1000),
    ...(raw.tariff !== undefined ? { tariff: raw.tariff } : {}),
    ...(raw.ratedPowerW !== undefined ? { ratedPowerW: raw.ratedPowerW } : {}),
    ...(source.file !== undefined ? { source: source.file } : {}),
  };
}

/** Periods start at 00:00 and ascend strictly. */
function checkPeriods(tariff: Sgcc104Tariff): PointerIssue[] {
  const issues: PointerIssue[] = [];
  const first = tariff.periods[0];
  if (first !== undefined && first.from !== '00:00') issues.push({ pointer: '/tariff/periods/0/from', reason: `the first period starts at 00:00, not ${first.from}` });
  tariff.periods.forEach((p, i) => {
    const before = tariff.periods[i - 1];
    if (before !== undefined && p.from <= before.from)
      issues.push({ pointer: `/tariff/periods/${i}/from`, reason: `${p.from} does not come after the previous period's ${before.from}: periods ascend` });
  });
  return issues;
}

/** The tariff against the dialect's billing model record: the id's digits and the number of periods. */
function tariffFits(dialect: Dialect, tariff: Sgcc104Tariff): PointerIssue[] {
  const issues: PointerIssue[] = [];
  const model = dialect.records.find((r) => r.meaning === 'billingModel');
  if (model === undefined) return issues;
  const id = findField(model.fields, (f) => f.role === 'billingModelId');
  if (id?.encoding === 'bcd' && id.octets !== undefined && tariff.billingModelId.length > id.octets * 2) {
    issues.push({
      pointer: '/tariff/billingModelId',
      reason: `dialect ${dialect.name} sends the billing model id in ${id.octets * 2} digits; ${tariff.billingModelId} has ${tariff.billingModelId.length}`,
    });
  }
  const group = findField(model.fields, (f) => f.encoding === 'group' && f.fields?.some((g) => g.role === 'periodStart') === true);
  const max = group === undefined ? undefined : typeof group.count === 'number' ? group.count : group.maxCount;
  if (max !== undefined && tariff.periods.length > max) {
    issues.push({ pointer: '/tariff/periods', reason: `dialect ${dialect.name}'s billing model (${model.name}) holds at most ${max} periods; the tariff has ${tariff.periods.length}` });
  }
  return issues;
}

function findField(fields: readonly FieldSpec[], test: (f: FieldSpec) => boolean): FieldSpec | undefined {
  for (const f of fields) {
    if (test(f)) return f;
    const inner = f.fields === undefined ? undefined : findField(f.fields, test);
    if (inner !== undefined) return inner;
  }
  return undefined;
}
