/**
 * A budget of log lines per window, for lines whose rate the charger side decides (one per bad
 * frame): the first `limit` lines of each window are logged, the rest only counted, and the count
 * is reported once instead. Windows are fixed: one begins at the first line after the previous
 * one ended. Metrics count every occurrence; only the log is limited.
 */

/** Bad-frame lines logged per connection and window (the connection's `badFrameWindowMs`). */
export const BAD_FRAME_LINES_PER_CONNECTION = 5;
/** Bad-frame lines logged across all connections per window. */
const BAD_FRAME_LINES_PER_GATEWAY = 50;

export class LineBudget {
  private start = Number.NEGATIVE_INFINITY;
  private used = 0;
  private dropped = 0;

  /**
   * @param limit lines logged per window
   * @param windowMs the window's length
   * @param now the clock, in ms
   */
  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /**
   * Spends a line. `log` says whether to write it; `droppedBefore` is the number of lines left out
   * in the window that ended before this one began (0 when none, or already taken by `flush`),
   * for the caller to report once.
   */
  spend(): { readonly log: boolean; readonly droppedBefore: number } {
    const now = this.now();
    let droppedBefore = 0;
    if (now - this.start >= this.windowMs) {
      droppedBefore = this.flush();
      this.start = now;
      this.used = 0;
    }
    if (this.used < this.limit) {
      this.used += 1;
      return { log: true, droppedBefore };
    }
    this.dropped += 1;
    return { log: false, droppedBefore };
  }

  /** When the current window ends (ms on the budget's clock); -Infinity before the first line. */
  get endsAt(): number {
    return this.start + this.windowMs;
  }

  /** The lines left out and not reported yet; they count as reported from now on. */
  flush(): number {
    const n = this.dropped;
    this.dropped = 0;
    return n;
  }
}

/**
 * The gateway-wide budget of bad-frame lines, shared by every connection: `allow` says whether one
 * more line may be written; the lines it held back are reported in one line when their window
 * ends (a timer that keeps no process alive) or at `stop`.
 */
export class GatewayBadFrameLines {
  private readonly budget: LineBudget;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    windowMs: number,
    private readonly report: (notLogged: number, windowMs: number) => void,
  ) {
    this.budget = new LineBudget(BAD_FRAME_LINES_PER_GATEWAY, windowMs, Date.now);
  }

  allow(): boolean {
    const { log, droppedBefore } = this.budget.spend();
    this.flush(droppedBefore);
    if (!log && this.timer === undefined) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.flush();
        },
        Math.max(1, this.budget.endsAt - Date.now()),
      );
      this.timer.unref();
    }
    return log;
  }

  /** Reports what is still held back and stops the timer. */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.flush();
  }

  private flush(notLogged = this.budget.flush()): void {
    if (notLogged > 0) this.report(notLogged, this.budget.windowMs);
  }
}
