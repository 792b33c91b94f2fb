/**
 * Canonical measurements as OCPP sampled values: one conversion for periodic, clock-aligned,
 * Ended-event and triggered meter values, so every path reports the same measurands and units.
 * A value that is not a finite number (NaN, ±Infinity) is no reading: it is dropped here, where
 * values are taken in, so it never reaches an event or the store (neither can hold it as JSON).
 */
import type { MeasurementsEvent } from '../../model/events.js';
import type { RequestOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import { ocppMeasurand } from '../device-model/device-model.js';

export type MeterValue = NonNullable<RequestOf<'TransactionEvent'>['meterValue']>[number];
export type SampledValue = MeterValue['sampledValue'][number];
export type ReadingContext = NonNullable<SampledValue['context']>;

const UNITS: Readonly<Record<string, string>> = { energy: 'Wh', power: 'W', voltage: 'V', current: 'A', soc: 'Percent' };

/**
 * The sampled values of `m` whose OCPP measurand is in `wanted` (all known ones when undefined),
 * in the charger's order, each with `context` and its unit. Values that are not finite are left out.
 */
export function sampledValues(m: MeasurementsEvent, context: ReadingContext, wanted?: ReadonlySet<string>): SampledValue[] {
  return m.values.flatMap((v): SampledValue[] => {
    const measurand = ocppMeasurand(v.measurand);
    const unit = UNITS[v.measurand];
    if (measurand === undefined || unit === undefined || !Number.isFinite(v.value) || (wanted !== undefined && !wanted.has(measurand))) return [];
    return [{ value: v.value, context, measurand, ...(v.phase !== undefined ? { phase: v.phase } : {}), unitOfMeasure: { unit } } as SampledValue];
  });
}

/**
 * True when `m` carries a finite reading of one of `wanted`'s OCPP measurands: a periodic sample is
 * taken when one of its measurands is freshly read, so that it never goes out with only the older
 * readings of the tick before (a charger sending one point per ASDU).
 */
export function carriesAny(m: MeasurementsEvent, wanted: ReadonlySet<string>): boolean {
  for (const v of m.values) {
    const measurand = ocppMeasurand(v.measurand);
    if (measurand !== undefined && wanted.has(measurand) && Number.isFinite(v.value)) return true;
  }
  return false;
}

/** The measurands of `m` that carry no finite value (the ones `sampledValues` leaves out). */
export function unreadable(m: MeasurementsEvent): string[] {
  return m.values.filter((v) => !Number.isFinite(v.value)).map((v) => v.measurand);
}

/** One meterValue entry stamped `at` (an OCPP timestamp), or undefined when nothing was sampled. */
export function meterValue(at: string, values: readonly SampledValue[]): MeterValue | undefined {
  const [first, ...rest] = values;
  return first === undefined ? undefined : { timestamp: at, sampledValue: [first, ...rest] };
}

/**
 * An energy register reading (Wh) taken at `at` (a canonical timestamp) as one meterValue entry,
 * or undefined when there is no reading or it is not finite.
 */
export function energyValue(wh: number | undefined, at: string, context: ReadingContext): MeterValue | undefined {
  if (wh === undefined || !Number.isFinite(wh)) return undefined;
  return { timestamp: ocppTimestamp(Date.parse(at)), sampledValue: [{ value: wh, context, measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] };
}
