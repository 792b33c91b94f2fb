/**
 * SIGHUP to a running `pilegate serve` (a real child process) reads its station registry file again
 * instead of killing it: the change is logged as counts (never a password), a pile added to the file
 * is accepted at its next login and boots at the strict test CSMS, a removed one is refused; a file
 * that no longer validates is logged (its password not quoted) and the previous copy kept. The
 * gateway still stops gracefully on SIGTERM afterwards.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';
import { servedPortOf, spawnServe, type ServeProcess } from './serve-process.js';

const PASSWORD = 'sighup-e2e-password-0123456789';
const BAD_PASSWORD = '987654321';
const KEPT = '32010200000071';
const REMOVED = '32010200000072';
const ADDED = '32010200000073';

let dir: string | undefined;
let csms: TestCsms | undefined;
let serve: ServeProcess | undefined;
const sims: YkcChargerSimulator[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await serve?.stop('SIGKILL');
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = csms = serve = undefined;
});

/** Logs a pile in; resolves true when accepted, false when refused. */
async function login(port: number, pileCode: string): Promise<boolean> {
  const sim = new YkcChargerSimulator({ host: '127.0.0.1', port, pileCode });
  sims.push(sim);
  return sim.connect().then(
    () => true,
    () => false,
  );
}

/** Logs a pile in until accepted (its previous connection may still be closing at the gateway); false after `timeoutMs`. */
async function loginSoon(port: number, pileCode: string, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await login(port, pileCode)) return true;
    await new Promise((r) => setTimeout(r, 200));
  }
  return false;
}

describe('SIGHUP to pilegate serve', () => {
  it('reloads the station registry file, logs what changed, keeps the old copy when the new one is bad', async () => {
    csms = await startCsms();
    dir = mkdtempSync(join(tmpdir(), 'pilegate-sighup-'));
    const registry = join(dir, 'stations.yaml');
    writeFileSync(registry, `"${KEPT}": { stationId: hup-kept }\n"${REMOVED}": { stationId: hup-removed }\n`);
    const config = join(dir, 'pilegate.yaml');
    writeFileSync(
      config,
      [
        'listeners:',
        '  - { port: 0, host: 127.0.0.1, codec: ykc }',
        `csms: { url: ${JSON.stringify(csms.url)} }`,
        'stations: { file: stations.yaml, unknownChargers: refuse }',
        'http: { port: 0, host: 127.0.0.1 }',
        'log: { level: info }',
        '',
      ].join('\n'),
    );
    const s = (serve = spawnServe(config, PASSWORD));
    const port = await servedPortOf(s, 'ykc');
    expect(port, `${s.stdout()}\n${s.stderr()}`).toBeGreaterThan(0);
    expect(await login(port, ADDED)).toBe(false);

    // The kept entry changes, one goes, one comes.
    writeFileSync(registry, `"${KEPT}": { stationId: hup-kept, timeZone: UTC }\n"${ADDED}": { stationId: hup-added }\n`);
    s.child.kill('SIGHUP');
    const reloaded = (): Record<string, unknown>[] => s.lines().filter((l) => l['msg'] === 'station registry reloaded');
    await until(() => reloaded().length === 1 || s.gone(), 'the registry to be reloaded', 15_000);
    expect(s.gone()).toBe(false);
    expect(reloaded()[0]).toMatchObject({ level: 30, registry: 'file', signal: 'SIGHUP', stations: 2, added: 1, removed: 1, changed: 1 });
    expect(await login(port, ADDED)).toBe(true);
    await csms.waitForCall((c) => c.identity === 'hup-added' && c.action === 'BootNotification', 10_000);
    expect(await login(port, REMOVED)).toBe(false);

    // A file that does not validate (and leaves out the added pile): logged, the previous copy kept.
    for (const sim of sims.splice(0)) sim.close();
    writeFileSync(registry, `"${KEPT}": { stationId: hup-kept, password: ${BAD_PASSWORD} }\n`);
    s.child.kill('SIGHUP');
    const refused = (): Record<string, unknown> | undefined => s.lines().find((l) => l['msg'] === 'station registry not reloaded: the previous copy stays in use');
    await until(() => refused() !== undefined || s.gone(), 'the bad registry to be reported', 15_000);
    expect(refused()).toMatchObject({ level: 50, registry: 'file', signal: 'SIGHUP' });
    expect(String(refused()?.['problems'])).toMatch(/stations\.yaml:1:\d+: \/32010200000071\/password: .*\(value not shown\)/);
    expect(await loginSoon(port, ADDED, 10_000)).toBe(true);
    expect(s.stdout()).not.toContain(BAD_PASSWORD);
    expect(s.stdout()).not.toContain(PASSWORD);

    await s.stop('SIGTERM');
    expect(s.child.exitCode).toBe(0);
    expect(s.lines().some((l) => l['msg'] === 'gateway stopped')).toBe(true);
  });
});
