/**
 * The gateway in-process against the test CSMS: a configured IEC 104 charger becomes an OCPP
 * station under its registry identity, an unknown one is refused, the HTTP endpoints answer, no
 * secret reaches the logs, and `pilegate serve` refuses a bad config file with exit 2.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { repoRoot, spawnCli } from '../support/cli.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { servedListeners } from '../support/serve-banner.js';
import { until } from '../support/station.js';

const STATION_PASSWORD = 'registry-secret-0123456789';
const DEFAULT_PASSWORD = 'default-secret-9876543210';

let csms: TestCsms | undefined;
let gateway: Gateway | undefined;
let dir: string | undefined;
const sims: SimulatorHandle[] = [];

afterEach(async () => {
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await gateway?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  gateway = undefined;
  csms = undefined;
  dir = undefined;
});

interface Started {
  readonly gateway: Gateway;
  readonly csms: TestCsms;
  /** Every pino line written so far, raw. */
  readonly output: () => string;
  readonly lines: () => Record<string, unknown>[];
}

async function start(unknownChargers: 'refuse' | 'provision' = 'refuse', entryExtra = ''): Promise<Started> {
  csms = await startCsms({ passwords: { 'depot-42': STATION_PASSWORD, EXDC77: DEFAULT_PASSWORD } });
  dir = mkdtempSync(join(tmpdir(), 'pilegate-serve-'));
  writeFileSync(join(dir, 'stations.yaml'), `EXDC42:\n  stationId: depot-42\n  password: \${TEST_STATION_PW}\n${entryExtra}`);
  const mapping = fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));
  const text = [
    'listeners:',
    `  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(mapping)} }`,
    `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
    `stations: { file: stations.yaml, unknownChargers: ${unknownChargers} }`,
    'http: { port: 0, host: 127.0.0.1 }',
    'log: { level: debug }',
  ].join('\n');
  const config = parseGatewayConfig(text, join(dir, 'pilegate.yaml'), { TEST_STATION_PW: STATION_PASSWORD, PILEGATE_CSMS_PASSWORD: DEFAULT_PASSWORD });
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 });
  await gateway.start();
  return {
    gateway,
    csms,
    output: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

async function charger(g: Gateway, commonAddress: number): Promise<SimulatorHandle> {
  const sim = await connectSimulator({ host: '127.0.0.1', port: g.ports[0] ?? 0, mapping: loadExampleMapping('example-dc-2gun'), commonAddress, meterIntervalMs: 200 });
  sims.push(sim);
  return sim;
}

async function http(g: Gateway, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${g.httpPort ?? 0}${path}`);
  return { status: res.status, body: await res.text() };
}

