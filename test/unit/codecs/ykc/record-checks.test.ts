/**
 * Plausibility of YKC transaction records (`checkRecord`): the record against itself, against the
 * pile's rated power over the session's duration, and against the billing models it was given.
 */
import { describe, expect, it } from 'vitest';
import { decodeYkcFrame, type YkcFrameOf } from '../../../../codecs/ykc/index.js';
import { checkRecord, type RecordCheckContext } from '../../../../codecs/ykc/record-checks.js';
import { DEFAULT_TARIFF, type YkcTariff } from '../../../../codecs/ykc/session.js';
import { recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { fixturePath, loadHexFixture } from '../../../support/fixtures.js';

const PILE = '32010200000071';
const NO = `${PILE}01261125160000` + '0001';
const T0 = Date.UTC(2026, 10, 25, 8, 0, 0);
const DC: RecordCheckContext = { currentType: 'DC', tariffs: [DEFAULT_TARIFF] };

/** A record of `minutes` ending at T0, `kwh` in the flat period at 1.4 CNY/kWh (the default billing model). */
const rec = (minutes: number, kwh: number, amountYuan?: number): YkcFrameOf<'transactionRecord'> =>
  recordFrame({
    transactionNo: NO,
    pileCode: PILE,
    start: new Date(T0 - minutes * 60_000),
    end: new Date(T0),
    meterStartKwh: 100,
    meterEndKwh: 100 + kwh,
    ...(amountYuan !== undefined ? { amountYuan } : {}),
    stopReason: 0x45,
  });
const reasons = (f: YkcFrameOf<'transactionRecord'>, ctx = DC, o = {}): string[] => checkRecord(f, o, ctx).map((p) => p.reason);

describe('checkRecord', () => {
  it('a plausible record passes: 30 kWh in 30 min on a DC pile, amount at the tariff', () => {
    expect(checkRecord(rec(30, 30), {}, DC)).toEqual([]);
  });

  it('the forged record (999.99 kWh, 99,999.99 CNY in ten minutes) is implausible for energy and tariff', () => {
    const problems = checkRecord(rec(10, 999.99, 99_999.99), {}, DC);
    expect(problems.map((p) => p.reason)).toEqual(['energy', 'tariff']);
    expect(problems[0]?.detail).toContain('999.99 kWh in 600 s');
    expect(problems[0]?.detail).toContain('800 kW');
  });

  it('energy is measured against recordChecks.maxPowerW, else ratedPowerW, else the pile type, with margin and grace', () => {
    // 7 kW AC pile, 60 min: 7 x 1.1 x (3600 + 60) / 3600 = 7.83 kWh at most.
    const ac: RecordCheckContext = { currentType: 'AC', ratedPowerW: 7_000, tariffs: [DEFAULT_TARIFF] };
    expect(reasons(rec(60, 7.8), ac)).toEqual([]);
    expect(reasons(rec(60, 7.9), ac)).toEqual(['energy']);
    expect(reasons(rec(60, 7.9), ac, { powerMarginPercent: 20 })).toEqual([]);
    expect(reasons(rec(60, 7.9), ac, { maxPowerW: 11_000 })).toEqual([]);
    // Without a rated power an AC pile is measured against 48 kW.
    expect(reasons(rec(60, 50), { currentType: 'AC', tariffs: [DEFAULT_TARIFF] })).toEqual([]);
    expect(reasons(rec(60, 56), { currentType: 'AC', tariffs: [DEFAULT_TARIFF] })).toEqual(['energy']);
  });

  it('a session the gateway watched: the energy is measured from its last real-time figure too, by the gateway clock, whatever start time the record gives', () => {
    // 500 kWh "over a day" fits 800 kW; the session showed 12 kWh 20 s before the record came.
    const early = recordFrame({ transactionNo: NO, pileCode: PILE, start: new Date(T0 - 86_400_000), end: new Date(T0), meterStartKwh: 100, meterEndKwh: 600, stopReason: 0x45 });
    expect(reasons(early)).toEqual([]);
    const problems = checkRecord(early, {}, { ...DC, seen: { energyKwh: 12, secondsBefore: 20 } });
    expect(problems.map((p) => p.reason)).toEqual(['energy']);
    expect(problems[0]?.detail).toBe('500 kWh, but the session showed 12 kWh 20 s before: more than 800 kW (+10 %) can add (31.556 kWh)');
    // A genuine record: a little more than the last real-time figure.
    expect(reasons(rec(30, 12.2), { ...DC, seen: { energyKwh: 12, secondsBefore: 20 } })).toEqual([]);
    // 7 kW AC: 7 x 1.1 x (600 + 60) / 3600 = 1.41 kWh may follow the last figure in ten minutes.
    const ac: RecordCheckContext = { currentType: 'AC', ratedPowerW: 7_000, tariffs: [DEFAULT_TARIFF], seen: { energyKwh: 5, secondsBefore: 600 } };
    expect(reasons(rec(60, 6.4), ac)).toEqual([]);
    expect(reasons(rec(60, 6.5), ac)).toEqual(['energy']);
    expect(reasons(rec(60, 6.5), ac, { energy: false })).toEqual([]);
  });

  it('a record that contradicts itself is inconsistent: end before start, meter stop below start, periods that do not add up, unreadable times', () => {
    const base = rec(30, 10);
    expect(reasons({ ...base, endTime: { ...base.endTime, utc: new Date(T0 - 3_600_000).toISOString() } })).toEqual(['inconsistent']);
    expect(reasons({ ...base, meterEndKwh: 50 })).toEqual(['inconsistent']);
    expect(reasons({ ...base, totalEnergyKwh: 12 })).toContain('inconsistent');
    // The total no longer adds up; it disagrees with the tariff too.
    expect(reasons({ ...base, totalAmountYuan: base.totalAmountYuan + 1 })).toEqual(['inconsistent', 'tariff']);
    expect(reasons({ ...base, startTime: { ...base.startTime, utc: null } })).toEqual(['inconsistent']);
    expect(checkRecord({ ...base, meterEndKwh: 50 }, {}, DC)[0]?.detail).toBe('meter stop 50 kWh below meter start 100 kWh');
  });

  it('amounts are checked per period against every billing model the pile was given, within the tolerance', () => {
    // 20 kWh at 1.4 = 28 CNY; the larger of 5 % (1.4 CNY) and 0.5 CNY.
    expect(reasons(rec(30, 20, 29.3))).toEqual([]);
    expect(reasons(rec(30, 20, 29.5))).toEqual(['tariff']);
    expect(reasons(rec(30, 20, 29.5), DC, { amountTolerancePercent: 10 })).toEqual([]);
    // A small session: 0.5 CNY is the tolerance.
    expect(reasons(rec(30, 1, 1.9))).toEqual([]);
    expect(reasons(rec(30, 1, 2))).toEqual(['tariff']);
    // Billed at an earlier model the pile was given (1.0 + 0.5): plausible.
    const earlier: YkcTariff = { ...DEFAULT_TARIFF, billingModelId: '0002', flat: { electricity: 1, service: 0.5 } };
    expect(reasons(rec(30, 20, 30), { currentType: 'DC', tariffs: [DEFAULT_TARIFF, earlier] })).toEqual([]);
    expect(checkRecord(rec(30, 20, 40), {}, DC)[0]?.detail).toBe('flat: 40 CNY for 20 kWh, billing model 0001 says 28 CNY at 1.4 CNY/kWh');
  });

  it('an amount computed on the loss-adjusted energy agrees', () => {
    const base = rec(30, 20);
    const flat = { ...base.flat, lossEnergyKwh: 22, amountYuan: 30.8 };
    expect(reasons({ ...base, flat, totalLossEnergyKwh: 22, totalAmountYuan: 30.8 })).toEqual([]);
  });

  it('a record with totals only (firmware that leaves the per-period fields empty) is checked on its totals, not held for the empty breakdown', () => {
    const empty = { unitPrice: 0, energyKwh: 0, lossEnergyKwh: 0, amountYuan: 0 };
    const totalsOnly = (kwh: number, amountYuan: number): YkcFrameOf<'transactionRecord'> => ({ ...rec(30, kwh, amountYuan), tip: empty, peak: empty, flat: empty, valley: empty });
    expect(reasons(totalsOnly(20, 28))).toEqual([]);
    expect(reasons(totalsOnly(20, 28), DC, { consistency: false })).toEqual([]);
    // Its total amount is still held to the billing model: between the cheapest and the dearest rate the model uses.
    const tou: YkcTariff = { ...DEFAULT_TARIFF, valley: { electricity: 0.3, service: 0.4 }, periods: [...Array.from({ length: 24 }, () => 3), ...Array.from({ length: 24 }, () => 2)] };
    expect(reasons(totalsOnly(20, 20), { currentType: 'DC', tariffs: [tou] })).toEqual([]);
    expect(reasons(totalsOnly(20, 12), { currentType: 'DC', tariffs: [tou] })).toEqual(['tariff']);
    expect(reasons(totalsOnly(20, 40))).toEqual(['tariff']);
    expect(checkRecord(totalsOnly(20, 40), {}, DC)[0]?.detail).toBe('total 40 CNY for 20 kWh, billing model 0001 says 28 CNY (1.4 CNY/kWh)');
    // And to the rated power.
    expect(reasons(totalsOnly(999.99, 1399.986))).toEqual(['energy']);
  });

  it('a public record (JCPP, four rates) passes against the billing model it was made with', () => {
    const r = decodeYkcFrame(loadHexFixture(fixturePath('ykc', 'frames', '3b-transaction-record-jcpp-crc-be.hex')).bytes);
    if (!r.ok || r.value.type !== 'transactionRecord') throw new Error('fixture did not decode as a record');
    const model: YkcTariff = {
      ...DEFAULT_TARIFF,
      tip: { electricity: 1.5, service: 0 },
      peak: { electricity: 1.3, service: 0 },
      flat: { electricity: 1.1, service: 0 },
      valley: { electricity: 0.9, service: 0 },
    };
    expect(checkRecord(r.value, {}, { currentType: 'AC', tariffs: [model] })).toEqual([]);
  });

  it('a released record, a record billing nothing, and switched-off checks hold nothing', () => {
    const forged = rec(10, 999.99, 99_999.99);
    expect(checkRecord(forged, { release: [NO] }, DC)).toEqual([]);
    expect(checkRecord(forged, { energy: false, tariff: false }, DC)).toEqual([]);
    const nothing = rec(10, 0, 0);
    expect(checkRecord({ ...nothing, endTime: { ...nothing.endTime, utc: null } }, {}, DC)).toEqual([]);
  });
});
