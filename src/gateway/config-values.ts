/**
 * Checks on single values that several sections of the gateway config and the station registry
 * share: `${ENV_NAME}` substituted into secrets, and time zones the runtime must know.
 */
import type { PointerIssue } from '../config/document.js';
import { isValidTimeZone } from '../core/time-zone.js';

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
