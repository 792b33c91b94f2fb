/** Capture files: named after the charger once known, lines kept in order, write errors logged once and never thrown. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureFile, fileNamePart, fileTimestamp } from '../../../src/gateway/capture.js';
import { until } from '../../support/station.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const describeIec = (): { codec: string; timeZone: string; listenerPort: number } => ({ codec: 'iec104-points', timeZone: 'Asia/Shanghai', listenerPort: 2404 });

const START = Date.parse('2026-11-26T00:15:00.123Z');

function setup(): { dir: string; logs: { level: string; message: string; data?: unknown }[]; clock: { t: number } } {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-capture-unit-'));
  return { dir, logs: [], clock: { t: START } };
}

function readLines(file: string): unknown[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
}

describe('CaptureFile', () => {
  it('waits for the charger id, then writes every line in order to <chargerId>-<start>.jsonl', async () => {
    const s = setup();
    const c = new CaptureFile({
      dir: join(s.dir, 'deep', 'er'),
      remoteAddress: '10.0.0.7',
      remotePort: 40001,
      now: () => s.clock.t,
      log: (level, message, data) => s.logs.push({ level, message, data }),
      describe: describeIec,
    });
    c.record('out', Buffer.from('680407000000', 'hex'));
    s.clock.t += 5;
    c.record('in', Buffer.from('68040b000000', 'hex'));
    expect(c.file).toBeUndefined();
    c.identified('PILE/0042');
    s.clock.t += 1000;
    c.record('in', new Uint8Array([0x68, 0x04, 0x43, 0, 0, 0]).subarray(0, 6));
    c.close();
    c.record('in', Buffer.from('00', 'hex'));
    expect(c.file).toBe(join(s.dir, 'deep', 'er', 'PILE_0042-20261126T001500.123Z.jsonl'));
    await until(() => readdirSync(join(s.dir, 'deep', 'er')).length === 1 && readLines(c.file ?? '').length === 4, 'the file');
    const [header, ...lines] = readLines(c.file ?? '');
    expect(header).toMatchObject({
      pilegate: 'capture',
      format: 1,
      codec: 'iec104-points',
      timeZone: 'Asia/Shanghai',
      listenerPort: 2404,
      chargerId: 'PILE/0042',
      charger: { address: '10.0.0.7', port: 40001 },
      started: '2026-11-26T00:15:00.123Z',
      part: 1,
    });
    expect(lines).toEqual([
      { time: '2026-11-26T00:15:00.123Z', dir: 'out', hex: '680407000000' },
      { time: '2026-11-26T00:15:00.128Z', dir: 'in', hex: '68040b000000' },
      { time: '2026-11-26T00:15:01.128Z', dir: 'in', hex: '680443000000' },
    ]);
    expect(s.logs).toEqual([]);
  });

  it('names the file after the address and port when the charger never says who it is', async () => {
    const s = setup();
    const c = new CaptureFile({ dir: s.dir, remoteAddress: '::ffff:127.0.0.1', remotePort: 5555, now: () => s.clock.t, log: () => undefined, describe: describeIec });
    c.record('in', Buffer.from('0102', 'hex'));
    c.close();
    expect(c.file).toBe(join(s.dir, '_ffff_127.0.0.1-5555-20261126T001500.123Z.jsonl'));
    await until(() => readdirSync(s.dir).length === 1 && readLines(c.file ?? '').length === 2, 'the file');
  });

  it('opens no file for a connection that carried nothing', () => {
    const s = setup();
    const c = new CaptureFile({ dir: s.dir, now: () => s.clock.t, log: () => undefined, describe: describeIec });
    c.close();
    expect(c.file).toBeUndefined();
    expect(readdirSync(s.dir)).toEqual([]);
  });

  it('logs a write error once and drops later lines without throwing', async () => {
    const s = setup();
    const blocker = join(s.dir, 'not-a-dir');
    writeFileSync(blocker, 'x');
    const c = new CaptureFile({ dir: blocker, now: () => s.clock.t, log: (level, message, data) => s.logs.push({ level, message, data }), describe: describeIec });
    c.identified('EXDC1');
    for (let i = 0; i < 5; i++) c.record('in', Buffer.from('680443000000', 'hex'));
    c.close();
    await until(() => s.logs.length > 0, 'the error');
    c.record('in', Buffer.from('680443000000', 'hex'));
    expect(s.logs).toHaveLength(1);
    expect(s.logs[0]).toMatchObject({ level: 'warn', message: 'capture file cannot be written: capture stops for this connection' });
  });

  it('creates its directory and files readable by the gateway user alone (they hold raw frames: card passwords, keys)', async () => {
    const s = setup();
    const dir = join(s.dir, 'captures');
    for (const format of ['jsonl', 'pcap', 'pcapng'] as const) {
      const c = new CaptureFile({ dir, format, remoteAddress: '10.0.0.2', remotePort: 4000 + format.length, now: () => s.clock.t, log: () => undefined, describe: describeIec });
      c.identified(`EXDC-${format}`);
      c.record('in', Buffer.from('680443000000', 'hex'));
      c.close();
    }
    await until(() => readdirSync(dir).length === 4, 'the files');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const name of readdirSync(dir)) expect([name, statSync(join(dir, name)).mode & 0o777]).toEqual([name, 0o600]);
  });

  it('makes safe file-name parts and sortable timestamps', () => {
    expect(fileNamePart('../../etc/passwd')).toBe('__.._etc_passwd');
    expect(fileNamePart('')).toBe('_');
    expect(fileTimestamp(START)).toBe('20261126T001500.123Z');
  });
});
