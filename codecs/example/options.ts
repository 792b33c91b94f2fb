/**
 * The template codec's options: a YAML (or JSON) file validated against its JSON Schema, every
 * problem reported with file, line and pointer (exit code 2 on the CLI). Without a file, the
 * options shipped in `mappings/example/options.yaml`.
 */
import { readFile } from 'node:fs/promises';
import type { AnySchemaObject } from 'ajv';
import { compileSchema, parseConfigText, validateDocument, type ConfigDocument, type SchemaValidator } from '../../src/config/document.js';
import { ConfigError } from '../../src/config/errors.js';
import { findPackageFile } from '../../src/config/read.js';
import type { ChargingState, ConnectorStatus } from '../../src/model/events.js';

export const OPTIONS_PATH = 'mappings/example/options.yaml';
export const OPTIONS_SCHEMA_PATH = 'mappings/example/options.schema.json';

/** What one status code of the charger means. */
export interface StatusMeaning {
  readonly status: ConnectorStatus;
  readonly plugged: boolean;
  readonly chargingState: ChargingState;
}

export interface ExampleOptions {
  readonly heartbeatTimeoutMs: number;
  readonly commandTimeoutMs: number;
  readonly statusCodes: ReadonlyMap<number, StatusMeaning>;
}

interface RawOptions {
  readonly heartbeatTimeoutS?: number;
  readonly commandTimeoutS?: number;
  readonly statusCodes: Readonly<Record<string, StatusMeaning>>;
}

let validator: Promise<SchemaValidator> | undefined;
function optionsValidator(): Promise<SchemaValidator> {
  validator ??= readText(findPackageFile(import.meta.url, OPTIONS_SCHEMA_PATH)).then((text) => compileSchema(JSON.parse(text) as AnySchemaObject));
  return validator;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_READ', file, [{ pointer: '', reason: e instanceof Error ? e.message : String(e) }]);
  }
}

/**
 * Options from `value` (an object, e.g. from a gateway config) or `file`; the shipped file when neither.
 * @throws ConfigError (`CONFIG_READ`, `CONFIG_SYNTAX`, `CONFIG_INVALID`) with file, line and pointer.
 */
export async function loadExampleOptions(source: { readonly file?: string; readonly value?: unknown }): Promise<ExampleOptions> {
  let doc: ConfigDocument;
  if (source.value !== undefined && source.file === undefined) {
    doc = { file: '<example options>', value: source.value, locate: () => undefined };
  } else {
    const file = source.file ?? findPackageFile(import.meta.url, OPTIONS_PATH);
    doc = parseConfigText(await readText(file), file);
  }
  validateDocument(doc, await optionsValidator());
  const raw = doc.value as RawOptions;
  return {
    heartbeatTimeoutMs: (raw.heartbeatTimeoutS ?? 90) * 1000,
    commandTimeoutMs: (raw.commandTimeoutS ?? 30) * 1000,
    statusCodes: new Map(Object.entries(raw.statusCodes).map(([code, meaning]) => [Number(code), meaning])),
  };
}
