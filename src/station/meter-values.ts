/**
 * Canonical measurements as OCPP sampled values: one conversion for periodic, clock-aligned,
 * Ended-event and triggered meter values, so every path reports the same measurands and units.
 */
import type { MeasurementsEvent } from '../model/events.js';
import type { RequestOf } from '../ocpp/actions.js';
import { ocppMeasurand } from './device-model.js';

export type MeterValue = NonNullable<RequestOf<'TransactionEvent'>['meterValue']>[number];
export type SampledValue = MeterValue['sampledValue'][number];
export type ReadingContext = NonNullable<SampledValue['context']>;

const UNITS: Readonly<Record<string, string>> = { energy: 'Wh', power: 'W', voltage: 'V', current: 'A', soc: 'Percent' };

/**
 * The sampled values of `m` whose OCPP measurand is in `wanted` (all known ones when undefined),
 * in the charger's order, each with `context` and its unit.
 */
export function sampledValues(m: MeasurementsEvent, context: ReadingContext, wanted?: ReadonlySet<string>): SampledValue[] {
  return m.values.flatMap((v): SampledValue[] => {
    const measurand = ocppMeasurand(v.measurand);
    const unit = UNITS[v.measurand];
    if (measurand === undefined || unit === undefined || (wanted !== undefined && !wanted.has(measurand))) return [];
    return [{ value: v.value, context, measurand, ...(v.phase !== undefined ? { phase: v.phase } : {}), unitOfMeasure: { unit } } as SampledValue];
  });
}

/** One meterValue entry stamped `at` (an OCPP timestamp), or undefined when nothing was sampled. */
export function meterValue(at: string, values: readonly SampledValue[]): MeterValue | undefined {
  const [first, ...rest] = values;
  return first === undefined ? undefined : { timestamp: at, sampledValue: [first, ...rest] };
}
