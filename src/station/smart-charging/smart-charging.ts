/**
 * Smart charging (OCPP 2.0.1 K01, K08-K10) for one station: installs, clears and reports charging
 * profiles (persisted under the StateStore key `profiles`), answers GetCompositeSchedule, and keeps
 * the charger's limits in step (`ChargingLimits`: where each limit goes, in which unit) after every
 * change of profiles or transactions and at every period boundary (a timer).
 *
 * Only what the charger confirmed counts (issue 12): SetChargingProfile installs a profile, and
 * ClearChargingProfile removes one, only once the charger confirmed the limit change it makes (or
 * none was needed, e.g. a profile that starts later). A refusal or silence answers SetChargingProfile
 * Rejected with the charger's reason and leaves the profiles as they were (limits already changed on
 * other connectors are put back). ClearChargingProfileResponse has no Rejected (Accepted | Unknown):
 * a clear the charger did not take is answered with a CALLERROR GenericError whose details carry
 * the reasonCode and the charger's words, and the profile stays installed — the charger still
 * enforces it. Changes that come from the clock or a transaction are logged when refused. A limit
 * confirmed after the CSMS was told Rejected is recorded and the installed profiles enforced again
 * (`ChargingLimits`): the charger follows what the CSMS was told.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { OcppError } from '../../ocpp/errors.js';
import type { JsonValue } from '../../store/state-store.js';
import { info, noteInfo, statusInfo, type ChargerCommands } from '../charger-commands.js';
import { ChargingLimits } from './charging-limits.js';
import {
  compositeSchedule,
  LOOKAHEAD_MS,
  NoLimitError,
  UnitConversionError,
  type ChargingProfile,
  type ElectricalSpec,
  type InstalledProfile,
  type LimitOptions,
  type RunningTransaction,
} from './composite-schedule.js';
import type { StationContext } from '../context.js';

export interface SmartChargingOptions {
  /** Nominal AC phase voltage for A↔W; default 230 V. */
  readonly acPhaseVoltage?: number;
  /** DC voltage for A↔W; without it a DC charger never mixes A and W. */
  readonly dcVoltage?: number;
}

/** StateStore key of the installed profiles. */
export const PROFILES_KEY = 'profiles';
/** SmartChargingCtrlr.Entries[ChargingProfiles] maxLimit (components/SmartChargingCtrlr.json). */
const MAX_PROFILES = 20;

type SetResponse = ResponseOf<'SetChargingProfile'>;

const reject = (reasonCode: string, additionalInfo?: string): SetResponse => ({
  status: 'Rejected',
  statusInfo: additionalInfo === undefined ? { reasonCode } : info(reasonCode, additionalInfo),
});

const validity = (p: ChargingProfile): [number, number] => [p.validFrom === undefined ? -Infinity : Date.parse(p.validFrom), p.validTo === undefined ? Infinity : Date.parse(p.validTo)];

function overlaps(a: ChargingProfile, b: ChargingProfile): boolean {
  const [af, at] = validity(a);
  const [bf, bt] = validity(b);
  return af < bt && bf < at;
}

export class SmartCharging {
  private profiles: InstalledProfile[] = [];
  private readonly transactions = new Map<number, RunningTransaction>();
  private readonly limits: ChargingLimits;
  private timer: unknown;
  private saving: Promise<void> = Promise.resolve();
  /** Every change of profiles or limits runs here, one after the other (they wait for the charger). */
  private chain: Promise<void> = Promise.resolve();
  private disposed = false;
  private readonly spec: ElectricalSpec;

  constructor(
    private readonly ctx: StationContext,
    commands: ChargerCommands,
    options: SmartChargingOptions = {},
  ) {
    const { currentType } = ctx.capabilities;
    this.spec = {
      currentType,
      ...(options.acPhaseVoltage !== undefined ? { acPhaseVoltage: options.acPhaseVoltage } : {}),
      ...(options.dcVoltage !== undefined ? { dcVoltage: options.dcVoltage } : {}),
    };
    // A limit confirmed after its wait: the charger has it; bring it back in step with the profiles.
    this.limits = new ChargingLimits(ctx, commands, this.spec, () => void this.exclusive(() => this.apply('limit confirmed late')));
  }

