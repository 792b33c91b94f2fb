/**
 * Config and data files as documents that remember where each value came from: YAML (or JSON, which
 * is YAML) parsed with positions, validated with an ajv-compiled JSON Schema, and every problem
 * reported as a JSON pointer with line and column. Pure: the caller reads the file (`read.ts`).
 */
import { Ajv, type AnySchemaObject, type ErrorObject } from 'ajv';
import { isAlias, isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { redactUserinfo } from '../core/url-userinfo.js';
import { ConfigError, type ConfigIssue } from './errors.js';

/** 1-based position in a file. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** A problem found before positions are attached: a JSON pointer and a reason. */
export interface PointerIssue {
  readonly pointer: string;
  readonly reason: string;
}

/** A parsed config file: the plain value and a way back from a JSON pointer to the text. */
export interface ConfigDocument {
  readonly file: string;
  /** The document as plain JSON-compatible data (YAML aliases expanded). */
  readonly value: unknown;
  /**
   * Position of the value at `pointer`: the key of a mapping entry, the start of a sequence item.
   * When the pointer goes further than the document (a missing property), the deepest existing part.
   */
  locate(pointer: string): Position | undefined;
}

/** Most aliases expanded while converting, against "billion laughs" documents. */
const MAX_ALIAS_COUNT = 100;

/**
 * Parses YAML or JSON text. Duplicate keys, several documents and any other syntax error are a
 * ConfigError `CONFIG_SYNTAX` listing every error with its position.
 */
export function parseConfigText(text: string, file: string): ConfigDocument {
  const lineCounter = new LineCounter();
  // uniqueKeys stays at its default (true): a repeated key is an error, never "last one wins".
  // logLevel 'error': no console warnings, but still the MULTIPLE_DOCS error ('silent' drops it).
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, logLevel: 'error' });
  const position = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (doc.errors.length > 0) {
    const issues = doc.errors.map((e): ConfigIssue => {
      const at = position(e.pos[0]);
      const key = e.code === 'DUPLICATE_KEY' ? keyAt(doc, e.pos[0]) : undefined;
      if (key !== undefined) return { pointer: key.pointer, ...at, reason: `duplicate key ${JSON.stringify(key.key)}` };
      return { pointer: '', ...at, reason: e.message };
    });
    throw new ConfigError('CONFIG_SYNTAX', file, dedupe(issues));
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml throws ReferenceError for excessive or unresolvable aliases.
    throw new ConfigError('CONFIG_SYNTAX', file, [{ pointer: '', reason: e instanceof Error ? e.message : String(e) }]);
  }
  const locate = (pointer: string): Position | undefined => {
    const offset = offsetOf(doc, parsePointer(pointer));
    return offset === undefined ? undefined : position(offset);
  };
  const cycle = cyclePointer(value);
  if (cycle !== undefined) {
    // `a: &x { b: *x }` is legal YAML but not data: validators and JSON output would never end.
    throw new ConfigError('CONFIG_SYNTAX', file, [{ pointer: cycle, ...locate(cycle), reason: 'alias refers to a mapping or list that contains it (a cycle)' }]);
  }
  return { file, value, locate };
}

/**
 * A ConfigError `CONFIG_INVALID` for `issues`, with their positions in `doc`, sorted by position.
 * `overrides` (pointer → `NAME=value`) names the values that came from the environment: an issue
 * at or under one is blamed on that variable, not on a line of the file.
 */
export function invalidConfig(doc: ConfigDocument, issues: readonly PointerIssue[], overrides?: ReadonlyMap<string, string>): ConfigError {
  const located = issues.map((i, n) => {
    const from = overrides === undefined ? undefined : overrideOf(overrides, i.pointer);
    return { n, issue: (from !== undefined ? { ...i, from } : { ...i, ...doc.locate(i.pointer) }) as ConfigIssue };
  });
  located.sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.n - b.n);
  return new ConfigError('CONFIG_INVALID', doc.file, dedupe(located.map((l) => l.issue)));
}

/** The override at `pointer` or at one of its ancestors (an override that sets a whole section). */
function overrideOf(overrides: ReadonlyMap<string, string>, pointer: string): string | undefined {
  for (let p = pointer; ; p = p.slice(0, p.lastIndexOf('/'))) {
    const from = overrides.get(p);
    if (from !== undefined || p === '') return from;
  }
}

/** Turns one ajv error into a reason, or undefined to use the built-in wording. */
export type ReasonHook = (error: ErrorObject, pointer: string, root: unknown) => string | undefined;

/** Validates a value and returns its problems (empty when valid). */
export type SchemaValidator = (value: unknown) => PointerIssue[];