describe('pilegate gateway (serve)', () => {
  it('turns a registered IEC 104 charger into an OCPP station under its registry identity', async () => {
    const s = await start();
    await charger(s.gateway, 42);
    const boot = await s.csms.waitForCall((c) => c.identity === 'depot-42' && c.action === 'BootNotification');
    expect(boot.params['chargingStation']).toMatchObject({ vendorName: 'Example', model: 'EX-DC120-2' });
    for (const evseId of [1, 2]) {
      await s.csms.waitForCall((c) => c.identity === 'depot-42' && c.action === 'StatusNotification' && c.params['evseId'] === evseId);
    }
    expect(s.csms.authAttempts.every((a) => a.passwordOk)).toBe(true);
    expect(s.csms.authAttempts.length).toBeGreaterThan(0);
    expect(s.csms.strictFailures).toEqual([]);
    expect(s.gateway.stationIds).toEqual(['depot-42']);
    const metrics = await http(s.gateway, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toMatch(/^pilegate_chargers_connected\{codec="iec104-points"\} 1$/m);
    expect(metrics.body).toMatch(/^pilegate_ocpp_connections_open 1$/m);
    expect(metrics.body).toMatch(/^# TYPE pilegate_transaction_events_queued gauge$/m);
    // The child logger of the charger carries its identity.
    const engineLine = s.lines().find((l) => l['msg'] === 'station engine started');
    expect(engineLine).toMatchObject({ chargerId: 'EXDC42', stationId: 'depot-42', codec: 'iec104-points' });
    expect(s.lines().some((l) => l['level'] === 40 && String(l['msg']).includes('NOT DURABLE'))).toBe(true);
  });

  it('refuses and logs an unknown charger when the policy is refuse', async () => {
    const s = await start('refuse');
    const sim = await charger(s.gateway, 99);
    await sim.closed;
    const refused = s.lines().find((l) => String(l['msg']).startsWith('unknown charger refused'));
    expect(refused).toMatchObject({ chargerId: 'EXDC99', level: 40 });
    expect(s.csms.calls.filter((c) => c.identity === 'EXDC99')).toEqual([]);
    expect(s.gateway.stationIds).toEqual([]);
    expect((await http(s.gateway, '/metrics')).body).toMatch(/^pilegate_chargers_refused_total\{reason="unknown_charger"\} 1$/m);
  });

  it('provisions an unknown charger with the default password when allowed', async () => {
    const s = await start('provision');
    await charger(s.gateway, 77);
    await s.csms.waitForCall((c) => c.identity === 'EXDC77' && c.action === 'BootNotification');
    expect(s.csms.authAttempts.find((a) => a.identity === 'EXDC77')?.passwordOk).toBe(true);
  });

  it('replaces the first connection of a charger that connects again from its address (duplicateLogin: replace)', async () => {
    const s = await start('refuse', '  duplicateLogin: replace\n');
    const first = await charger(s.gateway, 42);
    await s.csms.waitForCall((c) => c.identity === 'depot-42' && c.action === 'BootNotification');
    await charger(s.gateway, 42);
    await first.closed;
    await until(() => s.csms.calls.filter((c) => c.identity === 'depot-42' && c.action === 'BootNotification').length >= 2, 'second boot', 8_000);
    expect(s.gateway.stationIds).toEqual(['depot-42']);
    expect(s.lines().some((l) => String(l['msg']).startsWith('charger connected again'))).toBe(true);
  });

  it('answers /healthz, /readyz and 404 elsewhere; not ready after stop', async () => {
    const s = await start();
    expect(await http(s.gateway, '/healthz')).toEqual({ status: 200, body: 'ok\n' });
    expect(await http(s.gateway, '/readyz')).toEqual({ status: 200, body: expect.stringMatching(/^ready\n/) as unknown });
    expect((await http(s.gateway, '/nope')).status).toBe(404);
    expect(s.gateway.isReady).toBe(true);
    await s.gateway.stop();
    expect(s.gateway.isReady).toBe(false);
  });

  it('never writes a password to the logs', async () => {
    const s = await start('provision');
    await charger(s.gateway, 42);
    await charger(s.gateway, 77);
    await s.csms.waitForCall((c) => c.identity === 'depot-42' && c.action === 'StatusNotification');
    await s.csms.waitForCall((c) => c.identity === 'EXDC77' && c.action === 'BootNotification');
    // Even a careless log call is redacted.
    s.gateway.log.info({ password: STATION_PASSWORD, headers: { authorization: `Basic ${Buffer.from(`x:${DEFAULT_PASSWORD}`).toString('base64')}` } }, 'careless');
    await s.gateway.stop();
    const out = s.output();
    expect(s.lines().find((l) => l['msg'] === 'careless')).toMatchObject({ password: '[redacted]', headers: { authorization: '[redacted]' } });
    expect(out.length).toBeGreaterThan(1000);
    expect(out).not.toContain(STATION_PASSWORD);
    expect(out).not.toContain(DEFAULT_PASSWORD);
    expect(out).not.toContain(Buffer.from(`depot-42:${STATION_PASSWORD}`).toString('base64'));
    expect(out.toLowerCase()).not.toMatch(/basic [a-z0-9+/=]{16,}/);
  });

  it('`pilegate serve --config <bad file>` exits 2 with file, position and pointer', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-serve-bad-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'listeners:\n  - { port: 2404, codec: iec104-points }\ncsms:\n  url: http://wrong\n');
    const r = spawnCli(['serve', '--config', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error CONFIG_INVALID ${file}:4:3 /csms/url: "http://wrong" does not match ^wss?://`);
  });

  it('`pilegate serve --config <file>` prints where it listens and stops gracefully on SIGINT', async () => {
    csms = await startCsms();
    dir = mkdtempSync(join(tmpdir(), 'pilegate-serve-run-'));
    const file = join(dir, 'pilegate.yaml');
    const mapping = fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));
    writeFileSync(
      file,
      `listeners:\n  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(mapping)} }\ncsms: { url: ${JSON.stringify(csms.url)} }\nhttp: { port: 0, host: 127.0.0.1 }\n`,
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'serve', '--config', file], { cwd: repoRoot });
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      await until(() => servedListeners(stdout) !== undefined, 'serve to start', 15_000);
      expect(servedListeners(stdout)).toEqual([{ host: '127.0.0.1', port: expect.any(Number) as number, codec: 'iec104-points', mapping }]);
      const lines = (): Record<string, unknown>[] => stdout.split('\n').flatMap((l) => (l === '' ? [] : [JSON.parse(l) as Record<string, unknown>]));
      expect(lines().find((l) => l.msg === 'pilegate serving')).toMatchObject({ unknownChargers: 'refuse', store: 'memory', durable: false });
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(lines().find((l) => l.msg === 'stopping')).toMatchObject({ signal: 'SIGINT' });
      expect(lines().map((l) => l.msg)).toContain('gateway stopped');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });
});
