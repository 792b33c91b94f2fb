/** What the gateway's logs never show, and the same rule for the log lines a station's DiagnosticsLog keeps. */

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
