/**
 * Fleet ownership: with several gateway instances sharing one store, a station identity has exactly
 * one OCPP connection (README, "Running with Redis, and several instances"). Each instance holds a lease
 * per station it serves (`StateStore.acquireLease`, TTL `leaseTtlMs`) and renews all of them in one
 * periodic loop.
 *
 * A charger that reconnects to another instance: that instance finds the lease held, writes a
 * takeover request into the station's state (`fleet.takeover`) and polls the lease. The owner sees
 * the request on its next renewal round, stops the station (OCPP connection closed properly, charger
 * TCP connection closed) and only then releases the lease; the new instance starts its engine only
 * once it holds the lease. An owner that died simply stops renewing: its lease expires after
 * `leaseTtlMs`, within the taker's `takeoverTimeoutMs`. State and queue are in the store already,
 * so the new engine resumes them.
 *
 * While the store is unreachable an owner keeps its stations (the chargers stay served); once the
 * store answers again, an expired lease that nobody took is simply taken again, and a lease that
 * another instance holds means this one stops the station.
 *
 * The request names the newcomer's source address. An owner whose charger connection is still
 * live asks the station (`Holding.consider`) whether that newcomer may replace it (the station's
 * `duplicateLogin` policy, see identity.ts); when not, it writes its refusal into the request
 * (`refused`) and keeps the station, and the asking instance refuses its newcomer at once instead
 * of waiting: a second login of an identity is refused across the fleet as within one instance.
 *
 * Within one instance a station has at most one lease record: `acquire` hands out a `Lease`
 * handle, `hold` and `release` act on that record only, and a second attempt for the same station
 * (a charger that connected again) waits for the first one: it waits for an attempt still under
 * way, ends the station the first one holds (or waits while that one is still starting) and only
 * then takes the lease itself.
 */
import { boundedWait } from '../core/bounded-wait.js';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Log } from '../core/log.js';
import { pinoLog } from './pino-log.js';
import type { JsonValue, StateStore } from '../store/state-store.js';
import type { FleetConfig } from './config.js';
import { isRecord, refusalOf, TAKEOVER_KEY, takeoverBy, type TakeoverClaim } from './takeover.js';

export { TAKEOVER_KEY, type TakeoverClaim } from './takeover.js';

const DEFAULT_LEASE_TTL_MS = 15_000;

/** How long `Ownership.stop` waits for the renewal round in progress and the releases. */
const STOP_WAIT_MS = 3_000;

/** `<hostname>-<pid>-<random>`: distinct per process, readable in logs and in Redis. */
export function defaultInstanceId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export interface OwnershipOptions {
  readonly store: StateStore;
  readonly instanceId: string;
  /** Lease lifetime; default 15 000 ms. */
  readonly leaseTtlMs?: number;
  /** How often the leases are renewed and takeover requests looked at; default `leaseTtlMs / 3`. */
  readonly renewIntervalMs?: number;
  /** How long a new connection waits for another instance to hand over; default 2 × `leaseTtlMs`. */
  readonly takeoverTimeoutMs?: number;
  readonly log: Log;
}

/** What the gateway gives for a running station so that ownership can end it. */
export interface Holding {
  /** True once the charger connection has gone: the lease is released after `stop` resolves. */
  readonly ended: () => boolean;
  /** Ends the station (charger and OCPP connections); resolves once the OCPP connection is closed. */
  readonly stop: (reason: string) => Promise<void>;
  /**
   * Another instance asks for the station for a login from `claim.address`: undefined hands it
   * over, a string refuses (why, for the asking instance). Absent: always hand over.
   */
  readonly consider?: (claim: TakeoverClaim) => string | undefined;
}

interface Held {
  readonly station: string;
  /** Undefined between acquiring the lease and the engine being up. */
  holding: Holding | undefined;
  readonly since: number;
  /** Set while the station is being ended, so one round does not end it twice. */
  ending?: Promise<void>;
}

/** One lease record of this instance, as `acquire` hands it out; opaque to its holder. */
export interface Lease {
  readonly station: string;
}

