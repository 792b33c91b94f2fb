/**
 * The charger's canonical events, each handed to the functional blocks it concerns. The engine
 * runs `handle` through its event chain, one event after the other: their order is the
 * transactions' order.
 */
import type { AuthorizationRequestEvent, ChargerEvent, RecordHoldReason, TransactionRecordHeldEvent } from '../model/events.js';
import type { ChargerCommands } from './charger-commands.js';
import type { StationBlocks, StationContext } from './context.js';

export class ChargerEvents {
  /** Connectors whose charger session runs. */
  private readonly sessions = new Set<number>();

  constructor(
    private readonly ctx: StationContext,
    /** Settles the waits for the charger's command results. */
    private readonly commands: ChargerCommands,
    /** Counts a held billing record by its most telling reason (the gateway's metrics). */
    private readonly countHeld?: (reason: RecordHoldReason) => void,
  ) {}

  private get blocks(): StationBlocks {
    return this.ctx.blocks;
  }

  /** True when a charger session runs on the EVSE (0: on any). */
  sessionRunning(evse: number): boolean {
    return evse === 0 ? this.sessions.size > 0 : this.sessions.has(evse);
  }

  /**
   * Handles now, outside the event chain, an event that writes nothing to the store and that the
   * charger waits for an answer to; false for every other event (`handle` it in order). A card
   * swipe is answered within the charger's own time-out whatever the store does: the events
   * before it may be waiting for Redis, and its answer (the CSMS's, the local list's or the
   * offline policy's) depends on none of them.
   */
  handleAtOnce(e: ChargerEvent): boolean {
    if (e.type !== 'authorizationRequest') return false;
    this.authorize(e);
    return true;
  }

  async handle(e: ChargerEvent): Promise<void> {
    const { availability, transactions } = this.blocks;
    switch (e.type) {
      case 'connectorStatus':
        availability.chargerStatus(e);
        await transactions.chargingState(e.connector, e.chargingState, e.at);
        return;
      case 'measurements':
        await transactions.measurements(e);
        return;
      case 'sessionStarted':
        this.sessions.add(e.connector);
        await transactions.sessionStarted(e);
        return;
      case 'sessionEnded':
        this.sessions.delete(e.connector);
        await transactions.sessionEnded(e);
        availability.sessionEnded();
        this.blocks.firmware.sessionEnded();
        this.blocks.reset.idle();
        return;
      case 'idleAtConnect':
        this.sessions.delete(e.connector);
        await transactions.idleAtConnect(e);
        availability.sessionEnded();
        this.blocks.firmware.sessionEnded();
        this.blocks.reset.idle();
        return;
      case 'transactionRecord': {
        const fresh = await transactions.record(e);
        // Confirmed only now: the Ended event it produced is in the store (docs/delivery-and-outages.md).
        const outcome = this.ctx.charger.send({ type: 'confirmRecord', id: this.ctx.commandId('record'), connector: e.connector, legacyTransactionId: e.legacyTransactionId, accepted: true });
        this.ctx.log(fresh ? 'info' : 'warn', fresh ? 'transaction record queued and confirmed' : 'transaction record sent again: confirmed, nothing new', {
          legacyTransactionId: e.legacyTransactionId,
          confirm: outcome.status,
        });
        return;
      }
      case 'transactionRecordHeld':
        return this.recordHeld(e);
      case 'fault':
        this.blocks.faults.fault(e);
        return;
      case 'authorizationRequest':
        this.authorize(e);
        return;
      case 'commandResult':
        this.commands.result(e);
        if (e.status === 'rejected' || e.status === 'timeout' || e.status === 'failed') this.ctx.log('warn', 'charger command failed', { command: e.commandId, status: e.status, reason: e.reason });
        await this.blocks.authorization.localList.commandResult(e);
        return;
      case 'identified':
        this.blocks.firmware.identified(e.firmware);
        return;
      case 'link':
        // Not awaited: the charger's other events need not wait for the list to go out.
        if (e.state === 'up') void this.blocks.authorization.localList.chargerConnected();
        return;
      default:
        return;
    }
  }

  private authorize(e: AuthorizationRequestEvent): void {
    // Not awaited: the charger's other events must not wait for the CSMS's answer.
    this.blocks.authorization.request(e).catch((err: unknown) => this.ctx.log('warn', 'authorization', { error: err instanceof Error ? err.message : String(err) }));
  }

  /**
   * An implausible billing record the codec holds (not confirmed to the charger, nothing billed
   * from it): logged, counted, and reported to the CSMS as a security event. That queue is durable
   * and ordered like the transaction queue (it survives an outage of the CSMS and a restart), and a
   * record a charger wants paid for but cannot be true is a matter for the operator's security log:
   * a tampered or impersonated charger looks exactly like this. The session it belongs to is over:
   * a transaction still open for it ends without it.
   */
  private async recordHeld(e: TransactionRecordHeldEvent): Promise<void> {
    this.ctx.log('warn', 'transaction record held: implausible, not confirmed to the charger and not billed', {
      connector: e.connector,
      legacyTransactionId: e.legacyTransactionId,
      reasons: e.reasons,
      detail: e.detail,
      energyWh: e.energyWh,
      amount: e.amount,
      startedAt: e.startedAt,
      endedAt: e.endedAt,
    });
    this.countHeld?.(e.reasons[0]);
    // Already on the chain of charger events: stored in their order, not queued behind them again.
    await this.blocks.security.record('ImplausibleTransactionRecord', `record ${e.legacyTransactionId} connector ${e.connector} held, not confirmed: ${e.detail}`);
    await this.blocks.transactions.recordHeld(e.connector, e.legacyTransactionId);
  }
}

declare module './context.js' {
  interface StationBlocks {
    /** The charger's events as the blocks heard them: which sessions run. */
    readonly chargerEvents: ChargerEvents;
  }
}
