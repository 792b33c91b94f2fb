/**
 * `pilegate simulate` reports what the gateway did, as a real child process against an in-process
 * gateway: a charger the gateway does not serve is shown refused (YKC: the login answer's result;
 * IEC 104 and family-B: the connection closed after the charger said who it is), a charger dialling
 * a port of another protocol is never shown connected, and a run that fell short exits 1.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MAPPING, listenerGatewayEachTest } from '../support/gateway-harness.js';
import { runCliProcess } from '../support/cli.js';

const { start } = listenerGatewayEachTest('<simulate-outcome>');

const REFUSE = 'stations: { unknownChargers: refuse }';
const B3 = fileURLToPath(new URL('../../mappings/sgcc104/b3.yaml', import.meta.url));
const iec104Port = `  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`;
const ykcPort = '  - { port: 0, host: 127.0.0.1, codec: ykc }';
const sgccPort = `  - { port: 0, host: 127.0.0.1, codec: sgcc104, mapping: ${JSON.stringify(B3)} }`;

const simulate = (port: number, args: string[], seconds: number): ReturnType<typeof runCliProcess> =>
  runCliProcess(['simulate', '--gateway', `127.0.0.1:${port}`, '--duration', String(seconds), ...args], 40_000);

/** The summary line's numbers. */
function summary(stdout: string): { connected: number; of: number; refused: number } {
  const m = /^summary: (\d+) of (\d+) charger\(s\) connected, (\d+) refused/m.exec(stdout);
  if (m === null) throw new Error(`no summary line in:\n${stdout}`);
  return { connected: Number(m[1]), of: Number(m[2]), refused: Number(m[3]) };
}

describe('pilegate simulate tells what the gateway did', () => {
  it('a YKC pile the gateway does not serve: refused with the login answer result, exit 1', async () => {
    const g = await start(ykcPort, ['connections: { loginTimeoutMs: 5000 }'], REFUSE);
    const r = await simulate(g.port, ['--codec', 'ykc', '--first-pile', '32010200000042'], 4);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/32010200000042 {2}refused by the gateway: login answer result 1 \(login refused\)/);
    expect(r.stdout).not.toMatch(/32010200000042 {2}connected/);
    expect(r.stdout).not.toContain('session started');
    expect(summary(r.stdout)).toEqual({ connected: 0, of: 1, refused: 1 });
    expect(r.stderr).toContain('0 of 1 charger(s) connected');
  }, 45_000);

  it('an IEC 104 charger the gateway does not serve: refused when the gateway closes it after its answer, exit 1', async () => {
    const g = await start(iec104Port, [], REFUSE);
    const r = await simulate(g.port, ['--first-address', '150'], 5);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/EXDC150 {2}refused by the gateway: it closed the connection after the charger answered as common address 150/);
    expect(r.stdout).not.toMatch(/EXDC150 {2}connected/);
    expect(r.stdout).not.toContain('session started');
    expect(summary(r.stdout)).toEqual({ connected: 0, of: 1, refused: 1 });
    // The gateway's log tells the refusal; the interrogation the refusal cut short is no command failure.
    const warnings = g.lines().filter((l) => typeof l['level'] === 'number' && l['level'] >= 40);
    expect(warnings.map((l) => String(l['msg']))).not.toContain('charger did not confirm');
    expect(g.lines().some((l) => typeof l['msg'] === 'string' && /refus/i.test(l['msg']))).toBe(true);
  }, 45_000);

  it('a family-B charger the gateway does not serve: refused when its login gets no answer but a close, exit 1', async () => {
    const g = await start(sgccPort, [], REFUSE);
    const r = await simulate(g.port, ['--codec', 'sgcc104', '--mapping', B3, '--first-terminal', '3100000000019999'], 4);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/3100000000019999 {2}refused by the gateway: it closed the connection after the login, without a login answer/);
    expect(r.stdout).not.toContain('link up');
    expect(summary(r.stdout)).toEqual({ connected: 0, of: 1, refused: 1 });
  }, 45_000);

  it('a YKC pile on an IEC 104 port: closed without a login answer, never connected, exit 1', async () => {
    const g = await start(iec104Port);
    const r = await simulate(g.port, ['--codec', 'ykc'], 4);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/32010200000001 {2}refused by the gateway: it closed the connection without a login answer \(it opened with IEC 104's STARTDT act: is this an IEC 104 port\?\)/);
    expect(r.stdout).not.toMatch(/32010200000001 {2}connected/);
    expect(summary(r.stdout).connected).toBe(0);
  }, 45_000);

  it('an IEC 104 charger on a YKC port: no STARTDT comes, the simulator says so, never connected, exit 1', async () => {
    const g = await start(ykcPort);
    const r = await simulate(g.port, ['--script', 'standard'], 5);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(1);
    expect(r.stdout).toMatch(/EXDC101 {2}no STARTDT from the gateway after 3 s: an IEC 104 charger waits for it; is this the gateway's IEC 104 port\?/);
    expect(r.stdout).not.toMatch(/EXDC101 {2}connected/);
    expect(r.stdout).not.toContain('session started');
    expect(summary(r.stdout)).toEqual({ connected: 0, of: 1, refused: 0 });
    expect(r.stdout).toMatch(/EXDC101 {2}still waiting for the gateway at the end/);
  }, 45_000);

  it('the good case: an IEC 104 charger accepted, its session started, exit 0', async () => {
    const g = await start(iec104Port);
    const r = await simulate(g.port, ['--interval-ms', '500'], 12);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/EXDC101 {2}connected \(STARTDT and interrogation from the gateway\)/);
    expect(r.stdout).toMatch(/EXDC101 {2}connector 1: session started/);
    expect(r.stdout).toMatch(/^summary: 1 of 1 charger\(s\) connected, 0 refused, [1-9]\d* session\(s\) started, \d+ completed, 0 reconnect\(s\)$/m);
  }, 45_000);

  it('the good case: a YKC pile logged in, its card session started as the gateway answered, exit 0', async () => {
    const g = await start(ykcPort);
    const r = await simulate(g.port, ['--codec', 'ykc'], 8);
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/32010200000001 {2}connected \(login answer: accepted\)/);
    expect(r.stdout).toMatch(/32010200000001 {2}gun 1: session started \(card accepted\)/);
    expect(r.stdout).toMatch(/^summary: 1 of 1 charger\(s\) connected, 0 refused, 1 session\(s\) started, 0 completed, 0 reconnect\(s\)$/m);
    expect(r.stderr).toBe('');
  }, 45_000);
});
