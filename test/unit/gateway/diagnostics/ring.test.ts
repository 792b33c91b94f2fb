import { describe, expect, it } from 'vitest';
import { RecordRing } from '../../../../src/gateway/diagnostics/ring.js';

const frame = (n: number, size = 20): Buffer => Buffer.alloc(size, n & 0xff);

describe('RecordRing', () => {
  it('allocates nothing until its first record', () => {
    const ring = new RecordRing(8192);
    expect(ring.empty).toBe(true);
    expect(ring.allocated).toBe(0);
    expect([...ring.records()]).toEqual([]);
    ring.add(1000, 'in', frame(1));
    expect(ring.allocated).toBe(2048);
  });

  it('gives back every record in order, with its time, kind and bytes', () => {
    const ring = new RecordRing(8192);
    ring.add(1000.5, 'in', frame(1, 6));
    ring.add(1001, 'out', frame(2, 16));
    ring.add(1002, 'log', Buffer.from('log info hello'));
    ring.add(1003, 'open', Buffer.from('127.0.0.1:5000'));
    expect([...ring.records()].map((r) => [r.at, r.kind, r.bytes.toString('hex')])).toEqual([
      [1000.5, 'in', frame(1, 6).toString('hex')],
      [1001, 'out', frame(2, 16).toString('hex')],
      [1002, 'log', Buffer.from('log info hello').toString('hex')],
      [1003, 'open', Buffer.from('127.0.0.1:5000').toString('hex')],
    ]);
  });

  it('stays within its byte budget, dropping the oldest records first', () => {
    const ring = new RecordRing(8192);
    for (let i = 0; i < 10_000; i++) ring.add(i, 'in', frame(i));
    expect(ring.allocated).toBeLessThanOrEqual(8192);
    const kept = [...ring.records()];
    expect(kept.at(-1)?.at).toBe(9999);
    // At least three quarters of the budget hold the newest records, without gaps.
    expect(kept.length).toBeGreaterThanOrEqual(Math.floor((8192 * 3) / 4 / 31));
    expect(kept.every((r, i) => i === 0 || r.at === (kept[i - 1]?.at ?? 0) + 1)).toBe(true);
  });

  it('cuts a record to what a chunk holds, and keeps nothing with a budget of 0', () => {
    const ring = new RecordRing(1024);
    ring.add(1, 'in', Buffer.alloc(5000, 7));
    expect([...ring.records()][0]?.bytes.length).toBe(256 - 11);
    const none = new RecordRing(0);
    none.add(1, 'in', frame(1));
    expect(none.empty).toBe(true);
    expect([...none.records()]).toEqual([]);
  });
});
