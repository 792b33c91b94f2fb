/** What the gateway's logs never show, and the same rule for the log lines a station's DiagnosticsLog keeps. */
import { redactUserinfo } from '../core/url-userinfo.js';

/** Log paths whose values never reach the output (pino `redact`). */
export const REDACTED_PATHS = [
  'password',
  '*.password',
  'ykcKey',
  '*.ykcKey',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'security',
  '*.security',
  'basicAuthPassword',
  '*.basicAuthPassword',
  'key',
  'passphrase',
  'secret',
  '*.secret',
  '*.*.secret',
];

/** The key names of `REDACTED_PATHS`: a kept log line replaces their values at any depth. */
export const SECRET_KEYS: ReadonlySet<string> = new Set(REDACTED_PATHS.map((p) => p.slice(p.lastIndexOf('.') + 1)));

/** How deep `withoutUserinfo` looks into a log line's data; deeper values are left as they are. */
const MAX_DEPTH = 6;

/**
 * `value` with the user info of every URL in its strings hidden (`ws://[redacted]@host`): a
 * password must never reach a log even when it came inside a URL (a CSMS's SetNetworkProfile, a
 * transfer location, an error message quoting its URL). Returns `value` itself when nothing changed.
 */
function withoutUserinfo<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return redactUserinfo(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  if (value instanceof Error) {
    const message = redactUserinfo(value.message);
    const stack = value.stack === undefined ? undefined : redactUserinfo(value.stack);
    return (message === value.message && stack === value.stack ? value : { type: value.name, message, ...(stack !== undefined ? { stack } : {}) }) as T;
  }
  if (Array.isArray(value)) {
    const items = value.map((v: unknown) => withoutUserinfo(v, depth + 1));
    return (items.some((v, i) => v !== value[i]) ? items : value) as T;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value;
  let out: Record<string, unknown> | undefined;
  for (const [k, v] of Object.entries(value)) {
    const clean = withoutUserinfo(v, depth + 1);
    if (clean !== v) (out ??= { ...(value as Record<string, unknown>) })[k] = clean;
  }
  return (out ?? value) as T;
}

/** pino options that pass every log line's data and message through `withoutUserinfo`. */
export const USERINFO_REDACTION = {
  formatters: { log: (data: Record<string, unknown>): Record<string, unknown> => withoutUserinfo(data) },
  hooks: {
    logMethod(this: unknown, args: unknown[], method: (...a: unknown[]) => void): void {
      method.apply(
        this,
        args.map((a) => withoutUserinfo(a)),
      );
    },
  },
} as const;
