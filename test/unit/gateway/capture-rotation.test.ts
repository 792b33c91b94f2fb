/** Capture limits: a connection's file rotates by size and by age (each part with its header), the directory is pruned by age and total size. */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CaptureFile } from '../../../src/gateway/capture.js';
import { CaptureStore } from '../../../src/gateway/capture-store.js';
import { until } from '../../support/station.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const START = Date.parse('2026-11-26T00:15:00.123Z');
const describeIec = (): { codec: string } => ({ codec: 'iec104-points' });
const lines = (file: string): Record<string, unknown>[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('capture rotation', () => {
  it('goes on in a new file with its own header once a file holds maxFileBytes', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-rotate-'));
    const t = { now: START };
    const c = new CaptureFile({ dir, now: () => t.now, log: () => undefined, describe: describeIec, maxFileBytes: 1024 });
    c.identified('EXDC1');
    const chunk = Buffer.alloc(200, 0x68);
    for (let i = 0; i < 12; i++) c.record(i % 2 === 0 ? 'in' : 'out', chunk);
    c.close();
    const base = 'EXDC1-20261126T001500.123Z';
    const names = (): string[] => readdirSync(dir ?? '').sort((x, y) => x.length - y.length || x.localeCompare(y));
    const read = (): Record<string, unknown>[][] => names().map((n) => lines(join(dir ?? '', n)));
    await until(() => read().flatMap((p) => p.slice(1)).length === 12, 'every chunk written');
    // Header (~300 bytes) and 200-byte chunks (~460 bytes a line): two chunks a file.
    expect(names()).toEqual([`${base}.jsonl`, ...Array.from({ length: 5 }, (_, i) => `${base}-part${i + 2}.jsonl`)]);
    const parts = read();
    parts.forEach((p, i) => expect(p[0]).toMatchObject({ pilegate: 'capture', codec: 'iec104-points', chargerId: 'EXDC1', part: i + 1 }));
    // Every chunk is in exactly one part, in order; no part grows far past the limit.
    expect(parts.flatMap((p) => p.slice(1)).map((l) => l['dir'])).toEqual(Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? 'in' : 'out')));
    for (const n of names()) expect(statSync(join(dir, n)).size).toBeLessThan(1024 + 500);
  });

  it('a part already rotated out that fails to be written does not stop the part being written', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-rotate-fail-'));
    const base = 'EXDC1-20261126T001500.123Z';
    mkdirSync(join(dir, `${base}.jsonl`)); // the first part cannot be opened: its error comes after the rotation
    const logs: string[] = [];
    const c = new CaptureFile({ dir, now: () => START, log: (_l, msg) => logs.push(msg), describe: describeIec, maxFileBytes: 1024 });
    c.identified('EXDC1');
    for (let i = 0; i < 4; i++) c.record('in', Buffer.alloc(200, 0x68));
    await until(() => logs.includes('capture file could not be completed'), 'the first part fails');
    c.record('in', Buffer.alloc(10, 0x68));
    c.close();
    const parts = (): string[] => readdirSync(dir ?? '').filter((n) => n.startsWith(`${base}-part`));
    const written = (): boolean => parts().some((n) => lines(join(dir ?? '', n)).some((l) => l['hex'] === '68'.repeat(10)));
    await until(written, 'the record after the failure is written');
    expect(logs).not.toContain('capture file cannot be written: capture stops for this connection');
  });

  it('goes on in a new file once a file was begun maxFileHours ago', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-rotate-age-'));
    const t = { now: START };
    const c = new CaptureFile({ dir, now: () => t.now, log: () => undefined, describe: describeIec, maxFileHours: 1 });
    c.identified('EXDC2');
    c.record('in', Buffer.from('68040b000000', 'hex'));
    t.now += 59 * 60_000;
    c.record('in', Buffer.from('680443000000', 'hex'));
    t.now += 2 * 60_000;
    c.record('in', Buffer.from('680483000000', 'hex'));
    c.close();
    await until(() => readdirSync(dir ?? '').length === 2 && lines(join(dir ?? '', 'EXDC2-20261126T001500.123Z-part2.jsonl')).length === 2, 'two parts');
    expect(lines(join(dir, 'EXDC2-20261126T001500.123Z.jsonl')).map((l) => l['hex'] ?? 'header')).toEqual(['header', '68040b000000', '680443000000']);
  });
});

describe('capture directory limits', () => {
  function file(name: string, bytes: number, hoursAgo: number): string {
    const path = join(dir ?? '', name);
    writeFileSync(path, Buffer.alloc(bytes));
    const when = (Date.now() - hoursAgo * 3_600_000) / 1000;
    utimesSync(path, when, when);
    return path;
  }

  it('removes capture files older than maxAgeHours (a pcap with its header) and leaves other files alone', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-prune-age-'));
    file('old.jsonl', 10, 50);
    file('old.pcap', 10, 49);
    file('old.pcap.json', 10, 49);
    file('old.pcapng', 10, 49);
    file('new.jsonl', 10, 1);
    file('notes.txt', 10, 100);
    const logs: string[] = [];
    const store = new CaptureStore({ dir, format: 'jsonl', maxAgeHours: 48 }, (_l, message) => logs.push(message));
    store.prune();
    store.stop();
    expect(readdirSync(dir).sort()).toEqual(['new.jsonl', 'notes.txt']);
    expect(logs).toEqual(['capture files removed (capture.maxAgeHours, capture.maxTotalBytes)']);
  });

  it('removes the oldest capture files until all fit in maxTotalBytes, never one being written', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-prune-size-'));
    const writing = file('a-writing.jsonl', 3000, 10);
    file('b.jsonl', 3000, 9);
    file('c.pcapng', 3000, 8);
    file('d.jsonl', 3000, 7);
    const store = new CaptureStore({ dir, format: 'jsonl', maxTotalBytes: 7000 }, () => undefined);
    store.opened(writing);
    store.stop();
    expect(readdirSync(dir).sort()).toEqual(['a-writing.jsonl', 'd.jsonl']);
  });

  it('checks the directory on opening a file at most once every 10 s (a reconnect burst scans it once)', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-prune-burst-'));
    const t = { now: Date.now() };
    const store = new CaptureStore(
      { dir, format: 'jsonl', maxTotalBytes: 7000 },
      () => undefined,
      () => t.now,
    );
    store.opened(file('a.jsonl', 3000, 10));
    file('b.jsonl', 3000, 9);
    file('c.jsonl', 3000, 8);
    store.opened(file('d.jsonl', 10, 7));
    expect(readdirSync(dir)).toHaveLength(4);
    t.now += 10_000;
    store.opened(file('e.jsonl', 10, 6));
    store.stop();
    expect(readdirSync(dir).sort()).toEqual(['a.jsonl', 'c.jsonl', 'd.jsonl', 'e.jsonl']);
  });
});
