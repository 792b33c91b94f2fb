/**
 * Validation of OCPP 2.0.1 payloads against the official OCA Part 3 JSON schemas, with each ajv
 * failure mapped to the CALLERROR code Part 4 Table 8 prescribes.
 *
 * Why typed-ocpp as the schema source: its repository's `schemas/ocpp20/*.json` are byte-identical
 * to the OCA files, and its built objects (`typed-ocpp/dist/ocpp20/schemas.js`) keep every
 * validation keyword of those files (types, enums, required, min/maxItems, maxLength, format,
 * additionalProperties/additionalItems) and drop only metadata: `$schema`, `$id`, the
 * non-standard `comment` and `javaType` (descriptions survive in part, which ajv ignores). Its
 * TypeScript payload types (see `actions.ts`) are generated from the same files, so the types the
 * engine writes against and the schemas checked here agree by construction. We use our own ajv
 * instance, not typed-ocpp's validators: typed-ocpp's ajv runs with `removeAdditional: true`,
 * which silently strips unknown properties instead of rejecting them.
 *
 * The deep import of `dist/ocpp20/schemas.js` is deliberate: typed-ocpp's root module compiles all
 * OCPP 1.6, 2.0.1 and 2.1 schemas at import time (about 4.5 s); here each schema is compiled
 * lazily, the first time its action and direction is validated.
 */
import { createRequire } from 'node:module';
import { Ajv, type AnySchemaObject, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import * as oca from 'typed-ocpp/dist/ocpp20/schemas.js';
import { isOcppAction } from './actions.js';
import { OcppError, type OcppErrorCode } from './errors.js';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module.
const addFormats = addFormatsModule.default;

/**
 * ajv keyword → CALLERROR code (Part 4 Table 8). The first ajv error decides the code; ajv reports
 * in schema order, so a message with several faults gets the code of the first one.
 */
export const KEYWORD_ERROR_CODES: Readonly<Record<string, OcppErrorCode>> = {
  // Cardinality: "at least one of the fields violates occurrence constraints".
  required: 'OccurrenceConstraintViolation',
  minItems: 'OccurrenceConstraintViolation',
  maxItems: 'OccurrenceConstraintViolation',
  additionalItems: 'OccurrenceConstraintViolation',
  minProperties: 'OccurrenceConstraintViolation',
  maxProperties: 'OccurrenceConstraintViolation',
  // "violates data type constraints (e.g. "somestring": 12)".
  type: 'TypeConstraintViolation',
  // "Payload for Action is syntactically incorrect".
  enum: 'FormatViolation',
  const: 'FormatViolation',
  format: 'FormatViolation',
  maxLength: 'FormatViolation',
  minLength: 'FormatViolation',
  pattern: 'FormatViolation',
  // "at least one field contains an invalid value" (unknown property, value out of range).
  additionalProperties: 'PropertyConstraintViolation',
  minimum: 'PropertyConstraintViolation',
  maximum: 'PropertyConstraintViolation',
  exclusiveMinimum: 'PropertyConstraintViolation',
  exclusiveMaximum: 'PropertyConstraintViolation',
  multipleOf: 'PropertyConstraintViolation',
};

/** Code for a keyword the table does not name (none of the OCA files uses one today). */
const FALLBACK_CODE: OcppErrorCode = 'FormatViolation';

/** At most this many ajv errors are copied into the CALLERROR details. */
const MAX_DETAIL_ERRORS = 5;

export type SchemaDirection = 'request' | 'response';

/**
 * RFC 3339 date-time as OCPP exchanges it: upper-case `T`, seconds present, at most three
 * fractional digits, and an explicit zone (`Z` or `±hh:mm`). Stricter than ajv-formats 3, which
 * also allows a space or lower-case `t`, any number of fractional digits and `±hhmm`; the
 * calendar check (month lengths, leap years, 23:59:60) is still ajv-formats'.
 */
const OCPP_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:\d{2})$/;

/** ajv-formats' own RFC 3339 date-time check (calendar and clock ranges, zone required). */
function rfc3339Validator(): (value: string) => boolean {
  const format = addFormats.get('date-time', 'full');
  if (typeof format === 'object' && !(format instanceof RegExp) && typeof format.validate === 'function') {
    // `validate` is typed as a union over string and number formats; date-time is a string format.
    const check = format.validate as (value: string) => unknown;
    return (value) => check(value) === true;
  }
  throw new Error('ajv-formats did not provide a date-time validator');
}

const rfc3339 = rfc3339Validator();

/**
 * The last timestamp found valid: a message often carries the same one several times (a
 * TransactionEvent's own and its meter value's), and ajv-formats' check allocates (split, exec).
 */
let lastValidDateTime: string | undefined;

/** True for a timestamp the gateway accepts on the wire (see `OCPP_DATE_TIME`). */
export function isOcppDateTime(value: string): boolean {
  if (value === lastValidDateTime) return true;
  const valid = OCPP_DATE_TIME.test(value) && rfc3339(value);
  if (valid) lastValidDateTime = value;
  return valid;
}

