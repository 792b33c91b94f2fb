/**
 * A transaction kept open across a gateway restart (or a lost charger connection) against what the
 * charger reports as its connection comes up, for chargers whose sessions are derived from their
 * state (`Capabilities.sessionsFromState`: plain IEC 104 point tables). The decisions are pure;
 * `transactions.ts` acts on them.
 *
 * - Still charging, and nothing says it is another session: the transaction goes on (`continues`).
 * - Idle, or charging another session: the transaction ended while nobody was listening
 *   (`endedWhileAway`): at the last time it was known running, with the charger's register as read
 *   now (or where the next session began), stoppedReason as far as the charger's state tells.
 * - Charging with no transaction open: the session started while nobody was listening
 *   (`startedWhileAway`): with the charger's own start figures where its point table has them,
 *   else at the time it was first seen with its first reading, and it says so.
 */
import type { IdleAtConnectEvent, SessionStartFigures, SessionStartedEvent, StopReason } from '../../model/events.js';
import type { JsonValue } from '../../store/state-store.js';
import { energyValue, type MeterValue } from '../meter-values/meter-values.js';
import { isSessionOf, type OpenTx, type TxEnd } from './transaction-events.js';

/**
 * How far the charger's start time may lie after the last moment the transaction was known
 * running and still be the same session: the charger's clock is set by the gateway, but only to
 * whole seconds and not continuously.
 */
export const START_TIME_SLACK_MS = 5_000;

/**
 * Whether the running session the charger reports is the transaction held open, and if not why
 * (`registerWentBack`: the register was reset or replaced, so none of its readings is this one's).
 */
export type Continuity = { readonly same: true } | { readonly same: false; readonly registerWentBack: boolean; readonly why: string };

/**
 * The charger's own start figures of `e` (a session found running) where they can be true: a start
 * no later than the session was seen running (`START_TIME_SLACK_MS` for the charger's clock), a
 * start register no higher than the register read then (it only rises). A charger clock hours off
 * (a counter of local time read as Unix time) or a start point holding garbage would otherwise
 * split a session in two, or start one in the future. `doubted`: what was dropped.
 */
function credibleStart(e: SessionStartedEvent): { readonly figures: SessionStartFigures; readonly doubted?: SessionStartFigures } {
  const { startedAt, startWh } = e.alreadyRunning ?? {};
  const lateStart = startedAt !== undefined && Date.parse(startedAt) > Date.parse(e.at) + START_TIME_SLACK_MS;
  const highStart = startWh !== undefined && e.meterStartWh !== undefined && startWh > e.meterStartWh;
  const figures = { ...(startedAt !== undefined && !lateStart ? { startedAt } : {}), ...(startWh !== undefined && !highStart ? { startWh } : {}) };
  return lateStart || highStart ? { figures, doubted: { ...(lateStart ? { startedAt } : {}), ...(highStart ? { startWh } : {}) } } : { figures };
}

/** The latest moment `tx` was known running: its latest event or reading, else its start. */
export function lastSeen(tx: OpenTx): string {
  let latest = tx.startedAt;
  for (const at of [tx.lastEventAt, tx.lastEnergy?.at]) if (at !== undefined && Date.parse(at) > Date.parse(latest)) latest = at;
  return latest;
}

/**
 * Whether `e` (a session found running as the connection came up) continues `tx`. The energy
 * register only rises while a connector charges, so the same session has a register no lower than
 * the transaction's last reading and, where the charger reports them, started at a register no
 * higher than that reading and no later than the transaction was last seen. Without start figures a
 * session that ended and another that started during one absence look like one session.
 */
export function continues(tx: OpenTx, e: SessionStartedEvent): Continuity {
  const last = tx.lastEnergy;
  const found = e.alreadyRunning ?? {};
  if (last !== undefined && e.meterStartWh !== undefined && e.meterStartWh < last.wh) {
    return { same: false, registerWentBack: true, why: `the energy register went back (${e.meterStartWh} Wh, the transaction had read ${last.wh} Wh)` };
  }
  if (last !== undefined && found.startWh !== undefined && found.startWh > last.wh) {
    return { same: false, registerWentBack: false, why: `the charger's session started at ${found.startWh} Wh, after the transaction had read ${last.wh} Wh` };
  }
  const seen = lastSeen(tx);
  if (found.startedAt !== undefined && Date.parse(found.startedAt) > Date.parse(seen) + START_TIME_SLACK_MS) {
    return { same: false, registerWentBack: false, why: `the charger's session started at ${found.startedAt}, after the transaction was last known running (${seen})` };
  }
  return { same: true };
}

