/**
 * A Dockerfile read into stages of instructions, enough for the deployment lint where no Docker
 * daemon (or hadolint) is at hand: line continuations joined, comments and parser directives
 * dropped, `ARG` defaults before the first `FROM` substituted into the `FROM` lines.
 */

export interface Instruction {
  readonly keyword: string;
  /** The arguments as written (continuations joined with a space). */
  readonly args: string;
  /** 1-based line of the keyword. */
  readonly line: number;
}

export interface Stage {
  readonly image: string;
  readonly name?: string;
  readonly instructions: Instruction[];
}

export interface Dockerfile {
  /** `ARG`s before the first `FROM`: name -> default. */
  readonly globalArgs: ReadonlyMap<string, string>;
  readonly stages: Stage[];
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let body = lines[i] ?? '';
    if (/^\s*(#|$)/.test(body)) continue;
    while (/\\\s*$/.test(body) && i + 1 < lines.length) {
      i++;
      const next = lines[i] ?? '';
      if (/^\s*#/.test(next)) continue; // comment lines inside a continuation are skipped by Docker too
      body = `${body.replace(/\\\s*$/, '')} ${next.trim()}`;
    }
    const m = /^\s*([A-Za-z]+)\s*(.*)$/.exec(body);
    if (m === null) throw new Error(`line ${start + 1}: not an instruction: ${body}`);
    out.push({ keyword: (m[1] ?? '').toUpperCase(), args: (m[2] ?? '').trim(), line: start + 1 });
  }
  return out;
}

export function parseDockerfile(text: string): Dockerfile {
  const globalArgs = new Map<string, string>();
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
      const image = (words[0] ?? '').replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (whole, name: string) => globalArgs.get(name) ?? whole);
      const as = words[1]?.toUpperCase() === 'AS' ? words[2] : undefined;
      stages.push({ image, ...(as !== undefined ? { name: as } : {}), instructions: [] });
      continue;
    }
    const current = stages.at(-1);
    if (current === undefined) {
      if (ins.keyword !== 'ARG') throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
      const [name, value] = ins.args.split('=', 2);
      globalArgs.set((name ?? '').trim(), (value ?? '').trim());
      continue;
    }
    current.instructions.push(ins);
  }
  return { globalArgs, stages };
}

/** An exec-form (`["a", "b"]`) or shell-form argument list as words. */
export function commandWords(args: string): string[] {
  const t = args.trim();
  if (t.startsWith('[')) return JSON.parse(t) as string[];
  return t.split(/\s+/);
}

/** `COPY`/`ADD` arguments: flags (`--from=x`), sources and destination. */
export function copyArgs(args: string): { flags: Map<string, string>; sources: string[]; dest: string } {
  const words = args.startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
  const flags = new Map<string, string>();
  while (words[0]?.startsWith('--') === true) {
    const [k, v] = (words.shift() ?? '').slice(2).split('=', 2);
    flags.set(k ?? '', v ?? '');
  }
  const dest = words.pop() ?? '';
  return { flags, sources: words, dest };
}

/** `KEY=value` pairs of an `ENV` or `ARG` instruction (also the legacy `ENV KEY value`). */
export function assignments(args: string): [string, string][] {
  if (!args.includes('=')) {
    const [k, ...rest] = args.split(/\s+/);
    return [[k ?? '', rest.join(' ')]];
  }
  return [...args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)(?:=("[^"]*"|'[^']*'|\S*))?/g)].map((m) => [m[1] ?? '', (m[2] ?? '').replace(/^["']|["']$/g, '')]);
}
