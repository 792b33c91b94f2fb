/**
 * YKC login answered from the station registry: a pile the registry does not know gets the 0x02
 * login answer with result 1 (refused) and the connection closes; a known pile is accepted and
 * reaches the CSMS as its station, its clock read in the registry's zone for it. Real TCP, the full Gateway, the strict test CSMS.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { YkcFrameOf } from '../../codecs/ykc/index.js';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';

const KNOWN = '32010200000011';
const UNKNOWN = '32010200000099';
const PASSWORD = 'ykc-registry-secret-0123456789';

let csms: TestCsms | undefined;
let gateway: Gateway | undefined;
let dir: string | undefined;
const sims: YkcChargerSimulator[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await gateway?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  gateway = csms = dir = undefined;
});

async function start(): Promise<{ port: number; logs: () => Record<string, unknown>[] }> {
  csms = await startCsms();
  dir = mkdtempSync(join(tmpdir(), 'pilegate-ykc-registry-'));
  // The pile's clock runs on UTC although the listener's default zone is Asia/Shanghai.
  writeFileSync(join(dir, 'stations.yaml'), `"${KNOWN}":\n  stationId: depot-ykc-11\n  password: \${YKC_REGISTRY_PASSWORD}\n  timeZone: UTC\n`);
  const file = join(dir, 'pilegate.yaml');
  writeFileSync(
    file,
    [
      'listeners:',
      '  - { port: 0, host: 127.0.0.1, codec: ykc }',
      `csms: { url: ${JSON.stringify(csms.url)} }`,
      'stations: { file: stations.yaml, unknownChargers: refuse }',
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: info }',
    ].join('\n'),
  );
  const config = loadGatewayConfig(file, { YKC_REGISTRY_PASSWORD: PASSWORD });
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 });
  await gateway.start();
  const logs = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { port: gateway.ports[0] ?? 0, logs };
}

describe('YKC login against the station registry', () => {
  it('answers an unknown pile with login result 1 and closes; a known pile logs in and boots as its station', async () => {
    const { port, logs } = await start();
    const unknown = new YkcChargerSimulator({ host: '127.0.0.1', port, pileCode: UNKNOWN });
    sims.push(unknown);
    await expect(unknown.connect()).rejects.toThrow('login rejected');
    await until(() => logs().some((l) => l['msg'] === 'unknown charger refused at login (not in the station registry)' && l['chargerId'] === UNKNOWN), 'refusal logged', 5_000);
    expect(await gateway?.metrics()).toMatch(/pilegate_chargers_refused_total\{reason="unknown_charger"\} 1/);

    const known = new YkcChargerSimulator({ host: '127.0.0.1', port, pileCode: KNOWN, timeZone: 'UTC' });
    sims.push(known);
    const sync = known.waitFor((f) => f.type === 'timeSync', 10_000);
    await known.connect();
    // The time sync after login is in the registry's zone for this pile, not the listener's.
    const time = ((await sync) as YkcFrameOf<'timeSync'>).time;
    expect(Math.abs(Date.parse(time.utc ?? '') - Date.now())).toBeLessThan(60_000);
    const boot = await csms?.waitForCall((c) => c.action === 'BootNotification', 10_000);
    expect(boot?.identity).toBe('depot-ykc-11');
    expect(csms?.calls.some((c) => c.identity === UNKNOWN)).toBe(false);
    expect(csms?.strictFailures).toEqual([]);
    expect(JSON.stringify(logs())).not.toContain(PASSWORD);
  });
});
