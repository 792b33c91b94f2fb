/**
 * What `pilegate serve` writes on stdout, as a spawned process: JSON lines only when stdout is not
 * a terminal (the start-up banner too, each key once), readable lines with `log.format: pretty`,
 * the environment's PILEGATE_LOG_FORMAT over the file, --trace-ocpp in the banner, and readable
 * coloured lines on a terminal (a pseudo-terminal from util-linux `script`).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { duplicateKeys } from '../support/json-keys.js';
import { servedListeners } from '../support/serve-banner.js';
import { repoRoot } from '../support/cli.js';
import { until } from '../support/station.js';
import { spawnServe, type ServeProcess } from './serve-process.js';

const MAPPING = fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));
const PASSWORD = 'serve-logs-secret-0123456789';

let dir: string | undefined;
let serve: ServeProcess | undefined;

afterEach(async () => {
  await serve?.stop('SIGKILL');
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  serve = undefined;
  dir = undefined;
});

/** A config file listening on a free port, its CSMS nowhere (nothing connects in these tests), with `log`. */
function configWith(log: string): string {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-serve-logs-'));
  const file = join(dir, 'pilegate.yaml');
  const lines = [
    'listeners:',
    `  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(MAPPING)} }`,
    'csms: { url: "ws://127.0.0.1:9/ocpp" }',
    'http: { port: 0, host: 127.0.0.1 }',
    ...(log !== '' ? [`log: ${log}`] : []),
  ];
  writeFileSync(file, lines.join('\n'));
  return file;
}

/** Runs serve until `started` holds for its stdout, then stops it with SIGTERM; returns its stdout. */
async function runUntil(file: string, started: (stdout: string) => boolean, env: Record<string, string> = {}, args: string[] = []): Promise<string> {
  const s = (serve = spawnServe(file, PASSWORD, { env, args }));
  await until(() => started(s.stdout()) || s.gone(), 'pilegate serve to start', 30_000);
  await s.stop('SIGTERM');
  expect(s.child.exitCode, s.stderr()).toBe(0);
  return s.stdout();
}

describe('pilegate serve output', () => {
  it('is JSON lines, each key once, banner and stop included, when stdout is not a terminal', async () => {
    const args = ['--trace-ocpp', 'CP-1', '--trace-ocpp', 'CP-2,CP-3'];
    const stdout = await runUntil(configWith(''), (out) => servedListeners(out) !== undefined, {}, args);
    const lines = stdout.split('\n').filter((l) => l !== '');
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.flatMap((l) => duplicateKeys(l))).toEqual([]);
    const banner = parsed.find((l) => l.msg === 'pilegate serving');
    expect(banner).toMatchObject({ level: 30, service: 'pilegate', unknownChargers: 'refuse', store: 'memory', csms: { url: 'ws://127.0.0.1:9/ocpp', securityProfile: 1 } });
    // --trace-ocpp, repeated and comma-separated, over the file's log.ocppTrace.
    expect(banner?.['ocppTrace']).toEqual(['CP-1', 'CP-2', 'CP-3']);
    expect(servedListeners(stdout)).toEqual([{ host: '127.0.0.1', port: expect.any(Number) as number, codec: 'iec104-points', mapping: MAPPING }]);
    expect(parsed.find((l) => l.msg === 'stopping')).toMatchObject({ signal: 'SIGTERM' });
    expect(parsed.at(-1)?.msg).toBe('gateway stopped');
  }, 60_000);

  it('is readable lines with log.format: pretty, and JSON again with PILEGATE_LOG_FORMAT=json', async () => {
    const file = configWith('{ format: pretty }');
    const pretty = await runUntil(file, (out) => out.includes('pilegate serving'));
    const lines = pretty.split('\n').filter((l) => l !== '');
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
    expect(pretty).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: pilegate serving \(.*pilegate\.yaml\)$/m);
    expect(pretty).toMatch(/^ {2}chargers: 127\.0\.0\.1:\d+ codec iec104-points mapping /m);
    expect(pretty).toMatch(/^\[.*\] WARN: state store is in memory/m);
    expect(pretty).toMatch(/^\[.*\] INFO: gateway stopped$/m);
    // No colour codes: stdout is a pipe here.
    expect(pretty).not.toContain('\u001b[');
    const json = await runUntil(file, (out) => servedListeners(out) !== undefined, { PILEGATE_LOG_FORMAT: 'json' });
    expect(json.split('\n').filter((l) => l !== '' && !l.startsWith('{'))).toEqual([]);
  }, 90_000);

  it('is readable, coloured lines on a terminal (format auto), and Ctrl-C stops it', async () => {
    const file = configWith('');
    // util-linux `script` gives the process a pseudo-terminal, as an operator's shell would.
    const command = `exec ${JSON.stringify(process.execPath)} --import tsx src/cli/index.ts serve --config ${JSON.stringify(file)}`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: repoRoot, env: { ...process.env, PILEGATE_CSMS_PASSWORD: PASSWORD } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
    try {
      await until(() => out.includes('pilegate serving') || child.exitCode !== null, 'pilegate serve to start on a terminal', 30_000);
      child.stdin.write('\u0003');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const plain = out
      .split('\u001b')
      .map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, '')))
      .join('');
    expect(out).toContain('\u001b[32mINFO');
    expect(plain).toMatch(/^\[.*\] INFO: pilegate serving \(.*pilegate\.yaml\)\r?$/m);
    expect(plain).toMatch(/\] INFO: stopping\r?$/m);
    expect(plain).toMatch(/^\[.*\] INFO: gateway stopped\r?$/m);
    expect(plain.split(/\r?\n/).filter((l) => l.startsWith('{'))).toEqual([]);
  }, 60_000);
});