/** A register reading of the charger's (Wh) and when it held. */
export interface Reading {
  readonly wh?: number;
  readonly at?: string;
}

/**
 * The end of `tx`, whose charging stopped while nobody was listening. `register`: the charger's
 * register once its session was over (read after the reconnect, or where the next session began);
 * a lower one than the transaction read (a meter reset) is not its figure, and then the last
 * reading taken during it stands. `reason` as far as the charger's state tells (else `other`).
 * `seenAt`: when the gateway found the connector no longer in this session.
 */
function endedWhileAway(tx: OpenTx, register: Reading, reason: StopReason, seenAt: string): TxEnd {
  const at = lastSeen(tx);
  const last = tx.lastEnergy;
  const usable = register.wh !== undefined && (last === undefined || register.wh >= last.wh);
  const meterStop = usable ? energyValue(register.wh, register.at ?? seenAt, 'Transaction.End') : last !== undefined ? energyValue(last.wh, last.at, 'Transaction.End') : undefined;
  const stoppedWhileAway: Record<string, JsonValue> = { lastSeenAt: at, seenStoppedAt: seenAt, register: usable ? 'readAfter' : last !== undefined ? 'lastReadDuring' : 'none' };
  return {
    reason,
    at,
    ...(meterStop !== undefined ? { meterStop } : {}),
    customData: {
      stoppedWhileAway,
      explanation: 'charging stopped while the gateway was not connected to the charger: the time is the last the gateway knew it charging, the register as the charger reported it after',
    },
  };
}

/** How a Started event of a session the charger was found running gives its start. */
export interface AwayStart {
  /** The Started event's timestamp (canonical). */
  readonly at: string;
  readonly begin: MeterValue | undefined;
  readonly customData: Readonly<Record<string, JsonValue>>;
}

/**
 * The start of a session that began while nobody was listening: the charger's own start time and
 * start register where `e` carries them; else when it was first seen running, with the first
 * register reading (stamped when read: it may hold energy of this session already).
 */
function startedWhileAway(e: SessionStartedEvent): AwayStart {
  const found = e.alreadyRunning ?? {};
  const at = found.startedAt ?? e.at;
  const fromCharger = found.startWh !== undefined;
  const begin = fromCharger ? energyValue(found.startWh, at, 'Transaction.Begin') : energyValue(e.meterStartWh, e.meterStartAt ?? e.at, 'Transaction.Begin');
  return {
    at,
    begin,
    customData: {
      vendorId: 'pilegate',
      legacyTransactionId: e.legacyTransactionId,
      startedWhileAway: {
        seenRunningAt: e.at,
        startTime: found.startedAt !== undefined ? 'charger' : 'firstSeen',
        startRegister: fromCharger ? 'charger' : begin !== undefined ? 'firstReading' : 'none',
      },
      explanation:
        found.startedAt !== undefined && fromCharger
          ? "charging started while the gateway was not connected to the charger: time and register are the charger's own start figures"
          : 'charging started while the gateway was not connected to the charger: it began before the time given, with at most the register given',
    },
  };
}

/** What the reconciliation needs of the transactions block. */
export interface ReconciliationHost {
  /** The transaction open on a connector. */
  open(connector: number): OpenTx | undefined;
  /** Ends the transaction open on a connector (queues its Ended event). */
  end(connector: number, tx: OpenTx, how: TxEnd): Promise<void>;
  /** Opens a transaction for a session found running, started as `start` says. */
  begin(e: SessionStartedEvent, start: AwayStart): Promise<void>;
  /** Writes the state of a connector's open transaction without an event. */
  keep(connector: number, tx: OpenTx): Promise<void>;
  /** The charger reported a charging state for the connector's open transaction (Updated if it changed). */
  chargingState(connector: number, state: string, at: string): Promise<void>;
  log(level: 'info' | 'warn', message: string, data: Readonly<Record<string, unknown>>): void;
}

