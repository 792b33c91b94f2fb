/**
 * The billing model a family-B charger asks for (`billingModelRequest`), built from the listener's
 * options (`tariff`) into the catalogue's `billingModel` record: its id, the prices per time-of-use
 * slot (fields with a `period`), and the day's periods, either one entry per tariff period (a group
 * counted by an earlier field) or a fixed number of equal segments (a group of constant count, each
 * carrying the slot in force at its start). A charger that asks while no tariff is configured gets
 * no answer, and the operator a log line saying so. Prices go in the field's unit (`PRICE_UNITS`)
 * and scale exactly: a price the field cannot carry exactly (finer than its scale) or a unit the
 * engine does not convert sends no model (logged), rather than one that bills other prices than the
 * tariff's. Its answer (`billingModelResult`) is logged.
 */
import type { FieldSpec, RecordSpec } from './catalogue.js';
import type { FieldValue, FieldValues } from './fields.js';
import type { Sgcc104Tariff, TariffSlot } from './options.js';
import type { Roles } from './records.js';
import type { SgIo } from './session-io.js';
import { codeOf, connectorOf, PRICE_UNITS, priceIn } from './session-values.js';

/** Slot numbers where a field has no values table (1 tip, 2 peak, 3 flat, 4 valley; see `TariffSlot`). */
const SLOT_NUMBERS: Readonly<Record<TariffSlot, number>> = { tip: 1, peak: 2, flat: 3, valley: 4 };
const DAY_MINUTES = 1440;

export class SgBilling {
  constructor(private readonly io: SgIo) {}

  request(spec: RecordSpec, roles: Roles, values: FieldValues): void {
    const tariff = this.io.ctx.options.tariff;
    const answer = this.io.spec(spec.answer) ?? this.io.records('billingModel')[0];
    if (tariff === undefined) {
      this.io.once('noTariff', 'warn', 'sgcc104 charger asks for a billing model but the options configure no tariff: not answered', { record: spec.name });
      return;
    }
    if (answer === undefined) {
      this.io.once('noBillingModel', 'warn', `sgcc104 charger asks for a billing model but the ${this.io.dialect.name} catalogue has no billingModel record: not answered`, { record: spec.name });
      return;
    }
    const connector = roles.connector === undefined ? undefined : connectorOf(this.io.dialect, roles.connector);
    const problems: string[] = [];
    const model = billingValues(this.io, answer, tariff, problems);
    if (problems.length > 0) {
      this.io.once('billingModelPrices', 'warn', `sgcc104 billing model not sent: ${[...new Set(problems)].join('; ')}`, { record: answer.name, billingModelId: tariff.billingModelId });
      return;
    }
    const sent = this.io.send(answer, { billingModelId: tariff.billingModelId }, connector, model, undefined, this.io.echo(spec, values, answer));
    if (sent) this.io.ctx.sink.log('info', 'sgcc104 billing model sent', { billingModelId: tariff.billingModelId, periods: tariff.periods.length });
  }

  /** The charger's answer to a billing model: logged. */
  result(spec: RecordSpec, roles: Roles): void {
    this.io.ctx.sink.log('info', 'sgcc104 billing model answer', { record: spec.name, billingModelId: roles.billingModelId, result: roles.result });
  }
}

/** The values of `spec`'s fields that come from the tariff (prices, periods, their count); a price it cannot write exactly is added to `problems`. */
export function billingValues(io: SgIo, spec: RecordSpec, tariff: Sgcc104Tariff, problems: string[]): FieldValues {
  const out: Record<string, FieldValue> = {};
  let periods: number | undefined;
  for (const f of spec.fields) {
    const price = priceOf(f, tariff, f.period, problems);
    if (price !== undefined) out[f.name] = price;
    if (f.encoding !== 'group' || f.fields === undefined) continue;
    const entries = segments(tariff, typeof f.count === 'number' ? f.count : undefined).map((e) => entry(io, f.fields ?? [], tariff, e, problems));
    out[f.name] = entries;
    if (typeof f.count === 'string') out[f.count] = entries.length;
    periods ??= entries.length;
  }
  // The period count says how many entries went, whether or not it counts the group itself.
  for (const f of spec.fields) if (f.role === 'periodCount' && out[f.name] === undefined) out[f.name] = periods ?? tariff.periods.length;
  return out;
}

/** One entry of the periods group: its start, its slot, and the slot's prices. */
function entry(io: SgIo, fields: readonly FieldSpec[], tariff: Sgcc104Tariff, e: { readonly minute: number; readonly slot: TariffSlot }, problems: string[]): FieldValues {
  const out: Record<string, FieldValue> = {};
  for (const f of fields) {
    if (f.role === 'periodStart') out[f.name] = startValue(f, e.minute);
    else if (f.role === 'periodSlot') out[f.name] = codeOf(io.dialect, f.values, e.slot) ?? SLOT_NUMBERS[e.slot];
    else {
      const price = priceOf(f, tariff, f.period ?? e.slot, problems);
      if (price !== undefined) out[f.name] = price;
    }
  }
  return out;
}

/** The slot's price for a price field, in the field's unit; undefined (and a problem) when the field cannot carry it exactly. */
function priceOf(f: FieldSpec, tariff: Sgcc104Tariff, slot: TariffSlot | undefined, problems: string[]): number | undefined {
  if (slot === undefined || (f.role !== 'energyPrice' && f.role !== 'servicePrice')) return undefined;
  const yuan = f.role === 'energyPrice' ? tariff.prices[slot].energy : tariff.prices[slot].service;
  const price = priceIn(yuan, f.unit);
  if (price === undefined) {
    problems.push(`unit ${JSON.stringify(f.unit)} of ${f.name} is not a price unit the engine converts (${Object.keys(PRICE_UNITS).join(', ')})`);
    return undefined;
  }
  const steps = price / (f.scale ?? 1);
  if (Math.abs(steps - Math.round(steps)) > 1e-6) {
    problems.push(`the ${slot} ${f.role === 'energyPrice' ? 'energy' : 'service'} price ${yuan} yuan/kWh is finer than ${f.name} carries (steps of ${f.scale ?? 1} ${f.unit ?? 'yuan'})`);
    return undefined;
  }
  return price;
}

/** A period's start in the field's encoding: BCD `HHMM` (`HH`, `HHMMSS` by width), minutes (or hours, seconds by unit), or text `HH:MM`. */
function startValue(f: FieldSpec, minute: number): FieldValue {
  const hh = String(Math.floor(minute / 60)).padStart(2, '0');
  const mm = String(minute % 60).padStart(2, '0');
  if (f.encoding === 'bcd') return f.octets === 1 ? hh : f.octets === 3 ? `${hh}${mm}00` : `${hh}${mm}`;
  if (f.encoding === 'ascii') return `${hh}:${mm}`;
  if (f.unit === 'h') return Math.floor(minute / 60);
  if (f.unit === 's') return minute * 60;
  return minute;
}

/** The day's periods: the tariff's own, or `count` equal segments with the slot in force at each start. */
function segments(tariff: Sgcc104Tariff, count: number | undefined): { minute: number; slot: TariffSlot }[] {
  const own = tariff.periods.map((p) => ({ minute: minutes(p.from), slot: p.slot }));
  if (count === undefined || count <= 0) return own;
  const step = DAY_MINUTES / count;
  return Array.from({ length: count }, (_, i) => {
    const minute = Math.round(i * step);
    const slot = [...own].reverse().find((p) => p.minute <= minute)?.slot ?? own[0]?.slot ?? 'flat';
    return { minute, slot };
  });
}

function minutes(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}
