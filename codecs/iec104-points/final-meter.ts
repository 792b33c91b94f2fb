/**
 * The end of a charging session waits for its final meter reading: a charger may report that it
 * stopped charging before its last counter value, so the session asks for the counters and ends
 * the session with the next energy reading of its connector, or after a short wait with the
 * register as it stands.
 */
import type { ChargerEvent, MeasurementsEvent } from '../../src/model/events.js';
import type { CodecClock } from '../codec.js';
import type { ConnectorStates } from './connectors.js';
import type { PointTable } from './points.js';

export interface FinalMeterHost {
  readonly clock: CodecClock;
  readonly states: ConnectorStates;
  readonly table: PointTable;
  emit(events: readonly ChargerEvent[]): void;
  /** Asks the charger for its counters (C_CI_NA_1). */
  interrogateCounters(): void;
  /** Longest wait for the reading. */
  readonly waitMs: number;
}

export class FinalMeter {
  /** Set while waiting for the final meter reading of ended sessions. */
  private timer: unknown;

  constructor(private readonly host: FinalMeterHost) {}

  /** True while some session waits for its final meter reading (checked after every monitor ASDU). */
  get waiting(): boolean {
    return this.timer !== undefined || this.host.states.anyEnding;
  }

  /** After a monitor ASDU: ends the sessions whose register it read, and waits for the others. */
  afterMonitor(measured: readonly MeasurementsEvent[]): void {
    const { states, clock } = this.host;
    for (const m of measured) {
      // The session's register is the phase-less energy point; per-phase registers do not end it,
      // nor does a reading the charger flagged (it never becomes the register: see `marked`).
      if (m.values.some((v) => v.measurand === 'energy' && v.phase === undefined && v.quality === undefined)) this.host.emit(states.finishEnding(m.connector));
    }
    const ending = states.endingConnectors();
    if (ending.length === 0) {
      clock.clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined) return;
    if (!ending.some((c) => this.host.table.hasEnergy(c))) {
      this.finish();
      return;
    }
    this.host.interrogateCounters();
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.finish();
    }, this.host.waitMs);
  }

  /** Ends every waiting session with the register as it stands. */
  finish(): void {
    this.host.clock.clearTimeout(this.timer);
    this.timer = undefined;
    this.host.emit(this.host.states.finishEnding());
  }
}
