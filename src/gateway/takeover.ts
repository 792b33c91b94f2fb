/**
 * The takeover request one gateway instance writes into a station's state to ask the instance
 * holding its lease for it (see ownership.ts): `{ by, at, address? }`, and the owner's refusal
 * written back into it as `refused: <why>` when its own charger connection keeps the station.
 */
import type { JsonValue } from '../store/state-store.js';

/** Station state key where an instance asks the owner to hand a station over. */
export const TAKEOVER_KEY = 'fleet.takeover';

/** Who asks for a station: the asking instance and its newcomer's source address. */
export interface TakeoverClaim {
  readonly by: string;
  readonly address?: string;
}

/** The instance asking for the station, unless the request is ours, already refused or older than `notBefore`. */
export function takeoverBy(request: JsonValue | undefined, self: string, notBefore: number): string | undefined {
  if (!isRecord(request) || request['refused'] !== undefined) return undefined;
  const by = request['by'];
  const at = request['at'];
  if (typeof by !== 'string' || by === self || typeof at !== 'number' || at < notBefore) return undefined;
  return by;
}

/** The owner's refusal of our request made at `at`, if it has answered so. */
export function refusalOf(request: JsonValue | undefined, self: string, at: number): string | undefined {
  if (!isRecord(request) || request['by'] !== self || request['at'] !== at) return undefined;
  const refused = request['refused'];
  return typeof refused === 'string' ? refused : undefined;
}

/** A JSON object (not null, not an array). */
export function isRecord(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
