/**
 * `pilegate decode` reads the shipped `.hex` fixtures (comments, one field per line) as files, with
 * `--file`, and on standard input; errors name `file:line`; frames of another protocol get a hint
 * naming it. Run as the real binary.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli, spawnCli } from '../../support/cli.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'pilegate-decode-input-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every `.hex` of a fixture folder, as paths relative to the repository (where the binary runs). */
function fixtureFiles(...folder: string[]): string[] {
  return readdirSync(fixturePath(...folder))
    .filter((f) => f.endsWith('.hex'))
    .sort()
    .map((f) => relative(repoRoot, fixturePath(...folder, f)));
}

function frameCount(stdout: string): number {
  return stdout.match(/^frame \d+ at byte \d+/gm)?.length ?? 0;
}

describe('pilegate decode of fixture files', { timeout: 60_000 }, () => {
  it.each([
    ['iec104-points', [], ['iec104', 'frames']],
    ['ykc', [], ['ykc', 'frames']],
    ['sgcc104', ['--dialect', 'b1'], ['sgcc104', 'b1', 'frames']],
    ['example', [], ['example', 'frames']],
  ])('decodes every frame fixture of %s given as file arguments, one frame each', (codec, flags, folder) => {
    const files = fixtureFiles(...folder);
    const r = spawnCli(['decode', '--codec', codec, ...flags, ...files]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(frameCount(r.stdout)).toBe(files.length);
  });

  it('reads --file and standard input (-, or nothing given) alike', () => {
    const file = relative(repoRoot, fixturePath('ykc', 'frames', '01-login-spec-v15.hex'));
    const byFile = spawnCli(['decode', '--codec', 'ykc', '--file', file]);
    expect(byFile.code).toBe(0);
    expect(byFile.stdout).toContain('pileCode: "55031412782305"');
    const text = readFileSync(fixturePath('ykc', 'frames', '01-login-spec-v15.hex'), 'utf8');
    expect(spawnCli(['decode', '--codec', 'ykc', '-'], { input: text })).toEqual(byFile);
    expect(spawnCli(['decode', '--codec', 'ykc'], { input: text })).toEqual(byFile);
  });

  it('reads one frame per line, with comment lines, on standard input', () => {
    const text = ['# link start and a test frame', '68 04 07 00 00 00', '680443000000   # TESTFR act', '', '68:04:0b:00:00:00'].join('\n');
    const r = spawnCli(['decode', '-'], { input: text });
    expect(r.code).toBe(0);
    expect(frameCount(r.stdout)).toBe(3);
    expect(r.stdout).toContain('TESTFR_ACT');
  });

  it("names the fixture's file and line at its expected error, and exits 2", () => {
    const path = fixturePath('iec104', 'bad', 'unknown-ti.hex');
    const expected = loadHexFixture(path).expect[0];
    const file = relative(repoRoot, path);
    const r = spawnCli(['decode', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error ${expected?.code ?? ''} at byte ${expected?.offset ?? ''} \\(${file.replace(/[.\\\\]/g, '\\$&')}:\\d+\\): `, 'm'));
  });

  it('refuses a file with a character that is not hex at file:line:column, and a file that is not there', async () => {
    const file = join(dir, 'bad.hex');
    writeFileSync(file, '# a frame\n68 04 07\n00 0G 00\n');
    const r = await runCli(['decode', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error HEX_INVALID: ${file}:3:5: character "G" is not a hex digit`);
    const missing = await runCli(['decode', join(dir, 'missing.hex')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error HEX_READ: cannot read');
  });
});

describe('pilegate decode of a frame of another protocol', { timeout: 60_000 }, () => {
  it.each([
    ['a YKC login given to the default codec', [], ['ykc', 'frames', '01-login-spec-v15.hex'], 'a ykc frame: try --codec ykc'],
    ['an IEC 104 frame given to ykc', ['--codec', 'ykc'], ['iec104', 'frames', 'u-startdt-act.hex'], 'an iec104-points frame: try --codec iec104-points'],
    ['a family-B login given to the default codec', [], ['sgcc104', 'b1', 'frames', '01-login-sample.hex'], 'a sgcc104 frame: try --codec sgcc104'],
  ])('hints at the codec for %s', (_name, flags, fixture, hint) => {
    const r = spawnCli(['decode', ...flags, relative(repoRoot, fixturePath(...fixture))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`hint: this looks like ${hint}\n`);
  });

  it('gives no hint for a malformed frame of the codec itself', async () => {
    const r = await runCli(['decode', '68 0E 00 00 00 00 86 01 06 00 01 00 00 00 00 14']);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('hint');
  });
});
