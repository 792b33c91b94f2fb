/**
 * One connection of a family-B charger (State-Grid-style IEC 104 dialect), for any catalogue
 * (docs/protocols/state-grid-dialects.md §2, §7). The charger first sends its login, which is not an
 * APDU: the host decides whether it serves that charger (`admit`), the login is answered as the
 * dialect says (refused: not answered, closed), and the charger is `identified`. Then the gateway
 * runs the controlling IEC 104 link on the dialect's wire (length octets, U-frame size, checksum):
 * STARTDT act, and once confirmed `link up`, a clock sync and a general interrogation as the
 * catalogue's `link` asks. APDUs before the login are bad input.
 *
 * Every ASDU is read through the catalogue (`RecordCodec`) and handed to the part of its meaning:
 * authentication and start notices (`session-auth.ts`), monitoring and charging data
 * (`session-status.ts`), charge records (`session-records.ts`), billing model (`session-billing.ts`),
 * start/stop results and the clock (`session-commands.ts`). A (type, record) the catalogue does not
 * name is counted as `unknown_type`, a record that cannot be read (short, bad BCD) as `malformed`,
 * each kind logged once; neither spends the bad-frame budget (framing errors do) nor closes.
 */
import { COT, TI } from '../../src/iec104/constants.js';
import { cp56ToDate } from '../../src/iec104/cp56.js';
import { ControllingLink } from '../../src/iec104/link.js';
import type { Asdu, Cp56Time } from '../../src/iec104/types.js';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { CurrentType } from '../../src/model/events.js';
import type { CodecSession, SessionContext } from '../codec.js';
import { MEANINGS, type RecordSpec } from './catalogue.js';
import { Sgcc104Error } from './errors.js';
import type { FieldValues } from './fields.js';
import type { Sgcc104Options } from './options.js';
import { RecordCodec, rolesOf, type DecodedRecord } from './records.js';
import { SgAuthorizations } from './session-auth.js';
import { SgBilling } from './session-billing.js';
import { SgCommands, sgCapabilities } from './session-commands.js';
import { SgIo } from './session-io.js';
import { interrogation, linkParams } from './session-link.js';
import { SgRecords } from './session-records.js';
import { SgSessions, SgStatus } from './session-status.js';
import { blank, connectorOf, isoTime, fieldWith, loginConnectors, MAX_CONNECTORS, text, yesCode } from './session-values.js';
import { decodeLogin, linkError, linkWire, loginAnswer, Sgcc104Framer } from './wire.js';

const HOUR = 3_600_000;
/** Meanings whose answer record a part of the session sends itself (after a decision, or with data of its own). */
const ANSWERED_APART = new Set<RecordSpec['meaning']>(['authorizationRequest', 'chargeRecord', 'billingModelRequest', 'sessionStart']);

export class Sgcc104Session implements CodecSession {
  private readonly io: SgIo;
  private readonly framer: Sgcc104Framer;
  private readonly link: ControllingLink;
  private readonly sessions: SgSessions;
  private readonly status: SgStatus;
  private readonly auth: SgAuthorizations;
  private readonly commands: SgCommands;
  private readonly records: SgRecords;
  private readonly billing: SgBilling;
  private currentType: CurrentType;
  private stopped = false;
  /** The session asked its host to close (a refused login): the rest of the input is only counted. */
  private closing = false;
  private up = false;
  private clockTimer: unknown;
  private farewell: (() => void) | undefined;

  capabilities: Capabilities;

  constructor(private readonly ctx: SessionContext<Sgcc104Options>) {
    const dialect = ctx.options.dialect;
    this.io = new SgIo(ctx, ctx.connection.timeZone ?? ctx.options.timeZone);
    this.framer = new Sgcc104Framer(dialect);
    this.currentType = dialect.currentType;
    this.capabilities = sgCapabilities(dialect, this.io.connectorCount, this.currentType, ctx.options.ratedPowerW);
    this.sessions = new SgSessions(this.io);
    this.status = new SgStatus(this.io, this.sessions);
    this.auth = new SgAuthorizations(this.io, this.status, this.sessions);
    this.commands = new SgCommands(this.io, this.sessions);
    this.records = new SgRecords(this.io, this.status, this.sessions, () => this.currentType);
    this.billing = new SgBilling(this.io);
    const { params, refused } = linkParams(dialect.link);
    if (refused !== undefined) ctx.sink.log('warn', 'sgcc104 link parameters of the catalogue refused: IEC defaults used', { reason: refused });
    this.link = new ControllingLink({
      wire: linkWire(dialect),
      params,
      clock: ctx.clock,
      send: (bytes) => ctx.sink.send(bytes),
      close: (reason) => this.linkLost(`link ${reason}`),
      onAsdu: (asdu) => this.onAsdu(asdu),
      onError: (e) => {
        const err = linkError(e);
        ctx.sink.error({ code: err.code, message: err.message, offset: err.offset });
      },
      onFlowWarning: (w) => ctx.sink.log('warn', 'sgcc104 link flow', { ...w }),
      onStateChange: (from, to, reason) => {
        ctx.sink.log('debug', 'sgcc104 link', { from, to, reason });
        if (to === 'active') this.onActive();
        if ((to === 'stopped' || to === 'closed') && this.farewell !== undefined) {
          this.farewell();
          this.farewell = undefined;
        }
      },
    });
    this.io.sendAsdu = (asdu) => this.link.sendAsdu(asdu);
    this.io.queued = () => this.link.queuedCount;
  }