/** `refused`: the owner keeps the station for its live connection (its reason in `reason`). */
export type LeaseResult = { readonly ok: true; readonly lease: Lease } | { readonly ok: false; readonly reason: string; readonly refused?: true };

export class Ownership {
  readonly instanceId: string;
  readonly leaseTtlMs: number;
  readonly renewIntervalMs: number;
  readonly takeoverTimeoutMs: number;
  private readonly store: StateStore;
  private readonly log: Log;
  private readonly held = new Map<string, Held>();
  /** The latest attempt per station still taking its lease: a later one waits for it. */
  private readonly acquiring = new Map<string, Promise<unknown>>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private round: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(options: OwnershipOptions) {
    this.store = options.store;
    this.instanceId = options.instanceId;
    this.log = options.log;
    this.leaseTtlMs = options.leaseTtlMs ?? DEFAULT_LEASE_TTL_MS;
    this.renewIntervalMs = options.renewIntervalMs ?? Math.max(1, Math.floor(this.leaseTtlMs / 3));
    this.takeoverTimeoutMs = options.takeoverTimeoutMs ?? 2 * this.leaseTtlMs;
  }

  /** Stations this instance holds the lease of. */
  get stations(): string[] {
    return [...this.held.keys()];
  }

  /** Starts the renewal loop. */
  start(): void {
    this.stopped = false;
    this.schedule();
  }

  /**
   * Takes the lease of `station`, asking its current owner to hand it over and waiting up to
   * `takeoverTimeoutMs` when another instance holds it. `abandon` is polled while waiting (the
   * charger went away, the gateway is stopping). An earlier attempt of this instance for the same
   * station is waited for, and a station this instance already holds is ended first (a charger
   * that connected again replaces its previous connection). On success the lease is renewed by the
   * loop until `release`; call `hold` once the station runs. `address` (the newcomer's source
   * address) goes with a takeover request, for the owner to decide by (see the file comment).
   */
  async acquire(station: string, abandon: () => boolean, address?: string): Promise<LeaseResult> {
    const deadline = Date.now() + this.takeoverTimeoutMs;
    const earlier = this.acquiring.get(station);
    const attempt = (async (): Promise<LeaseResult> => {
      if (earlier !== undefined && !(await this.waitFor(earlier, abandon, deadline))) return this.failed(station, abandon);
      return this.take(station, abandon, deadline, address);
    })();
    this.acquiring.set(station, attempt);
    try {
      return await attempt;
    } finally {
      if (this.acquiring.get(station) === attempt) this.acquiring.delete(station);
    }
  }

  private async take(station: string, abandon: () => boolean, deadline: number, address: string | undefined): Promise<LeaseResult> {
    const poll = Math.min(250, this.renewIntervalMs);
    let asked: string | undefined;
    let askedAt = 0;
    for (;;) {
      if (this.stopped || abandon()) {
        if (asked !== undefined) await this.withdraw(station);
        return { ok: false, reason: 'abandoned while waiting for the lease' };
      }
      let owner: string | undefined;
      const mine = this.held.get(station);
      if (mine !== undefined) {
        // Ours already: a station still starting settles first (it holds or releases); a running one is ended.
        if (mine.holding !== undefined || mine.ending !== undefined) {
          this.log('info', 'station held by this instance for an earlier connection: ending it first', { station });
          await within(this.end(station, mine, 'replaced by a new connection'), deadline - Date.now());
        }
        owner = this.instanceId;
      } else {
        try {
          if (await this.store.acquireLease(station, this.instanceId, this.leaseTtlMs)) {
            const h: Held = { station, holding: undefined, since: Date.now() };
            this.held.set(station, h);
            if (asked !== undefined) await this.withdraw(station);
            this.log('info', 'ownership lease acquired', { station, instanceId: this.instanceId, ...(asked !== undefined ? { from: asked } : {}) });
            return { ok: true, lease: h };
          }
          owner = await this.store.leaseOwner(station);
          if (owner !== undefined && owner !== asked && owner !== this.instanceId) {
            askedAt = Date.now();
            const request: JsonValue = { by: this.instanceId, at: askedAt, ...(address !== undefined ? { address } : {}) };
            await this.store.set(station, TAKEOVER_KEY, request);
            asked = owner;
            this.log('info', 'station owned by another instance: takeover requested', { station, owner });
          } else if (asked !== undefined) {
            const refusal = refusalOf(await this.store.get(station, TAKEOVER_KEY), this.instanceId, askedAt);
            if (refusal !== undefined) {
              await this.withdraw(station);
              this.log('info', 'takeover refused by the owner: its charger connection is live', { station, owner: asked, reason: refusal });
              return { ok: false, reason: refusal, refused: true };
            }
          }
        } catch (err) {
          this.log('warn', 'ownership lease: store error, retrying', { station, error: message(err) });
        }
      }
      if (Date.now() >= deadline) {
        if (asked !== undefined) await this.withdraw(station);
        return { ok: false, reason: `lease held by ${owner ?? asked ?? 'another instance'}; no handover within ${this.takeoverTimeoutMs} ms` };
      }
      await sleep(poll);
    }
  }

