/**
 * Recognises a time-tagged object the charger sends a second time. After a reconnect a controlled
 * station resends the I-frames the gateway had not acknowledged (it acknowledges after w frames or
 * t2), and some of them were processed already: a session's start or end, a fault, a register
 * reading that would look like a meter reset if applied again. An object whose (time tag, value)
 * was already seen at its address on an earlier connection is such a repeat. Within one connection
 * nothing is: the link's sequence numbers rule out an I-frame received twice (IEC 60870-5-104
 * §5.1), and a state that goes back to an earlier (time tag, value) there is a change (a charger
 * with whole-second time tags goes 1 -> 2 -> 1 within one second when a start fails at once).
 * Kept in the host's memory of the charger (`ConnectionInfo.memoryOf`), which outlives the
 * connection. Objects without a time tag cannot be told from new ones and are processed as they come.
 */

/** The key of this codec's entry in the charger's memory. */
const MEMORY_KEY = 'iec104-points:time-tags';
/**
 * (time, value) pairs remembered per address: a resend covers the frames of one unacknowledged
 * window (k, 12 by default), of which a handful at most are at one address.
 */
const HISTORY = 8;
/** Numbers per remembered pair: time, value and the connection that saw it. */
const STRIDE = 3;

/** What the charger's memory holds: its connections so far, and the pairs seen by address. */
interface Kept {
  connections: number;
  /** By `family * 2^24 + IOA`: flat [time, value, connection, ...], oldest first. */
  readonly seen: Map<number, number[]>;
}

export class RepeatFilter {
  private kept: Kept | undefined;
  /** This connection's number among the charger's (set with the first time-tagged object). */
  private connection = 0;

  /**
   * `memoryOf(chargerId)`: the charger's memory, asked for with the first time-tagged object (many
   * chargers send none).
   */
  constructor(
    private readonly memoryOf: (chargerId: string) => Map<string, unknown>,
    private readonly chargerId: string,
  ) {}

  private get seen(): Map<number, number[]> {
    if (this.kept === undefined) {
      const memory = this.memoryOf(this.chargerId);
      const kept = memory.get(MEMORY_KEY) as Kept | undefined;
      this.kept = kept ?? { connections: 0, seen: new Map<number, number[]>() };
      memory.set(MEMORY_KEY, this.kept);
      this.kept.connections += 1;
      this.connection = this.kept.connections;
    }
    return this.kept.seen;
  }

  /**
   * True when the object at (`family`, `ioa`) with time tag `ms` and `value` was seen on an earlier
   * connection; otherwise it is remembered and false returned. Only an exact repeat counts: an older
   * time tag with a new value is an event too (the charger's clock may have been set back by a
   * clock sync).
   */
  repeated(family: number, ioa: number, ms: number, value: number): boolean {
    const seen = this.seen;
    const key = family * 0x1000000 + ioa;
    const history = seen.get(key);
    if (history === undefined) {
      seen.set(key, [ms, value, this.connection]);
      return false;
    }
    for (let i = 0; i < history.length; i += STRIDE) {
      if (history[i] !== ms || !Object.is(history[i + 1], value)) continue;
      if (history[i + 2] !== this.connection) return true;
      // Seen on this connection already: a change back to it, remembered once.
      return false;
    }
    if (history.length >= HISTORY * STRIDE) history.splice(0, STRIDE);
    history.push(ms, value, this.connection);
    return false;
  }
}
