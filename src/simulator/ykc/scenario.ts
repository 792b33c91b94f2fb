/** A scripted workload for a connected YKC simulator (`pilegate simulate --codec ykc`). */
import type { YkcCharger } from './charger.js';

export interface YkcScenarioOptions {
  /** Card used for the sessions (hex). Default `D14B0A54`. */
  readonly card?: string;
  /** Start a card session on each idle gun this often. Default 60 000 ms. */
  readonly sessionEveryMs?: number;
  /** Length of each session. Default 30 000 ms. */
  readonly sessionLengthMs?: number;
  /** Stop reason code of each record (docs/protocols/ykc.md §5). Default 0x45 (manual stop). */
  readonly stopReason?: number;
}

/**
 * Keeps a connected simulator busy for `pilegate simulate`: card sessions on every gun in turn,
 * each ended after `sessionLengthMs` with a record upload. Returns a function that stops it.
 */
export function runYkcScenario(sim: YkcCharger, options: YkcScenarioOptions = {}): () => void {
  const timers = new Set<unknown>();
  const gunCount = sim.options.gunCount ?? 1;
  let next = 1;
  let stopped = false;
  const later = (fn: () => void, ms: number): void => {
    const t = sim.clock.setTimeout(() => {
      timers.delete(t);
      if (!stopped) fn();
    }, ms);
    timers.add(t);
  };
  const tick = (): void => {
    const gun = next;
    next = (next % gunCount) + 1;
    sim
      .swipeCard(gun, options.card ?? 'D14B0A54')
      .then((c) => {
        if (c.authResult === 1) later(() => sim.stopCharging(gun, options.stopReason ?? 0x45), options.sessionLengthMs ?? 30_000);
      })
      .catch(() => undefined);
    later(tick, options.sessionEveryMs ?? 60_000);
  };
  later(tick, 0);
  return () => {
    stopped = true;
    for (const t of timers) sim.clock.clearTimeout(t);
    timers.clear();
  };
}
