/**
 * Remote control (F01-F04, E14): RequestStartTransaction and RequestStopTransaction answered from
 * the charger's real command result, and GetTransactionStatus answered from the queue as it stands
 * when the request arrives (before any replay, libocpp PR #228).
 *
 * With `AuthCtrlr.AuthorizeRemoteStart` true (and a token that is not Central / NoAuthorization)
 * the station behaves as for a local start (F01.FR.01): it answers Accepted once the request is
 * possible, then sends AuthorizeRequest, and only a token the CSMS accepts reaches the charger as a
 * start command. A refused token (Invalid, Blocked, ...) starts nothing; with TxStartPoint
 * PowerPathClosed no transaction existed yet, so there is nothing to end. In this mode the answer
 * cannot carry the charger's own result (it comes before the AuthorizeRequest, as in the F01
 * sequence); a charger that then refuses is logged and the remote start forgotten.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import type { Authorization } from '../authorization/authorization.js';
import { noteInfo, statusInfo, type ChargerCommands, type ChargerOutcome } from '../charger-commands.js';
import { background, type StationContext } from '../context.js';
import type { RemoteStart } from './remote-starts.js';
import type { Transactions } from '../transactions/transactions.js';

type IdToken = RequestOf<'RequestStartTransaction'>['idToken'];

/**
 * Reserved EVSEs as remote starts see them (`Reservations`): refused for a token the reservation
 * does not let start; prepared (the charger made available) for one it does, and held again when
 * that start does not happen.
 */
export interface ReservedStarts {
  reservedForOther(evse: number, token: IdToken, group: IdToken | undefined): boolean;
  remoteStart(evse: number, token: IdToken, group: IdToken | undefined): Promise<{ reasonCode: string; additionalInfo: string } | undefined>;
  remoteStartFailed(evse: number): void;
}

