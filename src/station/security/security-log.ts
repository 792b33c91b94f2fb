/**
 * The station's security events as kept for GetLog(SecurityLog): the newest `SECURITY_LOG_SIZE`
 * of them, persisted with the station's state (one key, rewritten per event: events are rare and
 * recorded one after the other on the engine's event chain, so the read-then-write is not raced).
 */
import type { JsonValue, StateStore } from '../../store/state-store.js';

const KEY = 'logs.security';
/** Events kept per station. */
const SECURITY_LOG_SIZE = 200;

export interface SecurityLogEntry {
  /** OCPP timestamp of the event. */
  readonly timestamp: string;
  readonly type: string;
  readonly techInfo?: string;
}

export async function appendSecurityLog(store: StateStore, station: string, entry: SecurityLogEntry): Promise<void> {
  const kept = await readSecurityLog(store, station);
  kept.push(entry);
  await store.set(station, KEY, kept.slice(-SECURITY_LOG_SIZE) as unknown as JsonValue);
}

export async function readSecurityLog(store: StateStore, station: string): Promise<SecurityLogEntry[]> {
  const value = await store.get(station, KEY);
  if (!Array.isArray(value)) return [];
  return value.filter((v): v is JsonValue & SecurityLogEntry => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v['timestamp'] === 'string' && typeof v['type'] === 'string');
}

/** One line per event: `<timestamp> <type>[ <techInfo>]`. */
export function securityLogLine(e: SecurityLogEntry): string {
  return `${e.timestamp} ${e.type}${e.techInfo !== undefined ? ` ${e.techInfo}` : ''}`;
}
