/**
 * What the npm package holds (`npm pack --dry-run`, scripts off): the examples the README's first
 * run names, the LICENSE package.json declares, and no TypeScript build info.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cli.js';

describe('npm package', () => {
  it('holds the examples and the Apache-2.0 LICENSE, not the build info', () => {
    const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    const [pack] = JSON.parse(r.stdout) as { files: { path: string }[] }[];
    const files = (pack?.files ?? []).map((f) => f.path);
    for (const f of ['LICENSE', 'examples/dev.yaml', 'examples/dev-stations.yaml', 'examples/pilegate.yaml', 'examples/stations.yaml']) expect(files, f).toContain(f);
    expect(files.filter((f) => f.endsWith('.tsbuildinfo'))).toEqual([]);
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { license: string };
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(repoRoot, 'LICENSE'), 'utf8');
    expect(license).toMatch(/^\s*Apache License\s+Version 2\.0, January 2004/);
    expect(license).toContain('END OF TERMS AND CONDITIONS');
  }, 70_000);
});
