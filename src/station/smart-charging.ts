/**
 * Smart charging (OCPP 2.0.1 K01, K08-K10) for one station: installs, clears and reports charging
 * profiles (persisted under the StateStore key `profiles`), answers GetCompositeSchedule, and drives
 * the charger with ONE canonical `setLimit` per EVSE each time its effective limit changes — after
 * every change of profiles or transactions and at every period boundary (a timer).
 *
 * What the charger is told: per EVSE (connector = evseId), the composite limit of that EVSE
 * (`effectiveLimit`), in the unit of the profile that sets it when the charger takes that unit
 * (else converted), with `until` = the end of the current period. Capabilities do not say whether a
 * charger takes a charger-wide limit, so by default the ChargingStationMaxProfile is folded into
 * each EVSE's limit; with `stationLimit: 'connector0'` it goes to connector 0 instead. When a limit
 * is lifted early (profile cleared, transaction ended) the charger is sent its nameplate maximum;
 * a limit that runs out at its `until` needs no command (the charger drops it itself).
 */
import type { RequestOf, ResponseOf } from '../ocpp/actions.js';
import { ocppTimestamp } from '../ocpp/schemas.js';
import type { JsonValue } from '../store/state-store.js';
import {
  compositeSchedule,
  convertLimit,
  effectiveLimit,
  LOOKAHEAD_MS,
  nextChange,
  NoLimitError,
  UnitConversionError,
  type ChargingProfile,
  type ElectricalSpec,
  type InstalledProfile,
  type Limit,
  type LimitOptions,
  type RateUnit,
  type RunningTransaction,
} from './composite-schedule.js';
import type { StationContext } from './context.js';

export interface SmartChargingOptions {
  /** Nominal AC phase voltage for A↔W; default 230 V. */
  readonly acPhaseVoltage?: number;
  /** DC voltage for A↔W; without it a DC charger never mixes A and W. */
  readonly dcVoltage?: number;
  /** Where ChargingStationMaxProfile goes: folded into every EVSE (default) or to connector 0. */
  readonly stationLimit?: 'perEvse' | 'connector0';
}

/** StateStore key of the installed profiles. */
export const PROFILES_KEY = 'profiles';
/** SmartChargingCtrlr.Entries[ChargingProfiles] maxLimit (components/SmartChargingCtrlr.json). */
export const MAX_PROFILES = 20;

type SetResponse = ResponseOf<'SetChargingProfile'>;

interface Sent {
  readonly value: number;
  readonly unit: RateUnit;
  readonly until: number | undefined;
}

const reject = (reasonCode: string, additionalInfo?: string): SetResponse => ({
  status: 'Rejected',
  statusInfo: additionalInfo === undefined ? { reasonCode } : { reasonCode, additionalInfo },
});

const validity = (p: ChargingProfile): [number, number] => [
  p.validFrom === undefined ? -Infinity : Date.parse(p.validFrom),
  p.validTo === undefined ? Infinity : Date.parse(p.validTo),
];

function overlaps(a: ChargingProfile, b: ChargingProfile): boolean {
  const [af, at] = validity(a);
  const [bf, bt] = validity(b);
  return af < bt && bf < at;
}

export class SmartCharging {
  private profiles: InstalledProfile[] = [];
  private readonly transactions = new Map<number, RunningTransaction>();
  /** The limit last sent per connector and still believed in force. */
  private readonly sent = new Map<number, Sent>();
  private timer: unknown;
  private saving: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly spec: ElectricalSpec;

  constructor(
    private readonly ctx: StationContext,
    private readonly options: SmartChargingOptions = {},
  ) {
    const { currentType } = ctx.capabilities;
    this.spec = { currentType, ...(options.acPhaseVoltage !== undefined ? { acPhaseVoltage: options.acPhaseVoltage } : {}), ...(options.dcVoltage !== undefined ? { dcVoltage: options.dcVoltage } : {}) };
  }

