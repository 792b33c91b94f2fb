/**
 * Checks of the deployment files (Dockerfile, compose file) that run where no Docker daemon is:
 * each returns the problems found, as sentences, so a test can show both the shipped files pass and
 * a broken copy is caught.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { assignments, commandWords, copyArgs, parseDockerfile } from './dockerfile.js';

/** A name that says its value is a secret. */
export const SECRET_NAME = /PASSWORD|SECRET|TOKEN|(^|_)KEY($|_)|CREDENTIAL/i;

/** Entries of `.dockerignore` (comments and blanks dropped). */
function dockerignore(root: string): string[] {
  const file = join(root, '.dockerignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export function lintDockerfile(text: string, root: string): string[] {
  const problems: string[] = [];
  const { globalArgs, stages } = parseDockerfile(text);
  if (stages.length < 2) problems.push(`not multi-stage: ${stages.length} FROM`);
  const ignored = dockerignore(root);
  const seen = new Set<string>();
  for (const [name, value] of globalArgs) if (SECRET_NAME.test(name)) problems.push(`ARG ${name}${value ? ' has a default' : ''}: a secret in a build argument stays in the image history`);
  for (const [i, stage] of stages.entries()) {
    for (const ins of stage.instructions) {
      if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
        for (const [name] of assignments(ins.args))
          if (SECRET_NAME.test(name)) problems.push(`line ${ins.line}: ${ins.keyword} ${name}: secrets come from the environment at run time, never the image`);
      }
      if (ins.keyword === 'ADD') problems.push(`line ${ins.line}: ADD (use COPY)`);
      if (ins.keyword === 'COPY') {
        const { flags, sources } = copyArgs(ins.args);
        const from = flags.get('from');
        if (from !== undefined) {
          if (!seen.has(from)) problems.push(`line ${ins.line}: COPY --from=${from}: no earlier stage of that name`);
          continue;
        }
        for (const src of sources) {
          if (!existsSync(join(root, src))) problems.push(`line ${ins.line}: COPY ${src}: not in the repository`);
          if (ignored.some((p) => p.replace(/\/$/, '') === src.replace(/\/$/, ''))) problems.push(`line ${ins.line}: COPY ${src}: excluded by .dockerignore`);
        }
      }
    }
    seen.add(stage.name ?? String(i));
  }
  const final = stages.at(-1);
  if (final === undefined) return [...problems, 'no FROM'];
  const users = final.instructions.filter((x) => x.keyword === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (user === undefined) problems.push('final stage has no USER: it runs as root');
  else if (user === 'root' || user === '0') problems.push(`final stage runs as ${user}`);
  const health = final.instructions.filter((x) => x.keyword === 'HEALTHCHECK');
  if (health.length === 0 || /^NONE$/i.test(health.at(-1)?.args ?? '')) problems.push('final stage has no HEALTHCHECK');
  if (final.instructions.some((x) => x.keyword === 'RUN' && /\bnpm (ci|install)\b/.test(x.args) && !/--omit=dev/.test(x.args))) {
    problems.push('final stage installs development dependencies');
  }
  const installs = stages.flatMap((s) => s.instructions).filter((x) => x.keyword === 'RUN' && /\bnpm ci\b.*--omit=dev/.test(x.args));
  if (installs.length === 0) problems.push('no stage runs npm ci --omit=dev for the runtime dependencies');
  return problems;
}

/** The final stage's values the other files must agree with. */
export function finalStage(text: string): { workdir?: string; expose: number[]; entrypoint: string[]; cmd: string[]; healthcheck: string[] } {
  const final = parseDockerfile(text).stages.at(-1);
  const ins = final?.instructions ?? [];
  const last = (k: string): string | undefined => ins.filter((x) => x.keyword === k).at(-1)?.args;
  const health = last('HEALTHCHECK') ?? '';
  const cmdAt = health.search(/\bCMD\b/);
  const workdir = last('WORKDIR');
  return {
    ...(workdir !== undefined ? { workdir } : {}),
    expose: ins.filter((x) => x.keyword === 'EXPOSE').flatMap((x) => x.args.split(/\s+/).map((p) => Number(p.split('/')[0]))),
    entrypoint: commandWords(last('ENTRYPOINT') ?? '[]'),
    cmd: commandWords(last('CMD') ?? '[]'),
    healthcheck: cmdAt < 0 ? [] : commandWords(health.slice(cmdAt + 3)),
  };
}

type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string> | string[];
  volumes?: string[];
  healthcheck?: { test?: string | string[] };
  depends_on?: Record<string, { condition?: string }> | string[];
  restart?: string;
  ports?: string[];
  stop_grace_period?: string;
};
export type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown> };

export function environmentOf(s: Service | undefined): Record<string, string> {
  const env = s?.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(env.map((e) => [e.split('=')[0] ?? '', e.split('=').slice(1).join('=')]));
}

/** `${NAME}`, `${NAME:?message}`, `${NAME:-default}` references in a compose value. */
export function composeRefs(value: string): string[] {
  return [...value.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');
}

/** Seconds of a compose duration such as `30s`, `1m30s`. */
export function durationSeconds(text: string): number {
  let s = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)) s += Number(m[1]) * ({ h: 3600, m: 60, s: 1, ms: 0.001, us: 1e-6 }[m[2] ?? 's'] ?? 0);
  return s;
}

/**
 * The compose file's problems: Redis with AOF and a volume and a health check, the gateway after a
 * healthy Redis with its config mounted read-only, a restart policy, and no literal secret.
 */
export function lintCompose(text: string, gateway = 'pilegate', redis = 'redis'): string[] {
  const problems: string[] = [];
  const doc = parse(text) as Compose;
  const r = doc.services[redis];
  const g = doc.services[gateway];
  if (r === undefined || g === undefined) return [`services ${redis} and ${gateway} expected`];
  const command = Array.isArray(r.command) ? r.command.join(' ') : (r.command ?? '');
  if (!/--appendonly yes\b/.test(command)) problems.push('redis: AOF is off (no --appendonly yes)');
  if (!(r.volumes ?? []).some((v) => /:\/data(:|$)/.test(v))) problems.push('redis: /data is not on a volume');
  if (r.healthcheck?.test === undefined) problems.push('redis: no healthcheck');
  const dep = g.depends_on;
  if (Array.isArray(dep) || dep?.[redis]?.condition !== 'service_healthy') problems.push(`${gateway}: does not wait for a healthy ${redis}`);
  if (!(g.volumes ?? []).some((v) => /^[^:]+:\/etc\/pilegate:ro$/.test(v))) problems.push(`${gateway}: no read-only config mount at /etc/pilegate`);
  for (const [name, s] of Object.entries(doc.services)) {
    if (s.restart === undefined || s.restart === 'no') problems.push(`${name}: no restart policy`);
    for (const [k, v] of Object.entries(environmentOf(s))) {
      const value = String(v);
      if (SECRET_NAME.test(k) && !/^\$\{[A-Za-z_][A-Za-z0-9_]*(:?[?-][^}]*)?\}$/.test(value)) problems.push(`${name}: ${k} is written in the file; take it from the environment as \${NAME}`);
    }
  }
  return problems;
}
