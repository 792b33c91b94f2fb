/**
 * The `http` section of the gateway config: where `/metrics`, `/healthz` and `/readyz` listen
 * (the loopback interface unless `host` says otherwise) and, optionally, the credentials every
 * request must carry: a bearer token, or Basic credentials (a username and a password). The secret
 * is never written in the config file itself: it is the first line of `secretFile` or the value of
 * `PILEGATE_HTTP_SECRET`, which wins over the file (as every `PILEGATE_*` variable does).
 */
import type { PointerIssue } from '../config/document.js';
import { readConfigFile } from '../config/read.js';

const DEFAULT_HTTP_PORT = 9104;
/** How long no station may reach the CSMS before `/readyz` says it is unreachable: longer than a CSMS restart. */
const DEFAULT_CSMS_GRACE_MS = 60_000;
/** Metrics and probes are for the host's own agents unless the operator opens them. */
const DEFAULT_HTTP_HOST = '127.0.0.1';
/** The environment variable holding the HTTP secret (bearer token or Basic password). */
const HTTP_SECRET_ENV = 'PILEGATE_HTTP_SECRET';

/** Credentials every HTTP request must carry; `secret` never reaches a log. */
export type HttpAuth = { readonly scheme: 'bearer'; readonly secret: string } | { readonly scheme: 'basic'; readonly username: string; readonly secret: string };

export interface HttpConfig {
  readonly port: number;
  readonly host: string;
  /** `/readyz` answers 503 once no running station has had its CSMS connection for this long. */
  readonly csmsGraceMs: number;
  readonly auth?: HttpAuth;
}

/** The section as the schema lets it through. */
export interface RawHttpConfig {
  port?: number;
  host?: string;
  csmsGraceMs?: number;
  auth?: { scheme: 'bearer' | 'basic'; username?: string; secretFile?: string };
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Plain data from the validated section; `resolvePath` resolves `secretFile` against the config
 * file's directory. Problems are appended to `issues`.
 * @throws ConfigError `CONFIG_READ` when `secretFile` cannot be read.
 */
export function parseHttpConfig(raw: RawHttpConfig | undefined, env: Env, issues: PointerIssue[], resolvePath: (p: string) => string): HttpConfig {
  const base = { port: raw?.port ?? DEFAULT_HTTP_PORT, host: raw?.host ?? DEFAULT_HTTP_HOST, csmsGraceMs: raw?.csmsGraceMs ?? DEFAULT_CSMS_GRACE_MS };
  const a = raw?.auth;
  const fromEnv = env[HTTP_SECRET_ENV];
  const envSecret = fromEnv !== undefined && fromEnv !== '';
  if (a === undefined) {
    // A secret meant to close the endpoints must not leave them open unnoticed.
    if (envSecret) issues.push({ pointer: '/http/auth', reason: `${HTTP_SECRET_ENV} is set but http.auth is not: set its scheme (bearer or basic), or unset the variable` });
    return base;
  }
  // A secret file holds the secret and, as editors leave it, a line end: the first line counts.
  const secret = envSecret ? fromEnv : a.secretFile !== undefined ? (readConfigFile(resolvePath(a.secretFile)).split(/\r?\n/)[0] ?? '') : undefined;
  const at = envSecret ? '/http/auth' : '/http/auth/secretFile';
  if (secret === undefined) issues.push({ pointer: '/http/auth', reason: `no secret: set secretFile or the environment variable ${HTTP_SECRET_ENV}` });
  else if (secret === '') issues.push({ pointer: at, reason: 'the secret file is empty' });
  // `Authorization: Bearer <token>` carries one token68 word (RFC 6750 §2.1): any other token locks every client out.
  else if (a.scheme === 'bearer' && !/^[\x21-\x7e]+$/.test(secret)) issues.push({ pointer: at, reason: 'a bearer token must be one word of visible characters (value not shown)' });
  if (a.scheme === 'basic' && a.username === undefined) issues.push({ pointer: '/http/auth', reason: 'basic needs "username"' });
  if (a.scheme === 'bearer' && a.username !== undefined) issues.push({ pointer: '/http/auth/username', reason: 'a bearer token has no username (use scheme basic)' });
  if (secret === undefined || secret === '') return base;
  return { ...base, auth: a.scheme === 'basic' ? { scheme: 'basic', username: a.username ?? '', secret } : { scheme: 'bearer', secret } };
}

/** True for an address only this host can reach. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
