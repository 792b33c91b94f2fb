/**
 * The gateway configuration file (`pilegate.yaml`; its `stations` section and the station registry
 * it may name are read in `stations-config.ts`): YAML
 * validated with ajv (`mappings/schema/gateway-config.schema.json`), scalars overridable from the
 * environment (`PILEGATE_<SECTION>_<KEY>`, e.g. `PILEGATE_CSMS_URL`, `PILEGATE_HTTP_PORT`), secrets
 * from the environment (`PILEGATE_CSMS_PASSWORD`, `PILEGATE_STORE_PASSWORD`,
 * `PILEGATE_STORE_SENTINEL_PASSWORD`, `${ENV_NAME}` in registry and store passwords). Every
 * problem is a ConfigError with the file and the JSON pointer (the CLI exits 2).
 */
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import type { AnySchemaObject } from 'ajv';
import { compileSchema, invalidConfig, parseConfigText, type PointerIssue, type SchemaValidator } from '../config/document.js';
import { findPackageFile, readConfigFile } from '../config/read.js';
import { parseFirmwareConfig, type FirmwareServerConfig, type RawFirmwareConfig } from './firmware-config.js';
import { parseHttpConfig, type HttpConfig, type RawHttpConfig } from './http-config.js';
import { listenerConfig, type ListenerConfig, type RawListenerConfig } from './listener-config.js';
import { sourceIssues } from './sources.js';
import { captureConfig, type CaptureConfig } from './capture-store.js';
import { checkCsmsUrl, checkPemPath, checkTimeZone, interpolate, type Env } from './config-values.js';
import { envOverrides } from './env-overrides.js';
import type { SecurityProfile } from '../ocpp/client-config.js';
import { DEFAULT_REGISTRY_REFRESH_MS, loadCheckedRegistry, registryRedis, stationDefaults, type RawStationsConfig, type StationDefaults, type StationEntry } from './stations-config.js';
import { parseStoreConfig, type RawStoreConfig, type StoreConfig } from './store-config.js';
import { parseDownloadsConfig, type DownloadsConfig, type RawDownloadsConfig } from './transfers/download-config.js';

const GATEWAY_SCHEMA_PATH = 'mappings/schema/gateway-config.schema.json';

export type { SecurityProfile };
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export type { ListenerCodec, ListenerConfig } from './listener-config.js';

export interface LogConfig {
  readonly level: LogLevel;
  /** `auto`: readable when stdout is a terminal, JSON lines otherwise. */
  readonly format: 'json' | 'pretty' | 'auto';
  /** Stations whose OCPP messages are traced: `all`, or their ids; absent: none. */
  readonly ocppTrace?: 'all' | readonly string[];
}

export interface GatewayConfig {
  /** The file it came from (or `<built-in>`). */
  readonly file: string;
  readonly listeners: readonly ListenerConfig[];
  readonly csms: { readonly url: string; readonly securityProfile: SecurityProfile; readonly ca?: string; readonly cert?: string; readonly key?: string };
  readonly stations: {
    readonly file?: string;
    /** The registry as one Redis hash on the store's Redis (see `registry.ts`); exclusive with `file`. */
    readonly redis?: { readonly key: string };
    /** How often the Redis registry is read again in full (default 30 000 ms). */
    readonly refreshIntervalMs: number;
    readonly unknownChargers: 'refuse' | 'provision';
    readonly defaults: StationDefaults;
    /** The registry, loaded from `file` (empty without one, and with `redis`). Keys are charger ids. */
    readonly registry: ReadonlyMap<string, StationEntry>;
  };
  /** `memory`, or Redis: one server by URL, Sentinel or Cluster (see `store-config.ts`). */
  readonly store: StoreConfig;
  /** `/metrics`, `/healthz`, `/readyz`: address and optional credentials (see `http-config.ts`). */
  readonly http: HttpConfig;
  /** Level, format and OCPP trace of the gateway's log (see `logger.ts`, `ocpp-trace.ts`). */
  readonly log: LogConfig;
  readonly connections: ConnectionLimits;
  /** Per-charger capture files (JSON lines, pcap or pcapng) and their limits; off without `dir` (see `capture-store.ts`). */
  readonly capture: CaptureConfig;
  /** Per-station record of frames and log lines for GetLog(DiagnosticsLog): its byte budget (0: none). */
  readonly diagnostics: { readonly bytes: number };
  readonly fleet: FleetConfig;
  readonly shutdown: ShutdownConfig;
  /** How firmware images are fetched (see `transfers/download-config.ts`). */
  readonly downloads: DownloadsConfig;
  /** The FTP server of firmware images for chargers (see `firmware-config.ts`); absent: off. */
  readonly firmware?: FirmwareServerConfig;
}

