/**
 * Reservations (OCPP 2.0.1 H01-H04), kept by the gateway for chargers that have none.
 *
 * - ReserveNow names its EVSE (NonEvseSpecific is false: one without evseId is Rejected, H01.FR.19).
 *   Answers: Rejected when ReservationCtrlr.Enabled is false (H01.FR.01), for an unknown EVSE, a
 *   connectorType other than the EVSE's published ConnectorType, an expiry already past, or a
 *   charger that refused to be told; Faulted, Unavailable (the CSMS made it Inoperative, or the
 *   charger reports it unavailable or has not reported it), Occupied (plugged, charging, or reserved
 *   under another id); else Accepted and the EVSE is reported Reserved (H01.FR.03/04). A ReserveNow
 *   with the id of a reservation already held replaces it (H01.FR.02).
 * - Only the reserved idToken, or a token whose group is the reservation's groupIdToken, may start
 *   there (H03): a RequestStartTransaction for another token is Rejected, and so is a card the
 *   charger asks about (`Authorization`). The Started TransactionEvent of the session that uses the
 *   reservation carries its reservationId, and the reservation ends with it (H03).
 * - At expiryDateTime the reservation ends: ReservationStatusUpdate Expired and the EVSE Available
 *   again (H04). When its EVSE turns Faulted or Unavailable it is removed: ReservationStatusUpdate
 *   Removed. CancelReservation ends a known one (Accepted) and answers Rejected otherwise (H02).
 * - The charger itself is told where only it can refuse a start (`ChargerHold`).
 *
 * Each reservation is one StateStore key (`reservation:<id>`), so it survives a restart or a
 * hand-over to another gateway, and the one that a session uses is deleted in the same atomic step
 * as that session's Started event. Expiry timers are armed again on load; one that expired while no
 * gateway ran ends as Expired once the CSMS accepted the boot.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import type { JsonValue, StateChange } from '../../store/state-store.js';
import { info, statusInfo, type ChargerCommands } from '../charger-commands.js';
import { background, type StationContext } from '../context.js';
import { ChargerHold } from './charger-hold.js';
import { disabled, evseRefusal, gatewayEnforced, inUse, requestedEvse, type ReserveAnswer } from './reservation-checks.js';
import { tokenKey, verdictOf, type OcppIdToken, type TokenVerdict } from './tokens.js';
import type { EvseStates, Reserved } from './types.js';

const KEY_PREFIX = 'reservation:';
const keyOf = (id: number): string => `${KEY_PREFIX}${id}`;
/** setTimeout's longest delay; a later expiry is re-armed when it runs out. */
const LONGEST_TIMER_MS = 2 ** 31 - 1;

type UpdateStatus = RequestOf<'ReservationStatusUpdate'>['reservationUpdateStatus'];
type StatusInfo = { reasonCode: string; additionalInfo: string };

/** What a session's Started event takes from the reservation it uses. */
export interface ReservationUse {
  readonly reservationId: number;
  /** Deletes the reservation in the event's atomic write. */
  readonly change: StateChange;
  /** The event is stored: the reservation is over. */
  done(): void;
}

export class Reservations {
  /** By reservation id. */
  // Created on first use, like the rest of a station's rarely used state: most stations never see a
  // reservation, and an empty Map costs ~150 bytes.
  private byId: Map<number, Reserved> | undefined;
  private timers: Map<number, unknown> | undefined;
  /** ReservationStatusUpdates waiting for the boot to be accepted. */
  private owed: { reservationId: number; reservationUpdateStatus: UpdateStatus }[] | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private readonly hold: ChargerHold;

  constructor(
    private readonly ctx: StationContext,
    commands: ChargerCommands,
  ) {
    this.hold = new ChargerHold(ctx, commands);
  }

  /** The EVSEs' states (availability). */
  private get evses(): EvseStates {
    return this.ctx.blocks.availability;
  }

  /** The groupIdToken the Local Authorization List gives `token`, if any. */
  private listedGroup(token: OcppIdToken): OcppIdToken | undefined {
    return this.ctx.blocks.authorization.localList.lookup(token)?.groupIdToken;
  }

  async load(): Promise<void> {
    const stored = await this.ctx.store.getAll(this.ctx.id, KEY_PREFIX);
    for (const [key, value] of stored) {
      const r = value as unknown as Reserved;
      if (typeof r?.id !== 'number' || typeof r.evseId !== 'number' || typeof r.expiryDateTime !== 'string' || r.idToken === undefined) {
        this.ctx.log('warn', 'stored reservation unreadable: dropped', { key });
        await this.ctx.store.delete(this.ctx.id, key);
        continue;
      }
      (this.byId ??= new Map()).set(r.id, r);
      this.arm(r);
    }
  }

