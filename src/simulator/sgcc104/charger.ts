/**
 * A family-B charger, simulated from its dialect catalogue alone (no line of code per dialect): on
 * the wire side of `line.ts` (login, controlled link, TESTFR) it asks for its billing model, runs
 * card sessions (authorisation request, then charging on a positive answer) and remote ones, each
 * start announced by the dialect's session-start record if it has one, (`downlink.ts`), reports monitoring and
 * charging data, and uploads a charge record at the end of each session (the offline variant when
 * it ended offline), resent until confirmed (`outbox.ts`). Pure: bytes in through `receive`, out
 * through the `LineOutput` of `connected`, time from the injected clock; `simulator.ts` and
 * `factory.ts` put it on a socket. The flows are those of docs/protocols/state-grid-dialects.md §2–§5.
 */
import type { RecordSpec } from '../../../codecs/sgcc104/catalogue.js';
import type { FieldValues } from '../../../codecs/sgcc104/fields.js';
import type { Sgcc104Tariff } from '../../../codecs/sgcc104/options.js';
import { instantToWall } from '../../core/time-zone.js';
import type { Asdu } from '../../iec104/types.js';
import { every } from '../clock.js';
import { answerDownlink } from './downlink.js';
import { DEFAULT_TARIFF, SimGun, slotAt, type SessionFigures } from './gun.js';
import type { DownlinkHost, Sgcc104Answer, Sgcc104ChargerEvent } from './host.js';
import { Sgcc104Line, type Sgcc104LineOptions } from './line.js';
import { RecordOutbox } from './outbox.js';
import { digitsOf, fieldOf, fieldValue, isPositive, recordNamed, recordOf, recordsOf, sameSerial, type ReceivedRecord, type RoleValues } from './spec.js';

export type { Sgcc104Answer, Sgcc104ChargerEvent } from './host.js';
export type { ReceivedRecord } from './spec.js';

export interface Sgcc104ChargerOptions extends Omit<Sgcc104LineOptions, 'onNote'> {
  /** Default the dialect's `connectors`. */
  readonly connectors?: number;
  /** Power and voltage while charging; default 7 040 W at 220 V. */
  readonly powerW?: number;
  readonly voltageV?: number;
  /** Meter register of connector n at the start: `initialEnergyWh * n`; default 100 000 Wh. */
  readonly initialEnergyWh?: number;
  /** Charging data (or monitoring, when the dialect has no charging-data record) while charging; default 15 000 ms. */
  readonly meterIntervalMs?: number;
  /** Monitoring records of every connector; default 300 000 ms (and on every change). */
  readonly monitoringIntervalMs?: number;
  /** Resend an unconfirmed charge record this often; default 30 000 ms. */
  readonly recordResendMs?: number;
  /** Sends of a charge record per connection before the charger gives up until the next; default no limit. */
  readonly recordMaxSends?: number;
  /** Ignore this many record confirmations (as if lost); `outbox.loseConfirms` changes it while running. */
  readonly loseConfirms?: number;
  /** Send every charge record twice in a row. */
  readonly duplicateRecords?: boolean;
  /** Drop the connection right after sending a charge record, this many times (before any confirmation can come). */
  readonly dropBeforeConfirm?: number;
  /** How remote start and stop are answered; default both carried out. */
  readonly answers?: { readonly remoteStart?: Sgcc104Answer; readonly remoteStop?: Sgcc104Answer };
  /** The billing model until the gateway sends one. */
  readonly tariff?: Sgcc104Tariff;
  /** What happens, for people and tests; must not throw. */
  readonly onEvent?: (event: Sgcc104ChargerEvent) => void;
}

export class Sgcc104Charger extends Sgcc104Line implements DownlinkHost {
  readonly outbox: RecordOutbox;
  /** The billing model in force (the gateway's, once it sent one). */
  tariff: Sgcc104Tariff;
  /** How remote commands are answered; may be changed while running. */
  answers: { remoteStart?: Sgcc104Answer; remoteStop?: Sgcc104Answer };
  /** See `dropBeforeConfirm`; may be changed while running. */
  dropBeforeConfirm: number;
  private readonly guns: SimGun[] = [];
  private counter: number;

