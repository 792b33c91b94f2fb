/**
 * `pilegate demo` as a real child process: the development CSMS, a gateway and one simulated
 * IEC 104 charger in one process; the OCPP traffic it prints shows the boot and a transaction. On a
 * terminal the gateway's warnings are readable lines like the rest, not JSON.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCliProcess } from '../support/cli.js';

const runDemo = (args: string[], timeoutMs: number): ReturnType<typeof runCliProcess> => runCliProcess(['demo', ...args], timeoutMs);

describe('pilegate demo', () => {
  it('runs a CSMS, a gateway and a charger for --duration and exits 0', async () => {
    const r = await runDemo(['--duration', '8', '--chargers', '1'], 40_000);
    expect(r.code, r.stderr).toBe(0);
    // Said before anything that takes a while (schemas, mapping, CSMS), so a first run is never silent.
    expect(r.stdout.split('\n')[0]).toBe('pilegate demo: starting a development CSMS, a gateway and 1 simulated iec104-points charger(s)...');
    const frames = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} {2}\S+\s+(->|<-) {2}\w+/.test(l));
    expect(frames.some((l) => /EXDC101\s+-> {2}BootNotification {2}\w+$/.test(l))).toBe(true);
    expect(frames.some((l) => /EXDC101\s+<- {2}BootNotification \(result\)$/.test(l))).toBe(true);
    expect(frames.some((l) => /-> {2}StatusNotification {2}evse 1\/1 \w+$/.test(l))).toBe(true);
    expect(frames.some((l) => /EXDC101\s+-> {2}TransactionEvent {2}Started \w+ seqNo 0 tx \S+$/.test(l))).toBe(true);
    expect(r.stdout).toContain('demo over: stopping');
    expect(r.stderr).toContain('NOT DURABLE');
  }, 45_000);

  it('--codec sgcc104: a family-B charger (the B3 catalogue) through a card session', async () => {
    const r = await runDemo(['--codec', 'sgcc104', '--duration', '10', '--chargers', '1'], 40_000);
    expect(r.code, r.stderr).toBe(0);
    const frames = r.stdout.split('\n').filter((l) => /^\d\d:\d\d:\d\d\.\d{3} {2}3100000000010001\s+-> {2}\w+/.test(l));
    expect(frames.some((l) => / {2}BootNotification {2}\w+$/.test(l))).toBe(true);
    expect(frames.some((l) => / {2}Authorize$/.test(l))).toBe(true);
    expect(frames.some((l) => / {2}TransactionEvent {2}Started Authorized seqNo 0 tx \S+$/.test(l))).toBe(true);
    expect(r.stdout).toContain('demo over: stopping');
  }, 45_000);

  it('on a terminal writes the gateway warnings as readable lines, no JSON among them', async () => {
    // util-linux `script` gives the process a pseudo-terminal, as a newcomer's shell would.
    const command = `exec ${JSON.stringify(process.execPath)} --import tsx src/cli/index.ts demo --duration 2 --chargers 1`;
    const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd: repoRoot, env: process.env });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code, out).toBe(0);
    const plain = out
      .split('\u001b')
      .map((part, i) => (i === 0 ? part : part.replace(/^\[\d+m/, '')))
      .join('');
    expect(plain).toMatch(/^\[.*\] WARN: state store is in memory: NOT DURABLE/m);
    expect(plain.split(/\r?\n/).filter((l) => l.startsWith('{'))).toEqual([]);
  }, 40_000);

  it('refuses a bad --chargers value with exit 2', async () => {
    const r = await runDemo(['--chargers', 'lots'], 20_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error DEMO_ARG: --chargers must be a number');
  }, 25_000);
});