  start(): void {
    // The charger speaks first: its login.
  }

  receive(chunk: Uint8Array): void {
    if (this.stopped) return;
    for (const item of this.framer.push(chunk)) {
      if (item.kind !== 'error') this.ctx.sink.frameReceived?.();
      if (this.stopped || this.closing) continue;
      if (item.kind === 'error') {
        this.ctx.sink.error({ code: item.error.code, message: item.error.message, offset: item.error.offset });
        continue;
      }
      if (item.kind === 'login') {
        this.onLogin(item.frame, item.offset);
        continue;
      }
      if (this.io.chargerId === undefined) {
        this.ctx.sink.error(new Sgcc104Error('SGCC104_BEFORE_LOGIN', 'APDU before the login frame: dropped', item.offset));
        continue;
      }
      this.link.receiveFrame(item.frame, item.offset);
    }
  }

  command(c: ChargerCommand): CommandOutcome {
    if (this.stopped) return { status: 'rejected', reason: 'connection closed' };
    try {
      return this.dispatch(c);
    } catch (e) {
      return { status: 'rejected', reason: (e as Error).message };
    }
  }

  goodbye(): Promise<void> {
    if (this.stopped || (this.link.state !== 'active' && this.link.state !== 'starting')) return Promise.resolve();
    return new Promise((resolve) => {
      this.farewell = resolve;
      this.link.stop();
    });
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.farewell?.();
    this.farewell = undefined;
    this.ctx.clock.clearTimeout(this.clockTimer);
    this.commands.failAll(reason);
    this.link.dispose();
    if (this.up) this.io.event({ type: 'link', state: 'down', reason });
    this.up = false;
  }

  private dispatch(c: ChargerCommand): CommandOutcome {
    const name = this.io.dialect.name;
    switch (c.type) {
      case 'authorize':
        return this.auth.authorize(c);
      case 'confirmRecord':
        return this.records.confirm(c);
      case 'startCharging':
      case 'stopCharging':
        // Queued on a link that is stopping or stopped, the record would never go: said plainly instead.
        if (['stopping', 'stopped', 'closed'].includes(this.link.state)) return { status: 'rejected', reason: `IEC 104 link is ${this.link.state}` };
        return c.type === 'startCharging' ? this.commands.startCharging(c) : this.commands.stopCharging(c);
      case 'setClock':
        if (this.link.state !== 'active') return { status: 'rejected', reason: `IEC 104 link is ${this.link.state}` };
        return this.commands.setClock(c);
      default:
        return { status: 'notSupported', reason: `the ${name} dialect (sgcc104) has no record for ${c.type}` };
    }
  }

  private onLogin(frame: Buffer, offset: number): void {
    const dialect = this.io.dialect;
    const r = decodeLogin(dialect, frame, this.io.timeZone);
    if (!r.ok) {
      this.ctx.sink.error({ code: r.code, message: r.message, offset: offset + r.offset });
      return;
    }
    if (this.io.chargerId !== undefined) {
      // A login again on the same connection is answered again; it cannot change who this is.
      if (r.chargerId === this.io.chargerId) this.sendLoginAnswer(frame);
      else {
        this.ctx.sink.ignored?.('foreign_address');
        this.io.once('secondLogin', 'warn', 'sgcc104 second login naming another charger on the same connection: ignored', { chargerId: r.chargerId, loggedIn: this.io.chargerId });
      }
      return;
    }
    // A family-B login carries no key: it proves nothing beyond the id it names. An all-zero id names
    // no charger (B2's concentrator, docs/protocols/state-grid-dialects.md §4): refused, not booted as one.
    const named = !blank(r.chargerId);
    if (!named) this.ctx.sink.log('warn', 'sgcc104 login that names no charger id (all zeros; a concentrator of several chargers is not supported): refused', { chargerId: r.chargerId });
    const admitted = named && (this.ctx.connection.admit?.(r.chargerId, { key: 'none' }) ?? true);
    // The dialects' answer is an echo with no refusal in it: a charger would read any answer as its
    // acceptance, so a refused one gets none and sees its connection close.
    if (admitted) this.sendLoginAnswer(frame);
    else {
      this.closing = true;
      this.ctx.sink.close(`login of ${r.chargerId} refused`);
      return;
    }
    this.io.chargerId = r.chargerId;
    const zone = this.ctx.connection.timeZoneOf?.(r.chargerId);
    if (zone !== undefined && zone !== this.io.timeZone) {
      this.io.timeZone = zone;
      this.io.codec = new RecordCodec(dialect, zone);
    }
    this.useConnectorCount(r.chargerId, r.values);
    this.capabilities = sgCapabilities(dialect, this.io.connectorCount, this.currentType, this.ctx.options.ratedPowerW);
    this.io.event({ type: 'identified', chargerId: r.chargerId, connectorCount: this.io.connectorCount, currentType: this.currentType, protocol: { name: 'sgcc104', version: dialect.name } });
    this.link.start();
  }