  /** Loads the persisted profiles; the charger gets their limits in the background. */
  async load(): Promise<void> {
    const stored = await this.ctx.store.get(this.ctx.id, PROFILES_KEY);
    this.profiles = Array.isArray(stored) ? (stored as unknown as InstalledProfile[]).filter((e) => typeof e?.evseId === 'number' && typeof e.profile?.id === 'number') : [];
    this.updateEntries();
    void this.exclusive(() => this.apply('stored profiles'));
  }

  /** The installed profiles (read-only view). */
  installed(): readonly InstalledProfile[] {
    return this.profiles;
  }

  /** Resolves once every change so far went to the charger and was answered (or given up). */
  async settled(): Promise<void> {
    await this.chain;
  }

  /** K01: validates, replaces a profile with the same id (K01.FR.05), has the charger confirm, stores. */
  setChargingProfile(req: RequestOf<'SetChargingProfile'>): Promise<SetResponse> {
    return this.exclusive(async () => {
      const problem = this.check(req.evseId, req.chargingProfile);
      if (problem !== undefined) return problem;
      const others = this.profiles.filter((e) => e.profile.id !== req.chargingProfile.id);
      if (others.length >= MAX_PROFILES) return reject('OutOfStorage', `at most ${MAX_PROFILES} profiles`);
      const candidate = [...others, { evseId: req.evseId, profile: req.chargingProfile }];
      const undeliverable = this.limits.check(req.evseId, req.chargingProfile, candidate);
      if (undeliverable !== undefined) return reject(undeliverable.reasonCode, undeliverable.additionalInfo);
      const outcome = await this.limits.enforce(candidate, (e) => this.transactions.get(e), this.ctx.clock.now());
      if (!outcome.ok) {
        await this.apply('profile refused: limits put back');
        return { status: 'Rejected', statusInfo: statusInfo(outcome) };
      }
      this.profiles = candidate;
      await this.changed();
      return { status: 'Accepted', ...noteInfo(outcome) };
    });
  }

