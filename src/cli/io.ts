import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** What a command writes to, so commands run the same in the process, in tests and as the binary. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** Exit codes: 0 success, 1 failure at run time, 2 bad input or usage (config, frames, arguments). */
export const EXIT = { OK: 0, FAILURE: 1, BAD_INPUT: 2 } as const;

/** A bad argument or input the user can fix; printed as `error <code>: <message>` with exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses hex given as one or more arguments: spaces, tabs, newlines, `:` / `-` separators and `0x`
 * prefixes are allowed between bytes. Anything else is a UsageError naming its position.
 */
export function parseHexArgs(args: readonly string[]): Buffer {
  const text = args.join(' ');
  let digits = '';
  for (const m of text.matchAll(/[^\s:,-]+/g)) {
    const token = m[0];
    const prefix = /^0x/i.test(token) ? 2 : 0;
    const bad = token.slice(prefix).search(/[^0-9a-f]/i);
    if (bad >= 0) {
      const at = (m.index ?? 0) + prefix + bad;
      throw new UsageError('HEX_INVALID', `character ${JSON.stringify(text[at])} at position ${at} of the hex input is not a hex digit`);
    }
    digits += token.slice(prefix);
  }
  if (digits.length === 0) throw new UsageError('HEX_EMPTY', 'no hex bytes given');
  if (digits.length % 2 !== 0) throw new UsageError('HEX_ODD', `odd number of hex digits (${digits.length}): the last byte is incomplete`);
  return Buffer.from(digits, 'hex');
}

/** True when the module at `moduleUrl` is the script node was started with (symlinks resolved, as npm's bin links are). */
export function isMainModule(moduleUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