  /** The login's connector count (see `loginConnectors`), a count it cannot use logged once. */
  private useConnectorCount(chargerId: string, values: Readonly<Record<string, unknown>>): void {
    const { count, stated } = loginConnectors(this.io.dialect, values);
    if (stated !== undefined)
      this.io.once('connectorCount', 'warn', `sgcc104 login states ${String(stated)} connectors (1..${MAX_CONNECTORS} expected): ${count} assumed, the dialect's`, {
        chargerId,
        stated,
        connectors: count,
      });
    this.io.connectorCount = count;
  }

  private sendLoginAnswer(login: Buffer): void {
    const answer = loginAnswer(this.io.dialect, login);
    if (answer !== undefined) this.ctx.sink.send(answer);
  }

  private onActive(): void {
    if (!this.up) {
      this.up = true;
      this.io.event({ type: 'link', state: 'up' });
    }
    const l = this.io.dialect.link;
    if (l.clockSync) this.syncClock(l.clockSyncHours);
    if (l.interrogate) this.interrogate();
  }

  private syncClock(everyHours: number | undefined): void {
    this.commands.syncClock();
    this.ctx.clock.clearTimeout(this.clockTimer);
    if (everyHours !== undefined && everyHours > 0) this.clockTimer = this.ctx.clock.setTimeout(() => this.syncClock(everyHours), everyHours * HOUR);
  }

  private interrogate(): void {
    this.io.send104(this.io.codec.encodeStandard(interrogation(this.io.dialect)));
  }

  private linkLost(reason: string): void {
    this.ctx.sink.close(reason);
    this.stop(reason);
  }

  /**
   * Interprets a login or an ASDU as if it came on an established connection, without link
   * procedures: for `pilegate decode --mapping` and replay (the codec's interpreter).
   */
  interpret(kind: 'login' | 'asdu', bytes: Buffer): void {
    if (kind === 'login') {
      const r = decodeLogin(this.io.dialect, bytes, this.io.timeZone);
      if (!r.ok) return this.ctx.sink.error({ code: r.code, message: r.message, offset: r.offset });
      if (this.io.chargerId === undefined) {
        this.io.chargerId = r.chargerId;
        this.useConnectorCount(r.chargerId, r.values);
        this.io.event({
          type: 'identified',
          chargerId: r.chargerId,
          connectorCount: this.io.connectorCount,
          currentType: this.currentType,
          protocol: { name: 'sgcc104', version: this.io.dialect.name },
        });
      }
      return;
    }
    this.onAsdu(bytes);
  }

  private onAsdu(asdu: Buffer): void {
    try {
      const r = this.io.codec.decode(asdu);
      if (r.ok && r.kind === 'record') return this.onRecord(r.record);
      if (r.ok) return this.onStandard(r.asdu);
      if (r.unknown) {
        this.ctx.sink.ignored?.('unknown_type');
        this.io.once(`unknown:${this.kindOf(asdu)}`, 'warn', 'sgcc104 ASDU the catalogue does not name: ignored (logged once per kind, counted)', {
          kind: this.kindOf(asdu),
          code: r.code,
          message: r.message,
        });
        return;
      }
      this.ctx.sink.ignored?.('malformed');
      this.io.once(`malformed:${r.code}`, 'warn', 'sgcc104 record that cannot be read: dropped (counted; logged once per code)', {
        code: r.code,
        message: r.message,
        offset: r.offset,
        kind: this.kindOf(asdu),
      });
    } catch (e) {
      // A fault of the engine on input must not end the connection: the record is dropped and told.
      this.ctx.sink.ignored?.('malformed');
      this.ctx.sink.log('error', 'sgcc104 ASDU could not be handled', { error: (e as Error).message, kind: this.kindOf(asdu) });
    }
  }