  constructor(readonly options: Sgcc104ChargerOptions) {
    super({ ...options, loginValues: withConnectorCount(options), onNote: (text) => options.onEvent?.({ type: 'note', text }) });
    this.tariff = options.tariff ?? DEFAULT_TARIFF;
    this.answers = { ...options.answers };
    this.dropBeforeConfirm = options.dropBeforeConfirm ?? 0;
    this.outbox = new RecordOutbox(this.clock, {
      resendMs: options.recordResendMs ?? 30_000,
      ...(options.recordMaxSends === undefined ? {} : { maxSends: options.recordMaxSends }),
      ...(options.loseConfirms === undefined ? {} : { loseConfirms: options.loseConfirms }),
      ...(options.duplicateRecords === undefined ? {} : { duplicate: options.duplicateRecords }),
    });
    // Serials stay unique across runs of one charger id: the counter starts from the clock.
    this.counter = Math.floor(this.clock.now() / 1000) % 500_000;
    const n = options.connectors ?? this.dialect.connectors;
    for (let c = 1; c <= n; c++) this.guns.push(new SimGun(c, (options.initialEnergyWh ?? 100_000) * c, options.powerW ?? 7_040, options.voltageV ?? 220));
  }

  get connectorCount(): number {
    return this.guns.length;
  }

  gun(connector: number): SimGun {
    const g = this.guns[connector - 1];
    if (g === undefined) throw new RangeError(`no connector ${connector}`);
    return g;
  }

  /** The connector's number on the wire (`connectorBase`). */
  wireConnector(connector: number): number {
    return connector - 1 + this.dialect.connectorBase;
  }

  /** The connector a received record names (its `connector` field), else by its serial, else the first charging one, else 1. */
  connectorOf(r: ReceivedRecord): number {
    const raw = fieldValue(r, 'connector');
    if (typeof raw === 'number') return Math.max(1, raw - this.dialect.connectorBase + 1);
    // The connector in the high nibble of the IOA's first octet (docs/protocols/state-grid-dialects.md §5).
    if (this.dialect.framing.connectorInIoa === true && r.ioa !== undefined && (r.ioa & 0xf0) !== 0) return Math.max(1, ((r.ioa & 0xf0) >> 4) - this.dialect.connectorBase + 1);
    const tx = digitsOf(fieldValue(r, 'transactionId'));
    const byTx = tx === undefined ? undefined : this.guns.find((g) => g.transactionId !== undefined && sameSerial(g.transactionId, tx));
    return (byTx ?? this.guns.find((g) => g.charging))?.connector ?? 1;
  }

  /** Stops every timer for good. */
  dispose(): void {
    this.detach(false);
    this.outbox.dispose();
  }

  event(e: Sgcc104ChargerEvent): void {
    this.options.onEvent?.(e);
  }

  // --- what the charger does --------------------------------------------------------------------

  /** Plugs a car in (or out) and reports it. */
  plug(connector: number, plugged = true): void {
    this.gun(connector).plugged = plugged;
    this.sendMonitoring(connector);
  }

  /** Raises or clears a fault on the connector and reports it. */
  setFault(connector: number, faulted: boolean): void {
    this.gun(connector).faulted = faulted;
    this.sendMonitoring(connector);
  }

  /**
   * A card at the charger: the authorisation request, then charging if the gateway says yes (with
   * the dialect's session-start record, if it has one). Resolves with the answer.
   * @throws (rejects) when no answer comes in time or the dialect has no authorisation request.
   */
  async swipeCard(
    connector: number,
    card: string,
    options: { readonly password?: string; readonly timeoutMs?: number } = {},
  ): Promise<{ accepted: boolean; answer: ReceivedRecord; transactionId?: string }> {
    const spec = recordOf(this.dialect, 'authorizationRequest');
    if (spec === undefined) throw new Error(`dialect ${this.dialect.name} has no card authorisation request`);
    const gun = this.gun(connector);
    gun.plugged = true;
    const answerName = spec.answer ?? recordOf(this.dialect, 'authorizationResult')?.name;
    const answer = this.waitFor((r) => r.name === answerName && this.connectorOf(r) === connector, options.timeoutMs ?? 10_000);
    this.send(spec, { chargerId: this.chargerId, connector: this.wireConnector(connector), idToken: card, ...(options.password === undefined ? {} : { password: options.password }) });
    const r = await answer;
    const accepted = isPositive(this.dialect, r.spec, r.values);
    if (!accepted || gun.charging) return { accepted, answer: r };
    const serial = digitsOf(fieldValue(r, 'transactionId')) ?? this.newSerial(connector);
    this.startSession(connector, serial, card, 'card');
    return { accepted, answer: r, transactionId: serial };
  }

