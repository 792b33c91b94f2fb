/**
 * Well-framed input the session has no use for: every occurrence is handed to the host to count
 * (`SessionSink.ignored`), and each kind is logged once. A charger may send such ASDUs all day (a
 * vendor's private type, a point the mapping leaves out), so they never count as bad frames, and
 * the log says once what they were instead of once per ASDU.
 */
import type { LogLevel } from '../../src/core/log.js';
import type { IgnoredReason, SessionSink } from '../codec.js';

/**
 * Kinds logged per connection at most: the kind includes the IOA, and a charger can send as many
 * IOAs as it likes.
 */
const MAX_KINDS = 256;

export class IgnoredInput {
  /** Kinds logged so far; allocated with the first (most connections never ignore anything). */
  private logged: Set<string> | undefined;

  constructor(protected readonly sink: SessionSink) {}

  /**
   * Counts one ignored ASDU (or the ignored part of one) and logs `message` the first time `kind`
   * is seen on this connection.
   */
  report(reason: IgnoredReason, kind: string, message: string, data?: Readonly<Record<string, unknown>>): void {
    this.sink.ignored?.(reason);
    this.once('warn', `${reason}/${kind}`, message, data);
  }

  /** Logs `message` the first time `key` is seen (within the bound on kinds). */
  once(level: LogLevel, key: string, message: string, data?: Readonly<Record<string, unknown>>): void {
    if (this.first(key)) this.sink.log(level, message, data);
  }

  /**
   * True the first time `key` is seen, within the bound on kinds: the caller logs it then. Lets a
   * caller build the log's data only when it is logged (a charger may flag or leave unmapped some
   * of its objects in every ASDU).
   */
  first(key: string): boolean {
    this.logged ??= new Set();
    if (this.logged.has(key) || this.logged.size > MAX_KINDS) return false;
    this.logged.add(key);
    if (this.logged.size <= MAX_KINDS) return true;
    this.sink.log('warn', `more than ${MAX_KINDS} kinds of ignored input on this connection: the others are counted, not logged`);
    return false;
  }
}
