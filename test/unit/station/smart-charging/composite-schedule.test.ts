import { describe, expect, it } from 'vitest';
import {
  compositeSchedule,
  convertLimit,
  effectiveLimit,
  nextChange,
  NoLimitError,
  toWatts,
  UnitConversionError,
  type ChargingProfile,
  type InstalledProfile,
  type RateUnit,
} from '../../../../src/station/smart-charging/composite-schedule.js';

/** Monday 2025-01-06 00:00:00 UTC. */
const T0 = Date.UTC(2025, 0, 6);
const MIN = 60_000;
const HOUR = 60 * MIN;
const iso = (ms: number): string => new Date(ms).toISOString();

interface P {
  id: number;
  evseId?: number;
  purpose?: ChargingProfile['chargingProfilePurpose'];
  stackLevel?: number;
  kind?: ChargingProfile['chargingProfileKind'];
  recurrencyKind?: ChargingProfile['recurrencyKind'];
  start?: number;
  duration?: number;
  validFrom?: number;
  validTo?: number;
  transactionId?: string;
  unit?: RateUnit;
  /** [startPeriod s, limit, numberPhases?] */
  periods: [number, number, number?][];
}

function installed(p: P): InstalledProfile {
  const kind = p.kind ?? 'Absolute';
  return {
    evseId: p.evseId ?? (p.purpose === 'ChargingStationMaxProfile' ? 0 : 1),
    profile: {
      id: p.id,
      stackLevel: p.stackLevel ?? 0,
      chargingProfilePurpose: p.purpose ?? 'TxDefaultProfile',
      chargingProfileKind: kind,
      ...(p.recurrencyKind !== undefined ? { recurrencyKind: p.recurrencyKind } : {}),
      ...(p.validFrom !== undefined ? { validFrom: iso(p.validFrom) } : {}),
      ...(p.validTo !== undefined ? { validTo: iso(p.validTo) } : {}),
      ...(p.transactionId !== undefined ? { transactionId: p.transactionId } : {}),
      chargingSchedule: [
        {
          id: 1,
          ...(kind !== 'Relative' ? { startSchedule: iso(p.start ?? T0) } : {}),
          ...(p.duration !== undefined ? { duration: p.duration } : {}),
          chargingRateUnit: p.unit ?? 'W',
          chargingSchedulePeriod: p.periods.map(([startPeriod, limit, numberPhases]) => ({ startPeriod, limit, ...(numberPhases !== undefined ? { numberPhases } : {}) })),
        },
      ],
    },
  };
}

/** Composite periods as [startPeriod, limit] (or with numberPhases when present). */
function composite(profiles: InstalledProfile[], evseId: number, durationS: number, unit: RateUnit = 'W', opts: Parameters<typeof compositeSchedule>[2] = {}, start = T0): (number | undefined)[][] {
  const s = compositeSchedule(profiles, { evseId, start, durationS, unit, fallback: { limit: 22_000, unit: 'W' } }, opts);
  expect(s).toMatchObject({ evseId, duration: durationS, scheduleStart: iso(Math.floor(start / 1000) * 1000), chargingRateUnit: unit });
  return s.chargingSchedulePeriod.map((p) => (p.numberPhases === undefined ? [p.startPeriod, p.limit] : [p.startPeriod, p.limit, p.numberPhases]));
}

describe('stacking', () => {
  it('the valid profile with the highest stackLevel wins, lower levels fill in around it', () => {
    const profiles = [
      installed({ id: 1, stackLevel: 0, periods: [[0, 10_000]] }),
      installed({ id: 2, stackLevel: 1, start: T0 + HOUR, duration: 3600, periods: [[0, 6_000]] }),
      // Higher still but not yet started inside the window: changes nothing before it starts.
      installed({ id: 3, stackLevel: 2, start: T0 + 5 * HOUR, periods: [[0, 1_000]] }),
    ];
    expect(composite(profiles, 1, 3 * 3600)).toEqual([
      [0, 10_000],
      [3600, 6_000],
      [7200, 10_000],
    ]);
    // A higher stackLevel wins even with a higher limit: stacking is not a minimum.
    const higher = [installed({ id: 1, stackLevel: 0, periods: [[0, 5_000]] }), installed({ id: 2, stackLevel: 3, periods: [[0, 9_000]] })];
    expect(composite(higher, 1, 600)).toEqual([[0, 9_000]]);
  });

  it('an EVSE-specific TxDefaultProfile overrides the one on EVSE 0 whatever the stack levels', () => {
    const profiles = [installed({ id: 1, evseId: 0, stackLevel: 5, periods: [[0, 8_000]] }), installed({ id: 2, evseId: 2, stackLevel: 0, start: T0 + HOUR, periods: [[0, 4_000]] })];
    expect(composite(profiles, 1, 7200)).toEqual([[0, 8_000]]);
    expect(composite(profiles, 2, 7200)).toEqual([
      [0, 8_000],
      [3600, 4_000],
    ]);
  });

  it('merges periods while the limit does not change', () => {
    const profiles = [
      installed({
        id: 1,
        periods: [
          [0, 7_000],
          [600, 7_000],
          [1200, 5_000],
        ],
      }),
      installed({ id: 2, stackLevel: 1, start: T0 + 30 * MIN, periods: [[0, 5_000]] }),
    ];
    expect(composite(profiles, 1, 3600)).toEqual([
      [0, 7_000],
      [1200, 5_000],
    ]);
  });
});

