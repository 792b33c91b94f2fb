/**
 * Charge records of a family-B connection, online and offline, and their confirmation
 * (docs/protocols/state-grid-dialects.md §7). A plausible record becomes a `transactionRecord` in
 * canonical units (Wh, fen; its time-of-use energies and amounts as `periods`) with the serial as
 * its legacy id, and is confirmed with the record the catalogue names (its `answer`, else the
 * dialect's `recordConfirm`) only on `confirmRecord`, which the station sends once the Ended event
 * is durably queued; a resent record is reported again (the station recognises its serial and only
 * has it confirmed again). The end reason is the `endReason` field through its values table, or
 * the record-type octet through `endReasonFromRecordType` (B1).
 *
 * An implausible record (`record-checks.ts`) is held: no `transactionRecord`, no confirmation (the
 * charger keeps it and sends it again), one `transactionRecordHeld` per serial (its resends are
 * counted as `repeat`; the serials held are remembered across the charger's connections).
 * A record without a serial, or for a gun the charger does not have, cannot be billed: it is
 * logged and counted, and not confirmed (the charger keeps it) unless it bills nothing. Where the
 * catalogue says `zeroSerial: derive` (B1's card sessions carry no serial), a record whose serial
 * is all zeros is billed under an id derived from the charger id, connector and start time (logged),
 * so its resends are the same transaction, and is confirmed with the zeros it carried.
 */
import type { CommandOutcome, ConfirmRecordCommand } from '../../src/model/commands.js';
import type { RecordHoldReason, TransactionRecordEvent } from '../../src/model/events.js';
import { RECORD_HOLD_REASONS } from '../../src/model/events.js';
import type { RecordSpec } from './catalogue.js';
import type { FieldValues } from './fields.js';
import type { TariffSlot } from './options.js';
import { checkRecordFigures, type RecordFigures, type RecordProblem } from './record-checks.js';
import type { DecodedRecord, Roles } from './records.js';
import type { SgIo } from './session-io.js';
import type { SgSessions, SgStatus } from './session-status.js';
import { isoTime, optional, blank, connectorOf, energyWh, fen, fieldWith, numeric, stopReason, text, yesCode } from './session-values.js';

const HELD_KEY = 'sgcc104.recordsHeld';
const HELD_KEPT = 64;
const SLOTS: readonly TariffSlot[] = ['tip', 'peak', 'flat', 'valley'];

export class SgRecords {
  /** Records waiting for `confirmRecord`: serial -> the record and connector of its last copy. */
  private readonly toConfirm = new Map<string, { readonly spec: RecordSpec; readonly values: FieldValues; readonly connector: number; readonly wire: string }>();
  private readonly heldHere = new Set<string>();

  constructor(
    private readonly io: SgIo,
    private readonly status: SgStatus,
    private readonly sessions: SgSessions,
    private readonly currentType: () => 'AC' | 'DC',
  ) {}

