/**
 * Which tokens a reservation lets start (H03): its own idToken, or a token of its groupIdToken's
 * group. Tokens are the same when their type is and their idToken is, ignoring case (IdTokenType
 * is case insensitive), as in the Local Authorization List.
 */
import type { RequestOf } from '../../ocpp/actions.js';

export type OcppIdToken = RequestOf<'ReserveNow'>['idToken'];

/** A token's identity: type and value, case folded. */
export function tokenKey(t: Pick<OcppIdToken, 'type' | 'idToken'>): string {
  return `${t.type}:${t.idToken.toUpperCase()}`;
}

export function sameToken(a: OcppIdToken | undefined, b: OcppIdToken | undefined): boolean {
  return a !== undefined && b !== undefined && tokenKey(a) === tokenKey(b);
}

/**
 * What a reservation says of a token presented at its EVSE: `own` (its idToken), `group` (another
 * token, which may start only when its group is the reservation's groupIdToken: the CSMS's
 * AuthorizeResponse or the local list tells), `other` (refused: the reservation has no group).
 */
export type TokenVerdict = 'own' | 'group' | 'other';

export function verdictOf(reservation: { readonly idToken: OcppIdToken; readonly groupIdToken?: OcppIdToken }, token: OcppIdToken): TokenVerdict {
  if (sameToken(reservation.idToken, token)) return 'own';
  return reservation.groupIdToken !== undefined ? 'group' : 'other';
}
