/**
 * The `stations` section of the gateway config and the station registry it names: registry entries
 * (from the registry file or one Redis hash field) validated and their secrets substituted,
 * `stations.defaults` with its defaults applied, and `stations.redis`.
 */
import type { AnySchemaObject } from 'ajv';
import { compileSchema, invalidConfig, parseConfigText, pointerOf, type ConfigDocument, type PointerIssue, type SchemaValidator } from '../config/document.js';
import { ConfigError } from '../config/errors.js';
import { readConfigFile } from '../config/read.js';
import type { SecurityProfile } from '../ocpp/client-config.js';
import { checkCsmsUrl, checkTimeZone, interpolate, type Env } from './config-values.js';
import { sourceIssues } from './sources.js';
import type { StoreConfig } from './store-config.js';

export interface StationEntry {
  readonly stationId?: string;
  readonly password?: string;
  readonly csmsUrl?: string;
  readonly securityProfile?: SecurityProfile;
  readonly timeZone?: string;
  /** Networks (CIDR) or addresses the charger may connect from; absent: `stations.defaults.allowedSources`. */
  readonly allowedSources?: readonly string[];
  /** What a second login of this identity meets while one is connected; absent: `stations.defaults.duplicateLogin`. */
  readonly duplicateLogin?: DuplicateLoginPolicy;
  /** The pile's own YKC 3DES key (48 hex digits, after `${ENV}` substitution): its login must be encrypted with it. A secret. */
  readonly ykcKey?: string;
  /** BootNotification's `vendorName`, over what the charger reports (a YKC login names no maker). */
  readonly vendor?: string;
  /** BootNotification's `model`, over what the charger reports. */
  readonly model?: string;
}

/**
 * A second login of an identity that has a live connection: `keep-live`, the live connection keeps
 * it and the newcomer is refused; `replace`, the newcomer takes over when it comes from the live
 * connection's source address or the live connection has sent nothing for `replaceAfterIdleMs`
 * (else it is refused as with `keep-live`). See docs/identity.md.
 */
export type DuplicateLoginPolicy = 'keep-live' | 'replace';

/** Gateway-wide station settings (`stations.defaults`), taken where a registry entry names none. */
export interface StationDefaults {
  readonly password?: string;
  readonly allowedSources?: readonly string[];
  readonly duplicateLogin: DuplicateLoginPolicy;
  /** Under `replace`: how long a live connection must have been silent for a newcomer from elsewhere to take over. */
  readonly replaceAfterIdleMs: number;
}

const DEFAULT_DUPLICATE_LOGIN: DuplicateLoginPolicy = 'keep-live';
/** Longer than YKC's heartbeat (10 s) and IEC 104's t3 (20 s): a connection this silent is most likely gone. */
const DEFAULT_REPLACE_AFTER_IDLE_MS = 30_000;

const REGISTRY_SCHEMA: AnySchemaObject = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    additionalProperties: false,
    properties: {
      stationId: { type: 'string', minLength: 1, maxLength: 48, pattern: '^[^:]+$' },
      password: { type: 'string', minLength: 1 },
      csmsUrl: { type: 'string', pattern: '^wss?://' },
      securityProfile: { enum: [1, 2, 3] },
      timeZone: { type: 'string', minLength: 1 },
      allowedSources: { type: 'array', items: { type: 'string', minLength: 1 } },
      duplicateLogin: { enum: ['keep-live', 'replace'] },
      ykcKey: { type: 'string', minLength: 1 },
      // The limits of BootNotification's chargingStation.vendorName and .model.
      vendor: { type: 'string', minLength: 1, maxLength: 50 },
      model: { type: 'string', minLength: 1, maxLength: 20 },
    },
  },
};
let registryValidator: SchemaValidator | undefined;
let entryValidator: SchemaValidator | undefined;

/** Default name of the Redis hash of the station registry (`stations: { redis: true }`). */
export const DEFAULT_REGISTRY_KEY = 'pg:stations';
export const DEFAULT_REGISTRY_REFRESH_MS = 30_000;

