/**
 * Clock-aligned meter values (J01, AlignedDataCtrlr): every `Interval` seconds counted from UTC
 * midnight, each EVSE's latest measurements with context `Sample.Clock` —
 * - outside a transaction as MeterValues{evseId} (only while the CSMS can hear it: these are not
 *   transaction messages and are not queued);
 * - inside one as a TransactionEvent Updated with triggerReason MeterValueClock, through the
 *   durable queue — unless `SendDuringIdle` is true, which keeps them for idle EVSEs only;
 * and every `TxEndedInterval` seconds (also clock-aligned) a `TxEndedMeasurands` sample kept for
 * the transaction's Ended event.
 * An interval that does not divide a day restarts at midnight. There is no grid meter, so no
 * values for EVSE 0.
 * Each sample carries the latest reading of every configured measurand (chargers often report each
 * in its own ASDU), with two cut-offs so that no stale value is reported as the present one:
 * - a reading older than two intervals (and at least ten minutes) before the boundary is left out
 *   (`staleBefore`): the charger stopped reporting it;
 * - inside a transaction, a reading from before the transaction started is left out: it belongs to
 *   the idle connector or an earlier session, not to this transaction's figures.
 * A connector with no reading left is skipped.
 */
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { background, type StationContext } from '../context.js';
import { staleBefore } from './latest-values.js';
import { meterValue, sampledValues } from './meter-values.js';
import type { Transactions } from '../transactions/transactions.js';

const DAY_MS = 86_400_000;

/** The first boundary after `now` of intervals of `intervalMs` counted from UTC midnight. */
export function nextAlignedTime(now: number, intervalMs: number): number {
  const midnight = Math.floor(now / DAY_MS) * DAY_MS;
  const next = midnight + (Math.floor((now - midnight) / intervalMs) + 1) * intervalMs;
  return Math.min(next, midnight + DAY_MS);
}

type Timer = 'Interval' | 'TxEndedInterval';

export class AlignedData {
  private readonly timers = new Map<Timer, unknown>();
  /** Samples waiting for their share of the spread, oldest first (see the constructor's `spreadMs`). */
  private spreading: { readonly timer: unknown; readonly go: () => void }[] = [];
  private stopped = false;

  constructor(
    private readonly ctx: StationContext,
    /**
     * Spread of the queueing and sending, in ms (default 0: at the boundary). Every station's
     * boundaries fall at the same instant, so a gateway's stations would all queue and send in one
     * event-loop turn (2,000 stations: a 0.25 s stall, in proportion beyond). With a spread, each
     * station samples at the boundary (same values, same timestamp) and queues a fixed share of the
     * spread later, taken from its id, or at once when anything else is serialized first (`flush`),
     * so its events keep their order. Capped at a tenth of the interval.
     */
    private readonly spreadMs?: number,
  ) {}

  private get transactions(): Transactions {
    return this.ctx.blocks.transactions;
  }

  /** Runs `work` in the order of the charger's events (TransactionEvents keep their place). */
  private serialize(work: () => Promise<void>): void {
    void this.ctx.serialize('clock-aligned meter values', work);
  }

  /** (Re)arms both timers from the current variable values; call again after they change. */
  start(): void {
    this.arm('Interval');
    this.arm('TxEndedInterval');
  }

  /** Stops the timers; samples waiting for their share of the spread go on now. */
  dispose(): void {
    this.stopped = true;
    for (const t of this.timers.values()) this.ctx.clock.clearTimeout(t);
    this.timers.clear();
    this.flush();
  }

  /**
   * Queues (or sends) every sample still waiting for its share of the spread, in order. The engine
   * calls this before serializing anything else, so nothing overtakes a clock-aligned event.
   */
  flush(): void {
    if (this.spreading.length === 0) return;
    const waiting = this.spreading;
    this.spreading = [];
    for (const w of waiting) {
      this.ctx.clock.clearTimeout(w.timer);
      w.go();
    }
  }

  private arm(which: Timer): void {
    this.ctx.clock.clearTimeout(this.timers.get(which));
    this.timers.delete(which);
    if (this.stopped) return;
    const intervalMs = this.ctx.dm.getNumber('AlignedDataCtrlr', which) * 1000;
    if (!(intervalMs > 0)) return;
    const now = this.ctx.clock.now();
    const at = nextAlignedTime(now, intervalMs);
    this.timers.set(
      which,
      this.ctx.clock.setTimeout(() => {
        this.timers.delete(which);
        this.tick(which, at, intervalMs);
        this.arm(which);
      }, at - now),
    );
  }

  private tick(which: Timer, at: number, intervalMs: number): void {
    const measurands = new Set(this.ctx.dm.getList('AlignedDataCtrlr', which === 'Interval' ? 'Measurands' : 'TxEndedMeasurands'));
    const stale = staleBefore(at, intervalMs);
    const delay = this.delayFor(intervalMs);
    const latest = this.transactions.latestValues;
    for (const connector of latest.connectorIds()) {
      if (connector < 1) continue;
      const m = latest.snapshot(connector, Math.max(stale, this.transactions.openSince(connector) ?? stale));
      if (m === undefined) continue;
      const sample = meterValue(ocppTimestamp(at), sampledValues(m, 'Sample.Clock', measurands));
      if (sample === undefined) continue;
      if (which === 'TxEndedInterval') {
        if (this.transactions.hasOpen(connector)) this.after(delay, () => this.serialize(() => this.transactions.endedSample(connector, sample)));
        continue;
      }
      if (this.transactions.hasOpen(connector)) {
        if (this.ctx.dm.getBoolean('AlignedDataCtrlr', 'SendDuringIdle')) continue;
        // Re-checked in order: the transaction may end before this runs; then it is idle data.
        this.after(delay, () =>
          this.serialize(async () => {
            if (!(await this.transactions.clockAligned(connector, sample))) this.sendMeterValues(connector, sample);
          }),
        );
        continue;
      }
      this.after(delay, () => this.sendMeterValues(connector, sample));
    }
  }

  /** This station's share of the spread for boundaries `intervalMs` apart (see the constructor's `spreadMs`). */
  private delayFor(intervalMs: number): number {
    const spread = Math.min(this.spreadMs ?? 0, Math.floor(intervalMs / 10));
    if (!(spread > 0)) return 0;
    let hash = 0;
    for (let i = 0; i < this.ctx.id.length; i++) hash = (Math.imul(hash, 31) + this.ctx.id.charCodeAt(i)) >>> 0;
    return hash % spread;
  }

  /** Runs `go` now for 0, else after `ms` or at the next `flush`, whichever comes first. */
  private after(ms: number, go: () => void): void {
    if (ms === 0 || this.stopped) {
      go();
      return;
    }
    // The station's share is fixed, so whatever waits before this is due as well: all go, in order.
    this.spreading.push({ timer: this.ctx.clock.setTimeout(() => this.flush(), ms), go });
  }

  private sendMeterValues(evseId: number, sample: NonNullable<ReturnType<typeof meterValue>>): void {
    if (!this.ctx.isOnline()) return;
    background(this.ctx, 'MeterValues', this.ctx.call('MeterValues', { evseId, meterValue: [sample] }));
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly aligned: AlignedData;
  }
}
