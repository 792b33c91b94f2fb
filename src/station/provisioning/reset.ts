/**
 * Reset (OCPP 2.0.1 B11/B12): the virtual station reboots (a new OCPP connection and a
 * BootNotification), and the charger behind it resets where its protocol has a reset command.
 *
 * What the charger did decides. A charger with a reset command is reset first (Immediate: YKC 0x92
 * mode 1, now; OnIdle: mode 2), and only its confirmation reboots the station; a refusal or
 * silence answers Rejected and changes nothing (a confirmation that comes after Rejected `Timeout`
 * is followed then, unless a newer reset went out).
 *
 * Immediate with transactions running (B12): once the charger confirmed, every open transaction
 * ends — TransactionEvent Ended with triggerReason ResetCommand and stoppedReason ImmediateReset —
 * and the reboot waits for those events to be answered (bounded). A session end the charger
 * reports after its confirmation is the reset's end too (with the charger's own figures). A
 * charger without a reset command cannot be reset, but where it can stop its sessions they are
 * stopped with its stop command first, and ended on its confirmation; a charger that can do neither
 * is answered Rejected `TxInProgress`: the station will not claim transactions ended that still run.
 *
 * OnIdle waits while a charger session runs or a transaction is open (Scheduled), and resets once
 * the last one ended (ScheduledReset).
 */
import type { RequestOf } from '../../ocpp/actions.js';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import { info, noteInfo, statusInfo, type ChargerCommands, type ChargerOutcome, type Refusal } from '../charger-commands.js';
import { within } from '../closing.js';
import { background, type StationContext } from '../context.js';
import type { BootReason } from './provisioning.js';
import type { Transactions } from '../transactions/transactions.js';

type ResetType = RequestOf<'Reset'>['type'];

