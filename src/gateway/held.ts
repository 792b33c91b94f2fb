/**
 * Chargers held back: identified, accepted, and still without their station because what the start
 * waits for does not come (the store is unreachable, another instance holds the station's lease,
 * the engine of the charger's previous connection is still stopping). A start is watched from its
 * beginning; once it has waited `afterMs` (at once while the store is known to be unreachable) the
 * charger is held back: said at warn with the reason and counted
 * (`pilegate_chargers_held_total{reason}`), and again when the reason changes. The charger's own
 * connection is served meanwhile (its protocol's login answer, heartbeats); its events wait in
 * order for the station.
 */
import { systemClock, type Clock } from '../core/clock.js';
import type { Log } from '../core/log.js';

export const HOLD_REASONS = ['store_unreachable', 'ownership_lease', 'previous_connection', 'slow_start'] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

/** What a station start is doing: waiting for its previous engine, taking its lease, loading its state. */
export type StartPhase = 'previous_connection' | 'lease' | 'state';

/** Held back this long (unless the store is unreachable, which holds at once). */
const HELD_AFTER_MS = 1_000;
/** How often a held start's reason is looked at again. */
const RECHECK_MS = 1_000;

const DETAILS: Readonly<Record<HoldReason, string>> = {
  store_unreachable: 'the state store is unreachable: the station starts once it answers',
  ownership_lease: "waiting for the station's ownership lease (another gateway instance holds it until it hands it over)",
  previous_connection: "waiting for the engine of the charger's previous connection to stop",
  slow_start: "the station's state is slow to load from the store",
};

export interface HeldChargersOptions {
  readonly storeReachable: () => boolean;
  /** A charger held back for `reason` (once per reason per start). */
  readonly counted: (reason: HoldReason) => void;
  readonly clock?: Clock;
  readonly afterMs?: number;
}

/** One station start, watched. */
export interface StartWatch {
  phase(phase: StartPhase): void;
  /** The start is over: `started` (the station runs), or the charger was refused, or it failed. */
  end(outcome: 'started' | 'refused' | 'failed'): void;
}

export class HeldChargers {
  private readonly watches = new Set<Watch>();
  private readonly clock: Clock;

  constructor(private readonly options: HeldChargersOptions) {
    this.clock = options.clock ?? systemClock;
  }

  /** Watches a start; `log` is the charger's (it names the charger and station), `gone` true once its connection closed. */
  watch(log: Log, gone: () => boolean): StartWatch {
    const w: Watch = new Watch(this.clock, log, gone, {
      due: () => this.check(w),
      ended: () => this.watches.delete(w),
    });
    this.watches.add(w);
    if (!this.options.storeReachable()) this.check(w);
    else w.arm(this.options.afterMs ?? HELD_AFTER_MS);
    return w;
  }

  /** Chargers held back now, by reason. */
  counts(): Map<HoldReason, number> {
    const by = new Map<HoldReason, number>();
    for (const w of this.watches) if (w.reason !== undefined) by.set(w.reason, (by.get(w.reason) ?? 0) + 1);
    return by;
  }

  /** Forgets every watch (the gateway stops). */
  stop(): void {
    for (const w of this.watches) w.disarm();
    this.watches.clear();
  }

  /** A start that is taking long: held back, and for what. */
  private check(w: Watch): void {
    if (w.gone()) {
      w.disarm();
      this.watches.delete(w);
      return;
    }
    const reason = this.reasonOf(w.current);
    if (reason !== w.reason) {
      w.reason = reason;
      if (!w.counted.has(reason)) this.options.counted(reason);
      w.counted.add(reason);
      w.log('warn', 'charger held back', { reason, detail: DETAILS[reason], waitedMs: this.clock.now() - w.startedAt });
    }
    w.arm(RECHECK_MS);
  }

  private reasonOf(phase: StartPhase): HoldReason {
    if (!this.options.storeReachable()) return 'store_unreachable';
    if (phase === 'previous_connection') return 'previous_connection';
    return phase === 'lease' ? 'ownership_lease' : 'slow_start';
  }
}

class Watch implements StartWatch {
  current: StartPhase = 'previous_connection';
  reason: HoldReason | undefined;
  /** The reasons this start was counted for already (each once, however often it comes back). */
  readonly counted = new Set<HoldReason>();
  readonly startedAt: number;
  private timer: unknown;
  private ended = false;

  constructor(
    private readonly clock: Clock,
    readonly log: Log,
    readonly gone: () => boolean,
    private readonly hooks: { readonly due: () => void; readonly ended: () => void },
  ) {
    this.startedAt = clock.now();
  }

  phase(phase: StartPhase): void {
    this.current = phase;
  }

  arm(ms: number): void {
    this.disarm();
    if (this.ended) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.hooks.due();
    }, ms);
  }

  disarm(): void {
    if (this.timer !== undefined) this.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  end(outcome: 'started' | 'refused' | 'failed'): void {
    if (this.ended) return;
    this.ended = true;
    this.disarm();
    this.hooks.ended();
    if (this.reason === undefined) return;
    const waitedMs = this.clock.now() - this.startedAt;
    const why = outcome === 'started' ? 'its station starts' : this.gone() ? 'its connection closed' : outcome;
    this.log('info', `charger no longer held back: ${why}`, { waitedMs });
  }
}