/**
 * Compiles a JSON Schema (draft-07) once. The validator reports every problem (`allErrors`), each
 * with a pointer and a human reason: `if`/`then` noise is dropped in favour of the keyword that
 * failed inside `then`, enums and consts name the allowed values, `required` and
 * `additionalProperties` name the property (the latter pointing at it, with a did-you-mean).
 */
export function compileSchema(schema: AnySchemaObject, options: { readonly reason?: ReasonHook } = {}): SchemaValidator {
  // One Ajv per schema, so schemas with the same $id (tests, reloads) never collide.
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true });
  const validate = ajv.compile(schema);
  return (value) => {
    if (validate(value)) return [];
    const issues: PointerIssue[] = [];
    for (const error of validate.errors ?? []) {
      const described = describeAjvError(error);
      if (described === undefined) continue;
      const custom = options.reason?.(error, described.pointer, value);
      issues.push(custom === undefined ? described : { pointer: described.pointer, reason: custom });
    }
    return dedupe(issues);
  };
}

/** Validates `doc` against `validator`; throws ConfigError `CONFIG_INVALID` with positions. */
export function validateDocument(doc: ConfigDocument, validator: SchemaValidator): void {
  const issues = validator(doc.value);
  if (issues.length > 0) throw invalidConfig(doc, issues);
}

