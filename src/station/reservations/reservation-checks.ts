/**
 * What ReserveNow and CancelReservation answer from the request, the Device Model and the EVSE's
 * state alone, before a reservation is looked up, held at the charger or stored (H01, H02): plain
 * functions over the station's context, so `Reservations` keeps only what changes reservations.
 */
import type { RequestOf } from '../../ocpp/actions.js';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import { info } from '../charger-commands.js';
import type { StationContext } from '../context.js';
import type { EvseStates, Reserved } from './types.js';

export type ReserveAnswer = HandlerResult<'ReserveNow'>;
type StatusInfo = { reasonCode: string; additionalInfo: string };

/** A charging session or an open transaction on the EVSE. */
export function inUse(ctx: StationContext, evse: number): boolean {
  return ctx.blocks.chargerEvents.sessionRunning(evse) || ctx.blocks.transactions.transactionOf(evse) !== undefined;
}

/** The answer to a reservation request while ReservationCtrlr.Enabled is false (H01.FR.01), else undefined. */
export function disabled(ctx: StationContext): { status: 'Rejected'; statusInfo: StatusInfo } | undefined {
  return ctx.dm.getBoolean('ReservationCtrlr', 'Enabled') ? undefined : { status: 'Rejected', statusInfo: info('Disabled', 'ReservationCtrlr.Enabled is false') };
}

function rejected(reasonCode: string, why: string): ReserveAnswer {
  return { status: 'Rejected', statusInfo: info(reasonCode, why) };
}

/** The EVSE a ReserveNow names, or its answer when the request itself cannot be met (disabled, no or unknown EVSE, connector type, expiry past). */
export function requestedEvse(ctx: StationContext, req: RequestOf<'ReserveNow'>): number | ReserveAnswer {
  const off = disabled(ctx);
  if (off !== undefined) return off;
  const evse = req.evseId;
  if (evse === undefined) return rejected('NoEvse', 'this station reserves a named EVSE only (ReservationCtrlr.NonEvseSpecific is false)');
  if (evse < 1 || evse > ctx.capabilities.connectorCount) return rejected('UnknownEvse', `no EVSE ${evse}`);
  const published = ctx.dm.getString('Connector', 'ConnectorType', { evse, connector: 1 });
  if (req.connectorType !== undefined && req.connectorType !== 'Unknown' && req.connectorType !== published) {
    return rejected('UnknownConnector', `EVSE ${evse} has connector type ${published ?? 'Unknown'}`);
  }
  const expiresAt = Date.parse(req.expiryDateTime);
  if (!(expiresAt > ctx.clock.now())) return rejected('ExpiryInPast', `expiryDateTime ${req.expiryDateTime} has passed`);
  return evse;
}

/** Why `evse` cannot be reserved now, or undefined; `replacing` is the reservation a same-id request replaces. */
export function evseRefusal(ctx: StationContext, evses: EvseStates, evse: number, replacing: Reserved | undefined): ReserveAnswer | undefined {
  const s = evses.chargerState(evse);
  if (s === 'faulted') return { status: 'Faulted' };
  const heldByIt = s === 'unavailable' && replacing !== undefined && replacing.hold !== 'none';
  if (!evses.operative(evse) || s === undefined || (s === 'unavailable' && !heldByIt)) return { status: 'Unavailable' };
  if (s === 'occupied' || inUse(ctx, evse)) return { status: 'Occupied' };
  return undefined;
}

/** The note of a reservation the charger cannot be told of (`why`): the gateway keeps it alone. */
export function gatewayEnforced(evse: number, why: string): StatusInfo {
  return info(
    'GatewayEnforced',
    `the charger cannot be told (${why}): the gateway reports EVSE ${evse} Reserved and refuses remote starts of other tokens there; a session started at the charger itself is not prevented`,
  );
}
