/**
 * A running transaction whose token the CSMS does not accept (E05; C10-C12 let it start): a
 * transaction may begin on a token the station accepted from its Local Authorization List, its
 * Authorization Cache (LocalPreAuthorize) or the offline policy, and the CSMS's answer to the
 * TransactionEvent that carries the token (the Started event) may then say Invalid, Blocked,
 * Expired, NoCredit...
 *
 * - `TxCtrlr.StopTxOnInvalidId` true: the charger is told to stop (`stopCharging`). The station
 *   does not end the transaction itself: its start and stop points are the charger's power path,
 *   so the Ended event comes from the charger's session end, with triggerReason Deauthorized and
 *   stoppedReason DeAuthorized (the transaction is marked, see `Transactions.deauthorize`). A
 *   charger that refuses, cannot take the command or does not answer in time keeps charging: the
 *   transaction goes on and a warning says so (the CSMS can still send RequestStopTransaction).
 * - false: the transaction goes on. OCPP would limit it to `TxCtrlr.MaxEnergyOnInvalidId` or
 *   suspend the energy transfer; a legacy charger takes no energy limit and cannot pause without
 *   ending its session, so the variable is not offered and the CSMS decides.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { statusInfo, type ChargerCommands } from '../charger-commands.js';
import { background, type StationContext } from '../context.js';
import type { Transactions } from '../transactions/transactions.js';

export class InvalidId {
  constructor(
    private readonly ctx: StationContext,
    private readonly commands: Pick<ChargerCommands, 'run'>,
  ) {}

  private get transactions(): Pick<Transactions, 'connectorOf' | 'deauthorize'> {
    return this.ctx.blocks.transactions;
  }

  /** The CSMS answered a TransactionEvent: acts when it refuses the token of a transaction still open. */
  answered(req: RequestOf<'TransactionEvent'>, res: ResponseOf<'TransactionEvent'>): void {
    const status = res.idTokenInfo?.status;
    if (status === undefined || status === 'Accepted' || req.idToken === undefined || req.eventType === 'Ended') return;
    const transactionId = req.transactionInfo.transactionId;
    const connector = this.transactions.connectorOf(transactionId);
    if (connector === undefined) return;
    const data = { transactionId, connector, status };
    if (!this.ctx.dm.getBoolean('TxCtrlr', 'StopTxOnInvalidId')) {
      this.ctx.log('warn', 'token not accepted for a running transaction: it goes on (StopTxOnInvalidId false)', data);
      return;
    }
    background(this.ctx, 'stopping a deauthorized transaction', this.stop(transactionId, connector, data));
  }

  private async stop(transactionId: string, connector: number, data: Readonly<Record<string, unknown>>): Promise<void> {
    this.ctx.log('warn', 'token not accepted for a running transaction: the charger is told to stop (StopTxOnInvalidId)', data);
    // Marked before the command goes: the charger may report its session end before its answer.
    const mark = (on: boolean): Promise<void> => this.ctx.serialize('deauthorized transaction', () => this.transactions.deauthorize(transactionId, on));
    await mark(true);
    const result = await this.commands.run({ type: 'stopCharging', id: this.ctx.commandId('deauthorize'), connector }, { late: () => background(this.ctx, 'deauthorized transaction', mark(true)) });
    if (result.ok) {
      this.ctx.log('info', 'charger stopped the transaction: it ends as DeAuthorized with its session', data);
      return;
    }
    this.ctx.log('warn', 'charger did not stop the deauthorized transaction: it goes on', { ...data, ...statusInfo(result) });
    await mark(false);
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly invalidId: InvalidId;
  }
}