/** How `pilegate serve` stops (SIGINT/SIGTERM): goodbyes first, then queues flushed, then OCPP closed. */
export interface ShutdownConfig {
  /** How long each charger gets to confirm its protocol's goodbye (IEC 104 STOPDT). */
  readonly goodbyeTimeoutMs: number;
  /** How long queued TransactionEvents may take to reach a connected CSMS before OCPP closes. */
  readonly drainTimeoutMs: number;
}

const DEFAULT_SHUTDOWN: ShutdownConfig = { goodbyeTimeoutMs: 2_000, drainTimeoutMs: 10_000 };
/** Bytes of frames and log lines each station keeps for GetLog(DiagnosticsLog) by default. */
const DEFAULT_DIAGNOSTICS_BYTES = 8192;

/** Ownership leases of a fleet of instances sharing one store (see `src/gateway/ownership.ts`). */
export interface FleetConfig {
  /**
   * This instance's name in the leases; default `<hostname>-<pid>-<random>`. A fixed name lets a
   * restarted instance take its own leases back at once instead of waiting for them to expire.
   * Two running instances must never share one.
   */
  readonly instanceId?: string;
  /** Lease lifetime (default 15 000 ms): how long a dead instance keeps its stations. */
  readonly leaseTtlMs: number;
  /** Renewal period (default a third of `leaseTtlMs`). */
  readonly renewIntervalMs: number;
  /** How long a charger connecting here waits for another instance to hand over (default 2 × `leaseTtlMs`). */
  readonly takeoverTimeoutMs: number;
}

/** Hygiene of charger connections; 0 disables a limit or a timeout. */
export interface ConnectionLimits {
  /** Open charger connections per source address; more are refused at once. */
  readonly maxPerAddress: number;
  /** A charger must identify itself within this time after connecting. */
  readonly loginTimeoutMs: number;
  /** A charger that sends no byte for this long is disconnected. */
  readonly idleTimeoutMs: number;
  /** Bad frames tolerated per connection within `badFrameWindowMs`; reaching it closes. */
  readonly badFrameLimit: number;
  readonly badFrameWindowMs: number;
  /** Unsent bytes to a charger (it does not read) that close its connection; absent: 1 MiB. */
  readonly maxWriteBufferBytes?: number;
}

export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = { maxPerAddress: 50, loginTimeoutMs: 60_000, idleTimeoutMs: 300_000, badFrameLimit: 20, badFrameWindowMs: 60_000 };

let validator: SchemaValidator | undefined;
function gatewayValidator(): SchemaValidator {
  if (validator === undefined) {
    const schema = JSON.parse(readFileSync(findPackageFile(import.meta.url, GATEWAY_SCHEMA_PATH), 'utf8')) as AnySchemaObject;
    validator = compileSchema(schema);
  }
  return validator;
}

/** Reads and validates a config file; `env` (default `process.env`) supplies overrides and secrets. */
export function loadGatewayConfig(file: string, env: Env = process.env): GatewayConfig {
  return parseGatewayConfig(readConfigFile(file), file, env);
}

