/**
 * Configuration of an `OcppConnection` (`client.ts`): the checks run at construction and on credential
 * updates, the {@link OcppConfigError} codes, and the `ws` client options (Basic auth, TLS) built
 * from the security profile for each connection attempt. Pure helpers, no sockets or timers.
 *
 * Secrets (Basic-auth password, the Authorization header, private keys) never reach error messages.
 */
import { createSecureContext } from 'node:tls';
import type { ClientOptions } from 'ws';
import { validateRetryBackOff, type RetryBackOff } from './backoff.js';

/** Stable codes of {@link OcppConfigError}; never rename one. */
export const CONFIG_ERROR_CODES = [
  /** The CSMS URL does not parse, is not ws:/wss:, or carries credentials, a query or a fragment. */
  'OCPP_BAD_URL',
  /** The URL scheme does not fit the security profile (profile 1 needs ws://, 2 and 3 wss://). */
  'OCPP_SCHEME_MISMATCH',
  /** Identity empty, longer than 48 characters, or containing `:` (it is the Basic-auth username). */
  'OCPP_BAD_IDENTITY',
  /** Security profile other than 1, 2 or 3. */
  'OCPP_BAD_PROFILE',
  /** A credential the profile needs is missing, empty or not PEM. */
  'OCPP_MISSING_CREDENTIAL',
  /** A credential that the profile does not use (e.g. a password with profile 3). */
  'OCPP_CREDENTIAL_NOT_FOR_PROFILE',
  /** TLS material that OpenSSL cannot load (bad PEM, key not matching the certificate, wrong passphrase). */
  'OCPP_BAD_CREDENTIAL',
  /** A numeric option out of range. */
  'OCPP_BAD_OPTION',
] as const;