describe('priority of purposes', () => {
  const tx = { id: 'tx-1', startedAt: T0 - 10 * MIN };
  const profiles = [
    installed({ id: 1, purpose: 'TxDefaultProfile', stackLevel: 4, periods: [[0, 11_000]] }),
    installed({
      id: 2,
      purpose: 'TxProfile',
      transactionId: 'tx-1',
      periods: [
        [0, 7_000],
        [1800, 12_000],
      ],
    }),
    installed({ id: 3, purpose: 'ChargingStationMaxProfile', start: T0 + 20 * MIN, periods: [[0, 9_000]] }),
    installed({ id: 4, purpose: 'TxProfile', transactionId: 'other-tx', stackLevel: 8, periods: [[0, 1_000]] }),
  ];

  it("the running transaction's TxProfile overrides TxDefaultProfile (any stackLevel); the result is capped by ChargingStationMaxProfile", () => {
    expect(composite(profiles, 1, 3600, 'W', { transaction: tx })).toEqual([
      [0, 7_000],
      [1800, 9_000],
    ]);
  });

  it('without a transaction TxProfiles do not count; EVSE 0 is the station limit only', () => {
    expect(composite(profiles, 1, 3600)).toEqual([
      [0, 11_000],
      [1200, 9_000],
    ]);
    expect(composite(profiles, 0, 3600)).toEqual([
      [0, 22_000],
      [1200, 9_000],
    ]);
    expect(effectiveLimit(profiles, 1, T0 + HOUR, { includeStation: false })).toEqual({ limit: 11_000, unit: 'W' });
  });

  it('Relative schedules start at the transaction start', () => {
    const rel = [
      installed({
        id: 1,
        purpose: 'TxProfile',
        kind: 'Relative',
        transactionId: 'tx-1',
        periods: [
          [0, 5_000],
          [1200, 8_000],
        ],
      }),
    ];
    expect(composite(rel, 1, 3600, 'W', { transaction: tx })).toEqual([
      [0, 5_000],
      [600, 8_000],
    ]);
    // The live limit without a transaction is what a session starting now would get: no change ahead.
    const def = [
      installed({
        id: 1,
        kind: 'Relative',
        periods: [
          [0, 5_000],
          [1200, 8_000],
        ],
      }),
    ];
    expect(effectiveLimit(def, 1, T0 + 5 * HOUR)).toEqual({ limit: 5_000, unit: 'W' });
  });
});

describe('expiry', () => {
  it('a profile stops at validTo and at the end of its schedule duration; then the fallback applies', () => {
    const profiles = [
      installed({ id: 1, stackLevel: 0, duration: 2 * 3600, periods: [[0, 10_000]] }),
      installed({ id: 2, stackLevel: 1, validTo: T0 + 30 * MIN, periods: [[0, 4_000]] }),
      installed({ id: 3, stackLevel: 2, validFrom: T0 + HOUR, validTo: T0 + 90 * MIN, periods: [[0, 3_000]] }),
    ];
    expect(composite(profiles, 1, 3 * 3600)).toEqual([
      [0, 4_000],
      [1800, 10_000],
      [3600, 3_000],
      [5400, 10_000],
      [7200, 22_000],
    ]);
    expect(() => compositeSchedule(profiles, { evseId: 1, start: T0, durationS: 3 * 3600, unit: 'W' })).toThrow(NoLimitError);
  });

  it('effectiveLimit gives the limit in force and until = its next change; unlimited is undefined', () => {
    const profiles = [
      installed({ id: 1, stackLevel: 0, duration: 2 * 3600, periods: [[0, 10_000]] }),
      // Starts at +1 h with the same limit: not a change.
      installed({
        id: 2,
        stackLevel: 1,
        start: T0 + HOUR,
        periods: [
          [0, 10_000],
          [5400, 6_000],
        ],
      }),
    ];
    expect(effectiveLimit(profiles, 1, T0)).toEqual({ limit: 10_000, unit: 'W', until: T0 + 150 * MIN });
    expect(effectiveLimit(profiles, 1, T0 + 150 * MIN)).toEqual({ limit: 6_000, unit: 'W' });
    expect(effectiveLimit([installed({ id: 1, start: T0 + HOUR, periods: [[0, 1_000]] })], 1, T0)).toBeUndefined();
    expect(nextChange([installed({ id: 1, start: T0 + HOUR, periods: [[0, 1_000]] })], 1, T0)).toBe(T0 + HOUR);
    expect(nextChange(profiles, 1, T0 + 150 * MIN)).toBeUndefined();
  });
});