  dispose(): void {
    for (const t of this.timers?.values() ?? []) this.ctx.clock.clearTimeout(t);
    this.timers = undefined;
    this.hold.dispose();
  }

  /** The CSMS accepted the boot: the updates owed go out. */
  accepted(): void {
    const owed = this.owed ?? [];
    this.owed = undefined;
    for (const u of owed) background(this.ctx, 'ReservationStatusUpdate', this.ctx.call('ReservationStatusUpdate', u));
  }

  /** The reservation on an EVSE, if any. */
  on(evse: number): Reserved | undefined {
    for (const r of this.byId?.values() ?? []) if (r.evseId === evse) return r;
    return undefined;
  }

  /** True when the EVSE is to be shown Reserved: reserved, operative, not faulted, no session on it. */
  shown(evse: number): boolean {
    const r = this.on(evse);
    if (r === undefined || !this.evses.operative(evse) || inUse(this.ctx, evse)) return false;
    const s = this.evses.chargerState(evse);
    if (s === 'unavailable') return r.hold !== 'none';
    return s === 'available' || s === 'occupied';
  }

  /** True when a charger's `unavailable` on the EVSE is a reservation's hold (kept, or being lifted). */
  holds(evse: number): boolean {
    return (this.on(evse)?.hold ?? 'none') !== 'none' || this.hold.lifting(evse);
  }

  /**
   * The EVSE's state changed: a reservation whose EVSE turned Faulted or Unavailable (not by its own
   * hold) is removed. Synchronous, so the status then reported is already the one without it.
   */
  check(evse: number): void {
    this.hold.reported(evse);
    const r = this.on(evse);
    if (r === undefined) return;
    const s = this.evses.chargerState(evse);
    const gone = !this.evses.operative(evse) || s === 'faulted' || (s === 'unavailable' && r.hold === 'none');
    if (!gone) return;
    this.ctx.log('info', 'reservation removed: its EVSE is no longer available', { reservationId: r.id, evse, charger: s, operative: this.evses.operative(evse) });
    this.end(r, 'Removed', false);
  }

  /**
   * The charger reported `evse`. Available while a reservation holds it: the charger dropped the
   * hold (a reset, a power cycle, a reconnection) and would let anyone start there, so it is told
   * again; a charger that will not be held again loses the reservation (Removed), since it can no
   * longer be kept as it was promised.
   */
  chargerReported(evse: number): void {
    const r = this.on(evse);
    if (r?.hold !== 'held' || this.hold.lifting(evse) || this.evses.chargerState(evse) !== 'available') return;
    background(
      this.ctx,
      'reservation hold',
      this.serial(() => this.holdAgain(r)),
    );
  }

  /** What the reservation on `evse` says of a token presented there (undefined: none is held). */
  verdict(evse: number, token: OcppIdToken): TokenVerdict | undefined {
    const r = this.on(evse);
    return r === undefined ? undefined : verdictOf(r, token);
  }

  /** True when `group` (the token's group, from the CSMS or the local list) is the reservation's group. */
  groupMatches(evse: number, group: OcppIdToken | undefined): boolean {
    const r = this.on(evse);
    return r?.groupIdToken !== undefined && group !== undefined && tokenKey(r.groupIdToken) === tokenKey(group);
  }

  /** `token` was let start on `evse` as the reservation's: the session it starts uses the reservation. */
  admitted(evse: number, token: OcppIdToken): void {
    const r = this.on(evse);
    if (r !== undefined) r.admitted = tokenKey(token);
  }

  /** True when a remote start for `token` (group `group`) may not use `evse`: reserved for someone else. */
  reservedForOther(evse: number, token: OcppIdToken, group: OcppIdToken | undefined): boolean {
    const v = this.verdict(evse, token);
    if (v === undefined || v === 'own') return false;
    return !this.groupMatches(evse, group ?? this.listedGroup(token));
  }

  /**
   * Before a RequestStartTransaction on `evse` goes to the charger: refused for a token the
   * reservation does not let start; for one it lets start, a charger the reservation made
   * unavailable is made available first (its answer decides).
   */
  remoteStart(evse: number, token: OcppIdToken, group: OcppIdToken | undefined): Promise<StatusInfo | undefined> {
    return this.serial(async () => {
      const r = this.on(evse);
      if (r === undefined) return undefined;
      if (this.reservedForOther(evse, token, group)) return info('Reserved', `EVSE ${evse} is reserved for another idToken`);
      r.admitted = tokenKey(token);
      if (r.hold !== 'held') return undefined;
      const outcome = await this.hold.tell(evse, true, () => this.releasedLate(r));
      if (outcome.ok === false) return statusInfo(outcome);
      r.hold = 'released';
      await this.persist(r);
      return undefined;
    });
  }

