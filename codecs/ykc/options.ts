/**
 * The YKC listener's options file (`mapping:` on a `codec: ykc` listener), validated against
 * `mappings/schema/ykc-options.schema.json`. Every problem is a ConfigError naming the file, the
 * line and the JSON pointer, so `pilegate serve` exits 2 on a bad file like on a bad config.
 * 3DES keys (`encryption.key`, `encryption.keys.<pile>`) are `${ENV_NAME}` references resolved from
 * the environment here; no message ever quotes a key's value.
 */
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { invalidConfig, type ConfigDocument } from '../../src/config/document.js';
import { packageSchemaValidator, readOptionsDocument } from '../../src/config/read.js';
import { isValidTimeZone } from '../../src/core/time-zone.js';
import { YkcEncryption, YkcKey, type YkcCipherParams } from './cipher.js';
import type { YkcOptions } from './session-support.js';
import { loadStopReasonMap, parseStopReasonMap, YkcStopReasonMapError, type YkcStopReasonMap } from './stop-reason-map.js';

const YKC_OPTIONS_SCHEMA_PATH = 'mappings/schema/ykc-options.schema.json';

const optionsValidator = packageSchemaValidator(import.meta.url, YKC_OPTIONS_SCHEMA_PATH);

interface RawEncryption extends YkcCipherParams {
  readonly key?: string;
  readonly keys?: Readonly<Record<string, string>>;
}

type RawOptions = Omit<YkcOptions, 'stopReasons' | 'accept' | 'encryption'> & { stopReasonsFile?: string; stopReasons?: unknown; encryption?: RawEncryption };

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Options from `value` (an object, e.g. from code) or `file` (YAML or JSON); `${NAME}` key
 * references are read from `env`.
 * @throws ConfigError (`CONFIG_READ`, `CONFIG_SYNTAX`, `CONFIG_INVALID`) with file, line and pointer.
 */
export async function loadYkcOptions(source: { readonly file?: string; readonly value?: unknown }, env: Env = process.env): Promise<YkcOptions> {
  const { doc } = await readOptionsDocument(source, '<ykc options>');
  const value = doc.value ?? {};
  const issues = optionsValidator()(value);
  const zone = (value as { timeZone?: string }).timeZone;
  if (issues.length === 0 && zone !== undefined && !isValidTimeZone(zone))
    issues.push({ pointer: '/timeZone', reason: `unknown time zone ${JSON.stringify(zone)} (expected an IANA name such as Asia/Shanghai)` });
  if (issues.length > 0) throw invalidConfig(doc, issues);
  const { stopReasonsFile, stopReasons, encryption, ...rest } = value as RawOptions;
  const cipher = encryption !== undefined ? encryptionSettings(doc, encryption, source.file !== undefined, env) : undefined;
  return { ...rest, stopReasons: await stopReasonMap(doc, stopReasonsFile, stopReasons), ...(cipher !== undefined ? { encryption: cipher } : {}) };
}

const ENV_REF = /^\$\{([A-Za-z_][A-Za-z0-9_]*)\}$/;
const KEY_HEX = /^[0-9A-Fa-f]{48}$/;

/**
 * The `encryption` section with its keys resolved. A key in clear in a file is refused (keys are
 * secrets: the file names an environment variable instead); from code (`value`) it is accepted.
 */
function encryptionSettings(doc: ConfigDocument, raw: RawEncryption, fromFile: boolean, env: Env): YkcEncryption {
  const issues: { pointer: string; reason: string }[] = [];
  const resolve = (text: string, pointer: string): YkcKey | undefined => {
    const ref = ENV_REF.exec(text);
    if (ref === null) {
      if (fromFile) {
        issues.push({ pointer, reason: 'a 3DES key must not be written in clear in a file: write ${ENV_NAME} and put the 48 hex digits in that environment variable' });
        return undefined;
      }
      return new YkcKey(text);
    }
    const name = ref[1] as string;
    const v = env[name];
    if (v === undefined) {
      issues.push({ pointer, reason: `environment variable ${name} is not set` });
      return undefined;
    }
    if (!KEY_HEX.test(v.trim())) {
      issues.push({ pointer, reason: `environment variable ${name} must hold a 3DES key of 48 hex digits (24 bytes)` });
      return undefined;
    }
    return new YkcKey(v.trim());
  };
  if (raw.iv !== undefined && (raw.mode ?? 'ecb') !== 'cbc') issues.push({ pointer: '/encryption/iv', reason: 'an IV applies to mode cbc only' });
  const key = raw.key !== undefined ? resolve(raw.key, '/encryption/key') : undefined;
  const keys: Record<string, YkcKey> = {};
  for (const [pile, text] of Object.entries(raw.keys ?? {})) {
    const k = resolve(text, `/encryption/keys/${pile}`);
    if (k !== undefined) keys[pile] = k;
  }
  if (issues.length > 0) throw invalidConfig(doc, issues);
  return new YkcEncryption({
    ...(raw.mode !== undefined ? { mode: raw.mode } : {}),
    ...(raw.padding !== undefined ? { padding: raw.padding } : {}),
    ...(raw.iv !== undefined ? { iv: raw.iv } : {}),
    ...(key !== undefined ? { key } : {}),
    keys,
  });
}

async function stopReasonMap(doc: ConfigDocument, file: string | undefined, inline: unknown): Promise<YkcStopReasonMap> {
  const pointer = file !== undefined ? '/stopReasonsFile' : '/stopReasons';
  try {
    if (file !== undefined) {
      const path = isAbsolute(file) || doc.file.startsWith('<') ? file : resolve(dirname(doc.file), file);
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (e) {
        throw new YkcStopReasonMapError(`cannot read ${path}: ${e instanceof Error ? e.message : String(e)}`);
      }
      return parseStopReasonMap(text, path);
    }
    if (inline !== undefined) return parseStopReasonMap(JSON.stringify(inline), '<inline stopReasons>');
    return await loadStopReasonMap();
  } catch (e) {
    if (!(e instanceof YkcStopReasonMapError)) throw e;
    throw invalidConfig(doc, [{ pointer, reason: e.message }]);
  }
}
