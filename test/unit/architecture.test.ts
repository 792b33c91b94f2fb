/**
 * The layering ARCHITECTURE.md describes, checked on the import statements of `src/` and `codecs/`:
 * which folder may import which, that the CLI and the gateway reach a codec only through its contract
 * and the registry, that the pure layers open no sockets, and that no import cycle exists (type-only
 * imports included: a cycle of types is still two files that cannot be understood apart).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface SourceFile {
  /** Path from the repository root, with `/`. */
  readonly path: string;
  /** Project files it imports (paths from the root, `.ts`), type-only imports included. */
  readonly imports: readonly string[];
  /** Packages and node built-ins it imports. */
  readonly packages: readonly string[];
}

function tsFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)).split(sep).join('/'));
}

// `import ... from '...'`, `export ... from '...'` (over several lines) and `import '...'`.
const IMPORT = /^\s*(?:import|export)\s[^;]*?\sfrom\s+'([^']+)'|^\s*import\s+'([^']+)'/gms;

function readSource(path: string): SourceFile {
  const text = readFileSync(join(ROOT, path), 'utf8');
  const imports: string[] = [];
  const packages: string[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec === undefined) continue;
    if (spec.startsWith('.')) {
      // Data files (a component's JSON) are not modules of the layering.
      if (!spec.endsWith('.js')) continue;
      const target = relative(ROOT, resolve(ROOT, dirname(path), spec))
        .split(sep)
        .join('/');
      imports.push(target.replace(/\.js$/, '.ts'));
    } else packages.push(spec);
  }
  return { path, imports, packages };
}

const FILES = [...tsFiles('src'), ...tsFiles('codecs')].map(readSource);

/** `src/<folder>`, `codecs/<codec>` for a codec's folder, or the file itself for `codecs/*.ts`. */
function unit(path: string): string {
  const parts = path.split('/');
  if (parts[0] === 'codecs' && parts.length === 2) return path;
  return `${parts[0]}/${parts[1]}`;
}

const CODEC_CONTRACT = ['codecs/codec.ts', 'codecs/registry.ts'];
const ANY_CODEC = 'codecs/*';

/**
 * What each unit may import, besides itself. `codecs/*` stands for every codec's folder; a codec's
 * folder may import the contract but never another codec.
 */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  'src/core': [],
  'src/framing': ['src/core'],
  'src/model': ['src/core'],
  'src/config': ['src/core'],
  'src/iec104': ['src/core', 'src/framing'],
  'src/ocpp': ['src/core', 'src/config'],
  'src/store': ['src/core', 'src/model'],
  'src/station': ['src/core', 'src/model', 'src/ocpp', 'src/store'],
  // The contract names the simulator factory a codec may offer (a type: no sockets come with it).
  'codecs/codec.ts': ['src/core', 'src/model', 'src/simulator'],
  'codecs/*': ['src/core', 'src/framing', 'src/model', 'src/iec104', 'src/config', 'src/simulator', 'codecs/codec.ts'],
  'codecs/registry.ts': ['codecs/codec.ts', ANY_CODEC],
  'src/simulator': ['src/core', 'src/framing', 'src/model', 'src/iec104', 'src/config', 'codecs/codec.ts', ANY_CODEC],
  'src/gateway': ['src/core', 'src/framing', 'src/model', 'src/iec104', 'src/config', 'src/ocpp', 'src/station', 'src/store', ...CODEC_CONTRACT],
  'src/cli': ['src/core', 'src/framing', 'src/model', 'src/iec104', 'src/config', 'src/ocpp', 'src/station', 'src/store', 'src/simulator', 'src/gateway', ...CODEC_CONTRACT],
};

function allowedFor(from: string): readonly string[] {
  const rule = from.startsWith('codecs/') && !from.endsWith('.ts') ? ALLOWED[ANY_CODEC] : ALLOWED[from];
  if (rule === undefined) throw new Error(`${from} is a folder ARCHITECTURE.md does not place: add it to the table in this test`);
  return rule;
}

function permitted(from: string, to: string): boolean {
  if (from === to) return true;
  const allowed = allowedFor(from);
  if (allowed.includes(to)) return true;
  return to.startsWith('codecs/') && !to.endsWith('.ts') && allowed.includes(ANY_CODEC);
}

describe('architecture', () => {
  it('knows every folder of src/ and codecs/', () => {
    const unknown = [...new Set(FILES.map((f) => unit(f.path)))].filter((u) => {
      try {
        allowedFor(u);
        return false;
      } catch {
        return true;
      }
    });
    expect(unknown).toEqual([]);
  });

  it('imports only along the layers', () => {
    const wrong = FILES.flatMap((f) => f.imports.filter((to) => !permitted(unit(f.path), unit(to))).map((to) => `${f.path} -> ${to}`));
    expect(wrong).toEqual([]);
  });

  it('lets the CLI and the gateway reach a codec only through codecs/codec.ts and codecs/registry.ts', () => {
    const wrong = FILES.filter((f) => f.path.startsWith('src/cli/') || f.path.startsWith('src/gateway/')).flatMap((f) =>
      f.imports.filter((to) => to.startsWith('codecs/') && !CODEC_CONTRACT.includes(to)).map((to) => `${f.path} -> ${to}`),
    );
    expect(wrong).toEqual([]);
  });

  it('keeps sockets, Redis and the logger out of the pure layers', () => {
    const pure = (p: string) => /^(codecs\/|src\/(core|framing|model|iec104)\/)/.test(p);
    const io = /^(node:)?(net|tls|http|https|dgram)$|^(ws|ioredis|pino)$/;
    const wrong = FILES.filter((f) => pure(f.path)).flatMap((f) => f.packages.filter((p) => io.test(p)).map((p) => `${f.path} imports ${p}`));
    expect(wrong).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(FILES.map((f) => [f.path, f.imports]));
    const cycles: string[] = [];
    // Tarjan's strongly connected components: a component of more than one file is a cycle.
    let next = 0;
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const visit = (v: string): void => {
      index.set(v, next);
      low.set(v, next);
      next += 1;
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!index.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v) ?? 0, low.get(w) ?? 0));
        } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) ?? 0, index.get(w) ?? 0));
      }
      if (low.get(v) !== index.get(v)) return;
      const component: string[] = [];
      let w: string | undefined;
      do {
        w = stack.pop();
        if (w === undefined) break;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort().join(' <-> '));
    };
    for (const v of graph.keys()) if (!index.has(v)) visit(v);
    expect(cycles).toEqual([]);
  });

  it('resolves every relative import to a file', () => {
    const paths = new Set(FILES.map((f) => f.path));
    const missing = FILES.flatMap((f) => f.imports.filter((to) => !paths.has(to) && !paths.has(to.replace(/\.ts$/, '/index.ts'))).map((to) => `${f.path} -> ${to}`));
    expect(missing).toEqual([]);
  });
});
