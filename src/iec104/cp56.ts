/**
 * CP56Time2a (IEC 60870-5-101 §7.2.6.18): seven octets of calendar time. Chargers fill it from a
 * local-time RTC (Asia/Shanghai in practice), so conversion to and from an instant always takes an
 * explicit IANA time zone; the decoded fields themselves carry no zone.
 */
import { Parser } from 'binary-parser';
import { DEFAULT_TIME_ZONE, instantToWall, wallToInstant } from '../core/time-zone.js';
import { bit, masked } from '../framing/bits.js';
import { compileLean } from '../framing/lean-parser.js';
import { CP56_SIZE } from './constants.js';
import type { Cp56Time } from './types.js';

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
  return new Date(wallToInstant(wall, timeZone, t.summerTime));
}

/** CP56Time2a fields for an instant seen from `timeZone`, with day of week and SU bit filled in. */
export function cp56FromDate(date: Date, timeZone: string = DEFAULT_TIME_ZONE, invalid = false): Cp56Time {
  const { wall, summerTime } = instantToWall(date.getTime(), timeZone);
  const local = new Date(wall);
  const weekday = local.getUTCDay();
  return {
    milliseconds: local.getUTCSeconds() * 1000 + local.getUTCMilliseconds(),
    minute: local.getUTCMinutes(),
    invalid,
    substituted: false,
    hour: local.getUTCHours(),
    summerTime,
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
  const flags = [t.invalid ? 'IV' : '', t.summerTime ? 'SU' : '', t.substituted ? 'RES1' : ''].filter(Boolean).join(',');
  const dow = t.dayOfWeek === 0 ? '' : ` dow=${t.dayOfWeek}`;
  return `20${p(t.year)}-${p(t.month)}-${p(t.day)} ${p(t.hour)}:${p(t.minute)}:${p(s)}.${p(t.milliseconds % 1000, 3)}${dow}${flags ? ` [${flags}]` : ''}`;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
