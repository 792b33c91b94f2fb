/**
 * `log.ocppTrace`: the stations whose every OCPP message is logged, at pino's `trace` level on a
 * logger of their own, so the trace shows whatever `log.level` says and the other stations stay
 * quiet. The endpoint redacts the messages (`src/ocpp/trace.ts`).
 */
import type { Logger } from 'pino';
import type { OcppTrace } from '../ocpp/trace.js';
import type { LogConfig } from './config.js';

/** Who a traced station is, as its other log lines say. */
export interface TracedStation {
  readonly stationId: string;
  readonly chargerId: string;
  readonly codec: string;
}

/** Whether `log.ocppTrace` names the station (by its station id or its charger id). */
export function traced(config: LogConfig, station: Pick<TracedStation, 'stationId' | 'chargerId'>): boolean {
  const { ocppTrace } = config;
  if (ocppTrace === undefined) return false;
  return ocppTrace === 'all' || ocppTrace.includes(station.stationId) || ocppTrace.includes(station.chargerId);
}

/** The station's OCPP trace, or undefined when `log.ocppTrace` does not name it. */
export function ocppTraceFor(config: LogConfig, logger: Logger, station: TracedStation): OcppTrace | undefined {
  if (!traced(config, station)) return undefined;
  const log = logger.child({ chargerId: station.chargerId, stationId: station.stationId, codec: station.codec }, { level: 'trace' });
  return (entry) => log.trace({ ...entry }, `OCPP ${entry.direction} ${entry.messageType}${entry.action !== undefined ? ` ${entry.action}` : ''}`);
}