  /**
   * Starts charging on `connector` under `serial` (a card or remote start already agreed), with the
   * dialect's session-start record (the start event that names the serial) if it has one.
   */
  startSession(connector: number, serial: string, idToken: string, how: 'card' | 'remote'): void {
    const gun = this.gun(connector);
    gun.start(serial, idToken, this.now());
    this.event({ type: 'sessionStarted', connector, transactionId: serial, how });
    const start = recordOf(this.dialect, 'sessionStart');
    if (start !== undefined) this.send(start, { ...this.sessionRoles(connector, serial, idToken), startTime: new Date(this.now()).toISOString(), meterStart: gun.registerWh });
    this.sendMonitoring(connector);
  }

  /** Ends the session on `connector` (an end reason of `VALUE_WORDS.endReason`) and uploads its record. Returns its serial. */
  stopCharging(connector: number, endReason = 'local'): string | undefined {
    const gun = this.gun(connector);
    if (!gun.charging) return undefined;
    gun.accumulate(this.now(), slotAt(this.tariff, this.now(), this.timeZone));
    const f = gun.stop(this.now(), this.tariff, endReason, !this.online);
    if (f === undefined) return undefined;
    this.event({ type: 'sessionEnded', connector, figures: f });
    this.sendMonitoring(connector);
    this.uploadRecord(connector, f);
    return f.transactionId;
  }

  /** The figures of the running session on `connector` up to now. */
  figures(connector: number): SessionFigures | undefined {
    const gun = this.gun(connector);
    gun.accumulate(this.now(), slotAt(this.tariff, this.now(), this.timeZone));
    return gun.figures(this.now(), this.tariff);
  }

  /**
   * A new transaction serial: terminal id, yyMMddHH, gun, counter (docs/protocols/state-grid-dialects.md §5),
   * digits only, its last digits when the dialect's serial field is narrower (the counter end stays).
   */
  newSerial(connector: number): string {
    this.counter += 1;
    const wall = new Date(instantToWall(this.now(), this.timeZone).wall).toISOString();
    const stamp = `${wall.slice(2, 4)}${wall.slice(5, 7)}${wall.slice(8, 10)}${wall.slice(11, 13)}`;
    const id = this.chargerId.replace(/\D/g, '').padStart(16, '0').slice(-16);
    const serial = `${id}${stamp}${String(this.wireConnector(connector) % 100).padStart(2, '0')}${String(this.counter).padStart(6, '0')}`;
    const field = recordsOf(this.dialect, 'chargeRecord')
      .map((r) => fieldOf(r.fields, 'transactionId'))
      .find((f) => f !== undefined);
    const width = field === undefined ? serial.length : field.encoding === 'bcd' ? (field.octets ?? 16) * 2 : (field.octets ?? serial.length);
    return serial.slice(-Math.min(width, serial.length));
  }

  /** The monitoring record(s) of `connector` with its current state. */
  sendMonitoring(connector: number, cause?: number): void {
    const gun = this.gun(connector);
    gun.accumulate(this.now(), slotAt(this.tariff, this.now(), this.timeZone));
    const workState = gun.faulted ? 'faulted' : gun.charging ? 'charging' : gun.plugged ? 'preparing' : 'available';
    for (const spec of recordsOf(this.dialect, 'monitoring')) {
      const fault = spec.fields.find((f) => f.role === 'fault');
      const roles: RoleValues = {
        chargerId: this.chargerId,
        connector: this.wireConnector(connector),
        workState,
        plugged: gun.plugged ? 1 : 0,
        voltage: gun.charging ? gun.voltageV : 0,
        current: gun.currentA,
        power: gun.charging ? gun.powerW : 0,
        energyRegister: gun.registerWh,
        soc: gun.charging ? this.soc(connector) : 0,
        ...(gun.transactionId === undefined ? {} : { transactionId: gun.transactionId }),
      };
      this.send(spec, roles, {}, fault !== undefined && gun.faulted ? { [fault.name]: 1 } : {}, cause ?? spec.cause);
    }
  }

