/**
 * YKC session: a record's tip/peak/flat/valley energies and amounts go along with its
 * `transactionRecord` as `periods`, in the units of its totals (Wh; fen to two decimals); a record
 * that states its totals only has no `periods`.
 */
import { describe, expect, it } from 'vitest';
import { recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { YKC_T0 as T0, ykcLoggedIn } from '../../../support/ykc-session.js';

const PILE = '20231212000011';
const TXN = `${PILE}01261125155900` + '0003';
const usage = (energyKwh: number, amountYuan: number) => ({ unitPrice: 1.4, energyKwh, lossEnergyKwh: energyKwh, amountYuan });

/** A record of 1.2345 + 2 + 3.5 + 0.25 kWh at 1.4 CNY/kWh (the default tariff), its totals the sums. */
const split = () => ({
  ...recordFrame({ sequence: 9, transactionNo: TXN, pileCode: PILE, start: new Date(T0 - 3_600_000), end: new Date(T0 - 60_000), meterStartKwh: 100, meterEndKwh: 106.9845, stopReason: 0x45 }),
  tip: usage(1.2345, 1.7283),
  peak: usage(2, 2.8),
  flat: usage(3.5, 4.9),
  valley: usage(0.25, 0.35),
  totalEnergyKwh: 6.9845,
  totalLossEnergyKwh: 6.9845,
  totalAmountYuan: 9.7783,
});

describe('YKC session: per-period figures of a record', () => {
  it('carries each period’s energy (Wh) and amount (fen) beside the totals', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.feed(split());
    const [r, ...more] = s.take('transactionRecord');
    expect(more).toEqual([]);
    expect(r).toMatchObject({ legacyTransactionId: TXN, energyWh: 6984.5, amount: 977.83 });
    expect(r?.periods).toEqual([
      { period: 'tip', energyWh: 1234.5, amount: 172.83 },
      { period: 'peak', energyWh: 2000, amount: 280 },
      { period: 'flat', energyWh: 3500, amount: 490 },
      { period: 'valley', energyWh: 250, amount: 35 },
    ]);
    // The periods add up to the totals the event carries.
    expect((r?.periods ?? []).reduce((sum, p) => sum + p.energyWh, 0)).toBeCloseTo(r?.energyWh ?? Number.NaN, 6);
    expect((r?.periods ?? []).reduce((sum, p) => sum + (p.amount ?? 0), 0)).toBeCloseTo(r?.amount ?? Number.NaN, 6);
  });

  it('a record with empty per-period fields (totals only) has no periods', () => {
    const s = ykcLoggedIn(PILE, 1);
    const empty = usage(0, 0);
    s.feed({ ...split(), tip: empty, peak: empty, flat: empty, valley: empty });
    const [r] = s.take('transactionRecord');
    expect(r).toMatchObject({ legacyTransactionId: TXN, energyWh: 6984.5, amount: 977.83 });
    expect(r).not.toHaveProperty('periods');
  });
});
