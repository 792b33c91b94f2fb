/**
 * The simulator's control direction: every ASDU the controlling station sends is answered here —
 * the common address check, station and counter interrogation (IEC 60870-5-101 §7.4.4, §7.4.5),
 * clock synchronisation, the COT 44 echo of an unknown type, and the mapped commands through the
 * command desk. Outcomes leave as simulator events.
 */
import { COT, TI } from '../../iec104/constants.js';
import { decodeAsdu } from '../../iec104/asdu-parser.js';
import { cp56FromDate, cp56ToDate } from '../../iec104/cp56.js';
import type { Clock } from '../../core/clock.js';
import type { Asdu, AsduParameters, InformationObject } from '../../iec104/types.js';
import type { Iec104PointsMapping, MappedCommand } from '../../../codecs/iec104-points/mapping.js';
import { CommandDesk, type CommandBehaviour, type CommandFacts, type CommandMatch, type CommandName, type CommandOutcome } from './commands.js';
import type { ChargerModel } from './model.js';
import type { PointReporter } from './reporting.js';
import type { SimulatorEvent } from './events.js';

/** What answering needs from the simulator. */
export interface AnswerContext {
  readonly clock: Clock;
  readonly model: ChargerModel;
  readonly reporter: PointReporter;
  readonly commonAddress: number;
  readonly asduParams: AsduParameters;
  readonly timeZone: string;
  /** The charger's own clock (epoch ms). */
  chargerNow(): number;
  /** Sets the charger's clock to `date` (a clock sync). */
  setChargerTime(date: Date): void;
  /** Encodes and sends one ASDU on the current link. */
  sendAsdu(asdu: Asdu): void;
  /** Sends already encoded ASDU bytes on the current link. */
  sendEncoded(bytes: Buffer): void;
  /** Carries a command out, reporting the changes it makes. */
  execute(match: CommandMatch): void;
  emit(event: SimulatorEvent): void;
}

/** The simulator options that shape the answers (see `ChargerSimulatorOptions`). */
export interface AnswerOptions {
  readonly commandBehaviour?: CommandBehaviour | Partial<Record<CommandName, CommandBehaviour>>;
  readonly sendActTerm?: boolean;
  readonly selectTimeoutMs?: number;
  readonly startRequiresPlug?: boolean;
}

/** Answers the controlling station for one simulator. */
export class StationAnswers {
  readonly desk: CommandDesk;

  constructor(
    mapping: Iec104PointsMapping,
    private readonly ctx: AnswerContext,
    private readonly options: AnswerOptions = {},
  ) {
    this.desk = new CommandDesk(
      mapping.commands ?? [],
      {
        clock: ctx.clock,
        reply: (asdu, cause, negative) => this.reply(asdu, cause, negative),
        report: (asdu, outcome, facts) => this.report(asdu, outcome, facts),
        canExecute: (command) => this.canExecute(command),
        execute: (match) => ctx.execute(match),
      },
      {
        ...(options.commandBehaviour === undefined ? {} : { behaviour: options.commandBehaviour }),
        ...(options.selectTimeoutMs === undefined ? {} : { selectTimeoutMs: options.selectTimeoutMs }),
        ...(options.sendActTerm === undefined ? {} : { sendActTerm: options.sendActTerm }),
      },
    );
  }

  /** Answers one received ASDU (encoded); may throw when an answer cannot be encoded or sent. */
  handle(bytes: Buffer): void {
    const { ctx } = this;
    const decoded = decodeAsdu(bytes, ctx.asduParams);
    if (!decoded.ok) {
      if (decoded.error.code === 'IEC104_UNKNOWN_TI') this.echoUnknownType(bytes);
      else ctx.emit({ type: 'decodeError', error: decoded.error });
      return;
    }
    const asdu = decoded.value;
    const broadcast = ctx.asduParams.caSize === 2 ? 0xffff : 0xff;
    if (asdu.commonAddress !== ctx.commonAddress && asdu.commonAddress !== broadcast) {
      // The one negative answer that keeps the address it got: the address is what is unknown.
      ctx.sendAsdu({ ...asdu, cause: COT.UNKNOWN_COMMON_ADDRESS, negative: true });
      this.report(asdu, 'unknown-common-address');
      return;
    }
    switch (asdu.typeId) {
      case TI.C_IC_NA_1:
        return this.onInterrogation(asdu);
      case TI.C_CI_NA_1:
        return this.onCounterInterrogation(asdu);
      case TI.C_CS_NA_1:
        return this.onClockSync(asdu);
      default:
        return this.desk.handle(asdu);
    }
  }

