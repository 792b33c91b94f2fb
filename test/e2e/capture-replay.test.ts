/**
 * Capture then replay: a simulated IEC 104 charger runs a session through the gateway with
 * `capture.dir` set; its capture file is then played back by `pilegate replay`, which must show
 * the charger's identification and connector states as canonical events, with the capture's times.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayResult } from '../../src/cli/replay.js';
import { runCli, spawnCli } from '../support/cli.js';
import { EXAMPLE_MAPPING, HARNESS_PASSWORD, startGatewayHarness, until, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;
let dir: string | undefined;

afterEach(async () => {
  await h?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  h = undefined;
  dir = undefined;
});

/** The frame lines of a JSON Lines capture (its header line apart). */
function captureLines(file: string): { time: string; dir: string; hex: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '' && !l.includes('"pilegate"'))
    .map((l) => JSON.parse(l) as { time: string; dir: string; hex: string });
}

function headerLine(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, 'utf8').split('\n')[0] ?? '') as Record<string, unknown>;
}

describe('capture files and pilegate replay', () => {
  it('captures a simulated charger session and replays it into the same canonical events', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-capture-'));
    const captureDir = join(dir, 'captures');
    h = await startGatewayHarness([`capture: { dir: ${JSON.stringify(captureDir)} }`]);
    const sim = await h.charger(42);
    await h.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'BootNotification', 10_000);
    for (const evseId of [1, 2]) await h.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'StatusNotification' && c.params['evseId'] === evseId, 10_000);
    await sim.close();
    await until(() => h?.lines().some((l) => l['msg'] === 'charger running -> closed') === true, 'the connection to close');
    // Named after the charger id, although the first bytes came before the charger said who it is.
    let file = '';
    await until(
      () => {
        const names = readdirSync(captureDir).filter((n) => n.endsWith('.jsonl'));
        file = names.length === 1 ? join(captureDir, names[0] ?? '') : '';
        return file !== '' && captureLines(file).some((l) => l.dir === 'in');
      },
      'the capture file',
      10_000,
    );
    expect(file).toMatch(/[/\\]EXDC42-\d{8}T\d{6}\.\d{3}Z\.jsonl$/);
    expect(headerLine(file)).toMatchObject({
      pilegate: 'capture',
      format: 1,
      codec: 'iec104-points',
      mapping: { path: EXAMPLE_MAPPING, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) as unknown },
      timeZone: 'Asia/Shanghai',
      listenerPort: h.port,
      chargerId: 'EXDC42',
      gatewayVersion: expect.any(String) as unknown,
      part: 1,
    });
    expect(readFileSync(file, 'utf8')).not.toContain(HARNESS_PASSWORD);
    const lines = captureLines(file);
    expect(lines.every((l) => !Number.isNaN(Date.parse(l.time)) && /^[0-9a-f]+$/.test(l.hex))).toBe(true);
    expect(new Set(lines.map((l) => l.dir))).toEqual(new Set(['in', 'out']));
    // The gateway speaks first on IEC 104: STARTDT_ACT.
    expect(lines[0]).toMatchObject({ dir: 'out', hex: '680407000000' });

    const json = await runCli(['replay', file, '--mapping', EXAMPLE_MAPPING, '--json']);
    expect(json.stderr).toBe('');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout) as ReplayResult;
    const inFrames = result.frames.filter((f) => f.dir === 'in');
    expect(inFrames.length).toBeGreaterThanOrEqual(3);
    expect(result.frames.filter((f) => f.error !== undefined)).toEqual([]);
    const events = inFrames.flatMap((f) => (f.events ?? []).map((e) => ({ ...e, frameTime: f.time })));
    const identified = events.find((e) => e.type === 'identified');
    expect(identified).toMatchObject({ chargerId: 'EXDC42', vendor: 'Example', model: 'EX-DC120-2' });
    // Reception times come from the capture (the injected clock), not from the time of the replay.
    const clock = events.find((e) => e.type === 'clockReport');
    expect(clock).toBeDefined();
    expect((clock as { at: string }).at).toBe(clock?.frameTime);
    expect(lines.some((l) => l.time === clock?.frameTime)).toBe(true);
    const statuses = events.filter((e) => e.type === 'connectorStatus');
    expect(new Set(statuses.map((e) => (e as { connector: number }).connector))).toEqual(new Set([1, 2]));
    expect(result.end).toContainEqual({ type: 'link', state: 'down', reason: 'end of capture' });

    const text = spawnCli(['replay', file, '--mapping', EXAMPLE_MAPPING]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^line 2 \S+ gateway -> charger \(6 bytes\): 68 04 07 00 00 00$/m);
    expect(text.stdout).toContain('"type":"identified"');
    expect(text.stdout).toContain('STARTDT_ACT');
    expect(text.stdout.split('\n')[0]).toMatch(/^capture of EXDC42 by pilegate \S+ \(header: .+\): replayed as iec104-points, mapping .+example-dc-2gun\.yaml, time zone Asia\/Shanghai$/);
  });

  it('exits 2 naming file:line for a malformed capture line', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-capture-bad-'));
    const file = join(dir, 'bad.jsonl');
    writeFileSync(file, `{"time":"2026-01-31T08:00:00.000Z","dir":"in","hex":"680443000000"}\n\n{"time":"2026-01-31T08:00:01.000Z","dir":"sideways","hex":"00"}\n`);
    const r = await runCli(['replay', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error CAPTURE_INVALID: ${file}:3: "dir" must be "in" or "out", got "sideways"`);
  });
});