/** Parses and validates config text; relative paths are resolved against the directory of `file`. */
export function parseGatewayConfig(text: string, file: string, env: Env = process.env): GatewayConfig {
  const doc = parseConfigText(text, file);
  const { value, sources } = envOverrides(doc.value, env);
  const issues = gatewayValidator()(value);
  if (issues.length > 0) throw invalidConfig(doc, issues, sources);
  const raw = value as RawConfig;
  const base = file.startsWith('<') ? process.cwd() : dirname(resolve(file));
  const rel = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const secretIssues: PointerIssue[] = [];
  const defaultsPassword = env['PILEGATE_CSMS_PASSWORD'] ?? interpolate(raw.stations?.defaults?.password, env, '/stations/defaults/password', secretIssues);
  // PILEGATE_CSMS_PASSWORD takes the place of this value: an unset ${NAME} in it names that variable too.
  secretIssues.forEach((issue, i) => {
    if (issue.pointer === '/stations/defaults/password') secretIssues[i] = { ...issue, reason: `${issue.reason} (or set PILEGATE_CSMS_PASSWORD, which takes its place)` };
  });
  checkCsmsUrl(raw.csms.url, '/csms/url', 'PILEGATE_CSMS_PASSWORD (or a registry entry\'s "password")', secretIssues);
  const profile = raw.csms.securityProfile ?? 1;
  // A profile set by PILEGATE_CSMS_SECURITYPROFILE is what to blame, not the file's csms section.
  const csmsAt = sources.has('/csms/securityProfile') ? '/csms/securityProfile' : '/csms';
  for (const k of ['ca', 'cert', 'key'] as const) checkPemPath(raw.csms[k], `/csms/${k}`, secretIssues);
  checkPemPath(raw.downloads?.ca, '/downloads/ca', secretIssues);
  if (profile !== 1 && raw.csms.ca === undefined) secretIssues.push({ pointer: csmsAt, reason: `security profile ${profile} needs "ca" (PEM file of the CSMS's CA)` });
  if (profile === 3 && (raw.csms.cert === undefined || raw.csms.key === undefined))
    secretIssues.push({ pointer: csmsAt, reason: 'security profile 3 needs "cert" and "key" (client certificate PEM files)' });
  const store = parseStoreConfig(raw.store, env, secretIssues, (text, pointer) => interpolate(text, env, pointer, secretIssues));
  const http = parseHttpConfig(raw.http, env, secretIssues, rel);
  const firmware = parseFirmwareConfig(raw.firmware, secretIssues);
  raw.listeners.forEach((l, i) => checkTimeZone(l.timeZone, `/listeners/${i}/timeZone`, secretIssues));
  const listeners = raw.listeners.map((l, i) => listenerConfig(l, i, doc, rel, secretIssues));
  secretIssues.push(...sourceIssues(raw.stations?.defaults?.allowedSources, '/stations/defaults/allowedSources'));
  const fleet = fleetConfig(raw.fleet);
  const redisRegistry = registryRedis(raw.stations, store, secretIssues);
  if (fleet.renewIntervalMs >= fleet.leaseTtlMs)
    secretIssues.push({ pointer: '/fleet/renewIntervalMs', reason: `must be shorter than leaseTtlMs (${fleet.leaseTtlMs} ms), or leases expire between renewals` });
  const capture = captureConfig(raw.capture, rel, secretIssues);
  if (secretIssues.length > 0) throw invalidConfig(doc, secretIssues, sources);
  const registryFile = raw.stations?.file === undefined ? undefined : rel(raw.stations.file);
  const registry = registryFile === undefined ? new Map<string, StationEntry>() : loadCheckedRegistry(registryFile, { ...raw.csms, securityProfile: profile }, env);
  return {
    file,
    listeners,
    csms: {
      url: raw.csms.url,
      securityProfile: profile,
      ...(raw.csms.ca !== undefined ? { ca: rel(raw.csms.ca) } : {}),
      ...(raw.csms.cert !== undefined ? { cert: rel(raw.csms.cert) } : {}),
      ...(raw.csms.key !== undefined ? { key: rel(raw.csms.key) } : {}),
    },
    stations: {
      ...(registryFile !== undefined ? { file: registryFile } : {}),
      ...(redisRegistry !== undefined ? { redis: redisRegistry } : {}),
      refreshIntervalMs: raw.stations?.refreshIntervalMs ?? DEFAULT_REGISTRY_REFRESH_MS,
      unknownChargers: raw.stations?.unknownChargers ?? 'refuse',
      defaults: stationDefaults(raw.stations?.defaults, defaultsPassword),
      registry,
    },
    store,
    http,
    log: logConfig(raw.log),
    connections: { ...DEFAULT_CONNECTION_LIMITS, ...raw.connections },
    capture,
    diagnostics: { bytes: raw.diagnostics?.bytes ?? DEFAULT_DIAGNOSTICS_BYTES },
    fleet,
    shutdown: { ...DEFAULT_SHUTDOWN, ...raw.shutdown },
    downloads: parseDownloadsConfig(raw.downloads, rel),
    ...(firmware !== undefined ? { firmware } : {}),
  };
}

