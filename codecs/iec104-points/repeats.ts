/**
 * Recognises a time-tagged object the charger sends a second time. After a reconnect a controlled
 * station resends the I-frames the gateway had not acknowledged (it acknowledges after w frames or
 * t2), and some of them were processed already: a session's start or end, a fault, a register
 * reading that would look like a meter reset if applied again. An object whose (time tag, value)
 * was already seen at its address is such a repeat. Kept in the host's memory of the charger
 * (`ConnectionInfo.memoryOf`), which outlives the connection. Objects without a time tag cannot be
 * told from new ones and are processed as they come.
 */

/** The key of this codec's entry in the charger's memory. */
const MEMORY_KEY = 'iec104-points:time-tags';
/**
 * (time, value) pairs remembered per address: a resend covers the frames of one unacknowledged
 * window (k, 12 by default), of which a handful at most are at one address.
 */
const HISTORY = 8;

export class RepeatFilter {
  /** By `family * 2^24 + IOA`: flat [time, value, time, value, ...], oldest first. */
  private seenMap: Map<number, number[]> | undefined;

  /** `memory`: the charger's memory, asked for with the first time-tagged object (many chargers send none). */
  constructor(private readonly memory: () => Map<string, unknown>) {}

  private get seen(): Map<number, number[]> {
    if (this.seenMap === undefined) {
      const memory = this.memory();
      const kept = memory.get(MEMORY_KEY);
      this.seenMap = kept instanceof Map ? (kept as Map<number, number[]>) : new Map<number, number[]>();
      memory.set(MEMORY_KEY, this.seenMap);
    }
    return this.seenMap;
  }

  /**
   * True when the object at (`family`, `ioa`) with time tag `ms` and `value` was seen before;
   * otherwise it is remembered and false returned. Only an exact repeat counts: an older time tag
   * with a new value is an event too (the charger's clock may have been set back by a clock sync).
   */
  repeated(family: number, ioa: number, ms: number, value: number): boolean {
    const key = family * 0x1000000 + ioa;
    const history = this.seen.get(key);
    if (history === undefined) {
      this.seen.set(key, [ms, value]);
      return false;
    }
    for (let i = 0; i < history.length; i += 2) {
      if (history[i] === ms && Object.is(history[i + 1], value)) return true;
    }
    if (history.length >= HISTORY * 2) history.splice(0, 2);
    history.push(ms, value);
    return false;
  }
}