  /** Waits for an earlier attempt to settle; false when abandoned or past `deadline` first. */
  private async waitFor(earlier: Promise<unknown>, abandon: () => boolean, deadline: number): Promise<boolean> {
    const poll = Math.min(250, this.renewIntervalMs);
    let settled = false;
    const done = earlier.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (;;) {
      if (settled) return true;
      if (this.stopped || abandon() || Date.now() >= deadline) return false;
      await within(done, Math.min(poll, deadline - Date.now()));
    }
  }

  private failed(station: string, abandon: () => boolean): LeaseResult {
    if (this.stopped || abandon()) return { ok: false, reason: 'abandoned while waiting for the lease' };
    return { ok: false, reason: `an earlier connection of ${station} is still taking the lease; no handover within ${this.takeoverTimeoutMs} ms` };
  }

  /**
   * Attaches the station, about to open its OCPP connection, to its lease. False when the lease was
   * lost since it was acquired (then the station must not start).
   */
  hold(lease: Lease, holding: Holding): boolean {
    const h = this.record(lease);
    if (h === undefined || h.ending !== undefined) return false;
    h.holding = holding;
    return true;
  }

  /** Ends the station (when it runs) and releases its lease; a lease already ended or replaced is left alone. */
  async release(lease: Lease, reason: string): Promise<void> {
    const h = this.record(lease);
    if (h === undefined) return;
    await this.end(h.station, h, reason);
  }

  /** The held record `lease` stands for, while it is still the station's current one. */
  private record(lease: Lease): Held | undefined {
    const h = this.held.get(lease.station);
    return h === lease ? h : undefined;
  }

