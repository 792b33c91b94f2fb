/**
 * The suite's global setup: without `redis-server` on the PATH, `vitest run` stops before any test
 * with one line saying what to install (a real vitest process with a PATH holding only `node`).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findOnPath, REDIS_MISSING } from '../../support/global-setup.js';
import { repoRoot } from '../../support/cli.js';

/** A PATH directory holding only `node`. */
const dir = mkdtempSync(join(tmpdir(), 'pilegate-path-'));
symlinkSync(process.execPath, join(dir, 'node'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('test run without redis-server', () => {
  it('finds an executable on a PATH, and not where there is none', () => {
    expect(findOnPath('node', `/nonexistent-dir:${dir}`)).toBe(join(dir, 'node'));
    expect(findOnPath('redis-server', dir)).toBeUndefined();
    expect(findOnPath('redis-server', undefined)).toBeUndefined();
  });

  it('stops vitest at once with one line saying what to install', () => {
    const r = spawnSync(process.execPath, [join('node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/unit/support/global-setup.test.ts'], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, PATH: dir, NO_COLOR: '1' },
      timeout: 60_000,
    });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(REDIS_MISSING);
    expect(r.stdout).not.toMatch(/Test Files/);
  }, 70_000);
});