  /** Charging data of a charging connector (monitoring when the dialect has no charging-data record). */
  sendChargingData(connector: number): void {
    const spec = recordOf(this.dialect, 'chargingData');
    if (spec === undefined) return this.sendMonitoring(connector);
    const gun = this.gun(connector);
    const f = this.figures(connector);
    if (f === undefined) return;
    this.send(spec, { ...this.figureRoles(connector, f), voltage: gun.voltageV, current: gun.currentA, power: gun.powerW, soc: this.soc(connector) }, f.periods);
  }

  /** The answer record a downlink record names (`resultIn`), else the dialect's first record with `meaning`. */
  resultFor(spec: RecordSpec, meaning: RecordSpec['meaning']): RecordSpec | undefined {
    return recordNamed(this.dialect, spec.resultIn) ?? recordOf(this.dialect, meaning);
  }

  // --- the line's hooks -------------------------------------------------------------------------

  protected linkUp(): void {
    this.event({ type: 'online' });
    const request = recordOf(this.dialect, 'billingModelRequest');
    if (request !== undefined) this.send(request, { chargerId: this.chargerId, connector: this.wireConnector(1), billingModelId: this.tariff.billingModelId });
    for (const g of this.guns) this.sendMonitoring(g.connector);
    this.outbox.up();
    this.connectionTimers.push(every(this.clock, this.options.monitoringIntervalMs ?? 300_000, () => this.guns.forEach((g) => this.sendMonitoring(g.connector))));
    this.connectionTimers.push(
      every(this.clock, this.options.meterIntervalMs ?? 15_000, () => {
        for (const g of this.guns) if (g.charging) this.sendChargingData(g.connector);
      }),
    );
  }

  protected linkDown(): void {
    this.outbox.down();
    this.event({ type: 'offline' });
  }

  protected standard(asdu: Asdu): void {
    answerDownlink.standard(this, asdu);
  }

  protected record(r: ReceivedRecord): void {
    answerDownlink.record(this, r);
  }

  // --- internals --------------------------------------------------------------------------------

  private sessionRoles(connector: number, serial: string, idToken: string): RoleValues {
    return { chargerId: this.chargerId, connector: this.wireConnector(connector), transactionId: serial, idToken };
  }

  private figureRoles(connector: number, f: SessionFigures): RoleValues {
    return {
      ...this.sessionRoles(connector, f.transactionId, f.idToken),
      startTime: new Date(f.startMs).toISOString(),
      endTime: new Date(f.endMs).toISOString(),
      meterStart: f.meterStartWh,
      meterStop: f.meterStopWh,
      energy: f.energyWh,
      amount: f.amountYuan,
      ...(f.endReason === undefined ? {} : { endReason: f.endReason }),
    };
  }

  /** A state of charge that rises with the energy charged. */
  private soc(connector: number): number {
    const f = this.gun(connector).figures(this.now(), this.tariff);
    return Math.min(100, 20 + Math.floor((f?.energyWh ?? 0) / 500));
  }

  /** The charge record of a finished session, resent until confirmed; the offline variant when it ended offline. */
  private uploadRecord(connector: number, f: SessionFigures): void {
    const records = recordsOf(this.dialect, 'chargeRecord');
    const offline = records.find((r) => /offline/i.test(`${r.name} ${r.title ?? ''}`));
    const spec = (f.offline ? offline : undefined) ?? records.find((r) => r !== offline) ?? offline;
    if (spec === undefined) return this.note(`dialect ${this.dialect.name} has no charge record`);
    const idField = fieldOf(spec.fields, 'transactionId');
    this.outbox.add(f.transactionId, () => {
      this.send(spec, this.figureRoles(connector, f), f.periods);
      if (this.dropBeforeConfirm > 0) {
        this.dropBeforeConfirm -= 1;
        this.drop();
      }
    });
    if (idField === undefined) this.note(`${spec.name} carries no serial: its confirmation cannot name it`);
  }
}

/** The login values with the charger's connector count in the login's `connectorCount` field, if it has one (unless given). */
function withConnectorCount(options: Sgcc104ChargerOptions): FieldValues | undefined {
  const field = options.dialect.login.fields.find((f) => f.role === 'connectorCount');
  if (field === undefined) return options.loginValues;
  return { [field.name]: options.connectors ?? options.dialect.connectors, ...options.loginValues };
}
