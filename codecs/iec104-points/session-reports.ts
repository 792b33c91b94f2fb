/**
 * What a connection reports of a connector's sessions beyond their start and end as seen: the
 * figures a report waits for, the start of a session (with the charger's own start figures when it
 * was found running as the connection came up) and the idle report of a connection's first word on
 * a connector. `ConnectorStates` decides when; this says what.
 */
import type { IdleAtConnectEvent, SessionStartedEvent, StopReason, Timestamp } from '../../src/model/events.js';

/** The figures a point table gives one connector. */
export interface MappedFigures {
  /** Its energy register. */
  readonly register: boolean;
  /** The charger's own start energy and start time of its running session. */
  readonly startEnergy: boolean;
  readonly startTime: boolean;
}

export const NO_FIGURES: MappedFigures = { register: false, startEnergy: false, startTime: false };

/** What this connection has read of a connector's figures. */
export interface ReadFigures {
  readonly energyWh?: number;
  /** When `energyWh` was read. */
  readonly energyAt?: Timestamp;
  /** The charger's own start figures of its running session. */
  readonly startWh?: number;
  readonly startedAt?: Timestamp;
  /** The start time point was read, whether or not it held a time (0: none). */
  readonly startTimeRead?: boolean;
}

/**
 * True when a report would lack a figure the point table gives and this connection has not read
 * yet: the register (a session's meter start, the register of an idle connector), and for a
 * session found running (`found`) the charger's own start energy and time. The report waits for
 * them (see `FinalMeter`): a start reported before the register is read has no meter start, and a
 * running session could not be told from another one.
 */
export function lacks(mapped: MappedFigures, read: ReadFigures, found: boolean): boolean {
  if (mapped.register && read.energyWh === undefined) return true;
  return found && ((mapped.startEnergy && read.startWh === undefined) || (mapped.startTime && read.startTimeRead !== true));
}

/** A session seen starting at `at` (`found`: running as the connection came up), reported with the figures read. */
export function sessionStart(connector: number, session: { readonly id: string; readonly commandId?: string }, at: Timestamp, found: boolean, read: ReadFigures): SessionStartedEvent {
  // A register read after the start was seen says when: it may hold energy of this session.
  const readLater = read.energyAt !== undefined && read.energyWh !== undefined && Date.parse(read.energyAt) > Date.parse(at);
  return {
    type: 'sessionStarted',
    connector,
    legacyTransactionId: session.id,
    ...(read.energyWh !== undefined ? { meterStartWh: read.energyWh } : {}),
    ...(readLater ? { meterStartAt: read.energyAt as Timestamp } : {}),
    at,
    ...(session.commandId !== undefined ? { commandId: session.commandId } : {}),
    ...(found ? { alreadyRunning: { ...(read.startedAt !== undefined ? { startedAt: read.startedAt } : {}), ...(read.startWh !== undefined ? { startWh: read.startWh } : {}) } } : {}),
  };
}

/** A connector idle as the connection came up (seen at `at`), with the register read. */
export function idleAtConnect(connector: number, at: Timestamp, read: ReadFigures, reason: StopReason): IdleAtConnectEvent {
  return {
    type: 'idleAtConnect',
    connector,
    at,
    ...(read.energyWh !== undefined ? { meterWh: read.energyWh, meterAt: read.energyAt ?? at } : {}),
    reason,
  };
}
