/**
 * `pilegate health` as the container health check runs it: the real binary against the gateway's
 * real HTTP endpoints (bearer or Basic auth), exit 0 only on a 200, the secret from the environment.
 */
import { spawn } from 'node:child_process';
import type { Server } from 'node:http';
import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayHttp, stopHttpServer } from '../../../src/gateway/http.js';
import { childOutput, repoRoot } from '../../support/cli.js';

const SECRET = 'tok-9f2c41d7';

/** `pilegate health <args>` (or `entry` run directly), with none of the gateway's HTTP settings but `env`'s in its environment. */
async function health(args: string[], env: Record<string, string> = {}, entry: string[] = ['src/cli/index.ts', 'health']): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const base = { ...process.env };
  delete base['PILEGATE_HTTP_SECRET'];
  delete base['PILEGATE_HTTP_PORT'];
  const child = spawn(process.execPath, ['--import', 'tsx', ...entry, ...args], { cwd: repoRoot, env: { ...base, ...env } });
  const { code, stdout, stderr } = await childOutput(child, 'pilegate health', 30_000);
  return { code, stdout, stderr };
}

function portOf(server: Server): number {
  const a = server.address();
  if (a === null || typeof a !== 'object') throw new Error('not listening');
  return a.port;
}

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const a = s.address();
  await new Promise<void>((r) => s.close(() => r()));
  if (a === null || typeof a !== 'object') throw new Error('not listening');
  return a.port;
}

describe('pilegate health', () => {
  const log = pino({ level: 'silent' });
  let bearer: Server;
  let basic: Server;
  let ready = false;

  beforeAll(async () => {
    bearer = await startGatewayHttp({ port: 0, host: '127.0.0.1', csmsGraceMs: 60_000, auth: { scheme: 'bearer', secret: SECRET } }, log, {
      readiness: () => ({ ready, body: ready ? 'ready\n' : 'not ready\n' }),
      metrics: () => Promise.resolve({ body: '', type: 'text/plain' }),
    });
    basic = await startGatewayHttp({ port: 0, host: '127.0.0.1', csmsGraceMs: 60_000, auth: { scheme: 'basic', username: 'prom', secret: SECRET } }, log, {
      readiness: () => ({ ready: true, body: 'ready\n' }),
      metrics: () => Promise.resolve({ body: '', type: 'text/plain' }),
    });
  });
  afterAll(async () => {
    await stopHttpServer(bearer);
    await stopHttpServer(basic);
  });

  it('exits 0 when /healthz answers 200, with the bearer token from PILEGATE_HTTP_SECRET and the port from PILEGATE_HTTP_PORT', async () => {
    const r = await health([], { PILEGATE_HTTP_SECRET: SECRET, PILEGATE_HTTP_PORT: String(portOf(bearer)) });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`ok: http://127.0.0.1:${portOf(bearer)}/healthz\n`);
    expect(r.code).toBe(0);
  });

  it('runs the same from its own entry (what the container health check calls), without the other commands', async () => {
    const env = { PILEGATE_HTTP_SECRET: SECRET, PILEGATE_HTTP_PORT: String(portOf(bearer)) };
    const ok = await health([], env, ['src/cli/health.ts']);
    expect(ok.stdout).toBe(`ok: http://127.0.0.1:${portOf(bearer)}/healthz\n`);
    expect(ok.code).toBe(0);
    const refused = await health([], { PILEGATE_HTTP_PORT: String(portOf(bearer)) }, ['src/cli/health.ts']);
    expect(refused.code).toBe(1);
    const bad = await health(['--timeout', 'soon'], env, ['src/cli/health.ts']);
    expect(bad.stderr).toMatch(/error HEALTH_TIMEOUT_INVALID/);
    expect(bad.code).toBe(2);
  });

  it('exits 1 and says what is missing when the endpoints require credentials it lacks or that are wrong', async () => {
    const url = `http://127.0.0.1:${portOf(bearer)}`;
    const none = await health(['--url', url]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/answered 401: the endpoints require credentials; set PILEGATE_HTTP_SECRET/);
    const wrong = await health(['--url', url], { PILEGATE_HTTP_SECRET: 'not-the-token' });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/answered 401: the credentials were refused/);
    expect(wrong.stderr + wrong.stdout).not.toContain('not-the-token');
  });

  it('with --ready asks /readyz: 1 while not ready, 0 once ready', async () => {
    const url = `http://127.0.0.1:${portOf(bearer)}`;
    ready = false;
    const before = await health(['--url', url, '--ready'], { PILEGATE_HTTP_SECRET: SECRET });
    expect(before.code).toBe(1);
    expect(before.stderr).toBe(`unhealthy: ${url}/readyz answered 503: not ready\n`);
    ready = true;
    const after = await health(['--url', url, '--ready'], { PILEGATE_HTTP_SECRET: SECRET });
    expect(after.code).toBe(0);
  });

  it('sends Basic credentials with --username', async () => {
    const r = await health(['--url', `http://127.0.0.1:${portOf(basic)}`, '--username', 'prom'], { PILEGATE_HTTP_SECRET: SECRET });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('exits 1 naming the cause when nothing listens', async () => {
    const port = await closedPort();
    const r = await health(['--url', `http://127.0.0.1:${port}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^unhealthy: http:\/\/127\.0\.0\.1:\d+\/healthz: connection refused/);
  });

  it('refuses a URL carrying credentials (exit 2) without printing them', async () => {
    const r = await health(['--url', `http://prom:hunter2@127.0.0.1:${portOf(basic)}`]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error HEALTH_URL_CREDENTIALS: --url must not carry credentials/);
    expect(r.stderr + r.stdout).not.toContain('hunter2');
  });
});