/** The built-in config of `pilegate serve` without a file: port 2404, the DC example mapping, unknown chargers refused. */
export function defaultGatewayConfig(env: Env = process.env): GatewayConfig {
  const mapping = findPackageFile(import.meta.url, 'mappings/iec104-points/example-dc-2gun.yaml');
  const text = JSON.stringify({
    listeners: [{ port: 2404, codec: 'iec104-points', mapping }],
    csms: { url: 'ws://127.0.0.1:9000/ocpp' },
    stations: { unknownChargers: 'refuse' },
  });
  return parseGatewayConfig(text, '<built-in>', env);
}

interface RawConfig {
  listeners: RawListenerConfig[];
  csms: { url: string; securityProfile?: SecurityProfile; ca?: string; cert?: string; key?: string };
  stations?: RawStationsConfig;
  store?: RawStoreConfig;
  http?: RawHttpConfig;
  log?: { level?: LogLevel; format?: LogConfig['format']; ocppTrace?: string | string[] };
  connections?: Partial<ConnectionLimits>;
  capture?: Partial<CaptureConfig>;
  diagnostics?: { bytes?: number };
  fleet?: { instanceId?: string; leaseTtlMs?: number; renewIntervalMs?: number; takeoverTimeoutMs?: number };
  shutdown?: Partial<ShutdownConfig>;
  downloads?: RawDownloadsConfig;
  firmware?: RawFirmwareConfig;
}

function logConfig(raw: RawConfig['log']): LogConfig {
  const trace = raw?.ocppTrace;
  const ids = typeof trace === 'string' ? trace.split(',').map((s) => s.trim()) : trace;
  return { level: raw?.level ?? 'info', format: raw?.format ?? 'auto', ...(ids !== undefined ? { ocppTrace: ids.includes('all') ? 'all' : [...new Set(ids)] } : {}) };
}

function fleetConfig(raw: RawConfig['fleet']): FleetConfig {
  const leaseTtlMs = raw?.leaseTtlMs ?? 15_000;
  return {
    ...(raw?.instanceId !== undefined ? { instanceId: raw.instanceId } : {}),
    leaseTtlMs,
    renewIntervalMs: raw?.renewIntervalMs ?? Math.max(1, Math.floor(leaseTtlMs / 3)),
    takeoverTimeoutMs: raw?.takeoverTimeoutMs ?? 2 * leaseTtlMs,
  };
}

export type { Env } from './config-values.js';
export { applyEnvOverrides } from './env-overrides.js';
export {
  DEFAULT_REGISTRY_KEY,
  loadCheckedRegistry,
  loadStationRegistry,
  parseStationEntry,
  parseStationRegistry,
  type DuplicateLoginPolicy,
  type StationDefaults,
  type StationEntry,
} from './stations-config.js';
export type { StoreConfig } from './store-config.js';
