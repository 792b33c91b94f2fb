/**
 * Whether the engine can convert a catalogue field's unit for its role (`mapping check`): energies,
 * measurements, amounts and billing-model prices in a unit it does not know would bill, report or
 * send a wrong figure, or none. Pure.
 */
import { toCanonical, UNIT_FACTORS, type Measurand } from '../../src/model/units.js';
import type { FieldRole, FieldSpec } from './catalogue.js';
import { fen, PRICE_UNITS, priceIn } from './session-values.js';

/** Roles whose figures the engine converts to a canonical unit: a unit it cannot convert would bill or report a wrong figure, or none. */
const UNIT_ROLES: Partial<Record<FieldRole, Measurand>> = {
  meterStart: 'energy',
  meterStop: 'energy',
  energy: 'energy',
  periodEnergy: 'energy',
  energyRegister: 'energy',
  voltage: 'voltage',
  current: 'current',
  power: 'power',
  soc: 'soc',
};

export function unitProblem(f: Pick<FieldSpec, 'unit' | 'role'>): string | undefined {
  if (f.unit === undefined || f.role === undefined) return undefined;
  if (f.role === 'amount' || f.role === 'periodAmount') {
    return fen(1, f.unit) === undefined ? `unit ${JSON.stringify(f.unit)} is not a money unit the engine converts; expected one of yuan, CNY, fen` : undefined;
  }
  if (f.role === 'energyPrice' || f.role === 'servicePrice') {
    return priceIn(1, f.unit) === undefined ? `unit ${JSON.stringify(f.unit)} is not a price unit the engine converts; expected one of ${Object.keys(PRICE_UNITS).join(', ')}` : undefined;
  }
  const m = UNIT_ROLES[f.role];
  if (m === undefined || toCanonical(m, 1, f.unit) !== undefined) return undefined;
  return `unit ${JSON.stringify(f.unit)} is not ${m === 'energy' ? 'an' : 'a'} ${m} unit the engine converts; expected one of ${Object.keys(UNIT_FACTORS[m]).join(', ')}`;
}
