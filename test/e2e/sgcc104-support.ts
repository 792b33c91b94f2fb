/**
 * `pilegate serve` as a real child process with one family-B listener per dialect (the shipped
 * catalogue as its mapping), on the memory store or Redis, for the family-B e2e tests.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/cli.js';
import { until } from '../support/station.js';

export interface Sgcc104ServeOptions {
  /** Where the config file goes. */
  readonly dir: string;
  readonly csmsUrl: string;
  readonly password: string;
  /** Dialects, one listener each: built-in names (`mappings/sgcc104/<name>.yaml`) or names of `files`. */
  readonly dialects: readonly string[];
  /** Catalogue (or options) files by dialect name, for dialects that are not built in. */
  readonly files?: Readonly<Record<string, string>>;
  readonly store: 'memory' | { readonly redis: string };
  /** Charger ports per dialect (0 or absent: any). */
  readonly ports?: Readonly<Record<string, number>>;
  readonly instanceId?: string;
}

export interface Sgcc104Serve {
  /** The charger port of each dialect's listener. */
  readonly ports: Readonly<Record<string, number>>;
  /** Parsed pino lines so far. */
  logs(): Record<string, unknown>[];
  /** SIGKILL: a crash, no shutdown work. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once gone. */
  stop(): Promise<void>;
}

export async function startSgcc104Serve(options: Sgcc104ServeOptions): Promise<Sgcc104Serve> {
  const file = join(options.dir, `pilegate-${options.instanceId ?? 'serve'}.yaml`);
  const mapping = (d: string): string => options.files?.[d] ?? join(repoRoot, 'mappings', 'sgcc104', `${d}.yaml`);
  const store = options.store === 'memory' ? 'store: memory' : `store: { redis: ${JSON.stringify(options.store.redis)} }`;
  writeFileSync(
    file,
    [
      'listeners:',
      ...options.dialects.map((d) => `  - { port: ${options.ports?.[d] ?? 0}, host: 127.0.0.1, codec: sgcc104, mapping: ${JSON.stringify(mapping(d))} }`),
      `csms: { url: ${JSON.stringify(options.csmsUrl)}, securityProfile: 1 }`,
      'stations: { unknownChargers: provision }',
      store,
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: info }',
      ...(options.store === 'memory' ? [] : [`fleet: { leaseTtlMs: 2000${options.instanceId !== undefined ? `, instanceId: ${options.instanceId}` : ''} }`]),
    ].join('\n'),
  );
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve', '--config', file], { cwd: repoRoot, env: { ...process.env, PILEGATE_CSMS_PASSWORD: options.password } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const ports: Record<string, number> = {};
  await until(
    () => {
      for (const d of options.dialects) {
        const m = new RegExp(`chargers: 127\\.0\\.0\\.1:(\\d+) codec sgcc104 mapping \\S*${d}\\.(yaml|json)`).exec(stdout);
        if (m !== null) ports[d] = Number(m[1]);
      }
      if (child.exitCode !== null) throw new Error(`pilegate serve exited ${child.exitCode}\n${stdout}\n${stderr}`);
      return options.dialects.every((d) => ports[d] !== undefined);
    },
    'pilegate serve to listen',
    30_000,
  );
  const gone = (): boolean => child.exitCode !== null || child.signalCode !== null;
  return {
    ports,
    logs: () =>
      stdout.split('\n').flatMap((l) => {
        if (!l.startsWith('{')) return [];
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      }),
    async kill9() {
      if (!gone()) child.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (gone()) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