describe('A and W', () => {
  const ac = { currentType: 'AC' as const };

  it('converts at 230 V per phase and 3 phases unless numberPhases says otherwise, rounding down to 0.1', () => {
    expect(toWatts({ limit: 16, unit: 'A' }, ac)).toBe(11_040);
    expect(toWatts({ limit: 16, unit: 'A', numberPhases: 1 }, ac)).toBe(3_680);
    expect(convertLimit({ limit: 10_000, unit: 'W' }, 'A', ac)).toBe(14.4);
    expect(convertLimit({ limit: 16, unit: 'A' }, 'W', { currentType: 'AC', acPhaseVoltage: 220 })).toBe(10_560);
    expect(convertLimit({ limit: 7.5, unit: 'A' }, 'A', ac)).toBe(7.5);
  });

  it('takes the minimum across units and reports it in the requested unit, with the phases of the winning period', () => {
    const profiles = [
      installed({ id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 10_000]] }),
      installed({
        id: 2,
        unit: 'A',
        periods: [
          [0, 16],
          [600, 16, 1],
        ],
      }),
    ];
    // 16 A × 3 × 230 = 11 040 W > 10 000 W; then 16 A × 1 × 230 = 3 680 W < 10 000 W.
    expect(composite(profiles, 1, 1200, 'W')).toEqual([
      [0, 10_000],
      [600, 3_680, 1],
    ]);
    expect(composite(profiles, 1, 1200, 'A')).toEqual([
      [0, 14.4],
      [600, 16, 1],
    ]);
    expect(effectiveLimit(profiles, 1, T0 + 700_000)).toEqual({ limit: 16, unit: 'A', numberPhases: 1 });
  });

  it('DC: converts with a given voltage, refuses to mix units without one, and never reports phases', () => {
    const profiles = [installed({ id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 60_000]] }), installed({ id: 2, unit: 'A', periods: [[0, 100, 3]] })];
    expect(composite(profiles, 1, 600, 'W', { spec: { currentType: 'DC', dcVoltage: 400 } })).toEqual([[0, 40_000]]);
    expect(() => composite(profiles, 1, 600, 'W', { spec: { currentType: 'DC' } })).toThrow(UnitConversionError);
    expect(() => effectiveLimit(profiles, 1, T0, { spec: { currentType: 'DC' } })).toThrow(UnitConversionError);
    // Same unit everywhere: no voltage needed.
    expect(composite([installed({ id: 2, unit: 'A', periods: [[0, 100, 3]] })], 1, 600, 'A', { spec: { currentType: 'DC' } })).toEqual([[0, 100]]);
  });
});

describe('recurring', () => {
  it('Daily repeats from startSchedule (also before it): 22:00-06:00 at 3 kW, otherwise 11 kW', () => {
    const profiles = [
      installed({
        id: 1,
        kind: 'Recurring',
        recurrencyKind: 'Daily',
        start: T0 + 7 * 24 * HOUR + 22 * HOUR,
        periods: [
          [0, 3_000],
          [8 * 3600, 11_000],
        ],
      }),
    ];
    expect(composite(profiles, 1, 48 * 3600)).toEqual([
      [0, 3_000],
      [6 * 3600, 11_000],
      [22 * 3600, 3_000],
      [30 * 3600, 11_000],
      [46 * 3600, 3_000],
    ]);
    expect(effectiveLimit(profiles, 1, T0 + 23 * HOUR)).toEqual({ limit: 3_000, unit: 'W', until: T0 + 30 * HOUR });
  });

  it('a recurring schedule with a duration leaves gaps each day; Weekly repeats every 7 days', () => {
    const daily = [installed({ id: 1, kind: 'Recurring', recurrencyKind: 'Daily', start: T0 + 18 * HOUR, duration: 2 * 3600, periods: [[0, 5_000]] })];
    expect(composite(daily, 1, 48 * 3600)).toEqual([
      [0, 22_000],
      [18 * 3600, 5_000],
      [20 * 3600, 22_000],
      [42 * 3600, 5_000],
      [44 * 3600, 22_000],
    ]);
    const weekly = [
      installed({
        id: 1,
        kind: 'Recurring',
        recurrencyKind: 'Weekly',
        start: T0 - 7 * 24 * HOUR,
        periods: [
          [0, 2_000],
          [24 * 3600, 9_000],
        ],
      }),
    ];
    expect(effectiveLimit(weekly, 1, T0 + 14 * 24 * HOUR + HOUR)).toEqual({ limit: 2_000, unit: 'W', until: T0 + 15 * 24 * HOUR });
    expect(effectiveLimit(weekly, 1, T0 + 16 * 24 * HOUR)).toEqual({ limit: 9_000, unit: 'W', until: T0 + 21 * 24 * HOUR });
  });
});
