/**
 * The one error type of configuration and data files (gateway config, mappings, dialects): a stable
 * code, the file, and every problem found with its JSON pointer and, where known, line and column.
 */

/** `CONFIG_READ`: the file cannot be read; `CONFIG_SYNTAX`: not well-formed YAML/JSON; `CONFIG_INVALID`: schema or semantic violation. */
export const CONFIG_ERROR_CODES = ['CONFIG_READ', 'CONFIG_SYNTAX', 'CONFIG_INVALID'] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

/** One problem in a config file. */
export interface ConfigIssue {
  /** JSON pointer (RFC 6901) of the offending value, e.g. `/points/3/unit`; `''` for the whole document. */
  readonly pointer: string;
  /** 1-based line of the offending value (or of its key) in the file. */
  readonly line?: number;
  /** 1-based column. */
  readonly column?: number;
  /** What is wrong, for a human: names the property, the value and what is allowed. */
  readonly reason: string;
  /**
   * Where the value came from when not from the file: an environment override as
   * `NAME=value` (`PILEGATE_HTTP_PORT=abc`); such an issue has no line.
   */
  readonly from?: string;
}

/** A config file that cannot be used; `message` lists every issue, one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly code: ConfigErrorCode,
    readonly file: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(issues.map((i) => formatIssue(file, i)).join('\n') || `${file}: ${code}`);
  }
}

/**
 * `<file>:<line>:<col>: <pointer>: <reason>` (`<NAME>=<value>: <pointer>: <reason>` for an
 * environment override); the position and the pointer are left out when unknown or the root.
 */
export function formatIssue(file: string, issue: ConfigIssue): string {
  return `${issueLocation(file, issue)}: ${issue.pointer === '' ? '' : `${issue.pointer}: `}${issue.reason}`;
}

/**
 * The lines a CLI prints on stderr for a ConfigError:
 * `error <code> <file>:<line>:<col> <pointer>: <reason>` (`error <code> <file>:<line>:<col>: <reason>` at the root;
 * `error <code> <NAME>=<value>: <pointer>: <reason>` for a value from an environment override).
 */
export function configErrorLines(e: ConfigError): string[] {
  if (e.issues.length === 0) return [`error ${e.code} ${e.file}: invalid`];
  return e.issues.map((i) => {
    const where = issueLocation(e.file, i);
    if (i.from !== undefined) return `error ${e.code} ${where}: ${i.pointer === '' ? '' : `${i.pointer}: `}${i.reason}`;
    return i.pointer === '' ? `error ${e.code} ${where}: ${i.reason}` : `error ${e.code} ${where} ${i.pointer}: ${i.reason}`;
  });
}

function issueLocation(file: string, issue: ConfigIssue): string {
  if (issue.from !== undefined) return issue.from;
  if (issue.line === undefined) return file;
  return issue.column === undefined ? `${file}:${issue.line}` : `${file}:${issue.line}:${issue.column}`;
}
