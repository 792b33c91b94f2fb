import { describe, expect, it } from 'vitest';
import { cp56FromDate, cp56ToDate, formatCp56, isCp56Plausible, readCp56, writeCp56, type Cp56Time } from '../../../src/iec104/index.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('CP56Time2a', () => {
  it('decodes the YKC specification worked example (98 B7 0E 11 10 03 14 = 2020-03-16 17:14:47)', () => {
    const t = readCp56(hex('98 B7 0E 11 10 03 14'), 0);
    expect(t).toMatchObject({ milliseconds: 47000, minute: 14, hour: 17, day: 16, month: 3, year: 20, invalid: false, summerTime: false, dayOfWeek: 0 });
    expect(formatCp56(t)).toBe('2020-03-16 17:14:47.000');
    // Chargers send local time: 17:14:47 in Shanghai is 09:14:47 UTC.
    expect(cp56ToDate(t, 'Asia/Shanghai')?.toISOString()).toBe('2020-03-16T09:14:47.000Z');
    expect(cp56ToDate(t, 'UTC')?.toISOString()).toBe('2020-03-16T17:14:47.000Z');
  });

  it('reads and writes the IV, SU, RES1 and day-of-week bits', () => {
    const bytes = hex('10 27 C5 8A 34 0B 19'); // 10.000 s, minute 5 IV+RES1, hour 10 SU, day 20 dow 1, Nov, 2025
    const t = readCp56(bytes, 0);
    expect(t).toEqual({ milliseconds: 10000, minute: 5, invalid: true, substituted: true, hour: 10, summerTime: true, day: 20, dayOfWeek: 1, month: 11, year: 25 });
    const out = Buffer.alloc(7);
    writeCp56(t, out, 0);
    expect(out).toEqual(bytes);
  });

  it('converts an instant to local fields and back in several zones', () => {
    const instant = new Date('2026-11-25T21:36:25.123Z');
    const sh = cp56FromDate(instant, 'Asia/Shanghai');
    expect(sh).toMatchObject({ year: 26, month: 11, day: 26, hour: 5, minute: 36, milliseconds: 25123, dayOfWeek: 4, summerTime: false });
    expect(cp56ToDate(sh, 'Asia/Shanghai')?.getTime()).toBe(instant.getTime());
    const summer = cp56FromDate(new Date('2026-07-01T12:00:00Z'), 'Europe/Berlin');
    expect(summer).toMatchObject({ hour: 14, summerTime: true, dayOfWeek: 3 });
    expect(cp56ToDate(summer, 'Europe/Berlin')?.toISOString()).toBe('2026-07-01T12:00:00.000Z');
  });

  it('uses the SU bit to resolve the repeated hour at the end of summer time', () => {
    // Europe/Berlin, 2026-10-25: 02:30 local happens twice (00:30Z in summer time, 01:30Z after).
    const base: Cp56Time = { milliseconds: 0, minute: 30, invalid: false, substituted: false, hour: 2, summerTime: true, day: 25, dayOfWeek: 7, month: 10, year: 26 };
    expect(cp56ToDate(base, 'Europe/Berlin')?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(cp56ToDate({ ...base, summerTime: false }, 'Europe/Berlin')?.toISOString()).toBe('2026-10-25T01:30:00.000Z');
  });

  it('reports impossible calendar fields instead of inventing a date', () => {
    const t = readCp56(hex('00 00 00 00 1F 02 19'), 0); // 31 February
    expect(isCp56Plausible(t)).toBe(false);
    expect(cp56ToDate(t, 'Asia/Shanghai')).toBeUndefined();
    expect(cp56ToDate({ ...t, day: 28, milliseconds: 60000 }, 'Asia/Shanghai')).toBeUndefined();
  });
});