  /** `TI/record` of an ASDU, for logs (the record-type octet where the dialect puts it). */
  private kindOf(asdu: Buffer): string {
    const f = this.io.dialect.framing;
    const at = 2 + f.cotOctets + f.caOctets + (f.privateIoa ? f.ioaOctets : 0);
    return `${asdu[0] ?? '?'}/${asdu[at] ?? '-'}`;
  }

  private onStandard(a: Asdu): void {
    if (a.typeId === TI.C_CS_NA_1 && a.cause === COT.ACTIVATION_CON) {
      const t = (a.objects[0] as { time?: Cp56Time } | undefined)?.time;
      const d = t === undefined ? undefined : cp56ToDate(t, this.io.timeZone);
      if (d !== undefined) this.io.event({ type: 'clockReport', chargerTime: d.toISOString(), at: this.io.now() });
      this.commands.clockConfirmed(a.negative);
      return;
    }
    if (a.typeId === TI.C_IC_NA_1) {
      this.ctx.sink.log('debug', 'sgcc104 interrogation', { cause: a.cause, negative: a.negative });
      return;
    }
    this.ctx.sink.ignored?.('unused_type');
    this.io.once(`standard:${a.typeId}`, 'info', 'sgcc104 standard ASDU this gateway does not use: ignored', { typeId: a.typeId, cause: a.cause });
  }

  private onRecord(rec: DecodedRecord): void {
    const spec = rec.spec;
    // A charger confirms a clock sync with the same ASDU (B1's has no record of its own for it).
    if (spec.meaning === 'clockSync' && rec.cause === COT.ACTIVATION_CON) return this.clockReport(rolesOf(spec, rec.values).time, rec.negative);
    if (MEANINGS[spec.meaning].direction === 'down') {
      this.ctx.sink.ignored?.('unused_type');
      this.io.once(`down:${spec.name}`, 'warn', 'sgcc104 record only the gateway sends, received from the charger: ignored', { record: spec.name });
      return;
    }
    const roles = rolesOf(spec, rec.values);
    const named = text(roles.chargerId);
    if (named !== undefined && !blank(named) && this.io.chargerId !== undefined && named !== this.io.chargerId) {
      this.ctx.sink.ignored?.('foreign_address');
      this.io.once('foreign', 'warn', 'sgcc104 records naming another charger than the logged-in one are ignored (logged once, counted)', {
        record: spec.name,
        chargerId: named,
        loggedIn: this.io.chargerId,
      });
      return;
    }
    this.ctx.sink.log('debug', 'sgcc104 record', { record: spec.name, values: this.io.loggable(spec, rec.values) });
    switch (spec.meaning) {
      case 'authorizationRequest':
        return this.auth.request(spec, roles, rec.values);
      case 'sessionStart':
        return this.auth.sessionStart(spec, roles, rec.values);
      case 'startResult':
      case 'stopResult':
        this.commands.result(spec, roles);
        break;
      case 'monitoring':
        this.status.monitoring(spec, roles);
        break;
      case 'chargingData':
        this.status.chargingData(spec, roles);
        break;
      case 'chargeRecord':
        return this.records.record(spec, rec, roles);
      case 'billingModelRequest':
        return this.billing.request(spec, roles, rec.values);
      case 'billingModelResult':
        this.billing.result(spec, roles);
        break;
      case 'clockReport':
        this.clockReport(roles.time, rec.negative);
        break;
      default:
        break;
    }
    this.answer(spec, roles, rec.values);
  }

  /** The charger's clock after a clock sync (its confirmation). */
  private clockReport(value: unknown, negative: boolean): void {
    const time = isoTime(value);
    if (time !== undefined) this.io.event({ type: 'clockReport', chargerTime: time, at: this.io.now() });
    this.commands.clockConfirmed(negative);
  }

  /** The answer record an uplink record names, for those no part answers itself (charging data confirmation...). */
  private answer(spec: RecordSpec, roles: Record<string, unknown>, values: FieldValues): void {
    if (ANSWERED_APART.has(spec.meaning)) return;
    const answer = this.io.spec(spec.answer);
    if (answer === undefined) return;
    const serial = text(roles['transactionId']);
    const connector = roles['connector'] === undefined ? undefined : connectorOf(this.io.dialect, roles['connector']);
    const reply = { ...(serial !== undefined ? { transactionId: serial } : {}), result: yesCode(this.io.dialect, fieldWith(answer.fields, 'result'), true) };
    this.io.send(answer, reply, connector, {}, undefined, this.io.echo(spec, values, answer));
  }
}
