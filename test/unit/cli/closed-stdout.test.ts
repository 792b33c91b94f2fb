/**
 * A reader that closes `pilegate`'s stdout after one line (`pilegate … | head -1`): every command
 * ends quietly, with its usual exit code and no stack trace; `serve` stops as on SIGTERM.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliClosingStdout } from '../../support/cli.js';
import { servedPort } from '../../support/serve-banner.js';

const dir = mkdtempSync(join(tmpdir(), 'pilegate-closed-stdout-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TESTFR_ACT = '680443000000';
const FRAMES = 2000;

/** A capture of `FRAMES` TESTFR act frames from the charger: far more output than a pipe holds. */
const capture = join(dir, 'long.jsonl');
writeFileSync(capture, Array.from({ length: FRAMES }, (_, i) => JSON.stringify({ time: new Date(Date.UTC(2026, 0, 31, 8, 0, 0, i)).toISOString(), dir: 'in', hex: TESTFR_ACT })).join('\n'));

/** The charger port of the JSON banner line (`pilegate serving`). */
function expectQuiet(r: { code: number | null; signal: NodeJS.Signals | null; stderr: string }, code: number): void {
  expect(r.stderr).not.toMatch(/EPIPE|Error|\n\s+at /);
  expect(r.signal).toBeNull();
  expect(r.code).toBe(code);
}

describe('pilegate with its stdout closed after one line', () => {
  it.each([
    ['replay', ['replay', capture]],
    ['replay --json', ['replay', '--json', capture]],
    ['decode', ['decode', TESTFR_ACT.repeat(FRAMES)]],
  ])(
    '%s ends with exit 0 and no stack trace',
    async (_name, args) => {
      const r = await runCliClosingStdout(args, /\n/, 30_000);
      expectQuiet(r, 0);
    },
    40_000,
  );

  it('decode keeps its exit code for bad frames', async () => {
    const r = await runCliClosingStdout(['decode', `${TESTFR_ACT.repeat(FRAMES)}6902`], /\n/, 30_000);
    expectQuiet(r, 2);
    expect(r.stderr).toContain('error IEC104_BAD_START');
  }, 40_000);

  it('serve stops as on SIGTERM when its output is gone and it has more to say, exit 1 (a restart-on-failure brings it back)', async () => {
    const config = join(dir, 'pilegate.yaml');
    writeFileSync(
      config,
      [
        'listeners:',
        '  - { port: 0, host: 127.0.0.1, codec: ykc }',
        'csms: { url: "ws://127.0.0.1:9/ocpp", securityProfile: 1 }',
        'stations: { unknownChargers: refuse }',
        'store: memory',
        'http: { port: 0, host: 127.0.0.1 }',
        'log: { level: debug }',
      ].join('\n'),
    );
    // Once the banner is read and stdout closed, chargers that dial in make the gateway log more.
    const r = await runCliClosingStdout(['serve', '--config', config], /"msg":"pilegate serving"[^\n]*\n/, 30_000, (out) => {
      const port = servedPort(out, 'ykc') ?? 0;
      const dial = (n: number): void => {
        if (n === 0) return;
        const s = connect(port, '127.0.0.1', () => s.end(Buffer.from('garbage\n')));
        s.on('error', () => undefined);
        s.on('close', () => setTimeout(() => dial(n - 1), 50));
      };
      dial(40);
    });
    expectQuiet(r, 1);
  }, 40_000);
});
