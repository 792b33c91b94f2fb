/**
 * Every citation in the tree can be followed with the repository alone: a `<file>.md §<n>` names a
 * file by its path from the repository root and a section that has a heading there, any other `.md`
 * name is a file of the repository (from the root, or beside the file that names it), a Markdown
 * link to a `.md` file resolves, and no file names a path of someone's machine. Section numbers of
 * other documents ("IEC 60870-5-104 §5.1", "Part 4 §4.2", "spec §8.1") are not checked: they cite
 * public standards, not files.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCANNED_DIRS = ['codecs', 'src', 'test', 'bench', 'fixtures', 'mappings', 'docs', 'examples'];
const SCANNED_EXT = /\.(ts|js|mjs|json|ya?ml|md|hex|txt)$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', '.git']);

/** A cited section: `file` as written, `section` like "4.1", and where the citation sits. */
interface Citation {
  readonly file: string;
  readonly section?: string;
  /** A Markdown link: its path is relative to the citing file's folder, not to the root. */
  readonly link?: true;
  /** A name without a section: a path from the root or, failing that, from the citing file's folder. */
  readonly mention?: true;
  readonly line: number;
}

const SECTION = String.raw`§(\d+(?:\.\d+)*)`;
// `docs/protocols/ykc.md §1, §9 #1`: a .md path, an optional closing backtick, a section, and further
// sections of the same file joined by `,` / `and` / `or` / `/` (a word in between, as in
// "spec §8.1", starts a citation of another document).
const SECTION_CITATION = new RegExp(String.raw`(?<![\w./-])((?:[\w.-]+/)*[\w.-]+\.md)\`?\s+${SECTION}((?:\s*(?:,|and|or|/)\s*${SECTION})*)`, 'g');
const FURTHER_SECTION = new RegExp(SECTION, 'g');
// Any other `.md` name standing as a word: a path from the root, or a sibling of the citing file
// (docs link each other). A path under a folder we do not have names a file of another project
// (a public source's readme under its module folder) and is left alone.
const MD_MENTION = /(?<=^|[\s`'"([*<])((?:[\w.-]+\/)*[\w-][\w.-]*\.md)\b(?!`?\s+§)/g;
const OUR_FOLDERS = new Set([...SCANNED_DIRS, '.ci']);
const MD_LINK = /\]\(((?!https?:|#)[^)\s#]+\.md)(?:#[^)\s]*)?\)/g;
/** A Markdown link's target, blanked before mentions are read so that it counts once, as a link. */
const MD_LINK_TARGET = /\]\([^)\s]*\)?/g;
// A home or work directory of a machine: a user's folder under home or Users, root's, or the work folder.
const MACHINE_PATH = /(?<![\w.:/-])\/(?:home\/[\w.-]+|Users\/[\w.-]+|root|work)\/[\w.-]/;

/** The citations in one file's text. */
function findCitations(text: string): Citation[] {
  const out: Citation[] = [];
  const lines = text.split('\n');
  lines.forEach((lineText, i) => {
    const line = i + 1;
    for (const m of lineText.matchAll(SECTION_CITATION)) {
      const file = m[1] ?? '';
      out.push({ file, section: m[2], line });
      for (const more of (m[3] ?? '').matchAll(FURTHER_SECTION)) out.push({ file, section: more[1], line });
    }
    for (const m of lineText.replace(MD_LINK_TARGET, '](').matchAll(MD_MENTION)) {
      const file = m[1] ?? '';
      if (!file.includes('/') || OUR_FOLDERS.has(file.slice(0, file.indexOf('/')))) out.push({ file, mention: true, line });
    }
    for (const m of lineText.matchAll(MD_LINK)) out.push({ file: m[1] ?? '', link: true, line });
  });
  return out;
}

/** Section numbers with a heading in a Markdown text: `## 4. Body layouts` -> "4", `### 4.1 ...` -> "4.1". */
function headingSections(markdown: string): Set<string> {
  const sections = new Set<string>();
  for (const m of markdown.matchAll(/^#{1,6}\s+(\d+(?:\.\d+)*)\.?\s/gm)) sections.add(m[1] ?? '');
  return sections;
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    if (SKIPPED_DIRS.has(name)) continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (SCANNED_EXT.test(name)) out.push(path);
  }
}

function scannedFiles(): string[] {
  const files: string[] = [];
  for (const d of SCANNED_DIRS) if (existsSync(join(ROOT, d))) walk(join(ROOT, d), files);
  for (const name of readdirSync(ROOT)) if (name.endsWith('.md')) files.push(join(ROOT, name));
  return files;
}

const headingsOf = new Map<string, Set<string>>();
function sectionsOf(path: string): Set<string> {
  let s = headingsOf.get(path);
  if (!s) headingsOf.set(path, (s = headingSections(readFileSync(path, 'utf8'))));
  return s;
}

/** `<name>.md`, for sample texts. */
const md = (name: string): string => `${name}.md`;

describe('findCitations', () => {
  it('reads a file, its sections and the sections that follow it, not those of another document', () => {
    const found = findCitations('x (docs/protocols/ykc.md §1, §9 #1) and `docs/protocols/ykc.md` §4.1, spec §8.1\nsee docs/logs.md');
    expect(found).toEqual([
      { file: 'docs/protocols/ykc.md', section: '1', line: 1 },
      { file: 'docs/protocols/ykc.md', section: '9', line: 1 },
      { file: 'docs/protocols/ykc.md', section: '4.1', line: 1 },
      { file: 'docs/logs.md', mention: true, line: 2 },
    ]);
  });

  it('reads a bare note name as a citation (it must then be a path from the root), mentions and Markdown links', () => {
    // The sample names are built here, so that this file itself cites no note the repository lacks.
    const outside = md('design');
    expect(findCitations(`(ykc.md §4) see ${outside}; [x](authorization.md#a) [y](https://e.org/${md('a')}) /w/${md('x')} \`other/README.md\` 协议V1.${md('6')}`)).toEqual([
      { file: 'ykc.md', section: '4', line: 1 },
      { file: outside, mention: true, line: 1 },
      { file: 'authorization.md', link: true, line: 1 },
    ]);
  });

  it('finds headings by number, "1" not in "1.1"', () => {
    const s = headingSections('# T\n## 1. Frame\n### 4.1 Remote update\n#### 2.4.5 Offline queue\ntext 3. no\n');
    expect([...s].sort()).toEqual(['1', '2.4.5', '4.1']);
  });

  it('recognises a machine path but not a URL path or a temporary directory', () => {
    // Built from parts, so that this file itself holds no machine path.
    const path = (...parts: string[]): string => ['', ...parts].join('/');
    expect(MACHINE_PATH.test(`see ${path('home', 'alice', 'notes')}`)).toBe(true);
    expect(MACHINE_PATH.test(`in ${path('work', 'shared', md('x'))}`)).toBe(true);
    expect(MACHINE_PATH.test(`https://example.org${path('work', 'x')}`)).toBe(false);
    expect(MACHINE_PATH.test('os.tmpdir() /tmp/x')).toBe(false);
  });
});

describe('citations in the tree', () => {
  const files = scannedFiles();

  it('name files of the repository and sections with a heading there', () => {
    const broken: string[] = [];
    let sections = 0;
    for (const path of files) {
      if (path === fileURLToPath(import.meta.url)) continue; // its examples are deliberately broken
      const where = relative(ROOT, path).split(sep).join('/');
      for (const c of findCitations(readFileSync(path, 'utf8'))) {
        const fromRoot = join(ROOT, c.file);
        const target = c.link || (c.mention && !existsSync(fromRoot)) ? join(dirname(path), c.file) : fromRoot;
        if (!existsSync(target)) {
          broken.push(`${where}:${c.line}: ${c.file} is not a file of the repository${c.link ? ' (relative link)' : ' (give its path from the root)'}`);
        } else if (c.section !== undefined) {
          sections++;
          if (!sectionsOf(target).has(c.section)) broken.push(`${where}:${c.line}: ${c.file} has no heading §${c.section}`);
        }
      }
    }
    expect(broken).toEqual([]);
    // The scan reads the tree: the YKC codec alone cites well over a hundred sections.
    expect(sections).toBeGreaterThan(100);
  });

  it('name no path of a machine', () => {
    const found: string[] = [];
    for (const path of files) {
      if (path === fileURLToPath(import.meta.url)) continue;
      readFileSync(path, 'utf8')
        .split('\n')
        .forEach((text, i) => {
          if (MACHINE_PATH.test(text)) found.push(`${relative(ROOT, path)}:${i + 1}: ${text.trim()}`);
        });
    }
    expect(found).toEqual([]);
  });
});