  /** Loads the persisted profiles and applies them. */
  async load(): Promise<void> {
    const stored = await this.ctx.store.get(this.ctx.id, PROFILES_KEY);
    this.profiles = Array.isArray(stored) ? (stored as unknown as InstalledProfile[]).filter((e) => typeof e?.evseId === 'number' && typeof e.profile?.id === 'number') : [];
    this.updateEntries();
    this.apply();
  }

  /** The installed profiles (read-only view). */
  installed(): readonly InstalledProfile[] {
    return this.profiles;
  }

  /** K01: validates, replaces a profile with the same id (K01.FR.05), stores, applies. */
  async setChargingProfile(req: RequestOf<'SetChargingProfile'>): Promise<SetResponse> {
    const problem = this.check(req.evseId, req.chargingProfile);
    if (problem !== undefined) return problem;
    const others = this.profiles.filter((e) => e.profile.id !== req.chargingProfile.id);
    if (others.length >= MAX_PROFILES) return reject('OutOfStorage', `at most ${MAX_PROFILES} profiles`);
    this.profiles = [...others, { evseId: req.evseId, profile: req.chargingProfile }];
    await this.changed();
    return { status: 'Accepted' };
  }

  /** K10: by id, or by criteria (evse, purpose, stackLevel); no argument clears everything. */
  async clearChargingProfile(req: RequestOf<'ClearChargingProfile'>): Promise<ResponseOf<'ClearChargingProfile'>> {
    const c = req.chargingProfileCriteria;
    const matches = ({ evseId, profile: p }: InstalledProfile): boolean => {
      if (p.chargingProfilePurpose === 'ChargingStationExternalConstraints') return false;
      if (req.chargingProfileId !== undefined) return p.id === req.chargingProfileId;
      return (c?.evseId === undefined || c.evseId === evseId) && (c?.chargingProfilePurpose === undefined || c.chargingProfilePurpose === p.chargingProfilePurpose) && (c?.stackLevel === undefined || c.stackLevel === p.stackLevel);
    };
    const kept = this.profiles.filter((e) => !matches(e));
    if (kept.length === this.profiles.length) return { status: 'Unknown' };
    this.profiles = kept;
    await this.changed();
    return { status: 'Accepted' };
  }

  /** K09: Accepted + one ReportChargingProfiles per EVSE afterwards (`tbc` on all but the last), or NoProfiles. */
  getChargingProfiles(req: RequestOf<'GetChargingProfiles'>): { response: ResponseOf<'GetChargingProfiles'>; after: () => Promise<void> } {
    const c = req.chargingProfile;
    const selected = this.profiles.filter(
      ({ evseId, profile: p }) =>
        (req.evseId === undefined || req.evseId === evseId) &&
        (c.chargingProfilePurpose === undefined || c.chargingProfilePurpose === p.chargingProfilePurpose) &&
        (c.stackLevel === undefined || c.stackLevel === p.stackLevel) &&
        (c.chargingProfileId === undefined || c.chargingProfileId.includes(p.id)) &&
        // Every profile here was set by the CSMS.
        (c.chargingLimitSource === undefined || c.chargingLimitSource.includes('CSO')),
    );
    if (selected.length === 0) return { response: { status: 'NoProfiles' }, after: () => Promise.resolve() };
    const byEvse = new Map<number, ChargingProfile[]>();
    for (const e of selected) byEvse.set(e.evseId, [...(byEvse.get(e.evseId) ?? []), e.profile]);
    const reports = [...byEvse].sort(([a], [b]) => a - b);
    const after = async (): Promise<void> => {
      for (const [i, [evseId, chargingProfile]] of reports.entries()) {
        await this.ctx.call('ReportChargingProfiles', { requestId: req.requestId, chargingLimitSource: 'CSO', evseId, chargingProfile, ...(i < reports.length - 1 ? { tbc: true } : {}) });
      }
    };
    return { response: { status: 'Accepted' }, after };
  }