  record(spec: RecordSpec, rec: DecodedRecord, roles: Roles): void {
    const wire = text(roles.transactionId) ?? '';
    const connector = connectorOf(this.io.dialect, roles.connector);
    const figures = this.figures(spec, roles);
    const serial = this.derived(spec, rec, wire, connector, figures.startedAt) ?? wire;
    if (blank(serial) || connector === undefined || connector > this.io.connectorCount) {
      const why = blank(serial) ? 'without a serial' : 'for a gun the charger does not have';
      // Confirmed, the charger would delete it: only one that bills nothing is (so that it stops resending it).
      if (billsNothing(figures)) {
        this.io.ctx.sink.log('warn', `sgcc104 charge record ${why} that bills nothing: confirmed and dropped`, { record: spec.name, ...this.io.loggable(spec, rec.values) });
        this.sendConfirm(spec, rec.values, wire, connector ?? 1, true);
        return;
      }
      this.io.ctx.sink.ignored?.(blank(serial) ? 'malformed' : 'unmapped_address');
      this.io.once(`unbillable:${why}`, 'warn', `sgcc104 charge record ${why}: not billed and not confirmed (the charger keeps it)`, { record: spec.name, ...this.io.loggable(spec, rec.values) });
      return;
    }
    const problems = checkRecordFigures(figures, { ...(this.io.ctx.options.ratedPowerW !== undefined ? { ratedPowerW: this.io.ctx.options.ratedPowerW } : {}), currentType: this.currentType() });
    if (problems.length > 0) return this.hold(spec, connector, serial, figures, problems);
    const table = spec.endReasonFromRecordType ?? fieldWith(spec.fields, 'endReason')?.values;
    const rawReason = spec.endReasonFromRecordType !== undefined ? rec.recordType : numeric(roles.endReason);
    const card = text(roles.idToken);
    const at = this.io.now();
    const periods = figures.periods.filter((p) => p.energyWh !== 0 || (p.amount ?? 0) !== 0);
    const event: TransactionRecordEvent = {
      type: 'transactionRecord',
      connector,
      legacyTransactionId: serial,
      ...(card !== undefined && !blank(card) ? { idToken: { id: card, type: 'card' } } : {}),
      startedAt: figures.startedAt ?? at,
      endedAt: figures.endedAt ?? at,
      ...(figures.meterStartWh !== undefined ? { meterStartWh: figures.meterStartWh } : {}),
      ...(figures.meterStopWh !== undefined ? { meterStopWh: figures.meterStopWh } : {}),
      energyWh: figures.energyWh,
      ...(figures.amount !== undefined ? { amount: figures.amount } : {}),
      // The time-of-use split rides as the Ended event's custom data (the station's part).
      ...(periods.length > 0 ? { periods } : {}),
      reason: stopReason(this.io.dialect, table, rawReason),
      ...(rawReason !== undefined ? { rawReason } : {}),
    };
    this.toConfirm.set(serial, { spec, values: rec.values, connector, wire });
    this.io.event(event);
    this.sessions.ended(connector, serial);
  }

  /** The record's confirmation, once its Ended event is durably queued. */
  confirm(c: ConfirmRecordCommand): CommandOutcome {
    const kept = this.toConfirm.get(c.legacyTransactionId);
    const spec = kept?.spec ?? this.io.records('chargeRecord')[0];
    if (this.confirmSpec(spec) === undefined) return { status: 'notSupported', reason: `the ${this.io.dialect.name} dialect has no record confirmation` };
    this.toConfirm.delete(c.legacyTransactionId);
    if (spec === undefined || !this.sendConfirm(spec, kept?.values ?? {}, kept?.wire ?? c.legacyTransactionId, kept?.connector ?? c.connector, c.accepted)) {
      return { status: 'rejected', reason: 'the record confirmation could not be sent' };
    }
    this.io.result(c.id, 'completed');
    return { status: 'sent' };
  }

  /**
   * The id of a record whose serial is all zeros where the catalogue derives one (`zeroSerial:
   * derive`): `<charger id>-<connector>-<start, yyyyMMddHHmmss UTC>`, the same for every resend.
   * Undefined (the record keeps its serial) otherwise, or when its connector or start is unknown.
   */
  private derived(spec: RecordSpec, rec: DecodedRecord, wire: string, connector: number | undefined, startedAt: string | undefined): string | undefined {
    if (spec.zeroSerial !== 'derive' || !blank(wire) || connector === undefined || startedAt === undefined) return undefined;
    const charger = this.io.chargerId ?? '';
    if (blank(charger)) return undefined;
    const id = `${charger}-${connector}-${startedAt.slice(0, 19).replace(/\D/g, '')}`;
    this.io.ctx.sink.log('info', 'sgcc104 charge record with an all-zero serial: billed under a derived id (zeroSerial: derive)', {
      record: spec.name,
      derivedId: id,
      ...this.io.loggable(spec, rec.values),
    });
    return id;
  }

  private confirmSpec(spec: RecordSpec | undefined): RecordSpec | undefined {
    return this.io.spec(spec?.answer) ?? this.io.records('recordConfirm')[0];
  }

  private sendConfirm(spec: RecordSpec, values: FieldValues, serial: string, connector: number, accepted: boolean): boolean {
    const answer = this.confirmSpec(spec);
    if (answer === undefined) return false;
    const roles = { transactionId: serial, result: yesCode(this.io.dialect, fieldWith(answer.fields, 'result'), accepted) };
    return this.io.send(answer, roles, connector, {}, undefined, this.io.echo(spec, values, answer));
  }

