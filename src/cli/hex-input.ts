/**
 * The bytes `pilegate decode` reads: hex given as arguments, files of hex text and standard input
 * (`-`). A file or stdin is hex text as the `.hex` fixtures are written: `#` starts a comment to the
 * end of its line, and the bytes may be one frame per line, one field per line or one long stream.
 * Every source is joined into one stream, which the codec's framer cuts into frames.
 */
import { readFileSync, statSync } from 'node:fs';
import { hexBytes, parseHexArgs, scanHex, UsageError, type CliIo } from './io.js';

/** Bytes of one source, with the line each run of them came from (text sources). */
interface HexSource {
  readonly name?: string;
  readonly bytes: Buffer;
  /** The byte offset (within `bytes`) at which each line with hex digits starts, and its 1-based number. */
  readonly lines: readonly { readonly offset: number; readonly line: number }[];
}

export interface HexInput {
  /** Every source's bytes, one after the other. */
  readonly bytes: Buffer;
  /** Each source's bytes on its own (the start of each is what another codec's `sniff` judges). */
  readonly heads: readonly Buffer[];
  /** `file:line` of the byte at `offset` of `bytes`, when it came from a file or stdin. */
  place(offset: number): string | undefined;
}

const STDIN = '<stdin>';

/** Parses hex text: `#` comments and whitespace ignored; errors name `name:line:column`. */
function parseHexText(text: string, name: string): HexSource {
  let digits = '';
  const lines: { offset: number; line: number }[] = [];
  for (const [i, raw] of text.split(/\r?\n/).entries()) {
    const hash = raw.indexOf('#');
    const body = hash < 0 ? raw : raw.slice(0, hash);
    const scanned = scanHex(body);
    if ('badAt' in scanned) throw new UsageError('HEX_INVALID', `${name}:${i + 1}:${scanned.badAt + 1}: character ${JSON.stringify(body[scanned.badAt])} is not a hex digit`);
    if (scanned.digits.length === 0) continue;
    lines.push({ offset: Math.floor(digits.length / 2), line: i + 1 });
    digits += scanned.digits;
  }
  return { name, bytes: hexBytes(digits, ` in ${name}`), lines };
}

/** Whether `arg` names an existing file (a long run of hex is no path: ENAMETOOLONG and the like mean no). */
function isFile(arg: string): boolean {
  try {
    return statSync(arg, { throwIfNoEntry: false })?.isFile() === true;
  } catch {
    return false;
  }
}

/** An argument that cannot be hex and looks like a path (`.`, `/` or `\`) is meant as a file. */
function meantAsFile(arg: string): boolean {
  return 'badAt' in scanHex(arg) && /[./\\]/.test(arg);
}

async function readSource(path: string, io: CliIo): Promise<HexSource> {
  if (path === '-') {
    if (io.stdin === undefined) throw new UsageError('HEX_READ', 'there is no standard input to read');
    return parseHexText(await io.stdin.read(), STDIN);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UsageError('HEX_READ', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseHexText(text, path);
}

/**
 * Reads what `decode` was given: `file` (`--file`, `-` for stdin) first, then the arguments in
 * order, each `-` (stdin), a file that exists, or hex (runs of hex arguments are one input). With
 * neither, stdin when it is not a terminal.
 */
export async function readHexInput(args: readonly string[], file: string | undefined, io: CliIo): Promise<HexInput> {
  const sources: HexSource[] = [];
  if (file !== undefined) sources.push(await readSource(file, io));
  let hexArgs: string[] = [];
  const flushArgs = (): void => {
    if (hexArgs.length > 0) sources.push({ bytes: parseHexArgs(hexArgs), lines: [] });
    hexArgs = [];
  };
  for (const arg of args) {
    if (arg === '-' || isFile(arg) || meantAsFile(arg)) {
      flushArgs();
      sources.push(await readSource(arg, io));
    } else {
      hexArgs.push(arg);
    }
  }
  flushArgs();
  if (sources.length === 0) {
    if (io.stdin === undefined || io.stdin.isTTY) throw new UsageError('HEX_EMPTY', 'no hex bytes given: give them as arguments, in a file (--file <file>), or on standard input (-)');
    sources.push(await readSource('-', io));
  }
  const starts: number[] = [];
  let at = 0;
  for (const s of sources) {
    starts.push(at);
    at += s.bytes.length;
  }
  return {
    bytes: Buffer.concat(sources.map((s) => s.bytes)),
    heads: sources.map((s) => s.bytes),
    place: (offset) => {
      const i = starts.findLastIndex((start) => start <= offset);
      const source = sources[i];
      if (source?.name === undefined) return undefined;
      const within = offset - (starts[i] ?? 0);
      const line = source.lines.findLast((l) => l.offset <= within)?.line;
      return line === undefined ? source.name : `${source.name}:${line}`;
    },
  };
}
