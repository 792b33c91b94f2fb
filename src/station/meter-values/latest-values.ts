/**
 * The latest reading of every measurand (and phase) of each connector, with when it was measured.
 * A measurements event carries what the charger measured together, and many chargers report each
 * measurand on its own (one IEC 104 ASDU per point): a sample built from the last event alone would
 * carry only its measurand. Every sample (periodic, clock-aligned, Ended, triggered) is built from
 * these readings instead, each path choosing how old a reading it still accepts (`since`).
 */
import type { Measurement, MeasurementsEvent } from '../../model/events.js';

/** A reading is stale this long before a sample at the least (see `staleBefore`). */
export const MIN_STALE_MS = 600_000;

/**
 * The oldest reading time a sample at `at` (epoch ms) taken every `intervalMs` still uses: two
 * intervals back, and at least ten minutes. A charger that reports a point only on change sends it
 * again on the periodic general interrogation well within that; one older is a point the charger
 * stopped reporting, and reporting it would present a stale value as the present one.
 */
export function staleBefore(at: number, intervalMs: number): number {
  return at - Math.max(2 * intervalMs, MIN_STALE_MS);
}

interface Reading {
  readonly value: Measurement;
  readonly at: number;
}

export class LatestValues {
  /** By connector, then by `measurand/phase`, in the order each was first read. */
  private readonly connectors = new Map<number, Map<string, Reading>>();

  /**
   * Takes the readings of `e`, but for a flagged energy register reading. A value that is no finite
   * number is kept too, as the latest reading of its measurand: it is unusable, and the older one
   * before it would be reported as current.
   */
  note(e: MeasurementsEvent): void {
    let readings = this.connectors.get(e.connector);
    if (readings === undefined) this.connectors.set(e.connector, (readings = new Map()));
    const at = Date.parse(e.at);
    for (const v of e.values) {
      // An energy register reading the charger flagged (overflow, substituted, blocked) is never a
      // sample's register: a CSMS may bill on the last one it sees.
      if (v.quality !== undefined && v.measurand === 'energy') continue;
      const key = v.phase === undefined ? v.measurand : `${v.measurand}/${v.phase}`;
      readings.set(key, { value: v, at });
    }
  }

  /** Connectors with readings. */
  connectorIds(): IterableIterator<number> {
    return this.connectors.keys();
  }

  /**
   * The connector's latest readings measured at or after `since` (epoch ms) and, with `windowMs`,
   * at most that long before its newest reading, as one event stamped with the newest of their
   * times; undefined when there is none. Unusable readings (no finite number) are left out: their
   * measurand has no value now.
   */
  snapshot(connector: number, since = Number.NEGATIVE_INFINITY, windowMs = Number.POSITIVE_INFINITY): MeasurementsEvent | undefined {
    const readings = this.connectors.get(connector);
    if (readings === undefined) return undefined;
    let from = since;
    if (windowMs !== Number.POSITIVE_INFINITY) {
      let newest = Number.NEGATIVE_INFINITY;
      for (const r of readings.values()) if (r.at > newest) newest = r.at;
      from = Math.max(from, newest - windowMs);
    }
    const values: Measurement[] = [];
    let newest = Number.NEGATIVE_INFINITY;
    for (const r of readings.values()) {
      if (r.at < from || !Number.isFinite(r.value.value)) continue;
      values.push(r.value);
      if (r.at > newest) newest = r.at;
    }
    return values.length === 0 ? undefined : { type: 'measurements', connector, at: new Date(newest).toISOString(), values };
  }

  /**
   * Each connector's snapshot of the readings measured at most `windowMs` before its newest one:
   * one picture of the same period, where no transaction or clock boundary gives a cut-off (what
   * TriggerMessage(MeterValues) sends).
   */
  recent(windowMs: number): Map<number, MeasurementsEvent> {
    const out = new Map<number, MeasurementsEvent>();
    for (const connector of this.connectors.keys()) {
      const m = this.snapshot(connector, Number.NEGATIVE_INFINITY, windowMs);
      if (m !== undefined) out.set(connector, m);
    }
    return out;
  }
}
