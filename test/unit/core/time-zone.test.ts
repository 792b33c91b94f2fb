import { describe, expect, it } from 'vitest';
import { seededRandom, testSeed } from '../../support/seed.js';
import { DEFAULT_TIME_ZONE, instantToWall, isValidTimeZone, offsetMs, wallToInstant } from '../../../src/core/time-zone.js';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** The offset as the runtime states it, read afresh each time: what the cached `offsetMs` must agree with. */
function statedOffset(timeZone: string, ms: number): number {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName')?.value ?? '';
  const m = /GMT(?:([+-])(\d{2}):(\d{2}))?/.exec(name);
  if (m === null) throw new Error(`no offset in ${name}`);
  if (m[1] === undefined) return 0;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * HOUR + Number(m[3]) * MINUTE);
}

describe('time zones', () => {
  it('defaults to China Standard Time', () => {
    expect(DEFAULT_TIME_ZONE).toBe('Asia/Shanghai');
    expect(offsetMs(DEFAULT_TIME_ZONE, Date.UTC(2024, 6, 1))).toBe(8 * HOUR);
  });

  it('knows IANA names and refuses others', () => {
    expect(isValidTimeZone('Europe/Berlin')).toBe(true);
    expect(isValidTimeZone('UTC')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false);
    expect(isValidTimeZone('')).toBe(false);
  });

  it('gives the offset in force at an instant, with sub-second instants', () => {
    expect(offsetMs('Europe/Berlin', Date.UTC(2024, 0, 15, 12, 0, 0, 999))).toBe(HOUR);
    expect(offsetMs('Europe/Berlin', Date.UTC(2024, 6, 15, 12, 0, 0, 1))).toBe(2 * HOUR);
    expect(offsetMs('UTC', Date.UTC(1999, 11, 31, 23, 59, 59, 500))).toBe(0);
  });

  it('reads a wall time in a zone without summer time', () => {
    const wall = Date.UTC(2024, 2, 16, 17, 14, 47, 250);
    expect(wallToInstant(wall, 'Asia/Shanghai', false)).toBe(wall - 8 * HOUR);
    expect(wallToInstant(wall, 'Asia/Shanghai', true)).toBe(wall - 8 * HOUR);
  });

  it('lets the summer-time flag pick the instant of a repeated hour', () => {
    // Berlin, 2024-10-27: 03:00 CEST becomes 02:00 CET, so 02:30 happens twice.
    const wall = Date.UTC(2024, 9, 27, 2, 30);
    expect(wallToInstant(wall, 'Europe/Berlin', true)).toBe(Date.UTC(2024, 9, 27, 0, 30));
    expect(wallToInstant(wall, 'Europe/Berlin', false)).toBe(Date.UTC(2024, 9, 27, 1, 30));
  });

  it('reads a wall time skipped by spring-forward with the earlier offset', () => {
    // Berlin, 2024-03-31: 02:00 CET becomes 03:00 CEST; 02:30 never happens.
    expect(wallToInstant(Date.UTC(2024, 2, 31, 2, 30), 'Europe/Berlin', false)).toBe(Date.UTC(2024, 2, 31, 1, 30));
  });

  it('gives the wall time of an instant and whether summer time is in force', () => {
    expect(instantToWall(Date.UTC(2024, 6, 1, 10), 'Europe/Berlin')).toEqual({ wall: Date.UTC(2024, 6, 1, 12), summerTime: true });
    expect(instantToWall(Date.UTC(2024, 0, 1, 10), 'Europe/Berlin')).toEqual({ wall: Date.UTC(2024, 0, 1, 11), summerTime: false });
    expect(instantToWall(Date.UTC(2024, 6, 1, 10), 'Asia/Shanghai')).toEqual({ wall: Date.UTC(2024, 6, 1, 18), summerTime: false });
    // Southern hemisphere: summer time in January.
    expect(instantToWall(Date.UTC(2024, 0, 1, 0), 'Australia/Sydney').summerTime).toBe(true);
  });

  it('round-trips instants across a year with summer-time changes', () => {
    const roundTrip = (ms: number): number => {
      const { wall, summerTime } = instantToWall(ms, 'Europe/Berlin');
      return wallToInstant(wall, 'Europe/Berlin', summerTime);
    };
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2025, 0, 1); ms += 6 * HOUR) expect(roundTrip(ms)).toBe(ms);
    // Every quarter hour of both change days.
    for (const day of [Date.UTC(2024, 2, 31), Date.UTC(2024, 9, 27)]) {
      for (let ms = day; ms < day + 24 * HOUR; ms += HOUR / 4) expect(roundTrip(ms)).toBe(ms);
    }
  });

  it('keeps to the stated offset minute by minute across changes of offset (whole hour, half hour, southern summer), and at seeded instants', () => {
    const zones: [string, number][] = [
      ['Europe/Berlin', Date.UTC(2024, 2, 31, 0, 0)],
      ['Europe/Berlin', Date.UTC(2024, 9, 27, 0, 0)],
      ['America/St_Johns', Date.UTC(2024, 2, 10, 4, 0)],
      ['Australia/Lord_Howe', Date.UTC(2024, 3, 6, 14, 0)],
      ['Australia/Lord_Howe', Date.UTC(2024, 9, 5, 15, 0)],
    ];
    for (const [zone, from] of zones) {
      for (let ms = from; ms < from + 3 * HOUR; ms += MINUTE) {
        expect(offsetMs(zone, ms), `${zone} at ${new Date(ms).toISOString()}`).toBe(statedOffset(zone, ms));
        expect(offsetMs(zone, ms + MINUTE - 1), `${zone} just before ${new Date(ms + MINUTE).toISOString()}`).toBe(statedOffset(zone, ms + MINUTE - 1));
      }
    }
    const random = seededRandom(testSeed('time-zone offsets'));
    for (let i = 0; i < 500; i++) {
      const zone = zones[Math.floor(random() * zones.length)]?.[0] ?? 'UTC';
      const ms = Math.floor(Date.UTC(2000, 0, 1) + random() * 40 * 365 * 24 * HOUR);
      expect(offsetMs(zone, ms), `${zone} at ${new Date(ms).toISOString()}`).toBe(statedOffset(zone, ms));
    }
  });
});
