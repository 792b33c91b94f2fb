/**
 * Watches the link's flow control for k and w that do not fit the peer's (IEC 60870-5-104 §5.5).
 * Such a link still works, only slowly: a peer whose k is below our w sends k I-frames and waits
 * for an acknowledgement we send only after t2; a peer whose w is above our k leaves our window
 * full until its own t2. Each is reported once per link (`FlowWarning`); internal to `link.ts`.
 */
import type { Clock } from '../core/clock.js';
import type { LinkParameters } from './link-params.js';
import type { FlowWarning } from './link-types.js';

/** Our k frames unacknowledged this long while more wait is worth a warning. */
const WINDOW_WAIT_MS = 1_000;
/** Stalls at the same count before the peer's k is taken to be that count. */
const STALLS = 2;

export class FlowWatch {
  /** When our last t2 acknowledgement went out, and how many frames it acknowledged. */
  private t2AckAt: number | undefined;
  private t2Acked = 0;
  /** I-frames received since that acknowledgement, within `resumeMs`. */
  private resumed = 0;
  /**
   * Stalls seen, as flat [frames the peer had sent before it, times] pairs (allocated with the
   * first): a handful of counts at most, where a Map would cost ~180 bytes per link.
   */
  private stalls: number[] | undefined;
  /** Since when our window has been full with ASDUs waiting. */
  private fullSince: number | undefined;
  private peerWaitsReported = false;
  private windowFullReported = false;
  /** A peer waiting for our ack resumes within this of it (a round trip, generously). */
  private readonly resumeMs: number;

  constructor(
    private readonly clock: Clock,
    params: LinkParameters,
    private readonly report: ((warning: FlowWarning) => void) | undefined,
  ) {
    this.resumeMs = Math.max(250, params.t2 / 4);
  }

  /** t2 expired and we acknowledged `count` I-frames (fewer than w). */
  ackedOnT2(count: number): void {
    if (count === 0 || this.peerWaitsReported) return;
    this.t2AckAt = this.clock.now();
    this.t2Acked = count;
    this.resumed = 0;
  }

  /**
   * An I-frame arrived. A peer that had stopped for our acknowledgement sends the frames it held
   * back at once: two within `resumeMs` of it make a stall (one could be a periodic report).
   */
  iFrame(): void {
    if (this.t2AckAt === undefined) return;
    if (this.clock.now() - this.t2AckAt > this.resumeMs) {
      this.t2AckAt = undefined;
      return;
    }
    this.resumed += 1;
    if (this.resumed < 2) return;
    this.t2AckAt = undefined;
    const n = this.t2Acked;
    // Allocated at its first pair's size: an array grown by push starts at 17 slots.
    const stalls = (this.stalls ??= [n, 0]);
    let i = 0;
    while (i < stalls.length && stalls[i] !== n) i += 2;
    if (i === stalls.length) stalls.push(n, 0);
    const times = (stalls[i + 1] as number) + 1;
    stalls[i + 1] = times;
    if (times >= STALLS) this.once({ kind: 'peer-waits', unacknowledged: n });
  }

  /** Our window is full and an ASDU has to wait. */
  windowFull(): void {
    this.fullSince ??= this.clock.now();
  }

  /** An acknowledgement arrived; `room`: the window has room again. */
  acknowledged(room: boolean): void {
    if (this.fullSince === undefined || !room) return;
    const waitedMs = this.clock.now() - this.fullSince;
    this.fullSince = undefined;
    if (waitedMs >= WINDOW_WAIT_MS) this.once({ kind: 'window-full', waitedMs });
  }

  private once(warning: FlowWarning): void {
    if (warning.kind === 'peer-waits') {
      if (this.peerWaitsReported) return;
      this.peerWaitsReported = true;
    } else {
      if (this.windowFullReported) return;
      this.windowFullReported = true;
    }
    this.report?.(warning);
  }
}