/** Builds a JSON pointer from path segments, escaping `~` and `/` (RFC 6901). */
export function pointerOf(...segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** Splits a JSON pointer into unescaped segments; `''` is the root. */
export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(pointer.startsWith('/') ? 1 : 0)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** The value at `pointer` in plain data, or undefined. */
export function valueAt(root: unknown, pointer: string): unknown {
  let v: unknown = root;
  for (const seg of parsePointer(pointer)) {
    if (Array.isArray(v)) v = /^\d+$/.test(seg) ? (v as unknown[])[Number(seg)] : undefined;
    else if (v !== null && typeof v === 'object' && Object.hasOwn(v, seg)) v = (v as Record<string, unknown>)[seg];
    else return undefined;
  }
  return v;
}

/** Short human rendering of a value inside a reason; a URL's user and password are never shown. */
export function showValue(v: unknown): string {
  if (typeof v === 'string') {
    const shown = redactUserinfo(v);
    return JSON.stringify(shown.length > 60 ? `${shown.slice(0, 57)}...` : shown);
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return String(v);
}

function describeAjvError(e: ErrorObject): PointerIssue | undefined {
  const at = e.instancePath;
  const params = e.params as Record<string, unknown>;
  const name = lastName(at);
  switch (e.keyword) {
    case 'if':
    case 'propertyNames':
      // "must match then schema" / "property name must be valid": the nested keyword says what is wrong.
      return undefined;
    case 'required':
      return { pointer: at, reason: `missing required property ${JSON.stringify(params['missingProperty'])}` };
    case 'additionalProperties': {
      const prop = String(params['additionalProperty']);
      const known = Object.keys((e.parentSchema?.['properties'] as Record<string, unknown> | undefined) ?? {});
      const near = closest(prop, known);
      const hint = near !== undefined ? `; did you mean ${JSON.stringify(near)}?` : known.length > 0 ? `; expected one of ${known.join(', ')}` : '';
      return { pointer: `${at}${pointerOf(prop)}`, reason: `unknown property ${JSON.stringify(prop)}${hint}` };
    }
    case 'enum': {
      const allowed = (params['allowedValues'] as unknown[]).map((a) => (typeof a === 'string' ? a : showValue(a)));
      return { pointer: at, reason: `unknown ${name} ${showValue(e.data)}; expected one of ${allowed.join(', ')}` };
    }
    case 'const':
      return { pointer: at, reason: `must be ${showValue(params['allowedValue'])}, got ${showValue(e.data)}` };
    case 'type':
      return { pointer: at, reason: `must be ${String(params['type']).replace(/,/g, ' or ')}, got ${typeName(e.data)}` };
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return { pointer: at, reason: `must be ${String(params['comparison'])} ${String(params['limit'])}, got ${showValue(e.data)}` };
    case 'minLength':
      return { pointer: at, reason: `must be at least ${String(params['limit'])} character(s) long` };
    case 'maxLength':
      return { pointer: at, reason: `must be at most ${String(params['limit'])} characters long, got ${String((e.data as string).length)}` };
    case 'minItems':
      return { pointer: at, reason: `must have at least ${String(params['limit'])} item(s)` };
    case 'maxItems':
      return { pointer: at, reason: `must have at most ${String(params['limit'])} item(s)` };
    case 'minProperties':
      return { pointer: at, reason: `must have at least ${String(params['limit'])} entr${params['limit'] === 1 ? 'y' : 'ies'}` };
    case 'maxProperties':
      return { pointer: at, reason: `must have at most ${String(params['limit'])} entries` };
    case 'pattern':
      if (e.propertyName !== undefined) {
        // From propertyNames: point at the offending key itself.
        return { pointer: `${at}${pointerOf(e.propertyName)}`, reason: `key ${JSON.stringify(e.propertyName)} does not match ${String(params['pattern'])}` };
      }
      return { pointer: at, reason: `${showValue(e.data)} does not match ${String(params['pattern'])}` };
    case 'not': {
      const sub = e.schema as Record<string, unknown> | undefined;
      if (sub !== undefined && 'const' in sub) return { pointer: at, reason: `must not be ${showValue(sub['const'])}` };
      if (sub !== undefined && Array.isArray(sub['enum'])) return { pointer: at, reason: `must not be one of ${sub['enum'].map(showValue).join(', ')}` };
      return { pointer: at, reason: 'has a value that is not allowed here' };
    }
    case 'oneOf':
    case 'anyOf':
      return { pointer: at, reason: 'does not match any of the allowed forms' };
    default:
      return { pointer: at, reason: e.message ?? `fails ${e.keyword}` };
  }
}

/** Pointer of the first value that contains itself, or undefined for tree-shaped (shared is fine) data. */
function cyclePointer(root: unknown): string | undefined {
  const open = new Set<object>();
  const walk = (v: unknown, path: readonly string[]): string | undefined => {
    if (v === null || typeof v !== 'object') return undefined;
    if (open.has(v)) return pointerOf(...path);
    open.add(v);
    for (const [k, child] of Object.entries(v)) {
      const found = walk(child, [...path, k]);
      if (found !== undefined) return found;
    }
    open.delete(v);
    return undefined;
  };
  return walk(root, []);
}

function lastName(pointer: string): string {
  const last = parsePointer(pointer).at(-1);
  return last === undefined || /^\d+$/.test(last) ? 'value' : last;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  return `${typeof v} ${showValue(v)}`;
}

/** A known name close enough to `typo` to suggest (same letters in another case, or ≤ 2 edits away). */
function closest(typo: string, known: readonly string[]): string | undefined {
  const lower = typo.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase !== undefined) return sameCase;
  if (typo.length < 4) return undefined;
  let best: { name: string; d: number } | undefined;
  for (const k of known) {
    const d = editDistance(lower, k.toLowerCase());
    if (d <= 2 && (best === undefined || d < best.d)) best = { name: k, d };
  }
  return best?.name;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}

function dedupe<T extends { readonly pointer: string; readonly reason: string }>(issues: readonly T[]): T[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.pointer}\u0000${i.reason}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Start offset of the node at `segments`: key of a map entry, start of a sequence item; the deepest match. */
function offsetOf(doc: Document, segments: readonly string[]): number | undefined {
  let node: unknown = doc.contents;
  let offset = isNode(node) ? node.range?.[0] : undefined;
  for (const seg of segments) {
    // An alias (`*gun-states`) points into its anchor: positions then are the anchor's.
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => keyText(p.key) === seg);
      if (pair === undefined) break;
      offset = (isNode(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
      node = pair.value;
    } else if (isSeq(node)) {
      const item: unknown = /^\d+$/.test(seg) ? node.items[Number(seg)] : undefined;
      if (item === undefined) break;
      if (isPair(item)) {
        // `[a: b]` in a flow sequence: a single-pair mapping.
        offset = (isNode(item.key) ? item.key.range?.[0] : undefined) ?? offset;
      } else if (isNode(item)) {
        offset = item.range?.[0] ?? offset;
      }
      node = item;
    } else {
      break;
    }
  }
  return offset;
}

/** The map key that starts at `offset` and its JSON pointer (for duplicate-key errors). */
function keyAt(doc: Document, offset: number): { pointer: string; key: string } | undefined {
  const walk = (node: unknown, path: string[]): { pointer: string; key: string } | undefined => {
    const pairs = isMap(node) ? node.items : isPair(node) ? [node] : [];
    for (const pair of pairs) {
      const key = keyText(pair.key);
      if (isNode(pair.key) && pair.key.range?.[0] === offset) return { pointer: pointerOf(...path, key), key };
      const found = walk(pair.value, [...path, key]);
      if (found !== undefined) return found;
    }
    if (isSeq(node)) {
      for (const [i, item] of node.items.entries()) {
        const found = walk(item, [...path, String(i)]);
        if (found !== undefined) return found;
      }
    }
    return undefined;
  };
  return walk(doc.contents, []);
}

function keyText(key: unknown): string {
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  return isNode(key) ? key.toString() : String(key);
}
