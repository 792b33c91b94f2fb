/**
 * RequestStartTransaction requests the charger accepted and whose session has not started yet, one
 * per connector. A session is the remote start's only when it carries the id of the start command
 * sent for it (codecs put it on `sessionStarted`): a session the charger started by itself, or a
 * billing record, is never taken for it. A remote start whose session did not begin within
 * `TxCtrlr.EVConnectionTimeOut` of being accepted is over (the authorization ended, OCPP 2.0.1
 * E03): a later session is not attributed to it.
 */
import type { SessionStartedEvent } from '../../model/events.js';
import type { RequestOf } from '../../ocpp/actions.js';
import type { StationContext } from '../context.js';

/** A RequestStartTransaction waiting for the charger's session to start. */
export interface RemoteStart {
  readonly remoteStartId: number;
  readonly idToken: RequestOf<'RequestStartTransaction'>['idToken'];
  /** A TxProfile that came with the request, installed once the transaction exists. */
  readonly chargingProfile?: RequestOf<'RequestStartTransaction'>['chargingProfile'];
}

interface Pending {
  readonly start: RemoteStart;
  /** When the authorization ends (ms). */
  readonly expiresAt: number;
  /** The start command sent to the charger for it, once sent. */
  commandId?: string;
}

export class RemoteStarts {
  private readonly pending = new Map<number, Pending>();

  constructor(private readonly ctx: StationContext) {}

  /** `start` was accepted for `connector` (it replaces one still waiting there). */
  expect(connector: number, start: RemoteStart): void {
    const timeoutS = this.ctx.dm.getNumber('TxCtrlr', 'EVConnectionTimeOut');
    this.pending.set(connector, { start, expiresAt: this.ctx.clock.now() + timeoutS * 1000 });
  }

  /** The start command `commandId` went to the charger for `start`. */
  sent(connector: number, start: RemoteStart, commandId: string): void {
    const p = this.pending.get(connector);
    if (p?.start === start) p.commandId = commandId;
  }

  /** `start` is off (refused, not authorized); a newer request on the connector stays. */
  cancel(connector: number, start: RemoteStart): void {
    if (this.pending.get(connector)?.start === start) this.pending.delete(connector);
  }

  /** The remote start `e` is the session of, if any; it is waiting no more. */
  claim(e: SessionStartedEvent): RemoteStart | undefined {
    const p = this.pending.get(e.connector);
    if (p === undefined) return undefined;
    if (this.ctx.clock.now() > p.expiresAt) {
      this.pending.delete(e.connector);
      this.ctx.log('info', 'remote start over: no session within EVConnectionTimeOut', { connector: e.connector, remoteStartId: p.start.remoteStartId });
      return undefined;
    }
    if (e.commandId === undefined || e.commandId !== p.commandId) return undefined;
    this.pending.delete(e.connector);
    return p.start;
  }
}