  /**
   * Stops the loop and releases every lease (ending stations still running). Bounded by
   * `STOP_WAIT_MS`: while the store is unreachable its operations wait for it, and a lease that
   * cannot be released expires by itself.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const deadline = Date.now() + STOP_WAIT_MS;
    const roundDone = await within(this.round, STOP_WAIT_MS);
    // Stations are ended even when the round is stuck: only their lease releases may have to wait.
    const ended = Promise.all([...this.held].map(([station, h]) => this.end(station, h, 'gateway stopping')));
    const done = (await within(ended, deadline - Date.now())) && roundDone;
    if (!done) this.log('warn', 'ownership stopped with leases not released in time (the store is not answering): they expire by themselves', { stations: this.stations, waitedMs: STOP_WAIT_MS });
  }

  /**
   * Arms the next round only once the previous one has finished: a round waiting for an unreachable
   * store holds the loop, so renewals never pile up behind it (they run again once it answers).
   */
  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.round = this.renewAll().catch((err: unknown) => this.log('error', 'ownership renewal round failed', { error: message(err) }));
      void this.round.then(() => this.schedule());
    }, this.renewIntervalMs);
    this.timer.unref?.();
  }

  /**
   * One round: release what ended, hand over what is asked for, renew the rest. A station's end is
   * not awaited here: its stop may wait for the CSMS's answer to a CALL in flight (up to the call
   * timeout), and the rounds go on renewing every lease meanwhile, its own too.
   */
  private async renewAll(): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([station, h]) => {
        if (h.ending !== undefined) {
          // Still ours until released: no one may open another OCPP connection while it closes.
          await this.store
            .renewLease(station, this.instanceId, this.leaseTtlMs)
            .catch((err: unknown) => this.log('warn', 'ownership lease of a stopping station not renewed: store error', { station, error: message(err) }));
          return;
        }
        if (h.holding?.ended() === true) {
          void this.end(station, h, 'charger disconnected');
          return;
        }
        try {
          // A station still starting is handed over on a later round, once it can be stopped properly.
          const request = h.holding === undefined ? undefined : await this.store.get(station, TAKEOVER_KEY);
          const by = takeoverBy(request, this.instanceId, h.since - this.takeoverTimeoutMs);
          if (by !== undefined && isRecord(request)) {
            const address = typeof request['address'] === 'string' ? request['address'] : undefined;
            const refusal = h.holding?.ended() === true ? undefined : h.holding?.consider?.({ by, ...(address !== undefined ? { address } : {}) });
            if (refusal !== undefined) {
              // The answer goes into the request itself; the asking instance polls it.
              await this.store.set(station, TAKEOVER_KEY, { ...request, refused: refusal });
              this.log('warn', 'takeover requested by another instance refused: the charger connection here is live', { station, by });
            } else {
              this.log('warn', 'takeover requested by another instance: handing the station over', { station, by });
              void this.end(station, h, `taken over by ${by}`);
              return;
            }
          }
          if (await this.store.renewLease(station, this.instanceId, this.leaseTtlMs)) return;
          // Expired without anyone taking it (e.g. the store was down): take it again.
          if (await this.store.acquireLease(station, this.instanceId, this.leaseTtlMs)) {
            this.log('warn', 'ownership lease had expired and was taken again', { station });
            return;
          }
          this.log('error', 'ownership lease lost to another instance: stopping the station', { station, owner: await this.store.leaseOwner(station) });
          void this.end(station, h, 'ownership lease lost');
        } catch (err) {
          // The store is unreachable: nobody else can take the lease through it either; keep serving.
          this.log('warn', 'ownership lease not renewed: store error', { station, error: message(err) });
        }
      }),
    );
  }

  /** Stops the station, then releases the lease: the OCPP connection is closed before anyone else may open one. */
  private end(station: string, h: Held, reason: string): Promise<void> {
    h.ending ??= (async () => {
      try {
        await h.holding?.stop(reason);
      } catch (err) {
        this.log('warn', 'station stop failed', { station, error: message(err) });
      }
      if (this.held.get(station) !== h) return;
      this.held.delete(station);
      try {
        await this.store.releaseLease(station, this.instanceId);
        this.log('info', 'ownership lease released', { station, reason });
      } catch (err) {
        this.log('warn', 'ownership lease not released (it expires by itself)', { station, error: message(err) });
      }
    })();
    return h.ending;
  }

  /** Removes this instance's takeover request, if it is still the one stored. */
  private async withdraw(station: string): Promise<void> {
    try {
      const request = await this.store.get(station, TAKEOVER_KEY);
      if (isRecord(request) && request['by'] === this.instanceId) await this.store.delete(station, TAKEOVER_KEY);
    } catch {
      // A stale request is ignored by owners once it is older than their lease.
    }
  }
}

/** The gateway's ownership from its `fleet` config, its loop started; logs carry the instance id. */
export function startOwnership(fleet: FleetConfig, store: StateStore, logger: Logger): Ownership {
  const instanceId = fleet.instanceId ?? defaultInstanceId();
  const log = logger.child({ instanceId });
  const ownership = new Ownership({
    store,
    instanceId,
    leaseTtlMs: fleet.leaseTtlMs,
    renewIntervalMs: fleet.renewIntervalMs,
    takeoverTimeoutMs: fleet.takeoverTimeoutMs,
    log: pinoLog(() => log),
  });
  ownership.start();
  log.info({ leaseTtlMs: fleet.leaseTtlMs, renewIntervalMs: ownership.renewIntervalMs }, 'fleet ownership leases');
  return ownership;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** True when `work` settles within `ms` (0 or less: no wait beyond what is already settled). */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return boundedWait(settled, Math.max(0, ms), () => false);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