  /** K10: by id, or by criteria (evse, purpose, stackLevel); no argument clears everything. */
  clearChargingProfile(req: RequestOf<'ClearChargingProfile'>): Promise<ResponseOf<'ClearChargingProfile'>> {
    return this.exclusive(async () => {
      const c = req.chargingProfileCriteria;
      const matches = ({ evseId, profile: p }: InstalledProfile): boolean => {
        if (p.chargingProfilePurpose === 'ChargingStationExternalConstraints') return false;
        if (req.chargingProfileId !== undefined) return p.id === req.chargingProfileId;
        return (
          (c?.evseId === undefined || c.evseId === evseId) &&
          (c?.chargingProfilePurpose === undefined || c.chargingProfilePurpose === p.chargingProfilePurpose) &&
          (c?.stackLevel === undefined || c.stackLevel === p.stackLevel)
        );
      };
      const kept = this.profiles.filter((e) => !matches(e));
      if (kept.length === this.profiles.length) return { status: 'Unknown' };
      const outcome = await this.limits.enforce(kept, (e) => this.transactions.get(e), this.ctx.clock.now());
      if (!outcome.ok) {
        await this.apply('clear refused: limits put back');
        // ClearChargingProfileStatusEnumType has no Rejected: a CALLERROR says it failed, and why.
        throw new OcppError('GenericError', `the charger did not take the limit change: ${outcome.additionalInfo}; the profile stays installed`, statusInfo(outcome));
      }
      this.profiles = kept;
      await this.changed();
      return { status: 'Accepted' };
    });
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

  /**
   * A transaction started on an EVSE: its TxProfiles may be set, Relative schedules start now. A
   * TxProfile sent with the RequestStartTransaction that started it (`remoteProfile`) applies to it.
   */
  transactionStarted(evseId: number, transactionId: string, startedAt = this.ctx.clock.now(), remoteProfile?: RequestOf<'RequestStartTransaction'>['chargingProfile']): void {
    this.transactions.set(evseId, { id: transactionId, startedAt });
    void this.exclusive(() => this.apply('transaction started'));
    if (remoteProfile === undefined || this.ctx.capabilities.limitUnits.size === 0) return;
    this.setChargingProfile({ evseId, chargingProfile: { ...remoteProfile, transactionId } }).then(
      (r) => this.ctx.log(r.status === 'Accepted' ? 'info' : 'warn', 'charging profile from the remote start', { status: r.status }),
      (err: unknown) => this.ctx.log('warn', 'charging profile from the remote start', { error: err instanceof Error ? err.message : String(err) }),
    );
  }

  /** The transaction of an EVSE ended: its TxProfiles are removed (whatever the charger answers: the transaction is over). */
  transactionEnded(evseId: number): Promise<void> {
    return this.exclusive(async () => {
      const tx = this.transactions.get(evseId);
      this.transactions.delete(evseId);
      const kept = this.profiles.filter((e) => !(e.profile.chargingProfilePurpose === 'TxProfile' && (e.evseId === evseId || (tx !== undefined && e.profile.transactionId === tx.id))));
      const removed = kept.length !== this.profiles.length;
      this.profiles = kept;
      await this.apply('transaction ended');
      if (removed) await this.changed();
    });
  }

  /** The charger (re)connected and may have lost its limits: send what is in force again. */
  resync(): void {
    this.limits.forget();
    void this.exclusive(() => this.apply('charger reconnected'));
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
    // docs/protocols/ocpp.md §6 #17: only the units the charger's limit command takes (SmartChargingCtrlr.RateUnit, K01.FR.26);
    // which connector takes which unit is checked by ChargingLimits.
    if (!this.ctx.capabilities.limitUnits.has(s.chargingRateUnit)) return reject('UnsupportedRateUnit', `the charger takes ${[...this.ctx.capabilities.limitUnits].join(',')}`);
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

  /** After a change of the installed profiles (their limits confirmed): persist, publish the count, arm the timer. */
  private async changed(): Promise<void> {
    this.updateEntries();
    this.arm();
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

  /** Runs `work` after every change before it; its failure is the caller's, never the chain's. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const run = this.chain.then(work);
    this.chain = run.then(
      () => undefined,
      (e: unknown) => {
        if (!(e instanceof OcppError)) this.ctx.log('warn', 'smart charging', { error: e instanceof Error ? e.message : String(e) });
      },
    );
    return run;
  }

  /** Brings the charger's limits in step with the installed profiles (refusals logged), then arms the timer. */
  private async apply(why: string): Promise<void> {
    if (this.disposed || this.ctx.capabilities.limitUnits.size === 0) return;
    const outcome = await this.limits.enforce(this.profiles, (e) => this.transactions.get(e), this.ctx.clock.now());
    if (!outcome.ok) this.ctx.log('warn', 'charger limits not in step with the charging profiles', { why, ...statusInfo(outcome) });
    this.arm();
  }

  /** Sets the timer for the next change of a limit (and a look-ahead while profiles exist). */
  private arm(): void {
    this.clearTimer();
    if (this.disposed || this.ctx.capabilities.limitUnits.size === 0) return;
    const now = this.ctx.clock.now();
    let wake = this.limits.nextChange(this.profiles, (e) => this.transactions.get(e), now);
    if (wake === undefined && this.profiles.length > 0) wake = now + LOOKAHEAD_MS;
    if (wake === undefined) return;
    this.timer = this.ctx.clock.setTimeout(
      () => {
        this.timer = undefined;
        void this.exclusive(() => this.apply('period boundary'));
      },
      Math.max(0, wake - now),
    );
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly smartCharging: SmartCharging;
  }
}
