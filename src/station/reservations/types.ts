/** The shapes the reservations block keeps and what it asks of the rest of the station. */
import type { ConnectorStatusEvent } from '../../model/events.js';
import type { OcppIdToken } from './tokens.js';

/**
 * How the charger is held for a reservation: `none` (not told: no need, or it cannot be),
 * `held` (made unavailable for it), `released` (made available again for the reserved token's start).
 */
export type Hold = 'none' | 'held' | 'released';

/** One reservation, as stored under `reservation:<id>`. */
export interface Reserved {
  readonly id: number;
  readonly evseId: number;
  readonly expiryDateTime: string;
  readonly idToken: OcppIdToken;
  readonly groupIdToken?: OcppIdToken;
  hold: Hold;
  /** The token let start as the reservation's (its own, or one of its group): its session uses it. */
  admitted?: string;
}

/** What the reservations block reads of the EVSEs' availability (`Availability`). */
export interface EvseStates {
  /** The charger's last report of the connector of `evse`; undefined before its first. */
  chargerState(evse: number): ConnectorStatusEvent['status'] | undefined;
  /** The CSMS left the EVSE and the station Operative. */
  operative(evse: number): boolean;
  /** Reports the EVSE's status again (StatusNotification when it changed). */
  refresh(evse: number): void;
}

/** What availability asks of the reservations (`Reservations`). */
export interface ReservedEvses {
  /** The EVSE is shown Reserved. */
  shown(evse: number): boolean;
  /** The charger's `unavailable` there is a reservation's hold: no reason to refuse a start, nor to show it. */
  holds(evse: number): boolean;
  /** Its state may have changed: a reservation that can no longer be kept ends before it is reported. */
  check(evse: number): void;
  /** The charger itself reported the EVSE's state (not a refresh): a hold it dropped is taken again. */
  chargerReported(evse: number): void;
}
