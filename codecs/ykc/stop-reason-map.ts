/**
 * Loader for `mappings/ykc/stop-reasons.yaml`: YKC stop-reason codes (docs/protocols/ykc.md §5) -> canonical
 * `StopReason`. YAML parse plus a small shape check; a bad file throws a `YkcStopReasonMapError`.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { findPackageFile } from '../../src/config/read.js';
import { STOP_REASONS, type StopReason } from '../../src/model/events.js';

export interface YkcStopReasonMap {
  readonly default: StopReason;
  readonly codes: ReadonlyMap<number, StopReason>;
}

export class YkcStopReasonMapError extends Error {
  override readonly name = 'YkcStopReasonMapError';
  readonly code = 'YKC_STOP_REASONS_INVALID' as const;
}

/** Package-relative path of the mapping shipped with pilegate (found from `codecs/` and from `dist/codecs/`). */
const STOP_REASONS_PATH = 'mappings/ykc/stop-reasons.yaml';

function shippedFile(): string {
  return findPackageFile(import.meta.url, STOP_REASONS_PATH);
}

function isStopReason(v: unknown): v is StopReason {
  return typeof v === 'string' && (STOP_REASONS as readonly string[]).includes(v);
}

/** Parses and checks the YAML text; `source` names it in errors. */
export function parseStopReasonMap(text: string, source = '<stop reasons>'): YkcStopReasonMap {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new YkcStopReasonMapError(`${source}: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null) throw new YkcStopReasonMapError(`${source}: expected a mapping`);
  const d = doc as { default?: unknown; codes?: unknown };
  const def = d.default ?? 'other';
  if (!isStopReason(def)) throw new YkcStopReasonMapError(`${source}: default ${JSON.stringify(def)} is not a stop reason`);
  if (typeof d.codes !== 'object' || d.codes === null || Array.isArray(d.codes)) {
    throw new YkcStopReasonMapError(`${source}: codes must be a mapping of code -> stop reason`);
  }
  const codes = new Map<number, StopReason>();
  for (const [key, value] of Object.entries(d.codes as Record<string, unknown>)) {
    const code = Number(key);
    if (!Number.isInteger(code) || code < 0 || code > 0xff) throw new YkcStopReasonMapError(`${source}: code ${key} is not a byte`);
    if (!isStopReason(value)) throw new YkcStopReasonMapError(`${source}: code ${key}: ${JSON.stringify(value)} is not a stop reason`);
    codes.set(code, value);
  }
  return { default: def, codes };
}

/** Reads and checks a map: by default the one shipped with pilegate. */
export async function loadStopReasonMap(file: string = shippedFile()): Promise<YkcStopReasonMap> {
  return parseStopReasonMap(await readFile(file, 'utf8'), file);
}

/** No codes known: every stop is `other` (options built without `loadOptions`, which loads the shipped map). */
export const NO_STOP_REASONS: YkcStopReasonMap = { default: 'other', codes: new Map() };

export function mapStopReason(map: YkcStopReasonMap, code: number): StopReason {
  return map.codes.get(code) ?? map.default;
}