  /** K08: the composite schedule from now; Rejected for an unknown EVSE or a unit the charger does not take. */
  getCompositeSchedule(req: RequestOf<'GetCompositeSchedule'>): ResponseOf<'GetCompositeSchedule'> {
    const units = this.ctx.capabilities.limitUnits;
    if (units.size === 0) return { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } };
    if (req.evseId < 0 || req.evseId > this.ctx.capabilities.connectorCount) return { status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } };
    const unit = req.chargingRateUnit ?? (units.has('W') ? 'W' : 'A');
    if (!units.has(unit)) return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit' } };
    const maxW = this.ctx.capabilities.maxPowerW;
    try {
      const schedule = compositeSchedule(
        this.profiles,
        { evseId: req.evseId, start: this.ctx.clock.now(), durationS: req.duration, unit, ...(maxW !== undefined ? { fallback: { limit: maxW, unit: 'W' } } : {}) },
        this.limitOptions(req.evseId, true),
      );
      return { status: 'Accepted', schedule };
    } catch (e) {
      if (e instanceof UnitConversionError) return { status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit', additionalInfo: e.message } };
      if (e instanceof NoLimitError) return { status: 'Rejected', statusInfo: { reasonCode: 'NoLimit', additionalInfo: 'no profile applies and the charger maximum is unknown' } };
      throw e;
    }
  }

  /** A transaction started on an EVSE: its TxProfiles may be set, Relative schedules start now. */
  transactionStarted(evseId: number, transactionId: string, startedAt = this.ctx.clock.now()): void {
    this.transactions.set(evseId, { id: transactionId, startedAt });
    this.apply();
  }

  /** The transaction of an EVSE ended: its TxProfiles are removed. */
  async transactionEnded(evseId: number): Promise<void> {
    const tx = this.transactions.get(evseId);
    this.transactions.delete(evseId);
    const kept = this.profiles.filter((e) => !(e.profile.chargingProfilePurpose === 'TxProfile' && (e.evseId === evseId || (tx !== undefined && e.profile.transactionId === tx.id))));
    if (kept.length === this.profiles.length) {
      this.apply();
      return;
    }
    this.profiles = kept;
    await this.changed();
  }

  /** The charger (re)connected and may have lost its limits: send what is in force again. */
  resync(): void {
    this.sent.clear();
    this.apply();
  }

  dispose(): void {
    this.disposed = true;
    this.clearTimer();
  }

  /** Why a SetChargingProfile is refused, or undefined. */
  private check(evseId: number, p: ChargingProfile): SetResponse | undefined {
    const caps = this.ctx.capabilities;
    if (caps.limitUnits.size === 0) return reject('NotSupported', 'the charger takes no power or current limit');
    const purpose = p.chargingProfilePurpose;
    if (purpose === 'ChargingStationExternalConstraints') return reject('InvalidValue', 'ChargingStationExternalConstraints cannot be set by the CSMS (K01.FR.22)');
    if (evseId < 0 || evseId > caps.connectorCount) return reject('UnknownEvse', `no EVSE ${evseId}`);
    if (purpose === 'ChargingStationMaxProfile' && evseId !== 0) return reject('InvalidValue', 'ChargingStationMaxProfile needs evseId 0');
    if (purpose === 'ChargingStationMaxProfile' && p.chargingProfileKind === 'Relative') return reject('InvalidValue', 'ChargingStationMaxProfile cannot be Relative (K01.FR.38)');
    if (purpose === 'TxProfile') {
      if (evseId === 0) return reject('InvalidValue', 'TxProfile needs an EVSE (K01.FR.16)');
      if (p.transactionId === undefined) return reject('MissingParam', 'TxProfile needs a transactionId (K01.FR.03)');
      if (this.transactions.get(evseId)?.id !== p.transactionId) return reject('TxNotFound', `transaction ${p.transactionId} is not running on EVSE ${evseId}`);
    }
    const maxLevel = this.ctx.dm.getNumber('SmartChargingCtrlr', 'ProfileStackLevel');
    if (p.stackLevel < 0 || p.stackLevel > maxLevel) return reject('InvalidStackLevel', `stackLevel 0..${maxLevel}`);
    const [from, to] = validity(p);
    if (!(from < to)) return reject('InvalidValue', 'validTo must be after validFrom');
    const scheduleProblem = this.checkSchedule(p);
    if (scheduleProblem !== undefined) return scheduleProblem;
    const duplicate = this.profiles.find(
      ({ evseId: e, profile: o }) =>
        o.id !== p.id && o.chargingProfilePurpose === purpose && o.stackLevel === p.stackLevel && (purpose === 'TxProfile' ? o.transactionId === p.transactionId : e === evseId && overlaps(o, p)),
    );
    if (duplicate !== undefined) return reject('DuplicateProfile', `profile ${duplicate.profile.id} has this purpose and stackLevel (K01.FR.06/39)`);
    return undefined;
  }

  private checkSchedule(p: ChargingProfile): SetResponse | undefined {
    if (p.chargingSchedule.length !== 1) return reject('InvalidSchedule', 'exactly one chargingSchedule (several are for ISO 15118 only)');
    const s = p.chargingSchedule[0];
    if (s === undefined) return reject('InvalidSchedule');
    // Pitfall 17: only the units the charger's limit command takes (SmartChargingCtrlr.RateUnit, K01.FR.26).
    if (!this.ctx.capabilities.limitUnits.has(s.chargingRateUnit)) return reject('UnsupportedRateUnit', `the charger takes ${[...this.ctx.capabilities.limitUnits].join(',')}`);
    if (this.spec.currentType === 'DC' && this.spec.dcVoltage === undefined && this.profiles.some((e) => e.profile.id !== p.id && e.profile.chargingSchedule[0]?.chargingRateUnit !== s.chargingRateUnit)) {
      return reject('UnsupportedRateUnit', 'A and W cannot be mixed on this DC charger (no voltage to convert with)');
    }
    const periods = s.chargingSchedulePeriod;
    const maxPeriods = this.ctx.dm.getNumber('SmartChargingCtrlr', 'PeriodsPerSchedule');
    if (periods.length === 0 || periods.length > maxPeriods) return reject('InvalidSchedule', `1..${maxPeriods} periods`);
    if (periods[0]?.startPeriod !== 0) return reject('InvalidSchedule', 'the first period must start at 0 (K01.FR.31)');
    for (const [i, q] of periods.entries()) {
      if (i > 0 && q.startPeriod <= (periods[i - 1]?.startPeriod ?? 0)) return reject('InvalidSchedule', 'startPeriod must increase (K01.FR.35)');
      if (!(q.limit >= 0)) return reject('InvalidSchedule', 'negative limit');
      if (q.phaseToUse !== undefined) return reject('InvalidSchedule', 'phaseToUse needs ACPhaseSwitchingSupported (K01.FR.20)');
      if (this.spec.currentType === 'AC' && q.numberPhases !== undefined && (q.numberPhases < 1 || q.numberPhases > 3)) return reject('InvalidSchedule', 'numberPhases 1..3');
    }
    if (p.chargingProfileKind === 'Relative' && s.startSchedule !== undefined) return reject('InvalidSchedule', 'a Relative schedule has no startSchedule (K01.FR.41)');
    if (p.chargingProfileKind !== 'Relative' && s.startSchedule === undefined) return reject('InvalidSchedule', 'startSchedule is required (K01.FR.40)');
    if (p.chargingProfileKind === 'Recurring' && p.recurrencyKind === undefined) return reject('InvalidSchedule', 'a Recurring profile needs recurrencyKind');
    return undefined;
  }

  private limitOptions(evseId: number, includeStation: boolean): LimitOptions {
    const transaction = this.transactions.get(evseId);
    return { spec: this.spec, includeStation, ...(transaction !== undefined ? { transaction } : {}) };
  }

  /** After a change of the installed profiles: persist, publish the count, apply. */
  private async changed(): Promise<void> {
    this.updateEntries();
    this.apply();
    const write = (): Promise<void> => this.ctx.store.set(this.ctx.id, PROFILES_KEY, this.profiles as unknown as JsonValue);
    this.saving = this.saving.then(write, write);
    await this.saving;
  }

  private updateEntries(): void {
    if (this.ctx.capabilities.limitUnits.size > 0) this.ctx.dm.setRuntime('SmartChargingCtrlr', 'Entries', this.profiles.length, { instance: 'ChargingProfiles' });
  }

  private clearTimer(): void {
    if (this.timer !== undefined) this.ctx.clock.clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Recomputes every connector's limit, sends what changed, and sets the timer for the next change. */
  private apply(): void {
    this.clearTimer();
    if (this.disposed || this.ctx.capabilities.limitUnits.size === 0) return;
    const now = this.ctx.clock.now();
    const perEvse = (this.options.stationLimit ?? 'perEvse') === 'perEvse';
    const evses = Array.from({ length: this.ctx.capabilities.connectorCount }, (_, i) => i + 1);
    let wake: number | undefined;
    for (const connector of perEvse ? evses : [0, ...evses]) {
      const opts = this.limitOptions(connector, perEvse);
      try {
        this.enforce(connector, effectiveLimit(this.profiles, connector, now, opts), now);
        const next = nextChange(this.profiles, connector, now, opts);
        if (next !== undefined) wake = Math.min(wake ?? next, next);
      } catch (e) {
        this.ctx.log('warn', 'charging limit not computed', { connector, error: e instanceof Error ? e.message : String(e) });
      }
    }
    if (wake === undefined && this.profiles.length > 0) wake = now + LOOKAHEAD_MS;
    if (wake !== undefined) {
      this.timer = this.ctx.clock.setTimeout(() => {
        this.timer = undefined;
        this.apply();
      }, Math.max(0, wake - now));
    }
  }

  private enforce(connector: number, limit: (Limit & { until?: number }) | undefined, now: number): void {
    const last = this.sent.get(connector);
    const inForce = last !== undefined && (last.until === undefined || last.until > now) ? last : undefined;
    if (limit === undefined) {
      this.sent.delete(connector);
      if (inForce === undefined) return;
      const max = this.ctx.capabilities.maxPowerW;
      const lift = max === undefined ? undefined : this.inChargerUnit({ limit: max, unit: 'W' });
      if (lift === undefined) this.ctx.log('warn', 'charging limit ended early but the charger maximum is unknown: the charger keeps the old limit until it expires', { connector });
      else this.send(connector, lift.value, lift.unit, undefined);
      return;
    }
    const target = this.inChargerUnit(limit);
    if (target === undefined) return;
    if (inForce !== undefined && inForce.value === target.value && inForce.unit === target.unit && inForce.until === limit.until) return;
    if (this.send(connector, target.value, target.unit, limit.until)) this.sent.set(connector, { ...target, until: limit.until });
  }

  /** The limit in a unit the charger takes: its own when possible. */
  private inChargerUnit(l: Limit): { value: number; unit: RateUnit } | undefined {
    const units = this.ctx.capabilities.limitUnits;
    if (units.has(l.unit)) return { value: l.limit, unit: l.unit };
    const unit: RateUnit = l.unit === 'W' ? 'A' : 'W';
    try {
      return { value: convertLimit(l, unit, this.spec), unit };
    } catch (e) {
      this.ctx.log('warn', 'charging limit not convertible to a unit the charger takes', { error: e instanceof Error ? e.message : String(e) });
      return undefined;
    }
  }

  private send(connector: number, value: number, unit: RateUnit, until: number | undefined): boolean {
    const outcome = this.ctx.charger.send({ type: 'setLimit', id: this.ctx.commandId('limit'), connector, limit: { value, unit }, ...(until !== undefined ? { until: ocppTimestamp(until) } : {}) });
    if (outcome.status === 'sent') return true;
    this.ctx.log('warn', 'charging limit not sent to the charger', { connector, reason: outcome.reason });
    return false;
  }
}
