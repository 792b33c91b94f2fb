/**
 * Remote start and stop and the clock of a family-B connection, and what a charger of a dialect can
 * do (`sgCapabilities`: a command is there only when the catalogue has its records). A start or stop
 * sends the catalogue's `remoteStart` / `remoteStop` record and waits, bounded by
 * `commandTimeoutMs`, for the record its `resultIn` names: the charger's yes completes the command,
 * its no rejects it with the charger's reason (the `failReason` table's word). Where the dialect
 * has no result record, the command completes once the charger is seen doing it (a session seen
 * running; for a stop, its charge record or a work state that is no longer charging), and ends as
 * `timeout` otherwise. A clock sync (C_CS_NA_1, or the catalogue's `clockSync` record) waits for
 * the charger's confirmation.
 */
import { cp56FromDate } from '../../src/iec104/cp56.js';
import { COT, TI } from '../../src/iec104/constants.js';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommandType, CommandOutcome, SetClockCommand, StartChargingCommand, StopChargingCommand } from '../../src/model/commands.js';
import type { CurrentType } from '../../src/model/events.js';
import type { Measurand } from '../../src/model/units.js';
import type { Dialect, RecordSpec } from './catalogue.js';
import { unfit } from './fields.js';
import type { Roles } from './records.js';
import type { SgIo } from './session-io.js';
import type { GunSeen, SgSessions } from './session-status.js';
import { bcdDigits, blank, connectorOf, energyWh, fieldWith, hasRole, isYes, numeric, text, wordOf } from './session-values.js';

/** What a charger speaking `dialect` can do. */
export function sgCapabilities(dialect: Dialect, connectorCount: number, currentType: CurrentType, ratedPowerW: number | undefined): Capabilities {
  const has = (meaning: RecordSpec['meaning']): boolean => dialect.records.some((r) => r.meaning === meaning);
  const names = new Set(dialect.records.map((r) => r.name));
  const commands = new Set<ChargerCommandType>(['setClock']);
  const authorize = dialect.records.some((r) => r.meaning === 'authorizationRequest' && r.answer !== undefined && names.has(r.answer));
  if (authorize) commands.add('authorize');
  if (has('remoteStart')) commands.add('startCharging');
  if (has('remoteStop')) commands.add('stopCharging');
  if (has('recordConfirm')) commands.add('confirmRecord');
  const measurands = new Set<Measurand>();
  for (const r of dialect.records) {
    if (r.meaning !== 'monitoring' && r.meaning !== 'chargingData') continue;
    for (const [role, m] of [
      ['voltage', 'voltage'],
      ['current', 'current'],
      ['power', 'power'],
      ['soc', 'soc'],
      ['energyRegister', 'energy'],
      ['meterStop', 'energy'],
    ] as const) {
      if (hasRole(r, role)) measurands.add(m);
    }
    // Charging data's register is its meter stop, else its meter start plus its energy.
    if (r.meaning === 'chargingData' && hasRole(r, 'meterStart') && hasRole(r, 'energy')) measurands.add('energy');
  }
  return {
    connectorCount,
    currentType,
    commands,
    measurands,
    limitUnits: new Set(),
    ...(ratedPowerW !== undefined ? { maxPowerW: ratedPowerW } : {}),
    evInfo: false,
    localAuthorization: authorize,
    transactionRecords: has('chargeRecord'),
  };
}

interface Wait {
  readonly commandId: string;
  readonly kind: 'start' | 'stop';
  readonly connector: number;
  /** The serial the gateway gave the session in its start record, if the record carries one. */
  readonly serial?: string;
  readonly timer: unknown;
  readonly unwatch: () => void;
}

/** Ids of the clock syncs the session sends by itself (their results stay inside). */
export const INTERNAL = 'internal:';

export class SgCommands {
  private readonly waits = new Map<string, Wait>();
  private clock: { readonly commandId: string; readonly timer: unknown } | undefined;
  private counter = 0;

  constructor(
    private readonly io: SgIo,
    private readonly sessions: SgSessions,
  ) {}

  private get timeoutMs(): number {
    return this.io.ctx.options.commandTimeoutMs;
  }

