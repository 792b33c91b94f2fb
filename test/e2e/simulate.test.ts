/**
 * `pilegate simulate` as a real child process against an in-process gateway (auto-provisioning)
 * and the test CSMS: two simulated IEC 104 chargers (or two family-B chargers of a catalogue)
 * connect, boot as two OCPP stations, and the command exits 0 at the end of `--duration` with a
 * summary; a bad option exits 2.
 */
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { runCliProcess, spawnCli } from '../support/cli.js';
import { startCsms, type TestCsms } from '../support/csms.js';

const DEFAULT_PASSWORD = 'default-secret-9876543210';

let csms: TestCsms | undefined;
let gateway: Gateway | undefined;

afterEach(async () => {
  await gateway?.stop();
  await csms?.close();
  gateway = undefined;
  csms = undefined;
});

const runSimulate = (args: string[], timeoutMs: number): ReturnType<typeof runCliProcess> => runCliProcess(['simulate', ...args], timeoutMs);

/** A gateway in this process with one listener (`codec`, `mapping`) provisioning unknown chargers; its charger port. */
async function startGateway(csmsUrl: string, codec: string, mapping: string): Promise<number> {
  const text = [
    'listeners:',
    `  - { port: 0, host: 127.0.0.1, codec: ${codec}, mapping: ${JSON.stringify(mapping)} }`,
    `csms: { url: ${JSON.stringify(csmsUrl)}, securityProfile: 1 }`,
    'stations: { unknownChargers: provision }',
    'store: memory',
    'http: { port: 0, host: 127.0.0.1 }',
    'log: { level: warn }',
  ].join('\n');
  const config = parseGatewayConfig(text, '<simulate-test>', { PILEGATE_CSMS_PASSWORD: DEFAULT_PASSWORD });
  const sink = new Writable({
    write(_chunk: Buffer, _enc, done) {
      done();
    },
  });
  gateway = new Gateway(config, { destination: sink, callTimeoutMs: 3_000 });
  await gateway.start();
  return gateway.ports[0] ?? 0;
}

describe('pilegate simulate', () => {
  it('runs 2 IEC 104 chargers against a gateway for --duration, exits 0 and the CSMS sees 2 stations', async () => {
    csms = await startCsms({ passwords: { EXDC101: DEFAULT_PASSWORD, EXDC102: DEFAULT_PASSWORD } });
    const mapping = fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));
    const port = await startGateway(csms.url, 'iec104-points', mapping);

    const r = await runSimulate(['--gateway', `127.0.0.1:${port}`, '--count', '2', '--duration', '6'], 40_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/EXDC101 {2}connected/);
    expect(r.stdout).toMatch(/EXDC102 {2}connected/);
    expect(r.stdout).toContain('duration of 6 s over: stopping');
    expect(r.stdout).toMatch(/^summary: 2 of 2 charger\(s\) connected, 0 refused, \d+ session\(s\) started, \d+ completed, \d+ reconnect\(s\)$/m);
    const booted = new Set(csms.calls.filter((c) => c.action === 'BootNotification').map((c) => c.identity));
    expect([...booted].sort()).toEqual(['EXDC101', 'EXDC102']);
    expect(csms.authAttempts.every((a) => a.passwordOk)).toBe(true);
  }, 45_000);

  it('runs 2 family-B chargers of the B3 catalogue (--codec sgcc104 --mapping), each through a card session', async () => {
    const ids = ['3100000000010001', '3100000000010002'];
    csms = await startCsms({ passwords: Object.fromEntries(ids.map((id) => [id, DEFAULT_PASSWORD])) });
    const catalogue = fileURLToPath(new URL('../../mappings/sgcc104/b3.yaml', import.meta.url));
    const port = await startGateway(csms.url, 'sgcc104', catalogue);

    const r = await runSimulate(['--gateway', `127.0.0.1:${port}`, '--codec', 'sgcc104', '--mapping', catalogue, '--count', '2', '--duration', '8', '--interval-ms', '1000'], 40_000);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const id of ids) {
      expect(r.stdout).toContain(`${id}  link up (dialect b3)`);
      expect(r.stdout).toMatch(new RegExp(`${id} {2}connector 1: session started \\(card\\), serial ${id}\\d{16}`));
    }
    expect(r.stdout).toMatch(/^summary: 2 of 2 charger\(s\) connected, 0 refused, [1-9]\d* session\(s\) started, \d+ completed, 0 reconnect\(s\)$/m);
    const booted = new Set(csms.calls.filter((c) => c.action === 'BootNotification').map((c) => c.identity));
    expect([...booted].sort()).toEqual(ids);
    for (const id of ids) expect(csms.calls.some((c) => c.identity === id && c.action === 'Authorize')).toBe(true);
  }, 45_000);

  it('refuses bad options with exit 2 and a clear message', () => {
    const missing = spawnCli(['simulate', '--count', '2']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error SIMULATE_ARG: --gateway <host:port> is required');
    const badCount = spawnCli(['simulate', '--gateway', '127.0.0.1:2404', '--count', 'lots']);
    expect(badCount.code).toBe(2);
    expect(badCount.stderr).toContain('error SIMULATE_ARG: --count must be an integer');
    const badCodec = spawnCli(['simulate', '--gateway', '127.0.0.1:2404', '--codec', 'modbus']);
    expect(badCodec.code).toBe(2);
    expect(badCodec.stderr).toContain('error SIMULATE_ARG: --codec must be iec104-points or ykc or sgcc104');
    const badTerminal = spawnCli(['simulate', '--gateway', '127.0.0.1:2404', '--codec', 'sgcc104', '--first-terminal', '12345']);
    expect(badTerminal.code).toBe(2);
    expect(badTerminal.stderr).toContain('error SIMULATE_ARG: --first-terminal must be a 16-digit terminal id');
  }, 60_000);
});
