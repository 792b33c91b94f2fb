/**
 * Loader for the readable hex fixtures under `fixtures/`: one field per line, `#` comments, and
 * `# expect: <CODE> at <offset>` / `# frames: <n>` headers on the fixtures of malformed input.
 * Paths are resolved from this file, so the tests run from any working directory.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Root of the repository, derived from this file's location (test/support/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Absolute path of a file or folder under the repository's `fixtures/` folder. */
export function fixturePath(...segments: string[]): string {
  return fileURLToPath(new URL(`../../fixtures/${segments.join('/')}`, import.meta.url));
}

/** One expected error of a malformed-input fixture. */
export interface ExpectedError {
  readonly code: string;
  /** Stream offset of the error. */
  readonly offset: number;
}

export interface HexFixture {
  /** File name without `.hex`. */
  readonly name: string;
  readonly path: string;
  readonly bytes: Buffer;
  /** Text of the first comment line (what the fixture is). */
  readonly title: string;
  /** `# expect:` headers in file order. */
  readonly expect: readonly ExpectedError[];
  /** `# frames:` header, when present. */
  readonly frames: number | undefined;
}

export interface FrameFixture extends HexFixture {
  /** The `.json` next to the `.hex`: the expected decoded APDU. */
  readonly expected: unknown;
}

const EXPECT_RE = /^#\s*expect:\s*([A-Z0-9_]+)\s+at\s+(\d+)\s*$/;
const FRAMES_RE = /^#\s*frames:\s*(\d+)\s*$/;

/** Parses fixture hex text: strips `#` comments and whitespace; throws on anything but hex pairs. */
export function parseHex(text: string): Buffer {
  const digits = text
    .split(/\r?\n/)
    .map((line) => {
      const hash = line.indexOf('#');
      return hash < 0 ? line : line.slice(0, hash);
    })
    .join('')
    .replace(/\s+/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    throw new Error(`fixture hex is not whole hex octets: ${digits.slice(0, 40)}...`);
  }
  return Buffer.from(digits, 'hex');
}

/** Parses a whole fixture file's text (bytes plus headers). */
function parseFixture(name: string, path: string, text: string): HexFixture {
  const expect: ExpectedError[] = [];
  let frames: number | undefined;
  let title = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith('#')) continue;
    const e = EXPECT_RE.exec(line);
    if (e) {
      expect.push({ code: e[1] as string, offset: Number(e[2]) });
      continue;
    }
    const f = FRAMES_RE.exec(line);
    if (f) {
      frames = Number(f[1]);
      continue;
    }
    if (title === '') title = line.replace(/^#\s*/, '');
  }
  return { name, path, bytes: parseHex(text), title, expect, frames };
}

/** Reads one `.hex` fixture. */
export function loadHexFixture(path: string): HexFixture {
  const name = path.replace(/^.*[\\/]/, '').replace(/\.hex$/, '');
  return parseFixture(name, path, readFileSync(path, 'utf8'));
}

/** Names (without `.hex`) of the hex fixtures in a folder under `fixtures/`, sorted. */
function listFixtures(...folder: string[]): string[] {
  return readdirSync(fixturePath(...folder))
    .filter((file) => file.endsWith('.hex'))
    .map((file) => file.slice(0, -'.hex'.length))
    .sort();
}

/** Every `.hex` fixture of a folder under `fixtures/`. */
export function loadHexFixtures(...folder: string[]): HexFixture[] {
  return listFixtures(...folder).map((name) => loadHexFixture(fixturePath(...folder, `${name}.hex`)));
}

/** Every `.hex` fixture of a folder together with its `.json` expectation (which must exist). */
export function loadFrameFixtures(...folder: string[]): FrameFixture[] {
  return loadHexFixtures(...folder).map((fixture) => {
    const jsonPath = fixture.path.replace(/\.hex$/, '.json');
    if (!existsSync(jsonPath)) throw new Error(`fixture ${fixture.name} has no .json next to it`);
    return { ...fixture, expected: JSON.parse(readFileSync(jsonPath, 'utf8')) as unknown };
  });
}