  startCharging(c: StartChargingCommand): CommandOutcome {
    const spec = this.io.records('remoteStart')[0];
    if (spec === undefined) return { status: 'notSupported', reason: `the ${this.io.dialect.name} dialect has no remote start: its chargers start only after a card is accepted at the charger` };
    const bad = this.badConnector(c.connector);
    if (bad !== undefined) return bad;
    if (this.waits.has(`start:${c.connector}`)) return { status: 'rejected', reason: `a remote start on connector ${c.connector} is still waiting for the charger's answer` };
    const digits = bcdDigits(spec, 'transactionId');
    const serial = digits !== undefined ? this.newSerial(digits) : undefined;
    const roles = { ...(serial !== undefined ? { transactionId: serial } : {}) };
    const id = c.idToken?.id;
    const field = fieldWith(spec.fields, 'idToken');
    // A token its field cannot carry is refused, not left out: the charger would start for nobody.
    const unfitFor = id !== undefined && field !== undefined ? unfit(field, id, this.io.timeZone) : undefined;
    if (unfitFor !== undefined) {
      const octets = field?.octets === undefined ? '' : `, ${field.octets} octets`;
      return { status: 'rejected', reason: `the token ${JSON.stringify(id)} cannot be carried by ${field?.name ?? 'idToken'} (${field?.encoding ?? ''}${octets}): ${unfitFor}` };
    }
    if (!this.io.send(spec, { ...roles, ...(id !== undefined ? { idToken: id } : {}) }, c.connector)) return { status: 'rejected', reason: `the ${spec.name} record could not be sent` };
    this.wait(c.id, 'start', c.connector, spec, serial);
    return { status: 'sent' };
  }

  stopCharging(c: StopChargingCommand): CommandOutcome {
    const spec = this.io.records('remoteStop')[0];
    if (spec === undefined) return { status: 'notSupported', reason: `the ${this.io.dialect.name} dialect has no remote stop` };
    const bad = this.badConnector(c.connector);
    if (bad !== undefined) return bad;
    if (this.waits.has(`stop:${c.connector}`)) return { status: 'rejected', reason: `a remote stop on connector ${c.connector} is still waiting for the charger's answer` };
    const serial = this.sessions.serialOf(c.connector) ?? c.legacyTransactionId;
    if (!this.io.send(spec, serial !== undefined ? { transactionId: serial } : {}, c.connector)) return { status: 'rejected', reason: `the ${spec.name} record could not be sent` };
    this.wait(c.id, 'stop', c.connector, spec);
    return { status: 'sent' };
  }

  /** A start or stop result record: settles the command waiting for it. */
  result(spec: RecordSpec, roles: Roles): void {
    const kind = spec.meaning === 'startResult' ? 'start' : 'stop';
    const connector = roles.connector === undefined ? undefined : connectorOf(this.io.dialect, roles.connector);
    // A record without a gun field answers the command of its kind; one naming a gun that is no connector answers none.
    const wait = connector !== undefined ? this.waits.get(`${kind}:${connector}`) : roles.connector === undefined ? [...this.waits.values()].find((w) => w.kind === kind) : undefined;
    if (wait === undefined) {
      this.io.ctx.sink.ignored?.('unsolicited');
      this.io.once(`unsolicited:${spec.name}`, 'info', 'sgcc104 result record that no command waits for: ignored', { record: spec.name, connector });
      return;
    }
    const yes = isYes(this.io.dialect, fieldWith(spec.fields, 'result'), roles.result);
    if (yes !== true) {
      const code = numeric(roles.failReason);
      const word = code === undefined ? undefined : wordOf(this.io.dialect, fieldWith(spec.fields, 'failReason')?.values, code);
      const why = word ?? (code !== undefined ? `fail reason ${code}` : `result ${String(roles.result)}`);
      this.settle(wait, 'rejected', `the charger refused the ${kind}: ${why}`, code ?? numeric(roles.result));
      return;
    }
    this.settle(wait, 'completed');
    if (kind !== 'start') return;
    const serial = text(roles.transactionId);
    const own = serial !== undefined && !blank(serial) ? serial : wait.serial;
    const meter = numeric(roles.meterStart);
    const meterStartWh = meter === undefined ? undefined : energyWh(meter, fieldWith(spec.fields, 'meterStart')?.unit);
    if (own === undefined) {
      this.sessions.expectRemote(wait.connector, wait.commandId);
      return;
    }
    this.sessions.started(wait.connector, own, { commandId: wait.commandId, ...(meterStartWh !== undefined ? { meterStartWh } : {}) });
  }

  setClock(c: SetClockCommand): CommandOutcome {
    const at = Date.parse(c.time);
    if (!Number.isFinite(at)) return { status: 'rejected', reason: `not a time: ${c.time}` };
    if (this.clock !== undefined) return { status: 'rejected', reason: 'a clock sync is still waiting for the charger' };
    if (!this.sendClock(at)) return { status: 'rejected', reason: 'the clock sync could not be sent' };
    const timer = this.io.ctx.clock.setTimeout(() => this.clockDone('timeout', `the charger did not confirm the clock sync within ${this.timeoutMs / 1000} s`), this.timeoutMs);
    this.clock = { commandId: c.id, timer };
    return { status: 'sent' };
  }

  /** The charger confirmed a clock sync (negatively: it refused it). */
  clockConfirmed(negative: boolean): void {
    if (this.clock === undefined) return;
    this.clockDone(negative ? 'rejected' : 'completed', negative ? 'the charger refused the clock sync' : undefined);
  }