  /** §7.4.4 station interrogation: ACT_CON, every monitor point but the counters with COT 20, ACT_TERM. */
  private onInterrogation(asdu: Asdu): void {
    const qoi = (asdu.objects[0] as { qoi: number }).qoi;
    if (!this.confirmActivation(asdu)) return;
    const known = qoi >= 20 && qoi <= 36;
    this.reply(asdu, COT.ACTIVATION_CON, !known);
    if (!known) return;
    this.ctx.emit({ type: 'interrogation', qoi });
    // No point is assigned to a group: a group interrogation (QOI 21..36) is confirmed and terminated empty.
    if (qoi === 20) {
      const { reporter } = this.ctx;
      const points = reporter.points.filter((p) => p.ti !== 'M_IT_NA_1');
      reporter.sendPoints(points, COT.INTERROGATED_BY_STATION, false, asdu.originator);
    }
    this.reply(asdu, COT.ACTIVATION_TERMINATION, false);
  }

  /** §7.4.5 counter interrogation: ACT_CON, the registers with COT 37 (general request), ACT_TERM. */
  private onCounterInterrogation(asdu: Asdu): void {
    const { rqt, frz } = asdu.objects[0] as { rqt: number; frz: number };
    if (!this.confirmActivation(asdu)) return;
    const known = rqt >= 1 && rqt <= 5;
    this.reply(asdu, COT.ACTIVATION_CON, !known);
    if (!known) return;
    this.ctx.emit({ type: 'counterInterrogation', rqt, frz });
    const { reporter } = this.ctx;
    reporter.integrate();
    // FRZ 1/2 freeze the registers. FRZ 3 resets: not simulated.
    if (frz === 1 || frz === 2) reporter.freezeCounters();
    if (rqt === 5 && frz !== 3) {
      const counters = reporter.points.filter((p) => p.ti === 'M_IT_NA_1');
      reporter.sendPoints(counters, COT.REQUESTED_BY_GENERAL_COUNTER, false, asdu.originator);
    }
    this.reply(asdu, COT.ACTIVATION_TERMINATION, false);
  }

  /** Sets the charger's clock from C_CS_NA_1 and confirms with the clock as now set (local time). */
  private onClockSync(asdu: Asdu): void {
    const { ctx } = this;
    if (!this.confirmActivation(asdu)) return;
    const object = asdu.objects[0] as { ioa: number; time: NonNullable<InformationObject['time']> };
    const date = object.time.invalid ? undefined : cp56ToDate(object.time, ctx.timeZone);
    if (date === undefined) {
      this.reply(asdu, COT.ACTIVATION_CON, true);
      return;
    }
    ctx.setChargerTime(date);
    const time = cp56FromDate(new Date(ctx.chargerNow()), ctx.timeZone);
    ctx.sendAsdu({ ...asdu, cause: COT.ACTIVATION_CON, negative: false, commonAddress: ctx.commonAddress, objects: [{ ioa: object.ioa, time }] });
    ctx.emit({ type: 'clockSync', time: date });
  }

  /** A remote start needs an available, fault-free connector (and an EV, unless configured otherwise). */
  private canExecute(command: MappedCommand): boolean {
    if (command.command !== 'startCharging') return true;
    const n = command.connector;
    const c = this.ctx.model.state(n);
    if (c.charging) return true;
    if (this.options.startRequiresPlug !== false && !c.plugged) return false;
    const status = this.ctx.model.statusOf(n);
    return status !== 'faulted' && status !== 'unavailable';
  }

  /** COT 6 is the only cause an activation may carry; anything else gets COT 45 negative. */
  private confirmActivation(asdu: Asdu): boolean {
    if (asdu.cause === COT.ACTIVATION) return true;
    this.reply(asdu, COT.UNKNOWN_CAUSE, true);
    this.report(asdu, 'unknown-cause');
    return false;
  }

  /** The TI is not one this library decodes: echo the bytes with COT 44 and P/N set, T bit kept. */
  private echoUnknownType(bytes: Buffer): void {
    if (bytes.length < 3) return;
    const echo = Buffer.from(bytes);
    echo[2] = ((bytes[2] as number) & 0x80) | 0x40 | COT.UNKNOWN_TYPE_ID;
    this.ctx.sendEncoded(echo);
  }

  private reply(asdu: Asdu, cause: number, negative: boolean): void {
    this.ctx.sendAsdu({ ...asdu, cause, negative, commonAddress: this.ctx.commonAddress });
  }

  private report(asdu: Asdu, outcome: CommandOutcome, facts: CommandFacts = {}): void {
    const ioa = asdu.objects[0]?.ioa ?? 0;
    const select = (asdu.objects[0] as { select?: boolean } | undefined)?.select === true;
    const defined = Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined));
    this.ctx.emit({ type: 'command', ti: asdu.typeId, ioa, select, outcome, ...defined });
  }
}
