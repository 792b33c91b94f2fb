import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { destination, type DestinationStream } from 'pino';

/** What a command writes to, so commands run the same in the process, in tests and as the binary. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** The process's standard input (`pilegate decode -`); absent where there is none to read. */
  readonly stdin?: { readonly isTTY: boolean; read(): Promise<string> };
}

/** Which of the process's streams their reader closed (`pilegate … | head`): what is written to them after that is dropped. */
const closed = new Set<NodeJS.WriteStream>();
let stdoutClosed: () => void = () => undefined;

function markClosed(stream: NodeJS.WriteStream): void {
  if (closed.has(stream)) return;
  closed.add(stream);
  if (stream === process.stdout) stdoutClosed();
}

function writeTo(stream: NodeJS.WriteStream): (text: string) => void {
  return (text) => {
    if (closed.has(stream) || stream.destroyed) return;
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk)));
  return Buffer.concat(chunks).toString('utf8');
}

export const processIo: CliIo = {
  out: writeTo(process.stdout),
  err: writeTo(process.stderr),
  stdin: { isTTY: process.stdin.isTTY === true, read: readStdin },
};

/**
 * Makes a write to a closed stdout or stderr (EPIPE: the reader of a pipe is gone) end quietly
 * instead of crashing with a stack trace: the stream is marked closed, later output to it is
 * dropped, and `onStdoutClosed` runs once when it is stdout (also when `stdoutLog` found it closed).
 */
export function dropOutputOnClose(onStdoutClosed: () => void): void {
  stdoutClosed = onStdoutClosed;
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => markClosed(stream));
}

/** The gateway's log on stdout (pino's own writer on fd 1), which tells `dropOutputOnClose` when its reader is gone. */
export function stdoutLog(): DestinationStream {
  const stream = destination(1);
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') markClosed(process.stdout);
  });
  return stream;
}

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

/** The hex digits of `text` (spaces, tabs, newlines, `:` `,` `-` separators and `0x` prefixes between bytes), or the index of the first character that is none of these. */
export function scanHex(text: string): { readonly digits: string } | { readonly badAt: number } {
  let digits = '';
  for (const m of text.matchAll(/[^\s:,-]+/g)) {
    const token = m[0];
    const prefix = /^0x/i.test(token) ? 2 : 0;
    const bad = token.slice(prefix).search(/[^0-9a-f]/i);
    if (bad >= 0) return { badAt: (m.index ?? 0) + prefix + bad };
    digits += token.slice(prefix);
  }
  return { digits };
}

/** The bytes of an even number of hex digits; a UsageError for none, or for an odd count (`where` names the input). */
export function hexBytes(digits: string, where = ''): Buffer {
  if (digits.length === 0) throw new UsageError('HEX_EMPTY', `no hex bytes given${where}`);
  if (digits.length % 2 !== 0) throw new UsageError('HEX_ODD', `odd number of hex digits (${digits.length})${where}: the last byte is incomplete`);
  return Buffer.from(digits, 'hex');
}

/**
 * Parses hex given as one or more arguments: spaces, tabs, newlines, `:` / `-` separators and `0x`
 * prefixes are allowed between bytes. Anything else is a UsageError naming its position.
 */
export function parseHexArgs(args: readonly string[]): Buffer {
  const text = args.join(' ');
  const scanned = scanHex(text);
  if ('badAt' in scanned) {
    throw new UsageError('HEX_INVALID', `character ${JSON.stringify(text[scanned.badAt])} at position ${scanned.badAt} of the hex input is not a hex digit`);
  }
  return hexBytes(scanned.digits);
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
