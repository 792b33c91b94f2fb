/**
 * The gateway's HTTP side over real TCP: bound to the loopback interface unless configured
 * otherwise (a connection to another local address is refused), and with `http.auth` every path
 * answers 401 without the bearer token or the Basic credentials, whose secret comes from a file or
 * the environment and never reaches the logs.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig, type Env } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { logLines } from '../support/gateway-harness.js';

const TOKEN = 'metrics-token-5f0c9a7e1d2b4c6a';
const PASSWORD = 'metrics-password-8e3b1f2a9c7d';

let gateway: Gateway | undefined;
let dir: string | undefined;

afterEach(async () => {
  await gateway?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  gateway = dir = undefined;
});

/** A gateway with one YKC listener and the given `http` section; no charger, no CSMS needed. */
async function start(http: string, env: Env = {}): Promise<{ g: Gateway; text: () => string }> {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-http-'));
  writeFileSync(join(dir, 'metrics.token'), `${TOKEN}\n`);
  const text = ['listeners:', '  - { port: 0, host: 127.0.0.1, codec: ykc }', 'csms: { url: "ws://127.0.0.1:1/ocpp", securityProfile: 1 }', `http: ${http}`, 'log: { level: debug }'].join('\n');
  const config = parseGatewayConfig(text, join(dir, 'pilegate.yaml'), env);
  const { destination, lines } = logLines();
  gateway = new Gateway(config, { destination });
  await gateway.start();
  return { g: gateway, text: () => JSON.stringify(lines()) };
}

async function get(g: Gateway, path: string, authorization?: string): Promise<{ status: number; challenge: string | null; body: string }> {
  const res = await fetch(`http://127.0.0.1:${g.httpPort ?? 0}${path}`, authorization !== undefined ? { headers: { authorization } } : {});
  return { status: res.status, challenge: res.headers.get('www-authenticate'), body: await res.text() };
}

/** Whether a TCP connection to `host:port` is accepted. */
function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

const basic = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('gateway http endpoints', () => {
  it('listen on the loopback interface by default, and where configured otherwise', async () => {
    const { g } = await start('{ port: 0 }');
    const port = g.httpPort ?? 0;
    expect(await reachable('127.0.0.1', port)).toBe(true);
    // Another address of this host: a socket bound to every interface would accept it.
    expect(await reachable('127.0.0.2', port)).toBe(false);
    expect((await get(g, '/healthz')).status).toBe(200);
    await g.stop();

    const open = await start('{ port: 0, host: 0.0.0.0 }');
    expect(await reachable('127.0.0.2', open.g.httpPort ?? 0)).toBe(true);
    expect(open.text()).toContain('reachable from other hosts without authentication');
  });

  it('answer only a request with the bearer token read from a file', async () => {
    const { g, text } = await start('{ port: 0, auth: { scheme: bearer, secretFile: metrics.token } }');
    for (const path of ['/metrics', '/healthz', '/readyz']) {
      const none = await get(g, path);
      expect(none.status, path).toBe(401);
      expect(none.challenge, path).toBe('Bearer realm="pilegate"');
      expect(none.body).not.toContain('pilegate_');
      expect((await get(g, path, 'Bearer wrong-token')).status, path).toBe(401);
      expect((await get(g, path, `Bearer ${TOKEN}x`)).status, path).toBe(401);
      expect((await get(g, path, basic('x', TOKEN))).status, path).toBe(401);
      expect((await get(g, path, `Bearer ${TOKEN}`)).status, path).toBe(200);
      // The scheme name is case-insensitive (RFC 9110 §11.1).
      expect((await get(g, path, `bearer ${TOKEN}`)).status, path).toBe(200);
    }
    expect((await get(g, '/metrics', `Bearer ${TOKEN}`)).body).toMatch(/^# TYPE pilegate_stations gauge$/m);
    expect(text()).not.toContain(TOKEN);
  });

  it('answer only a request with the Basic credentials whose password comes from the environment', async () => {
    const { g, text } = await start('{ port: 0, auth: { scheme: basic, username: prometheus } }', { PILEGATE_HTTP_SECRET: PASSWORD });
    const none = await get(g, '/metrics');
    expect(none.status).toBe(401);
    expect(none.challenge).toBe('Basic realm="pilegate", charset="UTF-8"');
    expect((await get(g, '/metrics', basic('prometheus', 'nope'))).status).toBe(401);
    expect((await get(g, '/metrics', basic('other', PASSWORD))).status).toBe(401);
    expect((await get(g, '/metrics', `Bearer ${PASSWORD}`)).status).toBe(401);
    expect((await get(g, '/metrics', 'Basic !!!not-base64')).status).toBe(401);
    const ok = await get(g, '/metrics', basic('prometheus', PASSWORD));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatch(/^# TYPE pilegate_stations gauge$/m);
    expect((await get(g, '/readyz', basic('prometheus', PASSWORD))).body).toMatch(/^ready\n/);
    expect(text()).not.toContain(PASSWORD);
    expect(text()).not.toContain(Buffer.from(`prometheus:${PASSWORD}`).toString('base64'));
  });
});
