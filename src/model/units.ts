/** Canonical measurands and the one unit each is carried in inside the model. */
export const MEASURAND_UNITS = {
  /** Energy register (meter reading), import. */
  energy: 'Wh',
  /** Active power. */
  power: 'W',
  voltage: 'V',
  current: 'A',
  /** EV state of charge. */
  soc: '%',
  temperature: 'Celsius',
} as const;

export type Measurand = keyof typeof MEASURAND_UNITS;
export const MEASURANDS = Object.keys(MEASURAND_UNITS) as Measurand[];

/**
 * Units a protocol or mapping may state for each measurand, with the factor to the canonical unit.
 * Conversion: canonical = stated * factor.
 */
export const UNIT_FACTORS: { readonly [M in Measurand]: Readonly<Record<string, number>> } = {
  energy: { Wh: 1, kWh: 1000, MWh: 1_000_000 },
  power: { W: 1, kW: 1000 },
  voltage: { V: 1, kV: 1000 },
  current: { A: 1, mA: 0.001 },
  soc: { '%': 1 },
  temperature: { Celsius: 1 },
};

/** Converts a value stated in `unit` to the measurand's canonical unit; undefined for a foreign unit. */
export function toCanonical(measurand: Measurand, value: number, unit: string): number | undefined {
  const factor = UNIT_FACTORS[measurand][unit];
  return factor === undefined ? undefined : value * factor;
}
