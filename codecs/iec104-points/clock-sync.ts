/**
 * The charger's clock (C_CS_NA_1). A controlled station answers a clock sync with ACT_CON only (it
 * has no ACT_TERM), so a sync is over with its ACT_CON (see `PlannedCommand.completesOnCon`). This
 * keeps what happens around it: the zone the last sync was written in (identification may name
 * another: the clock is set again), a sync of the session's own that the charger refused or left
 * unanswered sent again on a short back-off instead of at the next daily sync, and a setClock that
 * arrives while another one is in flight held until that one is over instead of refused.
 */
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { CommandResultEvent, Timestamp } from '../../src/model/events.js';
import type { SessionContext } from '../codec.js';

/** Waits before a refused or unanswered clock sync of the session's own is sent again; the last repeats. */
export const DEFAULT_CLOCK_RETRY_SECONDS: readonly number[] = [10, 30, 60, 120, 300];

type SetClock = Extract<ChargerCommand, { type: 'setClock' }>;

/**
 * The session a clock sync sends through (link state and busy addresses are checked there). The
 * session itself, so that a connection carries no host object and closures for it.
 */
export interface ClockSyncSession {
  command(command: ChargerCommand): CommandOutcome;
}

/** The session's clock, and its sink for results and logs. */
export type ClockSyncContext = Pick<SessionContext<unknown>, 'clock' | 'sink'>;

/** Prefix of the ids of the session's own clock syncs. */
const OWN = 'internal:clock';

export class ClockSync {
  /** The zone the last clock sync was written in (undefined before the first). */
  private zone: string | undefined;
  /** The charger's zone changed while a sync was in flight: sync again once it is over. */
  private resync = false;
  /** Own syncs refused or unanswered in a row. */
  private failures = 0;
  private retryTimer: unknown;
  /** Ids of the setClock commands in flight (one, rarely two); undefined when none is. */
  private inFlight: string[] | undefined;
  /** A setClock that came while another was in flight, and when. */
  private held: { readonly command: SetClock; readonly at: number } | undefined;
  private stopped = false;

  constructor(
    private readonly session: ClockSyncSession,
    private readonly ctx: ClockSyncContext,
    private readonly retrySeconds: readonly number[] = DEFAULT_CLOCK_RETRY_SECONDS,
  ) {}

  /** Sends a clock sync of the session's own (start-up, periodic); `tag` distinguishes its id. */
  sync(tag = ''): void {
    if (this.stopped) return;
    // Busy: a sync is in flight already, which sets the clock as well.
    this.session.command({ type: 'setClock', id: `${OWN}${tag}`, time: this.now() });
  }

  /** A setClock went out, written in `zone`. */
  sent(id: string, zone: string): void {
    (this.inFlight ??= []).push(id);
    this.zone = zone;
  }

  /** Holds a setClock that came while another is in flight; it goes out when that one is over. */
  hold(command: SetClock): CommandOutcome {
    if (this.held !== undefined) return { status: 'rejected', reason: 'a clock sync is in progress and another is waiting' };
    this.held = { command, at: this.ctx.clock.now() };
    return { status: 'sent' };
  }

  /** The charger's zone is now `zone`: a clock set in another zone is set again. */
  zoneChanged(zone: string): void {
    if (this.zone === undefined || this.zone === zone) return;
    this.resync = true;
    if (this.inFlight === undefined) this.sendResync();
  }

  /** True when `commandId` is a clock sync in flight (its result goes to `finished`). */
  owns(commandId: string): boolean {
    return this.inFlight?.includes(commandId) === true;
  }

  /** The outcome of a clock sync in flight. */
  finished(event: CommandResultEvent): void {
    const i = this.inFlight?.indexOf(event.commandId) ?? -1;
    if (i < 0) return;
    this.inFlight?.splice(i, 1);
    if (this.inFlight?.length === 0) this.inFlight = undefined;
    const ok = event.status === 'accepted' || event.status === 'completed';
    if (ok) {
      this.failures = 0;
      this.ctx.clock.clearTimeout(this.retryTimer);
      this.retryTimer = undefined;
    } else if (event.commandId.startsWith(OWN) && (event.status === 'rejected' || event.status === 'timeout')) {
      this.retry(event);
    }
    if (this.held !== undefined) this.release();
    else if (this.resync) this.sendResync();
  }

  /** The connection is gone. */
  stop(): void {
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const held = this.held;
    this.held = undefined;
    if (held !== undefined) this.ctx.sink.event({ type: 'commandResult', commandId: held.command.id, status: 'failed', reason: 'connection closed before the clock sync was sent' });
  }

  private retry(event: CommandResultEvent): void {
    if (this.stopped || this.retryTimer !== undefined) return;
    const steps = this.retrySeconds;
    const seconds = steps[Math.min(this.failures, steps.length - 1)] ?? 60;
    this.failures += 1;
    this.ctx.sink.log('warn', `charger did not set its clock: trying again in ${seconds} s`, { status: event.status, reason: event.reason, attempt: this.failures });
    this.retryTimer = this.ctx.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.sync(`-retry-${this.ctx.clock.now()}`);
    }, seconds * 1000);
  }

  /** Sends the held setClock, its time moved on by how long it waited. */
  private release(): void {
    const held = this.held;
    if (held === undefined || this.stopped) return;
    this.held = undefined;
    this.resync = false;
    const waited = this.ctx.clock.now() - held.at;
    const time = new Date(Date.parse(held.command.time) + waited).toISOString();
    const outcome = this.session.command({ ...held.command, time });
    if (outcome.status !== 'sent') this.ctx.sink.event({ type: 'commandResult', commandId: held.command.id, status: 'rejected', reason: outcome.reason });
  }

  private sendResync(): void {
    if (this.stopped) return;
    this.resync = false;
    this.sync(`-zone-${this.ctx.clock.now()}`);
  }

  /** The current time as the model writes it. */
  private now(): Timestamp {
    return new Date(this.ctx.clock.now()).toISOString();
  }
}
