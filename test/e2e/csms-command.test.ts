/**
 * `pilegate csms` and `pilegate --version` as real child processes: the development CSMS listens,
 * accepts a station and stops on SIGINT with exit 0; a taken port exits 1 saying so; a bad
 * `--port` exits 2. `--version` prints package.json's version.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { repoRoot, runCliProcess, spawnCli } from '../support/cli.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

describe('pilegate csms', () => {
  it('runs the development CSMS until SIGINT: a station boots, the frames are printed, exit 0', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'csms', '--port', '0'], { cwd: repoRoot });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    cleanups.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    for (let i = 0; i < 400 && !/development CSMS on ws:\/\/127\.0\.0\.1:\d+\/ocpp/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    const url = /development CSMS on (ws:\/\/127\.0\.0\.1:\d+\/ocpp)/.exec(out)?.[1];
    expect(url, out).toBeDefined();
    const ws = new WebSocket(`${url ?? ''}/ST-1`, ['ocpp2.0.1']);
    const answer = new Promise<unknown[]>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)) as unknown[])));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify([2, 'b1', 'BootNotification', { reason: 'PowerUp', chargingStation: { model: 'M', vendorName: 'V' } }]));
    expect(await answer).toMatchObject([3, 'b1', { status: 'Accepted' }]);
    ws.close();
    for (let i = 0; i < 100 && !/ST-1\s+<- {2}BootNotification \(result\)/.test(out); i++) await new Promise((r) => setTimeout(r, 50));
    expect(out).toMatch(/ST-1\s+-> {2}BootNotification {2}PowerUp/);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(out).toContain('SIGINT: stopping');
  }, 30_000);

  it('exits 1 naming the port when it is taken, 2 for a bad --port', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => taken.close(() => resolve())));
    const port = (taken.address() as AddressInfo).port;
    const r = await runCliProcess(['csms', '--port', String(port)], 25_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error CSMS_START: 127.0.0.1:${port} is in use`);
    const bad = spawnCli(['csms', '--port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('error CSMS_ARG: --port must be an integer from 0 to 65535, got "70000"');
  }, 60_000);
});

describe('pilegate --version', () => {
  it("prints package.json's version and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = spawnCli(['--version']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });
});