export class Reset {
  private scheduled: ResetType | undefined;
  /** The last reset command sent: a late answer to an older one is stale. */
  private lastReset: string | undefined;

  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
  ) {}

  /**
   * The open transactions (`openConnectors`), and which sessions end by the reset: marked as the
   * charger confirms, before any later charger event is handled, so that a session end it reports
   * from then on is the reset's.
   */
  private get transactions(): Pick<Transactions, 'openConnectors' | 'resetEnds' | 'endAllByReset'> {
    return this.ctx.blocks.transactions;
  }

  async reset(req: RequestOf<'Reset'>): Promise<HandlerResult<'Reset'>> {
    // Resetting one EVSE of a legacy charger is not something it can do.
    if (req.evseId !== undefined) return { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported', additionalInfo: 'a legacy charger resets only as a whole' } };
    if (req.type === 'OnIdle' && this.busy()) {
      this.scheduled = req.type;
      return { status: 'Scheduled' };
    }
    const reason: BootReason = 'RemoteReset';
    if (!this.ctx.capabilities.commands.has('reset')) return this.withoutResetCommand();
    // Immediate means now, whatever runs (B12): YKC 0x92 mode 1; OnIdle (nothing runs) may wait for idle (mode 2).
    const outcome = await this.resetCharger(req.type === 'Immediate' ? 'hard' : 'soft', reason);
    if (!outcome.ok) {
      this.ctx.log('warn', 'charger reset refused: no reboot', { ...statusInfo(outcome) });
      return { status: 'Rejected', statusInfo: statusInfo(outcome) };
    }
    return { response: { status: 'Accepted', ...noteInfo(outcome) }, after: () => this.rebootAfter(reason) };
  }

  /** A session ended or a transaction closed: a Reset answered Scheduled goes ahead once nothing runs. */
  idle(): void {
    if (this.scheduled === undefined || this.busy()) return;
    this.scheduled = undefined;
    background(this.ctx, 'scheduled Reset', this.scheduledNow());
  }

  private busy(): boolean {
    return this.ctx.blocks.chargerEvents.sessionRunning(0) || this.transactions.openConnectors().length > 0;
  }

  /**
   * A charger with no reset command: only its OCPP station reboots (Reset is in the Core profile;
   * for a gateway a reboot is a new connection and a new boot). Its running sessions are stopped
   * first with its stop command, so that the transactions the station ends are really over.
   */
  private async withoutResetCommand(): Promise<HandlerResult<'Reset'>> {
    const running = this.transactions.openConnectors();
    const reboot = (): Promise<void> => this.rebootAfter('RemoteReset');
    if (running.length === 0) {
      return { response: { status: 'Accepted', statusInfo: info('ChargerNotReset', 'this charger has no reset command: only its OCPP station (the gateway side) reboots') }, after: reboot };
    }
    if (!this.ctx.capabilities.commands.has('stopCharging')) {
      this.ctx.log('warn', 'Reset Immediate refused: transactions run and the charger can neither be reset nor stop them', { connectors: running });
      return { status: 'Rejected', statusInfo: info('TxInProgress', 'transactions run and this charger has neither a reset nor a stop command: it cannot end them (Reset OnIdle waits for them)') };
    }
    const outcomes = await Promise.all(
      running.map((connector) => this.commands.run({ type: 'stopCharging', id: this.ctx.commandId('reset-stop'), connector }, { confirmed: () => this.transactions.resetEnds.mark([connector]) })),
    );
    const refusal = outcomes.find((o): o is Refusal => !o.ok);
    if (refusal !== undefined) {
      // Sessions the charger did stop end as it reports them: the Reset was not carried out.
      this.transactions.resetEnds.clear();
      this.ctx.log('warn', 'Reset Immediate refused: the charger did not stop every session', { connectors: running, ...statusInfo(refusal) });
      return { status: 'Rejected', statusInfo: statusInfo(refusal) };
    }
    const additionalInfo = 'this charger has no reset command: its sessions were stopped with its stop command and only its OCPP station (the gateway side) reboots';
    return { response: { status: 'Accepted', statusInfo: info('ChargerNotReset', additionalInfo) }, after: reboot };
  }

  /** A Reset answered Scheduled, now that nothing runs: the same rule as at once. */
  private async scheduledNow(): Promise<void> {
    if (this.ctx.capabilities.commands.has('reset')) {
      const outcome = await this.resetCharger('soft', 'ScheduledReset');
      if (!outcome.ok) {
        this.ctx.log('warn', 'scheduled reset refused by the charger: no reboot', { ...statusInfo(outcome) });
        return;
      }
    }
    await this.rebootAfter('ScheduledReset');
  }

  /** Resets the charger; confirmed only after the CSMS was told Rejected, it reboots the station then (`reason`). */
  private resetCharger(kind: 'hard' | 'soft', reason: BootReason): Promise<ChargerOutcome> {
    const id = this.ctx.commandId('reset');
    this.lastReset = id;
    const confirmed = (): void => this.transactions.resetEnds.mark(this.transactions.openConnectors());
    const late = (): void => {
      if (this.lastReset !== id) {
        this.ctx.log('info', 'late reset confirmation overtaken by a newer reset: no reboot for it', { command: id });
        return;
      }
      confirmed();
      background(this.ctx, 'reboot after a late reset confirmation', this.rebootAfter(reason));
    };
    return this.commands.run({ type: 'reset', id, kind }, { late, confirmed });
  }

  /**
   * The charger was reset (or has no reset): the open transactions end (B12), and the station
   * reboots once their Ended events were answered — bounded by the call timeout; what is left goes
   * out after the new boot.
   */
  private async rebootAfter(reason: BootReason): Promise<void> {
    this.scheduled = undefined;
    const { ctx } = this;
    // In the station's chain of charger events: the transactions change only there.
    await ctx.serialize('transactions ended by a Reset', () => this.transactions.endAllByReset());
    // The reboot waits (one CALL timeout) for the Ended events to be answered.
    if (!(await within(ctx.blocks.queue.drained(), ctx.callTimeoutMs()))) this.ctx.log('warn', 'TransactionEvents not answered before the reboot: they wait in the queue for the new boot');
    await ctx.reboot(reason);
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly reset: Reset;
  }
}