  /** The remote start `remoteStart` prepared did not happen: the charger is held again. */
  remoteStartFailed(evse: number): void {
    background(
      this.ctx,
      'reservation hold',
      this.serial(async () => {
        const r = this.on(evse);
        if (r?.hold !== 'released') return;
        const outcome = await this.hold.tell(evse, false, () => undefined);
        if (outcome.ok === true) {
          r.hold = 'held';
          await this.persist(r);
        }
      }),
    );
  }

  /**
   * The session starting on `evse` with `token` uses the reservation there when the token is the
   * reservation's or was admitted as such (its group matched).
   */
  use(evse: number, token: OcppIdToken | undefined): ReservationUse | undefined {
    const r = this.on(evse);
    if (r === undefined || token === undefined) return undefined;
    if (verdictOf(r, token) !== 'own' && r.admitted !== tokenKey(token)) return undefined;
    return {
      reservationId: r.id,
      change: { key: keyOf(r.id), delete: true },
      done: () => {
        this.forget(r);
        this.ctx.log('info', 'reservation used', { reservationId: r.id, evse });
        this.evses.refresh(evse);
      },
    };
  }

  reserveNow(req: RequestOf<'ReserveNow'>): Promise<ReserveAnswer> {
    return this.serial(() => this.reserve(req));
  }

  cancelReservation(req: RequestOf<'CancelReservation'>): Promise<HandlerResult<'CancelReservation'>> {
    return this.serial(async () => {
      const r = this.byId?.get(req.reservationId);
      const off = disabled(this.ctx);
      if (off !== undefined) return off;
      if (r === undefined) return { status: 'Rejected', statusInfo: info('UnknownReservation', `no reservation ${req.reservationId}`) };
      await this.release(r);
      return { response: { status: 'Accepted' }, after: () => this.evses.refresh(r.evseId) };
    });
  }

  private async reserve(req: RequestOf<'ReserveNow'>): Promise<ReserveAnswer> {
    const evse = requestedEvse(this.ctx, req);
    if (typeof evse !== 'number') return evse;
    const previous = this.byId?.get(req.id);
    const other = this.on(evse);
    if (other !== undefined && other.id !== req.id) return { status: 'Occupied', statusInfo: info('AlreadyReserved', `EVSE ${evse} is reserved under another id`) };
    const busy = evseRefusal(this.ctx, this.evses, evse, previous?.evseId === evse ? previous : undefined);
    if (busy !== undefined) return busy;
    const kept = previous?.evseId === evse ? previous.hold : 'none';
    const r: Reserved = {
      id: req.id,
      evseId: evse,
      expiryDateTime: req.expiryDateTime,
      idToken: req.idToken,
      ...(req.groupIdToken !== undefined ? { groupIdToken: req.groupIdToken } : {}),
      hold: kept,
    };
    let note: ResponseOf<'ReserveNow'>['statusInfo'];
    if (kept === 'none') {
      const outcome = await this.hold.tell(evse, false, () => this.heldLate(r));
      if (outcome.ok === false && outcome.reasonCode !== 'NotSupported') {
        this.ctx.log('warn', 'reservation refused: the charger did not take the hold', { reservationId: r.id, evse, ...statusInfo(outcome) });
        return { status: 'Rejected', statusInfo: statusInfo(outcome) };
      }
      if (outcome.ok === true) r.hold = 'held';
      else if (outcome.ok === false) note = gatewayEnforced(evse, outcome.additionalInfo);
    }
    // Replaced on another EVSE: it ends there, only now that the new one is sure (H01.FR.02).
    const moved = previous !== undefined && previous.evseId !== evse ? previous.evseId : undefined;
    if (previous !== undefined && moved !== undefined) await this.release(previous);
    (this.byId ??= new Map()).set(r.id, r);
    await this.persist(r);
    this.arm(r);
    this.ctx.log('info', previous !== undefined ? 'reservation replaced' : 'reservation made', { reservationId: r.id, evse, expiryDateTime: r.expiryDateTime, hold: r.hold });
    const after = (): void => {
      if (moved !== undefined) this.evses.refresh(moved);
      this.evses.refresh(evse);
    };
    return { response: { status: 'Accepted', ...(note !== undefined ? { statusInfo: note } : {}) }, after };
  }