/** What the gateway's `csms` section offers its stations: the default security profile and its PEM files. */
export interface CsmsSecurity {
  readonly securityProfile: SecurityProfile;
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

/** What `csms` lacks to serve an entry's security profile; pointers relative to the entry. */
export function profileIssues(entry: StationEntry, csms: CsmsSecurity): PointerIssue[] {
  const profile = entry.securityProfile ?? csms.securityProfile;
  if (profile !== 1 && csms.ca === undefined) return [{ pointer: '/securityProfile', reason: `security profile ${profile} needs csms.ca in the gateway config` }];
  if (profile === 3 && (csms.cert === undefined || csms.key === undefined)) return [{ pointer: '/securityProfile', reason: 'security profile 3 needs csms.cert and csms.key in the gateway config' }];
  return [];
}

/**
 * Reads a registry file as `loadStationRegistry` does and refuses it (ConfigError `CONFIG_INVALID`)
 * when an entry's security profile is one `csms` cannot serve: at start, on SIGHUP, at `stations import`.
 */
export function loadCheckedRegistry(file: string, csms: CsmsSecurity, env: Env = process.env, options: { readonly refuseEmpty?: boolean } = {}): Map<string, StationEntry> {
  const text = readConfigFile(file);
  // A reload can catch a file while it is written (truncated first, then filled): an empty document
  // would refuse every charger. A registry meant to be empty says `{}`.
  if (options.refuseEmpty === true && isEmptyDocument(parseConfigText(text, file).value)) {
    throw new ConfigError('CONFIG_INVALID', file, [{ pointer: '', reason: 'the file is empty (still being written? write it beside and rename it into place); `{}` is a registry with no stations' }]);
  }
  const registry = parseStationRegistry(text, file, env);
  const problems = [...registry].flatMap(([id, e]) => profileIssues(e, csms).map((i) => ({ pointer: `${pointerOf(id)}${i.pointer}`, reason: i.reason })));
  if (problems.length > 0) throw new ConfigError('CONFIG_INVALID', file, problems);
  return registry;
}

/** A YAML document with nothing in it (empty, or comments only) parses to null or undefined. */
const isEmptyDocument = (value: unknown): boolean => value === null || value === undefined;

/** Reads a station registry: chargerId → settings; `${ENV_NAME}` in a password is read from `env`. */
export function loadStationRegistry(file: string, env: Env = process.env): Map<string, StationEntry> {
  return parseStationRegistry(readConfigFile(file), file, env);
}

export function parseStationRegistry(text: string, file: string, env: Env = process.env): Map<string, StationEntry> {
  const doc: ConfigDocument = parseConfigText(text, file);
  registryValidator ??= compileSchema(REGISTRY_SCHEMA);
  const value = doc.value ?? {};
  const issues = registryValidator(value);
  if (issues.length > 0) throw invalidConfig(doc, issues);
  const out = new Map<string, StationEntry>();
  const secretIssues: PointerIssue[] = [];
  for (const [chargerId, entry] of Object.entries(value as Record<string, StationEntry | null>)) {
    out.set(
      chargerId,
      checkEntry(entry ?? {}, env, (...path) => pointerOf(chargerId, ...path), secretIssues),
    );
  }
  if (secretIssues.length > 0) throw invalidConfig(doc, secretIssues);
  return out;
}

/**
 * One registry entry from outside a file (a Redis hash field): the same schema and checks as an
 * entry of the registry file, `${ENV_NAME}` in its password read from `env`. Returns the entry,
 * or the problems with pointers relative to the entry.
 */
export function parseStationEntry(value: unknown, env: Env = process.env): { readonly entry: StationEntry } | { readonly issues: readonly PointerIssue[] } {
  entryValidator ??= compileSchema(REGISTRY_SCHEMA['additionalProperties'] as AnySchemaObject);
  const issues = value === null || value === undefined ? [] : entryValidator(value);
  if (issues.length > 0) return { issues };
  const secretIssues: PointerIssue[] = [];
  const entry = checkEntry((value ?? {}) as StationEntry, env, pointerOf, secretIssues);
  if (secretIssues.length > 0) return { issues: secretIssues };
  return { entry };
}

/**
 * One schema-valid entry with its secrets substituted (`${ENV}` in `password` and `ykcKey`) and the
 * checks a schema cannot make: a known time zone, a CSMS URL without user or password, parseable
 * source networks, a 3DES key of 48 hex digits. Problems go to `issues` with pointers from `at`; no reason quotes a secret.
 */
function checkEntry(e: StationEntry, env: Env, at: (...path: (string | number)[]) => string, issues: PointerIssue[]): StationEntry {
  const password = interpolate(e.password, env, at('password'), issues);
  checkTimeZone(e.timeZone, at('timeZone'), issues);
  checkCsmsUrl(e.csmsUrl, at('csmsUrl'), '"password" (${ENV_NAME} reads it from the environment) or PILEGATE_CSMS_PASSWORD', issues);
  issues.push(...sourceIssues(e.allowedSources, at('allowedSources')));
  const before = issues.length;
  const key = interpolate(e.ykcKey, env, at('ykcKey'), issues)?.trim();
  if (key !== undefined && issues.length === before && !/^[0-9A-Fa-f]{48}$/.test(key))
    issues.push({ pointer: at('ykcKey'), reason: 'must be a 3DES key of 48 hex digits (24 bytes), or ${ENV_NAME} naming one (value not shown)' });
  return { ...e, ...(password !== undefined ? { password } : {}), ...(key !== undefined ? { ykcKey: key.toUpperCase() } : {}) };
}

/** `stations.defaults` with its defaults applied. */
export function stationDefaults(raw: RawStationDefaults | undefined, password: string | undefined): StationDefaults {
  return {
    ...(password !== undefined ? { password } : {}),
    ...(raw?.allowedSources !== undefined ? { allowedSources: raw.allowedSources } : {}),
    duplicateLogin: raw?.duplicateLogin ?? DEFAULT_DUPLICATE_LOGIN,
    replaceAfterIdleMs: raw?.replaceAfterIdleMs ?? DEFAULT_REPLACE_AFTER_IDLE_MS,
  };
}

/** `stations.redis` as plain data; it needs a Redis store and excludes `stations.file`. */
export function registryRedis(raw: RawStationsConfig | undefined, store: StoreConfig, issues: PointerIssue[]): { key: string } | undefined {
  const r = raw?.redis;
  if (r === undefined || r === false) return undefined;
  if (raw?.file !== undefined) issues.push({ pointer: '/stations/redis', reason: 'stations.file and stations.redis are exclusive: keep the registry in one place' });
  if (store === 'memory') issues.push({ pointer: '/stations/redis', reason: "the Redis registry lives on the store's Redis: set store to a Redis form ({ redis: <url> }, sentinel or cluster)" });
  return { key: r === true ? DEFAULT_REGISTRY_KEY : (r.key ?? DEFAULT_REGISTRY_KEY) };
}

/** `stations` as written in the config file. */
export interface RawStationsConfig {
  file?: string;
  redis?: boolean | { key?: string };
  refreshIntervalMs?: number;
  unknownChargers?: 'refuse' | 'provision';
  defaults?: RawStationDefaults;
}

export interface RawStationDefaults {
  password?: string;
  allowedSources?: string[];
  duplicateLogin?: DuplicateLoginPolicy;
  replaceAfterIdleMs?: number;
}