  /** The record's figures in canonical units; a figure the record does not carry is left out (energy: 0). */
  private figures(spec: RecordSpec, roles: Roles): RecordFigures {
    const wh = (role: 'meterStart' | 'meterStop' | 'energy'): number | undefined => this.status.energy(spec, roles, role);
    const money = numeric(roles.amount);
    const amount = money === undefined ? undefined : fen(money, fieldWith(spec.fields, 'amount')?.unit);
    const periods: RecordFigures['periods'][number][] = [];
    for (const period of SLOTS) {
      const p = roles.periods?.[period];
      if (p === undefined) continue;
      const e = p.energy === undefined ? undefined : energyWh(p.energy, fieldWith(spec.fields, 'periodEnergy', period)?.unit);
      const a = p.amount === undefined ? undefined : fen(p.amount, fieldWith(spec.fields, 'periodAmount', period)?.unit);
      periods.push({ period, energyWh: e ?? 0, ...(a !== undefined ? { amount: a } : {}) });
    }
    const meterStartWh = wh('meterStart');
    const meterStopWh = wh('meterStop');
    const energy = wh('energy') ?? (meterStartWh !== undefined && meterStopWh !== undefined ? meterStopWh - meterStartWh : 0);
    return {
      ...optional('startedAt', isoTime(roles.startTime)),
      ...optional('endedAt', isoTime(roles.endTime)),
      ...(meterStartWh !== undefined ? { meterStartWh } : {}),
      ...(meterStopWh !== undefined ? { meterStopWh } : {}),
      energyWh: energy,
      ...(amount !== undefined ? { amount } : {}),
      periods,
    };
  }

  /** An implausible record: not confirmed, not billed; raised once per serial. */
  private hold(spec: RecordSpec, connector: number, serial: string, f: RecordFigures, problems: readonly RecordProblem[]): void {
    const held = this.held();
    if (held.has(serial)) {
      this.io.ctx.sink.ignored?.('repeat');
      this.io.ctx.sink.log('debug', 'sgcc104 record held before sent again: still held, not confirmed', { serial });
      return;
    }
    held.add(serial);
    if (held.size > HELD_KEPT) {
      const oldest = held.values().next();
      if (oldest.done !== true) held.delete(oldest.value);
    }
    const reasons = RECORD_HOLD_REASONS.filter((r) => problems.some((p) => p.reason === r));
    const first: RecordHoldReason = reasons[0] ?? 'inconsistent';
    const detail = problems.map((p) => `${p.reason}: ${p.detail}`).join('; ');
    this.io.ctx.sink.log('warn', 'sgcc104 record implausible: held (not confirmed, not billed)', { record: spec.name, serial, connector, detail, energyWh: f.energyWh, amount: f.amount });
    this.io.event({
      type: 'transactionRecordHeld',
      connector,
      legacyTransactionId: serial,
      reasons: [first, ...reasons.slice(1)],
      detail,
      ...(f.startedAt !== undefined ? { startedAt: f.startedAt } : {}),
      ...(f.endedAt !== undefined ? { endedAt: f.endedAt } : {}),
      energyWh: f.energyWh,
      ...(f.amount !== undefined ? { amount: f.amount } : {}),
      at: this.io.now(),
    });
    this.sessions.ended(connector, serial);
  }

  /** The serials held, in the charger's memory when the host keeps one (they survive a reconnect). */
  private held(): Set<string> {
    const id = this.io.chargerId;
    const memory = id !== undefined ? this.io.ctx.connection.memoryOf?.(id) : undefined;
    if (memory === undefined) return this.heldHere;
    const kept = memory.get(HELD_KEY);
    if (kept instanceof Set) return kept as Set<string>;
    const fresh = new Set<string>();
    memory.set(HELD_KEY, fresh);
    return fresh;
  }
}

/** A record of no energy and no amount: confirming it loses nothing. */
function billsNothing(f: RecordFigures): boolean {
  return f.energyWh === 0 && (f.amount ?? 0) === 0 && f.periods.every((p) => p.energyWh === 0 && (p.amount ?? 0) === 0);
}