  /** Ends `r` by expiry or removal: the update to the CSMS, the charger back, the EVSE reported. */
  private end(r: Reserved, status: UpdateStatus, refresh: boolean): void {
    this.forget(r);
    const update = { reservationId: r.id, reservationUpdateStatus: status };
    if (this.ctx.isAccepted()) background(this.ctx, 'ReservationStatusUpdate', this.ctx.call('ReservationStatusUpdate', update));
    else (this.owed ??= []).push(update);
    const lift = this.unhold(r);
    background(
      this.ctx,
      'reservation end',
      this.serial(async () => {
        await lift?.();
        await this.ctx.store.delete(this.ctx.id, keyOf(r.id));
      }),
    );
    if (refresh) this.evses.refresh(r.evseId);
  }

  /** Cancels or replaces `r`: gone from memory, the store and the charger. */
  private async release(r: Reserved): Promise<void> {
    this.forget(r);
    const lift = this.unhold(r);
    await this.ctx.store.delete(this.ctx.id, keyOf(r.id));
    await lift?.();
  }

  /**
   * A charger held for `r` is to be made available again, unless the CSMS made the EVSE Inoperative
   * since or another reservation holds it: the telling, to run in turn (`ChargerHold.lift`).
   */
  private unhold(r: Reserved): (() => Promise<void>) | undefined {
    if (r.hold !== 'held' || !this.evses.operative(r.evseId) || this.on(r.evseId) !== undefined) return undefined;
    return this.hold.lift(r.evseId, `reservation ${r.id}`);
  }

  private forget(r: Reserved): void {
    if (this.byId?.get(r.id) === r) this.byId.delete(r.id);
    if (this.byId?.size === 0) this.byId = undefined;
    const t = this.timers?.get(r.id);
    if (t !== undefined) this.ctx.clock.clearTimeout(t);
    this.timers?.delete(r.id);
    if (this.timers?.size === 0) this.timers = undefined;
  }

  private arm(r: Reserved): void {
    const timers = (this.timers ??= new Map());
    const t = timers.get(r.id);
    if (t !== undefined) this.ctx.clock.clearTimeout(t);
    const wait = Math.max(0, Date.parse(r.expiryDateTime) - this.ctx.clock.now());
    timers.set(
      r.id,
      this.ctx.clock.setTimeout(
        () => {
          this.timers?.delete(r.id);
          if (this.byId?.get(r.id) !== r) return;
          if (Date.parse(r.expiryDateTime) > this.ctx.clock.now()) return this.arm(r);
          this.ctx.log('info', 'reservation expired', { reservationId: r.id, evse: r.evseId });
          this.end(r, 'Expired', true);
        },
        Math.min(wait, LONGEST_TIMER_MS),
      ),
    );
  }

  private async holdAgain(r: Reserved): Promise<void> {
    if (this.byId?.get(r.id) !== r || r.hold !== 'held' || this.evses.chargerState(r.evseId) !== 'available') return;
    this.ctx.log('warn', 'charger dropped the reservation hold: told again', { reservationId: r.id, evse: r.evseId });
    const outcome = await this.hold.tell(r.evseId, false, () => this.heldLate(r));
    if (outcome.ok !== false || this.byId?.get(r.id) !== r) return;
    this.ctx.log('warn', 'reservation removed: the charger would not be held again', { reservationId: r.id, evse: r.evseId, ...statusInfo(outcome) });
    r.hold = 'none';
    this.end(r, 'Removed', true);
  }

  /** The charger confirmed a hold after ReserveNow was answered Rejected: it is made available again. */
  private heldLate(r: Reserved): void {
    if (this.byId?.get(r.id) === r) return;
    const lift = this.unhold({ ...r, hold: 'held' });
    if (lift !== undefined) background(this.ctx, 'late reservation hold', this.serial(lift));
  }

  /** The charger made a held connector available after the remote start was refused: it stays held in the record. */
  private releasedLate(r: Reserved): void {
    this.ctx.log('info', 'charger made available late for a reserved start', { reservationId: r.id, evse: r.evseId });
    if (this.byId?.get(r.id) === r) r.hold = 'released';
  }

  private persist(r: Reserved): Promise<void> {
    return this.ctx.store.set(this.ctx.id, keyOf(r.id), r as unknown as JsonValue);
  }

  /** Reservation changes one after the other (they wait for the charger). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work, work);
    this.chain = run.catch(() => undefined);
    return run;
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly reservations: Reservations;
  }
}
