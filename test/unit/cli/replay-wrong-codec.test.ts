/**
 * `pilegate replay` with a codec that cannot read the capture: a bounded list of the frames it
 * could not decode, a summary on stderr naming the protocol the capture looks like, and exit 1.
 * Run as the real binary on captures built from the shipped fixtures.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pilegate-replay-codec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A capture file of fixture frames: `in` from the charger, `out` from the gateway, a second apart. */
function capture(name: string, frames: readonly (readonly ['in' | 'out', string[]])[]): string {
  const lines = frames.map(([d, path], i) => JSON.stringify({ time: new Date(Date.UTC(2026, 0, 31, 8, 0, i)).toISOString(), dir: d, hex: loadHexFixture(fixturePath(...path)).bytes.toString('hex') }));
  const file = join(dir, name);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

const YKC_IN = ['01-login-spec-v15', '03-heartbeat-spec', '05-billing-model-verify-spec', '09-billing-model-request-spec'];
/** Twelve YKC frames from the charger with the gateway's answers: 16 frames. */
const ykcCapture = capture('ykc.jsonl', [
  ...Array.from({ length: 3 }, () => YKC_IN.map((n): ['in', string[]] => ['in', ['ykc', 'frames', `${n}.hex`]])).flat(),
  ['out', ['ykc', 'frames', '02-login-answer-spec.hex']],
  ['out', ['ykc', 'frames', '04-heartbeat-answer-spec.hex']],
  ['out', ['ykc', 'frames', '06-billing-model-verify-answer-spec.hex']],
  ['out', ['ykc', 'frames', '0a-billing-model-answer-spec.hex']],
]);

describe('pilegate replay with the wrong codec', () => {
  it('shows the first few failures, counts the rest, names the protocol the capture looks like and exits 1', async () => {
    const r = await runCliProcess(['replay', ykcCapture], 30_000);
    expect(r.code).toBe(1);
    const shown = r.stdout.split('\n').filter((l) => /error IEC104_/.test(l));
    expect(shown).toHaveLength(5);
    expect(r.stdout).toMatch(/^\(\d+ more frame\(s\) that could not be decoded are not shown; --json shows every frame\)$/m);
    expect(r.stderr).toMatch(/^\d+ of \d+ frame\(s\) could not be decoded as iec104-points; the capture looks like ykc: try --codec ykc$/m);
    expect(r.stderr).not.toMatch(/at .*\.ts:\d+/);
  });

  it('counts every failure and carries the summary in --json, with exit 1', async () => {
    const r = await runCliProcess(['replay', '--json', ykcCapture], 30_000);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as { frames: { error?: unknown }[]; summary: { codec: string; frames: number; failed: number; looksLike: string[] } };
    expect(json.summary).toEqual({ codec: 'iec104-points', frames: json.frames.length, failed: json.frames.filter((f) => f.error !== undefined).length, looksLike: ['ykc'] });
    expect(json.summary.failed).toBeGreaterThan(5);
    expect(r.stderr).toContain('the capture looks like ykc: try --codec ykc');
  });

  it('names IEC 104 for an IEC 104 capture replayed as YKC', async () => {
    const file = capture('iec104.jsonl', [
      ['out', ['iec104', 'frames', 'u-startdt-act.hex']],
      ['in', ['iec104', 'frames', 'u-startdt-con.hex']],
      ['in', ['iec104', 'frames', 'c_cs_na_1-actcon.hex']],
    ]);
    const r = await runCliProcess(['replay', '--codec', 'ykc', file], 30_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not be decoded as ykc; the capture looks like iec104-points: try --codec iec104-points$/m);
  });

  it('exits 0 without a summary when every frame decodes', async () => {
    const r = await runCliProcess(['replay', '--codec', 'ykc', ykcCapture], 30_000);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
