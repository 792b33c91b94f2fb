/** The capture header standing in for replay's flags: given flags win, a missing or changed mapping is said, not fatal. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCaptureFile } from '../../../src/cli/capture-file.js';
import { withHeader } from '../../../src/cli/replay-input.js';
import { fileSha256, type CaptureHeader } from '../../../src/gateway/capture-header.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function header(mapping: CaptureHeader['mapping']): CaptureHeader {
  return { pilegate: 'capture', format: 1, codec: 'iec104-points', timeZone: 'Europe/Berlin', ...(mapping !== undefined ? { mapping } : {}) };
}

describe('replay options from a capture header', () => {
  it('fills codec, mapping and zone when no flag names them, and lets each flag win', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-header-'));
    const path = join(dir, 'm.yaml');
    writeFileSync(path, 'kind: iec104-points\n');
    const h = header({ path, sha256: fileSha256(path) ?? '' });
    expect(withHeader({}, h)).toEqual({ options: { codec: 'iec104-points', mapping: path, tz: 'Europe/Berlin' }, notes: [] });
    expect(withHeader({ mapping: 'other.yaml', tz: 'Asia/Shanghai' }, h).options).toEqual({ codec: 'iec104-points', mapping: 'other.yaml', tz: 'Asia/Shanghai' });
    // Another codec: the header's mapping and zone belong to the captured one.
    expect(withHeader({ codec: 'ykc' }, h).options).toEqual({ codec: 'ykc' });
  });

  it('says when the mapping is not on this machine or changed since the capture', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-header-'));
    const gone = join(dir, 'gone.yaml');
    expect(withHeader({}, header({ path: gone, sha256: 'ab' }))).toEqual({
      options: { codec: 'iec104-points', tz: 'Europe/Berlin' },
      notes: [`the capture's iec104-points options file ${gone} is not here: give it with --mapping <file>`],
    });
    const changed = join(dir, 'changed.yaml');
    writeFileSync(changed, 'kind: iec104-points\n');
    expect(withHeader({}, header({ path: changed, sha256: '00' })).notes).toEqual([`${changed} changed since the capture was made: the replay reads it as it is now`]);
  });

  it('reads files without a header as before, and refuses a header from a newer pilegate naming file:line', () => {
    const line = '{"time":"2026-01-31T08:00:00.000Z","dir":"in","hex":"68040b000000"}';
    expect(parseCaptureFile(`${line}\n`, 'old.jsonl')).toEqual({ entries: [{ line: 1, time: Date.parse('2026-01-31T08:00:00.000Z'), dir: 'in', bytes: Buffer.from('68040b000000', 'hex') }] });
    expect(parseCaptureFile(`\n{"pilegate":"capture","format":1,"codec":"ykc"}\n${line}\n`, 'new.jsonl').header).toEqual({ pilegate: 'capture', format: 1, codec: 'ykc' });
    expect(() => parseCaptureFile(`{"pilegate":"capture","format":2,"codec":"ykc"}\n`, 'future.jsonl')).toThrow('future.jsonl:1: header format 2 is newer than this pilegate reads (1)');
  });
});
