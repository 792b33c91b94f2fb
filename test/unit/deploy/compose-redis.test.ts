/**
 * The Redis service of deploy/compose.yaml, run as compose would run it (its shell command, the
 * compose `$$` escape undone, the password in the environment) on a real redis-server from PATH:
 * AOF on, the password required and absent from the process's argv, and its health check command
 * passing only with the password.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../support/cli.js';
import type { Compose } from '../../support/deploy-lint.js';

const PASSWORD = 'compose-test-7c1e';
const compose = parse(readFileSync(join(repoRoot, 'deploy/compose.yaml'), 'utf8')) as Compose;
const service = compose.services['redis'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (a !== null && typeof a === 'object' ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

describe('deploy/compose.yaml redis service', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pilegate-compose-redis-'));
  let port = 0;
  let child: ChildProcess;
  let exited: Promise<void>;

  beforeAll(async () => {
    port = await freePort();
    const command = service?.command;
    if (!Array.isArray(command) || command[0] !== 'sh' || command[1] !== '-c') throw new Error('redis command: expected [sh, -c, script]');
    // What compose hands the container: `$$` is a literal `$`. Here: a private port and directory.
    const script = (command[2] ?? '').replaceAll('$$', '$').replace('--dir /data', `--dir ${dir} --port ${port} --bind 127.0.0.1 --save ''`);
    child = spawn('sh', ['-c', script], { env: { ...process.env, REDIS_PASSWORD: PASSWORD }, stdio: 'ignore' });
    exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const deadline = Date.now() + 10_000;
    for (;;) {
      const r = spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: PASSWORD } });
      if (r.stdout.trim() === 'PONG') break;
      if (Date.now() > deadline) throw new Error(`redis from the compose command did not answer: ${r.stdout}${r.stderr}`);
      await new Promise((r2) => setTimeout(r2, 50));
    }
  });

  afterAll(async () => {
    child.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
  });

  it('requires the password and keeps it out of the process arguments', () => {
    const env = { ...process.env };
    delete env['REDISCLI_AUTH'];
    const anonymous = spawnSync('redis-cli', ['-p', String(port), 'set', 'k', 'v'], { encoding: 'utf8', env });
    expect(anonymous.stdout).toMatch(/NOAUTH/);
    const cmdline = readFileSync(`/proc/${String(child.pid)}/cmdline`, 'utf8');
    expect(cmdline).toMatch(/^redis-server/);
    expect(cmdline).not.toContain(PASSWORD);
  });

  it('has AOF on, writing to the data directory', async () => {
    const client = new Redis({ port, host: '127.0.0.1', password: PASSWORD, maxRetriesPerRequest: 1 });
    try {
      expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      await client.set('pg:compose-test', '1');
      expect(existsSync(join(dir, 'appendonlydir'))).toBe(true);
    } finally {
      client.disconnect();
    }
  });

  it('its health check passes with REDISCLI_AUTH (as the service sets it) and fails without', () => {
    const test = service?.healthcheck?.test;
    if (!Array.isArray(test) || test[0] !== 'CMD-SHELL') throw new Error('healthcheck: expected [CMD-SHELL, command]');
    const shell = (test[1] ?? '').replace('redis-cli', `redis-cli -p ${port}`);
    const env = { ...process.env };
    delete env['REDISCLI_AUTH'];
    expect(spawnSync('sh', ['-c', shell], { env: { ...env, REDISCLI_AUTH: PASSWORD } }).status).toBe(0);
    expect(spawnSync('sh', ['-c', shell], { env }).status).not.toBe(0);
    const serviceEnv = service?.environment as Record<string, string>;
    expect(serviceEnv['REDISCLI_AUTH']).toBe(serviceEnv['REDIS_PASSWORD']);
  });
});