/**
 * The reports of a connection's first word on each connector, against the transactions loaded from
 * the store. Until its report, a loaded transaction is held: no event of it goes out (see
 * `holds`), for it may turn out to have ended, or to be another session's.
 */
export class Reconciliation {
  /** Connectors whose loaded transaction waits for the charger's report. */
  private readonly unchecked = new Set<number>();
  /** The latest charging state the charger reported of a connector while its transaction waited. */
  private readonly states = new Map<number, { readonly state: string; readonly at: string }>();

  constructor(private readonly host: ReconciliationHost) {}

  /** A transaction loaded from the store on `connector` waits for the charger's report. */
  loaded(connector: number): void {
    this.unchecked.add(connector);
  }

  /** True while the transaction open on `connector` waits for the charger's report. */
  holds(connector: number): boolean {
    return this.unchecked.size > 0 && this.unchecked.has(connector);
  }

  /**
   * The charger reported the connector's charging state while its transaction waits: said once the
   * report tells whose it is (a connector's status goes out before its session is reported).
   */
  stateWhileHeld(connector: number, state: string, at: string): void {
    this.states.set(connector, { state, at });
  }

  /** Something of the present connection settled the connector (a session seen starting or ending). */
  settled(connector: number): void {
    this.unchecked.delete(connector);
    this.states.delete(connector);
  }

  /** A session the charger was already charging as its connection came up (`e.alreadyRunning` set). */
  async running(e: SessionStartedEvent): Promise<void> {
    this.unchecked.delete(e.connector);
    const { figures, doubted } = credibleStart(e);
    if (doubted !== undefined) {
      this.host.log('warn', "the charger's own start figures are not believed: they cannot be true", { connector: e.connector, ...doubted, seenRunningAt: e.at, meterWh: e.meterStartWh });
    }
    await this.reconcile({ ...e, alreadyRunning: figures });
    // The state the charger reported before is that of the session it runs, whichever transaction that is.
    const seen = this.states.get(e.connector);
    this.states.delete(e.connector);
    if (seen !== undefined) await this.host.chargingState(e.connector, seen.state, seen.at);
  }

  private async reconcile(e: SessionStartedEvent): Promise<void> {
    const tx = this.host.open(e.connector);
    if (tx !== undefined) {
      if (isSessionOf(tx, e.legacyTransactionId)) return;
      const verdict = continues(tx, e);
      if (verdict.same) {
        this.host.log('info', 'transaction goes on: the charger is still charging its session', {
          connector: e.connector,
          transactionId: tx.transactionId,
          legacyTransactionId: tx.legacyTransactionId,
          alias: e.legacyTransactionId,
        });
        await this.host.keep(e.connector, { ...tx, alias: e.legacyTransactionId });
        return;
      }
      this.host.log('warn', 'transaction ended while the charger was out of reach: it charges another session now', { connector: e.connector, transactionId: tx.transactionId, why: verdict.why });
      // The new session began where this one had stopped: nothing charges between two sessions.
      const startWh = verdict.registerWentBack ? undefined : e.alreadyRunning?.startWh;
      await this.host.end(e.connector, tx, endedWhileAway(tx, startWh !== undefined ? { wh: startWh, at: e.alreadyRunning?.startedAt ?? e.at } : {}, 'other', e.at));
    }
    const start = startedWhileAway(e);
    this.host.log('warn', 'session found running as the charger connected: transaction started', {
      connector: e.connector,
      legacyTransactionId: e.legacyTransactionId,
      startedAt: start.at,
      startedWhileAway: start.customData['startedWhileAway'],
    });
    await this.host.begin(e, start);
  }

  /** The charger was idle on the connector as its connection came up. */
  async idle(e: IdleAtConnectEvent): Promise<void> {
    this.settled(e.connector);
    const tx = this.host.open(e.connector);
    if (tx === undefined) return;
    this.host.log('warn', 'transaction ended while the charger was out of reach: its connector is idle now', {
      connector: e.connector,
      transactionId: tx.transactionId,
      legacyTransactionId: tx.legacyTransactionId,
    });
    await this.host.end(e.connector, tx, endedWhileAway(tx, { ...(e.meterWh !== undefined ? { wh: e.meterWh } : {}), ...(e.meterAt !== undefined ? { at: e.meterAt } : {}) }, e.reason, e.at));
  }
}
