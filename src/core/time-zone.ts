/**
 * Local wall time in an IANA time zone, to and from an instant. Legacy chargers keep a local-time
 * RTC (Asia/Shanghai in practice) and stamp frames with its fields, so every conversion takes an
 * explicit zone. A "wall" value here is the local fields read as if they were UTC
 * (`Date.UTC(year, month - 1, day, hour, minute, second, ms)`): plain numbers, no zone attached.
 */

/** The zone assumed for a charger's clock when configuration names none. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

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

/** Offsets already computed, per zone, by quarter hour (`QUARTER_MS`); each map is bounded. */
const offsetCache = new Map<string, Map<number, number>>();
const QUARTER_MS = 900_000;
const CACHED_QUARTERS = 4096;

/**
 * UTC offset of `timeZone` at instant `ms`, in milliseconds (east positive). Asking the runtime's
 * zone data costs microseconds and every frame time of a charger goes through here, so an offset is
 * kept per quarter hour once it holds from the quarter's first to its last millisecond (a zone's
 * offset never changes twice within fifteen minutes); a quarter with a change in it is asked each time.
 */
export function offsetMs(timeZone: string, ms: number): number {
  let cache = offsetCache.get(timeZone);
  if (cache === undefined) {
    cache = new Map();
    offsetCache.set(timeZone, cache);
  }
  const quarter = Math.floor(ms / QUARTER_MS);
  const cached = cache.get(quarter);
  if (cached !== undefined) return cached;
  const start = quarter * QUARTER_MS;
  const first = zoneOffsetMs(timeZone, start);
  if (first !== zoneOffsetMs(timeZone, start + QUARTER_MS - 1)) return zoneOffsetMs(timeZone, ms);
  if (cache.size >= CACHED_QUARTERS) cache.clear();
  cache.set(quarter, first);
  return first;
}

/** The runtime's answer for `offsetMs`, uncached. */
function zoneOffsetMs(timeZone: string, ms: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(ms));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const whole = ms - (((ms % 1000) + 1000) % 1000);
  return wall - whole;
}

/** The zone's offset outside summer time in `year` (the smaller of January's and July's). */
function standardOffsetMs(timeZone: string, year: number): number {
  return Math.min(offsetMs(timeZone, Date.UTC(year, 0, 1)), offsetMs(timeZone, Date.UTC(year, 6, 1)));
}

/**
 * The instant (epoch ms) a local wall time names in `timeZone`. In a repeated local hour (end of
 * summer time) `summerTime` picks the earlier, summer-time instant, otherwise the later one; a wall
 * time skipped by a spring-forward gap is read with the offset in force before the gap.
 */
export function wallToInstant(wall: number, timeZone: string, summerTime: boolean): number {
  // Two candidates: the offsets in force just before and after the wall time; pick one that maps back.
  const a = wall - offsetMs(timeZone, wall - 86_400_000);
  const b = wall - offsetMs(timeZone, wall + 86_400_000);
  const candidates = [a, b].filter((ms) => ms + offsetMs(timeZone, ms) === wall);
  if (candidates.length === 0) return a;
  if (candidates.length === 2 && candidates[0] !== candidates[1]) {
    const [first, second] = candidates as [number, number];
    return summerTime ? Math.min(first, second) : Math.max(first, second);
  }
  return candidates[0] as number;
}

/** The local wall time of instant `ms` in `timeZone`, and whether summer time is in force there. */
export function instantToWall(ms: number, timeZone: string): { readonly wall: number; readonly summerTime: boolean } {
  const offset = offsetMs(timeZone, ms);
  const wall = ms + offset;
  return { wall, summerTime: offset > standardOffsetMs(timeZone, new Date(wall).getUTCFullYear()) };
}
