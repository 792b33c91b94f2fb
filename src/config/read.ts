/**
 * The file-system edge of config loading, kept apart so `document.ts` stays pure: reading a config
 * file as text, and finding the package's own data files (`mappings/schema/...`) from source or dist.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySchemaObject } from 'ajv';
import { compileSchema, parseConfigText, type ConfigDocument, type SchemaValidator } from './document.js';
import { ConfigError } from './errors.js';

/** Larger files are refused unread: a config or mapping is kilobytes, never megabytes. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/**
 * Reads a config file as UTF-8 text (a leading BOM removed).
 * @throws ConfigError `CONFIG_READ` when missing, unreadable, not a regular file or too large;
 *   `CONFIG_SYNTAX` when the bytes are not UTF-8.
 */
export function readConfigFile(path: string, maxBytes: number = MAX_CONFIG_BYTES): string {
  let bytes: Buffer;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new ConfigError('CONFIG_READ', path, [{ pointer: '', reason: st.isDirectory() ? 'is a directory, not a file' : 'is not a regular file' }]);
    if (st.size > maxBytes) throw new ConfigError('CONFIG_READ', path, [{ pointer: '', reason: `file is ${st.size} bytes; at most ${maxBytes} are read` }]);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw new ConfigError('CONFIG_READ', path, [{ pointer: '', reason: `cannot read file: ${describeFsError(e)}` }]);
  }
  try {
    // fatal: a stray Latin-1 byte is reported, not turned into U+FFFD inside a name or code.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new ConfigError('CONFIG_SYNTAX', path, [{ pointer: '', reason: 'file is not valid UTF-8 text' }]);
  }
}

/**
 * Absolute path of `relative` (e.g. `mappings/schema/x.json`) in the directory of `fromUrl` or its
 * nearest ancestor that has it. Works from the sources (`codecs/...`) and from the build
 * (`dist/codecs/...`, whose ancestors include the package root), wherever the package is installed.
 * @throws Error when no ancestor has it (a broken installation, not bad input).
 */
export function findPackageFile(fromUrl: string | URL, relative: string): string {
  const start = dirname(fileURLToPath(fromUrl));
  for (let dir = start; ; dir = dirname(dir)) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) break;
  }
  throw new Error(`${relative} not found in ${start} or any parent directory; is the package installed completely?`);
}

/** The validator of the package's JSON Schema at `schemaPath` (found from `fromUrl`), compiled on first use. */
export function packageSchemaValidator(fromUrl: string | URL, schemaPath: string): () => SchemaValidator {
  let validator: SchemaValidator | undefined;
  return () => {
    if (validator === undefined) {
      const schema = JSON.parse(readFileSync(findPackageFile(fromUrl, schemaPath), 'utf8')) as AnySchemaObject;
      validator = compileSchema(schema);
    }
    return validator;
  };
}

/**
 * A codec's options as a document: `file` read and parsed (its text kept), else `value` (an object
 * from code; `{}` when absent) named `label` in errors.
 * @throws ConfigError `CONFIG_READ` when the file cannot be read, `CONFIG_SYNTAX` when it does not parse.
 */
export async function readOptionsDocument(source: { readonly file?: string; readonly value?: unknown }, label: string): Promise<{ doc: ConfigDocument; text?: string }> {
  if (source.file === undefined) return { doc: { file: label, value: source.value ?? {}, locate: () => undefined } };
  let text: string;
  try {
    text = await readFile(source.file, 'utf8');
  } catch (e) {
    throw new ConfigError('CONFIG_READ', source.file, [{ pointer: '', reason: e instanceof Error ? e.message : String(e) }]);
  }
  return { doc: parseConfigText(text, source.file), text };
}

function describeFsError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory, not a file';
    default:
      return e instanceof Error ? e.message : String(e);
  }
}
