/**
 * CP56Time2a (IEC 60870-5-101 §7.2.6.18): seven octets of calendar time. Chargers fill it from a
 * local-time RTC (Asia/Shanghai in practice), so conversion to and from an instant always takes an
 * explicit IANA time zone; the decoded fields themselves carry no zone.
 */
import { Parser } from 'binary-parser';
import { bit, masked } from '../framing/bits.js';
import { compileLean } from '../framing/lean-parser.js';
import { CP56_SIZE } from './constants.js';
import type { Cp56Time } from './types.js';

export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

/** CP56Time2a as a binary-parser, field order as `Cp56Time`. */
export const cp56Parser = new Parser()
  .endianness('little')
  .uint16('milliseconds')
  .uint8('minute', { formatter: masked(0x3f) })
  .seek(-1)
  .uint8('invalid', { formatter: bit(0x80) })
  .seek(-1)
  .uint8('substituted', { formatter: bit(0x40) })
  .uint8('hour', { formatter: masked(0x1f) })
  .seek(-1)
  .uint8('summerTime', { formatter: bit(0x80) })
  .uint8('day', { formatter: masked(0x1f) })
  .seek(-1)
  .uint8('dayOfWeek', { formatter: masked(0x07, 5) })
  .uint8('month', { formatter: masked(0x0f) })
  .uint8('year', { formatter: masked(0x7f) });
compileLean(cp56Parser);

/** Reads seven octets at `offset`; the caller has checked that they exist. */
export function readCp56(bytes: Uint8Array, offset: number): Cp56Time {
  return cp56Parser.parse(Buffer.from(bytes.buffer, bytes.byteOffset + offset, CP56_SIZE)) as Cp56Time;
}

/** Writes seven octets at `offset`. Out-of-range fields are masked to their bit widths. */
export function writeCp56(t: Cp56Time, out: Uint8Array, offset: number): void {
  const ms = t.milliseconds & 0xffff;
  out[offset] = ms & 0xff;
  out[offset + 1] = ms >> 8;
  out[offset + 2] = (t.minute & 0x3f) | (t.substituted ? 0x40 : 0) | (t.invalid ? 0x80 : 0);
  out[offset + 3] = (t.hour & 0x1f) | (t.summerTime ? 0x80 : 0);
  out[offset + 4] = (t.day & 0x1f) | ((t.dayOfWeek & 0x07) << 5);
  out[offset + 5] = t.month & 0x0f;
  out[offset + 6] = t.year & 0x7f;
}

/** True when the calendar fields name a real moment (IV bit aside). */
export function isCp56Plausible(t: Cp56Time): boolean {
  if (t.milliseconds > 59_999 || t.minute > 59 || t.hour > 23) return false;
  if (t.month < 1 || t.month > 12 || t.day < 1) return false;
  return t.day <= daysInMonth(2000 + t.year, t.month);
}

/**
 * The instant a CP56Time2a names in `timeZone`, or undefined when the fields are not a real date
 * (the IV bit is reported separately: a flagged time still converts). In a repeated local hour (end
 * of summer time) the SU bit picks the summer-time instant.
 */
export function cp56ToDate(t: Cp56Time, timeZone: string = DEFAULT_TIME_ZONE): Date | undefined {
  if (!isCp56Plausible(t)) return undefined;
  const wall = Date.UTC(2000 + t.year, t.month - 1, t.day, t.hour, t.minute, 0, t.milliseconds);
  // Two candidates: the offsets in force just before and after the wall time; pick one that maps back.
  const a = wall - offsetMs(timeZone, wall - 86_400_000);
  const b = wall - offsetMs(timeZone, wall + 86_400_000);
  const candidates = [a, b].filter((ms) => ms + offsetMs(timeZone, ms) === wall);
  if (candidates.length === 0) {
    // A wall time skipped by a spring-forward gap: read it with the earlier offset.
    return new Date(a);
  }
  if (candidates.length === 2 && candidates[0] !== candidates[1]) {
    const [first, second] = candidates as [number, number];
    const earlier = Math.min(first, second);
    const later = Math.max(first, second);
    return new Date(t.summerTime ? earlier : later);
  }
  return new Date(candidates[0] as number);
}

/** CP56Time2a fields for an instant seen from `timeZone`, with day of week and SU bit filled in. */
export function cp56FromDate(date: Date, timeZone: string = DEFAULT_TIME_ZONE, invalid = false): Cp56Time {
  const ms = date.getTime();
  const offset = offsetMs(timeZone, ms);
  const local = new Date(ms + offset);
  const weekday = local.getUTCDay();
  return {
    milliseconds: local.getUTCSeconds() * 1000 + local.getUTCMilliseconds(),
    minute: local.getUTCMinutes(),
    invalid,
    substituted: false,
    hour: local.getUTCHours(),
    summerTime: offset > standardOffsetMs(timeZone, local.getUTCFullYear()),
    day: local.getUTCDate(),
    dayOfWeek: weekday === 0 ? 7 : weekday,
    month: local.getUTCMonth() + 1,
    year: local.getUTCFullYear() % 100,
  };
}

/** Renders the fields as an ISO-like local time string, e.g. `2020-03-16 17:14:47.000`. */
export function formatCp56(t: Cp56Time): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const s = Math.floor(t.milliseconds / 1000);
  const flags = [t.invalid ? 'IV' : '', t.summerTime ? 'SU' : '', t.substituted ? 'RES1' : '']
    .filter(Boolean)
    .join(',');
  const dow = t.dayOfWeek === 0 ? '' : ` dow=${t.dayOfWeek}`;
  return `20${p(t.year)}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(s)}.${p(t.milliseconds % 1000, 3)}${dow}${flags ? ` [${flags}]` : ''}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws RangeError for a zone name the runtime does not know (checked by config validation). */
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows this IANA zone name. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** UTC offset of `timeZone` at instant `ms`, in milliseconds (east positive). */
export function offsetMs(timeZone: string, ms: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return wall - whole;
}

function standardOffsetMs(timeZone: string, year: number): number {
  return Math.min(offsetMs(timeZone, Date.UTC(year, 0, 1)), offsetMs(timeZone, Date.UTC(year, 6, 1)));
}
