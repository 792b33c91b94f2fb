/**
 * The README's Deployment section against the repository: every file its commands and text name
 * exists, the compose and systemd steps use the files the tests above check, and the secrets it
 * lists are the ones the deployment files take from the environment.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cli.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const section = /^## Deployment\n([\s\S]*?)(?=^## )/m.exec(readme)?.[1] ?? '';
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) =>
  (m[1] ?? '')
    .split('\n')
    .map((l) => l.replace(/\s+#.*$/, '').trim())
    .filter((l) => l !== ''),
);
/** Files a step creates (the target of a copy, what the build writes), not expected in a checkout. */
const MADE = new Set(['deploy/.env', 'dist']);

/** The repository paths a shell line reads: arguments of cp/install but the last, -f files. */
function readPaths(line: string): string[] {
  const words = line.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  const paths: string[] = [];
  for (const [i, w] of words.entries()) if (words[i - 1] === '-f') paths.push(w);
  const copy = words.findIndex((w) => w === 'cp' || w === 'install');
  if (copy >= 0) {
    const args = words.slice(copy + 1).filter((w, i, all) => !w.startsWith('-') && !(all[i - 1] === '-m'));
    paths.push(...args.slice(0, -1));
  }
  return paths.filter((p) => !p.startsWith('/') && !MADE.has(p));
}

describe('README, Deployment', () => {
  it('exists, with compose and systemd steps', () => {
    expect(section).not.toBe('');
    expect(commands).toContain('docker compose -f deploy/compose.yaml up -d --build');
    expect(commands.some((c) => c.includes('systemctl enable --now pilegate'))).toBe(true);
  });

  it('names only files that exist in the repository', () => {
    const named = new Set([...commands.flatMap(readPaths), ...[...section.matchAll(/\b(deploy\/[\w./-]*[\w])/g)].map((m) => m[1] ?? '').filter((p) => !MADE.has(p))]);
    expect(named.size).toBeGreaterThan(5);
    for (const p of named) expect(existsSync(join(repoRoot, p)), p).toBe(true);
    expect(section).toMatch(/`Dockerfile`/);
  });

  it('installs the unit files where the unit reads them', () => {
    const unit = readFileSync(join(repoRoot, 'deploy/systemd/pilegate.service'), 'utf8');
    const envFile = /^EnvironmentFile=(.*)$/m.exec(unit)?.[1] ?? '';
    const config = /--config (\S+)/.exec(unit)?.[1] ?? '';
    const app = /^ExecStart=\S+ (\S+)\/dist\//m.exec(unit)?.[1] ?? '';
    expect(commands.some((c) => c.startsWith('sudo install -m 600') && c.endsWith(` ${envFile}`))).toBe(true);
    expect(commands.some((c) => c.includes('deploy/config/pilegate.yaml') && c.endsWith(` ${config.replace(/[^/]*$/, '')}`))).toBe(true);
    expect(commands.some((c) => /\bcp -r .*\bdist\b.*\bmappings\b/.test(c) && c.endsWith(` ${app}/`))).toBe(true);
  });

  it('lists the secrets the deployment takes from the environment, and the address needed for scraping', () => {
    for (const name of ['PILEGATE_CSMS_PASSWORD', 'PILEGATE_STORE_PASSWORD', 'PILEGATE_HTTP_SECRET']) expect(section).toContain(`\`${name}\``);
    expect(section).toContain('PILEGATE_HTTP_HOST=0.0.0.0');
  });
});