  /** The connection closed: every command waiting fails. */
  failAll(reason: string): void {
    for (const w of [...this.waits.values()]) this.settle(w, 'failed', `connection closed: ${reason}`);
    if (this.clock !== undefined) this.clockDone('failed', `connection closed: ${reason}`);
  }

  /** Sends C_CS_NA_1 act (or the catalogue's clock-sync record) with `at` in the charger's zone. */
  sendClock(at: number): boolean {
    const spec = this.io.records('clockSync')[0];
    const iso = new Date(at).toISOString();
    if (spec !== undefined) return this.io.send(spec, { time: iso }, undefined, {}, spec.cause ?? COT.ACTIVATION);
    const f = this.io.dialect.framing;
    const asdu = this.io.codec.encodeStandard({
      typeId: TI.C_CS_NA_1,
      sq: false,
      cause: COT.ACTIVATION,
      negative: false,
      test: false,
      originator: 0,
      commonAddress: f.commonAddress,
      objects: [{ ioa: 0, time: cp56FromDate(new Date(at), this.io.timeZone) }],
    });
    return this.io.send104(asdu);
  }

  private clockDone(status: 'completed' | 'rejected' | 'timeout' | 'failed', reason?: string): void {
    const c = this.clock;
    if (c === undefined) return;
    this.clock = undefined;
    this.io.ctx.clock.clearTimeout(c.timer);
    if (c.commandId.startsWith(INTERNAL)) {
      if (status !== 'completed') this.io.ctx.sink.log('warn', 'sgcc104 clock sync not confirmed', { status, reason });
      return;
    }
    this.io.result(c.commandId, status, reason);
  }

  /** Sends the session's own clock sync (after STARTDT con, and periodically); skipped while one waits. */
  syncClock(): void {
    if (this.clock !== undefined) return;
    const now = this.io.ctx.clock.now();
    if (!this.sendClock(now)) return;
    const timer = this.io.ctx.clock.setTimeout(() => this.clockDone('timeout', 'no confirmation'), this.timeoutMs);
    this.clock = { commandId: `${INTERNAL}clock-${now}`, timer };
  }

  private wait(commandId: string, kind: 'start' | 'stop', connector: number, spec: RecordSpec, serial?: string): void {
    const resultIn = this.io.spec(spec.resultIn);
    const key = `${kind}:${connector}`;
    const seenAs: GunSeen = kind === 'start' ? 'charging' : 'stopped';
    // Without a result record, the charger's doing it is the answer.
    const unwatch =
      resultIn === undefined
        ? this.sessions.watch((c, seen) => {
            const w = this.waits.get(key);
            if (c === connector && seen === seenAs && w !== undefined && w.commandId === commandId) this.settle(w, 'completed');
          })
        : () => undefined;
    const what = resultIn !== undefined ? `sent no ${resultIn.name}` : kind === 'start' ? 'was not seen charging' : 'was not seen stopping';
    const timer = this.io.ctx.clock.setTimeout(() => {
      const w = this.waits.get(key);
      if (w?.commandId === commandId) this.settle(w, 'timeout', `the charger ${what} within ${this.timeoutMs / 1000} s`);
    }, this.timeoutMs);
    this.waits.set(key, { commandId, kind, connector, timer, unwatch, ...(serial !== undefined ? { serial } : {}) });
  }

  private settle(w: Wait, status: 'completed' | 'rejected' | 'timeout' | 'failed', reason?: string, raw?: number): void {
    const key = `${w.kind}:${w.connector}`;
    if (this.waits.get(key) !== w) return;
    this.waits.delete(key);
    this.io.ctx.clock.clearTimeout(w.timer);
    w.unwatch();
    this.io.result(w.commandId, status, reason, raw);
  }

  private badConnector(connector: number): CommandOutcome | undefined {
    if (this.io.chargerId === undefined) return { status: 'rejected', reason: 'the charger has not logged in' };
    if (!Number.isInteger(connector) || connector < 1 || connector > this.io.connectorCount) return { status: 'rejected', reason: `no connector ${connector}` };
    return undefined;
  }

  /**
   * A serial for a session the gateway starts, `digits` long: the charger id, then the local time
   * (yyMMddHHmmss) and a counter, the family-B habit (docs/protocols/state-grid-dialects.md §2).
   */
  private newSerial(digits: number): string {
    this.counter = (this.counter + 1) % 10_000;
    const d = cp56FromDate(new Date(this.io.ctx.clock.now()), this.io.timeZone);
    const two = (n: number): string => String(n).padStart(2, '0');
    const time = `${two(d.year)}${two(d.month)}${two(d.day)}${two(d.hour)}${two(d.minute)}${two(Math.floor(d.milliseconds / 1000))}`;
    const id = (this.io.chargerId ?? '').replace(/[^0-9]/g, '');
    return `${id.padStart(digits, '0')}${time}${String(this.counter).padStart(4, '0')}`.slice(-digits);
  }
}