export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** A connection configuration refused at construction; the message never contains secrets. */
export class OcppConfigError extends Error {
  override readonly name = 'OcppConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One PEM string or several (e.g. a CA bundle split per certificate). */
export type PemList = string | readonly string[];

/**
 * Security profile and its credentials (OCPP 2.0.1 Part 2 A00; docs/protocols/ocpp.md §1.6).
 * TLS always verifies the CSMS certificate against `ca`; there is deliberately no switch to turn
 * verification off.
 */
/** OCPP security profile: 1 basic auth over ws(s), 2 basic auth over TLS, 3 TLS with a client certificate. */
export type SecurityProfile = 1 | 2 | 3;

export type SecurityProfileConfig =
  | { readonly profile: 1; readonly password: string }
  | { readonly profile: 2; readonly password: string; readonly ca: PemList }
  | {
      readonly profile: 3;
      readonly cert: string;
      readonly key: string;
      readonly ca: PemList;
      readonly passphrase?: string;
    };

/**
 * TLS material the station itself holds, read before every connection attempt: the CSMS roots
 * installed with InstallCertificate and the client certificate obtained with CertificateSigned.
 * Installed roots, when there are any, replace the configured `ca`; a station client certificate
 * (with its unencrypted key) replaces the configured `cert`/`key`/`passphrase` of profile 3.
 */
export interface StationTlsMaterial {
  readonly ca?: readonly string[];
  readonly cert?: string;
  readonly key?: string;
}

/** New credentials for the configured profile; absent fields stay as they are. */
export interface CredentialsUpdate {
  readonly password?: string;
  readonly ca?: PemList;
  readonly cert?: string;
  readonly key?: string;
  readonly passphrase?: string;
}

/** The fields of `OcppConnectionOptions` that {@link resolveConfig} checks. */
export interface ConnectionConfigInput {
  readonly identity: string;
  readonly url: string;
  readonly security: SecurityProfileConfig;
  readonly retryBackOff: RetryBackOff | (() => RetryBackOff);
  readonly pingIntervalS?: number | (() => number);
  readonly handshakeTimeoutMs?: number;
  readonly closeTimeoutMs?: number;
  readonly maxPayloadBytes?: number;
  /** Offer RFC 7692 compression (optional for a station, Part 4 §3.3); default off. */
  readonly perMessageDeflate?: boolean;
}

const CREDENTIAL_FIELDS: Record<SecurityProfileConfig['profile'], readonly string[]> = {
  1: ['password'],
  2: ['password', 'ca'],
  3: ['cert', 'key', 'ca', 'passphrase'],
};

/**
 * `<base>/<percent-encoded identity>` (Part 4 §3.1.1: `RDAM 123` → `.../RDAM%20123`).
 * @throws OcppConfigError `OCPP_BAD_URL` or `OCPP_BAD_IDENTITY`.
 */
export function buildStationUrl(base: string, identity: string): string {
  checkIdentity(identity);
  let parsed: URL;
  try {
    parsed = new URL(base);
  } catch {
    // The text may still carry user info the parser never got to refuse: it is masked, not echoed.
    throw new OcppConfigError('OCPP_BAD_URL', `CSMS URL does not parse: ${JSON.stringify(String(base).replace(/\/\/.*@/s, '//***@'))}`);
  }
  if (parsed.protocol !== 'ws:' && parsed.protocol !== 'wss:') {
    throw new OcppConfigError('OCPP_BAD_URL', `CSMS URL must start with ws:// or wss://, got ${parsed.protocol}//`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    // Credentials belong in the security profile; in the URL they would end up in logs.
    throw new OcppConfigError('OCPP_BAD_URL', 'CSMS URL must not contain user info');
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new OcppConfigError('OCPP_BAD_URL', 'CSMS URL must not contain a query or a fragment');
  }
  const path = parsed.pathname.replace(/\/+$/, '');
  return `${parsed.protocol}//${parsed.host}${path}/${encodeURIComponent(identity)}`;
}

function checkIdentity(identity: string): void {
  if (typeof identity !== 'string' || identity.length === 0 || identity.length > 48 || identity.includes(':')) {
    throw new OcppConfigError('OCPP_BAD_IDENTITY', `station identity must be 1..48 characters without ':' (Part 4 §3.1.1), got ${JSON.stringify(identity)}`);
  }
}

/**
 * Checks a connection configuration and returns the full endpoint URL and a frozen copy of the
 * security profile.
 * @throws OcppConfigError for an invalid URL, identity, profile/scheme mismatch, credentials or option.
 */
export function resolveConfig(options: ConnectionConfigInput): { url: string; security: SecurityProfileConfig } {
  const url = buildStationUrl(options.url, options.identity);
  const security = checkSecurity(options.security);
  const scheme = url.startsWith('wss:') ? 'wss' : 'ws';
  const wanted = security.profile === 1 ? 'ws' : 'wss';
  if (scheme !== wanted) {
    throw new OcppConfigError('OCPP_SCHEME_MISMATCH', `security profile ${security.profile} needs a ${wanted}:// URL, got ${scheme}://`);
  }
  for (const name of ['handshakeTimeoutMs', 'closeTimeoutMs', 'maxPayloadBytes'] as const) {
    const v = options[name];
    if (v !== undefined && (!Number.isFinite(v) || v <= 0)) {
      throw new OcppConfigError('OCPP_BAD_OPTION', `${name} must be a positive number, got ${v}`);
    }
  }
  if (typeof options.retryBackOff !== 'function') {
    try {
      validateRetryBackOff(options.retryBackOff);
    } catch (err) {
      throw new OcppConfigError('OCPP_BAD_OPTION', (err as Error).message);
    }
  }
  const ping = options.pingIntervalS;
  if (typeof ping === 'number' && (!Number.isFinite(ping) || ping < 0)) {
    throw new OcppConfigError('OCPP_BAD_OPTION', `pingIntervalS must be a number >= 0, got ${ping}`);
  }
  return { url, security };
}

/** Runtime check of a profile configuration (it may come from YAML or Redis, not only TypeScript). */
function checkSecurity(security: SecurityProfileConfig): SecurityProfileConfig {
  const profile = (security as { profile?: unknown } | undefined)?.profile;
  if (profile !== 1 && profile !== 2 && profile !== 3) {
    throw new OcppConfigError('OCPP_BAD_PROFILE', `security profile must be 1, 2 or 3, got ${String(profile)}`);
  }
  const allowed = CREDENTIAL_FIELDS[profile];
  for (const field of Object.keys(security)) {
    if (field !== 'profile' && !allowed.includes(field)) {
      throw new OcppConfigError('OCPP_CREDENTIAL_NOT_FOR_PROFILE', `security profile ${profile} does not use "${field}"`);
    }
  }
  const s = security as unknown as Record<string, unknown>;
  if (profile === 1 || profile === 2) requireText(s, 'password', profile);
  if (profile === 2 || profile === 3) requirePem(s, 'ca', profile);
  if (profile === 3) {
    requirePem(s, 'cert', profile);
    requirePem(s, 'key', profile);
    if (s.passphrase !== undefined && typeof s.passphrase !== 'string') {
      throw new OcppConfigError('OCPP_MISSING_CREDENTIAL', 'passphrase must be a string');
    }
  }
  if (security.profile !== 1) loadsInOpenSsl(security);
  return Object.freeze({ ...security });
}

/** Refuses TLS material OpenSSL will not load now rather than on every connection attempt. */
function loadsInOpenSsl(security: Exclude<SecurityProfileConfig, { profile: 1 }>): void {
  try {
    createSecureContext(security.profile === 3 ? { ca: pemList(security.ca), cert: security.cert, key: security.key, passphrase: security.passphrase } : { ca: pemList(security.ca) });
  } catch (err) {
    // OpenSSL messages name the failing routine, never the key bytes; keep only them.
    const code = (err as { code?: unknown }).code;
    throw new OcppConfigError('OCPP_BAD_CREDENTIAL', `security profile ${security.profile}: TLS material does not load (${typeof code === 'string' ? code : 'error'}: ${(err as Error).message})`);
  }
}

function requireText(s: Record<string, unknown>, field: string, profile: number): void {
  const v = s[field];
  if (typeof v !== 'string' || v.length === 0) {
    throw new OcppConfigError('OCPP_MISSING_CREDENTIAL', `security profile ${profile} needs a non-empty ${field}`);
  }
}

function requirePem(s: Record<string, unknown>, field: string, profile: number): void {
  const v = s[field];
  const list = typeof v === 'string' ? [v] : Array.isArray(v) ? (v as unknown[]) : [];
  if (list.length === 0 || !list.every((p) => typeof p === 'string' && p.includes('-----BEGIN '))) {
    throw new OcppConfigError('OCPP_MISSING_CREDENTIAL', `security profile ${profile} needs ${field} as PEM text`);
  }
}

/**
 * The profile with `update` applied, checked like a new configuration.
 * @throws OcppConfigError when a field does not belong to the profile or is empty/not PEM.
 */
export function mergeCredentials(current: SecurityProfileConfig, update: CredentialsUpdate): SecurityProfileConfig {
  const fields = credentialFields(update);
  if (fields.length === 0) throw new OcppConfigError('OCPP_MISSING_CREDENTIAL', 'no credential to update');
  const defined = Object.fromEntries(fields.map((f) => [f, update[f as keyof CredentialsUpdate]]));
  return checkSecurity({ ...current, ...defined } as SecurityProfileConfig);
}

/** Names (never values) of the fields an update sets. */
export function credentialFields(update: CredentialsUpdate): string[] {
  return Object.entries(update)
    .filter(([, v]) => v !== undefined)
    .map(([k]) => k);
}

function pemList(ca: PemList): string[] {
  return typeof ca === 'string' ? [ca] : [...ca];
}

/**
 * `ws` client options for one connection attempt: handshake time-out, payload limit, no redirects,
 * Basic auth for profiles 1 and 2, and TLS (operator CA or the station's installed roots, always
 * verified) for 2 and 3.
 */
export function buildClientOptions(
  identity: string,
  security: SecurityProfileConfig,
  limits: Pick<ConnectionConfigInput, 'handshakeTimeoutMs' | 'maxPayloadBytes' | 'perMessageDeflate'>,
  station: StationTlsMaterial = {},
): ClientOptions {
  const s = security;
  const options: ClientOptions = {
    handshakeTimeout: limits.handshakeTimeoutMs ?? 30_000,
    maxPayload: limits.maxPayloadBytes ?? 1024 * 1024,
    followRedirects: false,
    // Off unless asked for: OCPP frames are small, and a CSMS that accepts compression keeps its
    // state allocated on both sides (measured: about 36 KiB more per station).
    perMessageDeflate: limits.perMessageDeflate === true,
  };
  if (s.profile === 1 || s.profile === 2) {
    // Part 2 A00: username = identity, password sent as its UTF-8 string (not 1.6's hex octets).
    const token = Buffer.from(`${identity}:${s.password}`, 'utf8').toString('base64');
    options.headers = { Authorization: `Basic ${token}` };
  }
  if (s.profile === 2 || s.profile === 3) {
    // `ca` replaces Node's public roots: only the operator's CSMSRootCertificate is trusted (Edition 3 errata 2.6, docs/protocols/ocpp.md §1.6);
    // the roots installed on the station, when there are any, replace the configured one.
    options.ca = station.ca !== undefined && station.ca.length > 0 ? [...station.ca] : pemList(s.ca);
    options.rejectUnauthorized = true;
    options.minVersion = 'TLSv1.2';
  }
  if (s.profile === 3 && station.cert !== undefined && station.key !== undefined) {
    options.cert = station.cert;
    options.key = station.key;
  } else if (s.profile === 3) {
    options.cert = s.cert;
    options.key = s.key;
    if (s.passphrase !== undefined) options.passphrase = s.passphrase;
  }
  return options;
}
