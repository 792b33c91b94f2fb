/**
 * The one log sink every layer below the gateway is handed (codec sessions, the IEC 104 link's
 * hosts, the OCPP endpoint and client, the station engine). None of them imports a logger: the host
 * adds who is speaking (charger, station) and routes the line to its own.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** A structured log line; `data` never holds secrets. */
export type Log = (level: LogLevel, message: string, data?: Readonly<Record<string, unknown>>) => void;
