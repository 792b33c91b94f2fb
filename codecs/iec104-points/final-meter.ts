/**
 * The end of a charging session waits for its final meter reading: a charger may report that it
 * stopped charging before its last counter value, so the session asks for the counters and ends
 * the session with the next energy reading of its connector, or after a short wait with the
 * register as it stands. A session start (or the idle report of a connection's first word on a
 * connector) whose register this connection has not read yet waits the same way (see
 * `ConnectorStates.lacks`): a start is never reported without its meter start only because the
 * counters had not been read.
 */
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { ChargerEvent, MeasurementsEvent } from '../../src/model/events.js';
import type { SessionContext } from '../codec.js';
import type { ConnectorStates } from './connectors.js';
import type { PointTable } from './points.js';

/** Prefix of the ids of the counter interrogations asked for a meter reading. */
export const FINAL_METER_ID = 'internal:ci-end';

/**
 * The session the counter interrogation goes through (the session itself: a connection carries no
 * host object and closures for this).
 */
export interface FinalMeterSession {
  command(command: ChargerCommand): CommandOutcome;
}

export class FinalMeter {
  /** Set while waiting for the final meter reading of ended sessions. */
  private timer: unknown;
  /** Set while session starts or idle reports wait for their figures (a wait of its own: see `afterMonitor`). */
  private openTimer: unknown;

  constructor(
    private readonly session: FinalMeterSession,
    /** The session's clock, and its sink for the events that start and end sessions. */
    private readonly ctx: Pick<SessionContext<unknown>, 'clock' | 'sink'>,
    private readonly states: ConnectorStates,
    private readonly table: PointTable,
    /** Longest wait for the reading. */
    private readonly waitMs: number,
  ) {}

  /** True while some session waits for a meter reading (checked after every monitor ASDU). */
  get waiting(): boolean {
    return this.timer !== undefined || this.openTimer !== undefined || this.states.anyEnding || this.states.anyOpening;
  }

  /**
   * After a monitor ASDU: ends the sessions whose register it read, and waits for the others.
   * Starts and idle reports go out as soon as their figures are read (`ConnectorStates.flush`);
   * they wait on a timer of their own, so that a start waiting since the connection came up never
   * cuts short the wait for a later end's final reading.
   */
  afterMonitor(measured: readonly MeasurementsEvent[]): void {
    const { states } = this;
    const { clock } = this.ctx;
    for (const m of measured) {
      // The session's register is the phase-less energy point; per-phase registers do not end it,
      // nor does a reading the charger flagged (it never becomes the register: see `marked`).
      if (m.values.some((v) => v.measurand === 'energy' && v.phase === undefined && v.quality === undefined)) this.emit(states.finishEnding(m.connector));
    }
    this.waitForOpenings();
    const ending = states.endingConnectors();
    if (ending.length === 0) {
      clock.clearTimeout(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined) return;
    if (!ending.some((c) => this.table.hasEnergy(c))) {
      this.emit(states.finishEnding());
      return;
    }
    this.interrogateCounters();
    this.timer = clock.setTimeout(() => {
      this.timer = undefined;
      this.emit(this.states.finishEnding());
    }, this.waitMs);
  }

  /** Ends every waiting session with the register as it stands; reports the waiting starts and idle connectors. */
  finish(): void {
    this.ctx.clock.clearTimeout(this.timer);
    this.ctx.clock.clearTimeout(this.openTimer);
    this.timer = this.openTimer = undefined;
    this.emit(this.states.finishEnding());
    this.emit(this.states.finishOpening());
  }

  /** Session starts and idle reports wait (bounded) for the counters they lack. */
  private waitForOpenings(): void {
    const { states } = this;
    const { clock } = this.ctx;
    if (!states.anyOpening) {
      clock.clearTimeout(this.openTimer);
      this.openTimer = undefined;
      return;
    }
    if (this.openTimer !== undefined) return;
    // Refused while the start-up counter interrogation is still in flight, which answers as well.
    this.interrogateCounters();
    this.openTimer = clock.setTimeout(() => {
      this.openTimer = undefined;
      this.emit(this.states.finishOpening());
    }, this.waitMs);
  }

  /** Asks the charger for its counters (C_CI_NA_1). */
  private interrogateCounters(): void {
    this.session.command({ type: 'interrogate', id: `${FINAL_METER_ID}-${this.ctx.clock.now()}`, scope: 'counters' });
  }

  private emit(events: readonly ChargerEvent[]): void {
    const sink = this.ctx.sink;
    for (let i = 0; i < events.length; i++) sink.event(events[i] as ChargerEvent);
  }
}
