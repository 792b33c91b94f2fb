/** A YKC codec session on a fake clock, its frames decoded as they are sent: for session unit tests. */
import type { CodecError, IgnoredReason } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { decodeYkcFrame, encodeYkcFrame, type YkcFrame } from '../../codecs/ykc/index.js';
import type { YkcOptions } from '../../codecs/ykc/session.js';
import { loadStopReasonMap } from '../../codecs/ykc/stop-reason-map.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { FakeClock } from './fake-clock.js';

/** The shipped stop-reason map, which `loadOptions` gives a session unless its options name another. */
const SHIPPED_STOP_REASONS = await loadStopReasonMap();

/** 2026-11-25T08:00:00Z = 16:00:00 Asia/Shanghai. */
export const YKC_T0 = Date.UTC(2026, 10, 25, 8, 0, 0);

export interface YkcSessionHarness {
  readonly clock: FakeClock;
  readonly session: ReturnType<typeof ykcCodec.createSession>;
  readonly events: ChargerEvent[];
  /** Frames the session sent, decoded. */
  readonly sent: YkcFrame[];
  readonly errors: CodecError[];
  /** Reasons the session gave the host for what it ignored, in order. */
  readonly ignored: IgnoredReason[];
  readonly closed: string[];
  readonly logs: { level: string; message: string; data?: Readonly<Record<string, unknown>> }[];
  /** Encodes a frame as the charger would send it and hands it to the session. */
  feed(frame: YkcFrame): void;
  take<T extends ChargerEvent['type']>(type: T): Extract<ChargerEvent, { type: T }>[];
  sentOf<T extends YkcFrame['type']>(type: T): Extract<YkcFrame, { type: T }>[];
}

/** A started session (not logged in yet). */
export function ykcSession(options: YkcOptions = {}): YkcSessionHarness {
  const clock = new FakeClock(YKC_T0);
  const events: ChargerEvent[] = [];
  const sent: YkcFrame[] = [];
  const errors: CodecError[] = [];
  const ignored: IgnoredReason[] = [];
  const closed: string[] = [];
  const logs: YkcSessionHarness['logs'] = [];
  const cardFormat = options.cardFormat ?? 'hex';
  const session = ykcCodec.createSession({
    options: { stopReasons: SHIPPED_STOP_REASONS, ...options },
    clock,
    connection: {},
    sink: {
      event: (e) => events.push(e),
      send: (b) => {
        const r = decodeYkcFrame(b, { cardFormat });
        if (!r.ok) throw new Error(`session sent an undecodable frame: ${r.error.message}`);
        sent.push(r.value);
      },
      error: (e) => errors.push(e),
      ignored: (reason) => ignored.push(reason),
      close: (r) => closed.push(r),
      log: (level, message, data) => logs.push({ level, message, ...(data !== undefined ? { data } : {}) }),
    },
  });
  session.start();
  return {
    clock,
    session,
    events,
    sent,
    errors,
    ignored,
    closed,
    logs,
    feed: (f) => session.receive(encodeYkcFrame(f, { cardFormat })),
    take: <T extends ChargerEvent['type']>(type: T) => events.filter((e) => e.type === type) as Extract<ChargerEvent, { type: T }>[],
    sentOf: <T extends YkcFrame['type']>(type: T) => sent.filter((f) => f.type === type) as Extract<YkcFrame, { type: T }>[],
  };
}

/** A session whose pile `pileCode` with `gunCount` guns has logged in. */
export function ykcLoggedIn(pileCode: string, gunCount: number, options: YkcOptions = {}): YkcSessionHarness {
  const h = ykcSession(options);
  h.feed({ type: 'login', sequence: 1, pileCode, pileType: 0, gunCount, protocolVersion: 0x10, firmwareVersion: 'SIM-1.0', networkType: 0, sim: '0', operator: 0 });
  return h;
}