export class RemoteControl {
  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
  ) {}

  private get tx(): Transactions {
    return this.ctx.blocks.transactions;
  }

  private get authorization(): Authorization {
    return this.ctx.blocks.authorization;
  }

  private get reservations(): ReservedStarts {
    return this.ctx.blocks.reservations;
  }

  /** The connector takes no start now: Inoperative, or the charger reported it faulted or unavailable. */
  private connectorBusy(connector: number): boolean {
    return this.ctx.blocks.availability.startBlocked(connector);
  }

  async requestStart(req: RequestOf<'RequestStartTransaction'>): Promise<HandlerResult<'RequestStartTransaction'>> {
    if (!this.ctx.isAccepted()) return { status: 'Rejected', statusInfo: { reasonCode: 'NotAccepted' } };
    const count = this.ctx.capabilities.connectorCount;
    const connector =
      req.evseId ??
      Array.from({ length: count }, (_, i) => i + 1).find(
        (c) => this.tx.transactionOf(c) === undefined && !this.connectorBusy(c) && !this.reservations.reservedForOther(c, req.idToken, req.groupIdToken),
      );
    if (connector === undefined || connector < 1 || connector > count) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
    const running = this.tx.transactionOf(connector);
    if (running !== undefined) return { status: 'Rejected', transactionId: running, statusInfo: { reasonCode: 'TxInProgress' } };
    if (this.connectorBusy(connector)) return { status: 'Rejected', statusInfo: { reasonCode: 'Unavailable' } };
    if (!this.ctx.capabilities.commands.has('startCharging')) return { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } };
    const reserved = await this.reservations.remoteStart(connector, req.idToken, req.groupIdToken);
    if (reserved !== undefined) return { status: 'Rejected', statusInfo: reserved };
    const start: RemoteStart = { remoteStartId: req.remoteStartId, idToken: req.idToken, ...(req.chargingProfile !== undefined ? { chargingProfile: req.chargingProfile } : {}) };
    this.tx.remoteStarts.expect(connector, start);
    if (this.authorization.remoteStartNeedsAuthorization(req.idToken)) {
      return { response: { status: 'Accepted' }, after: () => background(this.ctx, 'authorized remote start', this.authorizeThenStart(connector, req, start)) };
    }
    const result = await this.startCharger(connector, req, start);
    if (!result.ok) {
      this.startFailed(connector, start);
      return { status: 'Rejected', statusInfo: statusInfo(result) };
    }
    return { status: 'Accepted', ...noteInfo(result) };
  }

  /** AuthorizeRemoteStart: the token goes to Authorize first; only an accepted one starts the charger. */
  private async authorizeThenStart(connector: number, req: RequestOf<'RequestStartTransaction'>, start: RemoteStart): Promise<void> {
    const { accepted, reason } = await this.authorization.authorize(req.idToken);
    if (!accepted) {
      this.startFailed(connector, start);
      this.ctx.log('warn', 'remote start refused: the CSMS did not authorize its token', { remoteStartId: req.remoteStartId, connector, reason });
      return;
    }
    const result = await this.startCharger(connector, req, start);
    if (result.ok) return;
    this.startFailed(connector, start);
    this.ctx.log('warn', 'remote start refused by the charger after authorization', { remoteStartId: req.remoteStartId, connector, ...statusInfo(result) });
  }

  /** `start` did not happen: forgotten, and a reserved EVSE made ready for it is held again. */
  private startFailed(connector: number, start: RemoteStart): void {
    this.tx.remoteStarts.cancel(connector, start);
    this.reservations.remoteStartFailed(connector);
  }

  private startCharger(connector: number, req: RequestOf<'RequestStartTransaction'>, start: RemoteStart): Promise<ChargerOutcome> {
    const id = this.ctx.commandId('start');
    this.tx.remoteStarts.sent(connector, start, id);
    return this.commands.run({ type: 'startCharging', id, connector, idToken: { id: req.idToken.idToken, type: 'app' } });
  }

  async requestStop(req: RequestOf<'RequestStopTransaction'>): Promise<ResponseOf<'RequestStopTransaction'>> {
    const connector = this.tx.connectorOf(req.transactionId);
    if (connector === undefined) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownTransaction' } };
    const result = await this.commands.run({ type: 'stopCharging', id: this.ctx.commandId('stop'), connector });
    return result.ok ? { status: 'Accepted', ...noteInfo(result) } : { status: 'Rejected', statusInfo: statusInfo(result) };
  }

  /**
   * UnlockConnector (F05): only a charger with an unlock command can. Another answers UnlockFailed
   * with reasonCode NotSupported: a plain answer for a message every station must take.
   */
  async unlock(req: RequestOf<'UnlockConnector'>): Promise<ResponseOf<'UnlockConnector'>> {
    if (req.evseId < 1 || req.evseId > this.ctx.capabilities.connectorCount || req.connectorId !== 1) return { status: 'UnknownConnector' };
    if (!this.ctx.capabilities.commands.has('unlock')) return { status: 'UnlockFailed', statusInfo: { reasonCode: 'NotSupported', additionalInfo: 'this charger has no unlock command' } };
    if (this.tx.transactionOf(req.evseId) !== undefined) return { status: 'OngoingAuthorizedTransaction' };
    const result = await this.commands.run({ type: 'unlock', id: this.ctx.commandId('unlock'), connector: req.evseId });
    return result.ok ? { status: 'Unlocked', ...noteInfo(result) } : { status: 'UnlockFailed', statusInfo: statusInfo(result) };
  }

  async transactionStatus(req: RequestOf<'GetTransactionStatus'>): Promise<ResponseOf<'GetTransactionStatus'>> {
    const messagesInQueue = await this.ctx.blocks.queue.hasQueued(req.transactionId);
    if (req.transactionId === undefined) return { messagesInQueue };
    return { ongoingIndicator: this.tx.connectorOf(req.transactionId) !== undefined, messagesInQueue };
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly remote: RemoteControl;
  }
}
