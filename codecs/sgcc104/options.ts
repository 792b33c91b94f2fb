/**
 * The options of a family-B listener (its `mapping:` file): which dialect its chargers speak and
 * what the operator decides for them (their clock's zone, the billing model the gateway downloads,
 * how long a command waits). A listener's `mapping:` may also name a catalogue directly: its
 * operator options then take their defaults.
 */
import type { Dialect } from './catalogue.js';

/** A time-of-use slot, as family-B billing models number them (1 tip, 2 peak, 3 flat, 4 valley). */
export type TariffSlot = 'tip' | 'peak' | 'flat' | 'valley';

/** The billing model the gateway gives a charger that asks for one (prices in yuan per kWh). */
export interface Sgcc104Tariff {
  /** Up to 16 decimal digits (sent as BCD). */
  readonly billingModelId: string;
  readonly prices: Readonly<Record<TariffSlot, { readonly energy: number; readonly service: number }>>;
  /** Local times of day (`HH:MM`, ascending, the first `00:00`) where a slot begins. */
  readonly periods: readonly { readonly from: string; readonly slot: TariffSlot }[];
}

export interface Sgcc104Options {
  readonly dialect: Dialect;
  /** IANA zone of the chargers' clocks (CP56Time2a is local time); default Asia/Shanghai. */
  readonly timeZone: string;
  /** How long a command waits for the charger's result record; default 8000. */
  readonly commandTimeoutMs: number;
  /** The billing model downloaded when a charger asks (absent: the request is answered with nothing and logged). */
  readonly tariff?: Sgcc104Tariff;
  /** Rated power of the chargers, W: a charge record with more energy than it could deliver in its duration is held. */
  readonly ratedPowerW?: number;
  /** Where the options came from (the file), for messages. */
  readonly source?: string;
}
