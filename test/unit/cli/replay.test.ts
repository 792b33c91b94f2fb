/** Capture-file parsing and `replayCapture` on YKC and IEC 104 frames, with the capture's clock. */
import { describe, expect, it } from 'vitest';
import { parseCapture } from '../../../src/cli/capture-file.js';
import { UsageError } from '../../../src/cli/io.js';
import { replayCapture } from '../../../src/cli/replay.js';
import { fixturePath, loadHexFixture } from '../../support/fixtures.js';
import { EXAMPLE_MAPPING } from '../../support/gateway-harness.js';

const T0 = '2026-01-31T08:00:00.000Z';

function line(time: string, dir: string, hex: string): string {
  return JSON.stringify({ time, dir, hex });
}

function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    if (e instanceof UsageError) return e;
    throw e;
  }
  throw new Error('no UsageError');
}

describe('parseCapture', () => {
  it('reads lines with their numbers, skipping blank lines', () => {
    const text = `${line(T0, 'out', '680407000000')}\n\n  ${line('2026-01-31T16:00:01.5+08:00', 'in', '68040B000000')}  \n`;
    expect(parseCapture(text, 'c.jsonl')).toEqual([
      { line: 1, time: Date.parse(T0), dir: 'out', bytes: Buffer.from('680407000000', 'hex') },
      { line: 3, time: Date.parse('2026-01-31T08:00:01.500Z'), dir: 'in', bytes: Buffer.from('68040b000000', 'hex') },
    ]);
    expect(parseCapture('', 'empty.jsonl')).toEqual([]);
  });

  it.each([
    ['{"time":', 'not JSON'],
    ['[1,2]', 'expected an object {"time", "dir", "hex"}'],
    [line('yesterday', 'in', '00'), '"time" must be an ISO 8601 time'],
    [line('2026-02-30T25:00:00Z', 'in', '00'), '"time" must be an ISO 8601 time'],
    [line(T0, 'both', '00'), '"dir" must be "in" or "out", got "both"'],
    [JSON.stringify({ time: T0, dir: 'in' }), '"hex" must be a non-empty even number of hex digits, got undefined'],
    [line(T0, 'in', '123'), '"hex" must be a non-empty even number of hex digits, got "123"'],
    [line(T0, 'in', 'zz'), '"hex" must be a non-empty even number of hex digits'],
  ])('refuses %s with CAPTURE_INVALID at file:line', (bad, reason) => {
    const e = usageError(() => parseCapture(`${line(T0, 'in', '680443000000')}\n${bad}\n`, 'field/c.jsonl'));
    expect(e.code).toBe('CAPTURE_INVALID');
    expect(e.message.startsWith('field/c.jsonl:2: ')).toBe(true);
    expect(e.message).toContain(reason);
  });
});

describe('replayCapture', () => {
  it('decodes YKC frames split across chunks and yields the login as an identified event at the capture time', async () => {
    const login = loadHexFixture(fixturePath('ykc', 'frames', '01-login-spec-v15.hex')).bytes;
    const answer = loadHexFixture(fixturePath('ykc', 'frames', '02-login-answer-spec.hex')).bytes;
    const entries = parseCapture(
      [
        line(T0, 'in', login.subarray(0, 10).toString('hex')),
        line('2026-01-31T08:00:00.250Z', 'in', login.subarray(10).toString('hex')),
        line('2026-01-31T08:00:00.300Z', 'out', answer.toString('hex')),
      ].join('\n'),
      'ykc.jsonl',
    );
    const r = await replayCapture(entries, { codec: 'ykc' });
    expect(r.frames).toHaveLength(2);
    const [first, second] = r.frames;
    // The frame is reported on the line that completed it.
    expect(first).toMatchObject({ line: 2, time: '2026-01-31T08:00:00.250Z', dir: 'in', hex: login.toString('hex'), frame: { type: 'login', pileCode: '55031412782305' } });
    expect(first?.events?.find((e) => e.type === 'identified')).toMatchObject({ chargerId: '55031412782305' });
    expect(first?.lines?.[0]).toMatch(/^ {2}login \(0x01\) seq 0/);
    expect(second).toMatchObject({ line: 3, dir: 'out', frame: { type: 'loginAnswer' } });
    expect(second?.events).toBeUndefined();
    expect(r.end).toBeDefined();
  });

  it('reports bad frames inside a capture without failing, and says events need a mapping for IEC 104', async () => {
    const entries = parseCapture([line(T0, 'in', '68020000'), line(T0, 'in', '680443000000')].join('\n'), 'c.jsonl');
    const r = await replayCapture(entries, {});
    expect(r.frames.map((f) => f.error?.code ?? 'ok')).toEqual(['IEC104_LENGTH_TOO_SHORT', 'ok']);
    expect(r.frames[1]?.lines?.join('\n')).toContain('TESTFR_ACT');
    expect(r.noEvents).toContain('--mapping');
  });

  it('runs the IEC 104 codec session with a mapping', async () => {
    const entries = parseCapture(line(T0, 'in', '680443000000'), 'c.jsonl');
    const r = await replayCapture(entries, { codec: 'iec104-points', mapping: EXAMPLE_MAPPING });
    expect(r.frames[0]?.events).toEqual([]);
    expect(r.end).toContainEqual({ type: 'link', state: 'down', reason: 'end of capture' });
  });

  it('refuses an unknown codec', async () => {
    await expect(replayCapture([], { codec: 'modbus' })).rejects.toThrow(/--codec must be one of iec104-points, ykc/);
  });
});
