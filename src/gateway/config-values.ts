/**
 * Checks on single values that several sections of the gateway config and the station registry
 * share: `${ENV_NAME}` substituted into secrets, time zones the runtime must know, and CSMS URLs
 * without a user or password in them.
 */
import type { PointerIssue } from '../config/document.js';
import { isValidTimeZone } from '../core/time-zone.js';
import { hasUserinfo } from '../core/url-userinfo.js';

export type Env = Readonly<Record<string, string | undefined>>;

/** Replaces `${NAME}` with `env.NAME`; a missing variable is an issue at `pointer`. */
export function interpolate(text: string | undefined, env: Env, pointer: string, issues: PointerIssue[]): string | undefined {
  if (text === undefined) return undefined;
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_m, name: string) => {
    const v = env[name];
    if (v === undefined) {
      issues.push({ pointer, reason: `environment variable ${name} is not set` });
      return '';
    }
    return v;
  });
}

/** A zone must be one the runtime knows: a typo would otherwise shift every charger timestamp or fail late. */
export function checkTimeZone(zone: string | undefined, pointer: string, issues: PointerIssue[]): void {
  if (zone !== undefined && !isValidTimeZone(zone)) issues.push({ pointer, reason: `unknown time zone ${JSON.stringify(zone)} (expected an IANA name such as Asia/Shanghai)` });
}

/**
 * A CSMS URL must not carry `user:password@`: OCPP Basic auth takes the station id as the user and
 * the password from its own setting, so such a URL fails every station at run time, and a URL is
 * printed and logged where a password must never be. `where` says where the password belongs.
 * The reason never quotes the URL.
 */
export function checkCsmsUrl(url: string | undefined, pointer: string, where: string, issues: PointerIssue[]): void {
  if (url !== undefined && hasUserinfo(url))
    issues.push({ pointer, reason: `must not carry a user name or password (user:password@host; value not shown): the station id is the user name, put the password in ${where}` });
}

/**
 * A TLS file setting (`csms.ca`, `cert`, `key`, `downloads.ca`) holding the PEM text itself rather
 * than a path: it would be read as a file name and quoted in the error, a private key with it.
 * The reason never quotes the value.
 */
export function checkPemPath(path: string | undefined, pointer: string, issues: PointerIssue[]): void {
  if (path !== undefined && (path.includes('-----BEGIN') || /[\r\n]/.test(path))) issues.push({ pointer, reason: 'is the PEM text itself; give the path of a PEM file (value not shown)' });
}
