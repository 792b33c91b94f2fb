/**
 * The end of a charging session waits for its final meter reading: a charger may report that it
 * stopped charging before its last counter value, so the session asks for the counters and ends
 * the session with the next energy reading of its connector, or after a short wait with the
 * register as it stands. A session start (or the idle report of a connection's first word on a
 * connector) whose register this connection has not read yet waits the same way (see
 * `ConnectorStates.lacks`): a start is never reported without its meter start only because the
 * counters had not been read.
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
  /** Set while session starts or idle reports wait for their figures (a wait of its own: see `afterMonitor`). */
  private openTimer: unknown;

  constructor(private readonly host: FinalMeterHost) {}

  /** True while some session waits for a meter reading (checked after every monitor ASDU). */
  get waiting(): boolean {
    return this.timer !== undefined || this.openTimer !== undefined || this.host.states.anyEnding || this.host.states.anyOpening;
  }

  /**
   * After a monitor ASDU: ends the sessions whose register it read, and waits for the others.
   * Starts and idle reports go out as soon as their figures are read (`ConnectorStates.flush`);
   * they wait on a timer of their own, so that a start waiting since the connection came up never
   * cuts short the wait for a later end's final reading.
   */
  afterMonitor(measured: readonly MeasurementsEvent[]): void {
    const { states, clock } = this.host;
    for (const m of measured) {
      // The session's register is the phase-less energy point; per-phase registers do not end it,
      // nor does a reading the charger flagged (it never becomes the register: see `marked`).
      if (m.values.some((v) => v.measurand === 'energy' && v.phase === undefined && v.quality === undefined)) this.host.emit(states.finishEnding(m.connector));
    }
    this.waitForOpenings();
    const ending = states.endingConnectors();
    if (ending.length === 0) {
      clock.clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined) return;
    if (!ending.some((c) => this.host.table.hasEnergy(c))) {
      this.host.emit(states.finishEnding());
      return;
    }
    this.host.interrogateCounters();
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.host.emit(this.host.states.finishEnding());
    }, this.host.waitMs);
  }

  /** Ends every waiting session with the register as it stands; reports the waiting starts and idle connectors. */
  finish(): void {
    this.host.clock.clearTimeout(this.timer);
    this.host.clock.clearTimeout(this.openTimer);
    this.timer = this.openTimer = undefined;
    this.host.emit(this.host.states.finishEnding());
    this.host.emit(this.host.states.finishOpening());
  }

  /** Session starts and idle reports wait (bounded) for the counters they lack. */
  private waitForOpenings(): void {
    const { states, clock } = this.host;
    if (!states.anyOpening) {
      clock.clearTimeout(this.openTimer);
      this.openTimer = undefined;
      return;
    }
    if (this.openTimer !== undefined) return;
    // Refused while the start-up counter interrogation is still in flight, which answers as well.
    this.host.interrogateCounters();
    this.openTimer = clock.setTimeout(() => {
      this.openTimer = undefined;
      this.host.emit(this.host.states.finishOpening());
    }, this.host.waitMs);
  }
}