/**
 * A timestamp as the gateway always emits it: UTC, milliseconds, `Z` (`2024-01-01T10:00:00.000Z`).
 * Throws RangeError for an invalid date or a year outside 0000–9999 (toISOString would then use
 * six-digit years, which RFC 3339 does not allow).
 */
export function ocppTimestamp(date: Date | number): string {
  const text = new Date(date).toISOString();
  if (text.length !== 24) throw new RangeError(`timestamp outside RFC 3339 years: ${text}`);
  return text;
}

function createAjv(): Ajv {
  // strictSchema/strictTypes off: the OCA files put `additionalProperties: false` on string enums
  // and `additionalItems: false` next to non-tuple `items`, which ajv's strict mode rejects.
  const instance = new Ajv({ strictSchema: false, strictTypes: false, allErrors: true });
  // The OCA files declare draft-06. typed-ocpp's objects no longer carry `$schema`, but registering
  // the meta-schema keeps the unmodified OCA files loadable too.
  const require = createRequire(import.meta.url);
  instance.addMetaSchema(require('ajv/dist/refs/json-schema-draft-06.json') as AnySchemaObject);
  addFormats(instance);
  // Every `format: date-time` in the OCA files (38 fields) goes through this check, so the
  // stricter rule applies exactly where the schema says date-time and nowhere else.
  instance.addFormat('date-time', { type: 'string', validate: isOcppDateTime });
  return instance;
}

const ajv = createAjv();
const schemaTable = oca as unknown as Readonly<Record<string, AnySchemaObject | undefined>>;
const compiled = new Map<string, ValidateFunction>();

function schemaName(action: string, direction: SchemaDirection): string {
  return `${action}${direction === 'request' ? 'Request' : 'Response'}`;
}

/**
 * The compiled validator for an action and direction, compiled on first use; undefined when the
 * action is not an OCPP 2.0.1 action.
 */
function validatorFor(action: string, direction: SchemaDirection): ValidateFunction | undefined {
  if (!isOcppAction(action)) return undefined;
  const name = schemaName(action, direction);
  let validate = compiled.get(name);
  if (validate === undefined) {
    const schema = schemaTable[name];
    if (schema === undefined) return undefined;
    validate = ajv.compile(schema);
    compiled.set(name, validate);
  }
  return validate;
}

/** Compiles every request and response schema now (start-up warm-up); returns how many exist. */
export function compileAll(): number {
  let count = 0;
  for (const name of Object.keys(schemaTable)) {
    const action = name.replace(/(Request|Response)$/, '');
    if (validatorFor(action, name.endsWith('Request') ? 'request' : 'response') !== undefined) count++;
  }
  return count;
}

/** The CALLERROR code for an ajv error keyword. */
export function errorCodeForKeyword(keyword: string): OcppErrorCode {
  return KEYWORD_ERROR_CODES[keyword] ?? FALLBACK_CODE;
}

function describe(error: ErrorObject): string {
  const where = error.instancePath === '' ? '(root)' : error.instancePath;
  switch (error.keyword) {
    case 'required':
      return `${where} missing required property "${String(error.params['missingProperty'])}"`;
    case 'additionalProperties':
      return `${where} has unknown property "${String(error.params['additionalProperty'])}"`;
    case 'enum':
      return `${where} must be one of ${JSON.stringify(error.params['allowedValues'])}`;
    default:
      return `${where} ${error.message ?? error.keyword}`;
  }
}

/** Turns ajv errors for a payload into the OcppError to answer with. */
function toOcppError(action: string, direction: SchemaDirection, errors: readonly ErrorObject[]): OcppError {
  const first = errors[0];
  if (first === undefined) return new OcppError('GenericError', `${schemaName(action, direction)} invalid`);
  const code = errorCodeForKeyword(first.keyword);
  const description = `${schemaName(action, direction)}: ${describe(first)}`;
  const details = {
    errors: errors.slice(0, MAX_DETAIL_ERRORS).map((e) => ({
      path: e.instancePath,
      keyword: e.keyword,
      message: e.message ?? '',
    })),
  };
  return new OcppError(code, description, details);
}

function validate(action: string, direction: SchemaDirection, payload: unknown): OcppError | undefined {
  const fn = validatorFor(action, direction);
  if (fn === undefined) return new OcppError('NotImplemented', `Unknown action "${action}"`);
  if (fn(payload)) return undefined;
  return toOcppError(action, direction, fn.errors ?? []);
}

/**
 * Checks a CALL payload. Returns undefined when valid, else the OcppError to answer with
 * (NotImplemented for an action outside OCPP 2.0.1).
 */
export function validateRequest(action: string, payload: unknown): OcppError | undefined {
  return validate(action, 'request', payload);
}

/** Checks a CALLRESULT payload for `action`; same contract as `validateRequest`. */
export function validateResponse(action: string, payload: unknown): OcppError | undefined {
  return validate(action, 'response', payload);
}
