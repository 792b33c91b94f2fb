/**
 * Samples built from the latest value of every measurand, not from the last measurements event
 * alone: a charger that reports each measurand on its own (one ASDU or frame each) still gets
 * periodic, Ended and triggered samples with all the configured measurands (and phases). Only
 * values measured during the transaction and not long before the sample are used; a reading that
 * is no number removes its measurand until it is read again.
 */
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../../../src/model/events.js';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import { CAPS, MIN, T0, measured, started, transactions } from '../transactions/transactions-harness.js';

const DC = { ...CAPS, currentType: 'DC' as const, measurands: new Set(['energy', 'power', 'voltage', 'current', 'soc'] as const) };
const S = 1000;

/** `measurand[/phase]=value` of each sampled value of an event, in order. */
const sampled = (e: RequestOf<'TransactionEvent'> | undefined): string[] =>
  (e?.meterValue ?? []).flatMap((m) => m.sampledValue.map((v) => `${v.measurand ?? ''}${v.phase !== undefined ? `/${v.phase}` : ''}=${v.value}`));

/** One measurements event per value, `gap` ms apart from `at` on. */
async function oneByOne(tx: Awaited<ReturnType<typeof transactions>>['tx'], at: number, values: Measurement[], gap = 100): Promise<void> {
  for (const [i, v] of values.entries()) await tx.measurements(measured(at + i * gap, [v]));
}

describe('periodic samples (SampledDataCtrlr.TxUpdatedInterval)', () => {
  it('carry the latest value of every TxUpdatedMeasurand, each sent in its own event', async () => {
    const s = await transactions(undefined, {}, DC);
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 1000 }));
    await oneByOne(s.tx, T0 + 10 * S, [
      { measurand: 'voltage', value: 400 },
      { measurand: 'current', value: 100 },
      { measurand: 'power', value: 40_000 },
      { measurand: 'energy', value: 1100 },
      { measurand: 'soc', value: 41 },
    ]);
    // The first event after the interval makes the sample: its value and the latest of the others.
    await s.tx.measurements(measured(T0 + MIN + 10 * S, [{ measurand: 'voltage', value: 401 }]));
    const periodic = (await s.events()).filter((e) => e.triggerReason === 'MeterValuePeriodic');
    expect(periodic).toHaveLength(1);
    expect(periodic[0]?.meterValue?.[0]?.timestamp).toBe('2025-01-06T08:01:10.000Z');
    expect(sampled(periodic[0])).toEqual(['Voltage=401', 'Current.Import=100', 'Power.Active.Import=40000', 'Energy.Active.Import.Register=1100', 'SoC=41']);
  });

  it("wait for a fresh reading of a configured measurand: an unconfigured one does not send the last tick's register", async () => {
    // TxUpdatedMeasurands is the energy register alone; each tick the charger sends voltage first.
    const s = await transactions(undefined, { 'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register' }, DC);
    await s.tx.sessionStarted(started('A', T0));
    await oneByOne(s.tx, T0 + 10 * S, [
      { measurand: 'voltage', value: 400 },
      { measurand: 'energy', value: 100 },
    ]);
    await oneByOne(s.tx, T0 + MIN + 10 * S, [
      { measurand: 'voltage', value: 401 },
      { measurand: 'energy', value: 200 },
    ]);
    const periodic = (await s.events()).filter((e) => e.triggerReason === 'MeterValuePeriodic');
    expect(periodic.map(sampled)).toEqual([['Energy.Active.Import.Register=200']]);
    expect(periodic[0]?.meterValue?.[0]?.timestamp).toBe('2025-01-06T08:01:10.100Z');
  });

  it('carry every phase of a measurand reported per phase', async () => {
    const s = await transactions(undefined, { 'SampledDataCtrlr.TxUpdatedMeasurands': 'Current.Import' }, DC);
    await s.tx.sessionStarted(started('A', T0));
    await oneByOne(s.tx, T0 + 10 * S, [
      { measurand: 'current', value: 16, phase: 'L1' },
      { measurand: 'current', value: 15.5, phase: 'L2' },
      { measurand: 'current', value: 16.2, phase: 'L3' },
    ]);
    await s.tx.measurements(measured(T0 + MIN, [{ measurand: 'current', value: 16.1, phase: 'L1' }]));
    const periodic = (await s.events()).find((e) => e.triggerReason === 'MeterValuePeriodic');
    expect(sampled(periodic)).toEqual(['Current.Import/L1=16.1', 'Current.Import/L2=15.5', 'Current.Import/L3=16.2']);
  });

  it('leave out values measured before the transaction started', async () => {
    const s = await transactions(undefined, {}, DC);
    // An earlier session's values: not this transaction's.
    await oneByOne(s.tx, T0 - 10 * MIN, [
      { measurand: 'soc', value: 95 },
      { measurand: 'current', value: 120 },
    ]);
    await s.tx.sessionStarted(started('B', T0));
    await s.tx.measurements(measured(T0 + 2 * MIN, [{ measurand: 'energy', value: 500 }]));
    const periodic = (await s.events()).find((e) => e.triggerReason === 'MeterValuePeriodic');
    expect(sampled(periodic)).toEqual(['Energy.Active.Import.Register=500']);
  });

  it('leave out a reading older than two intervals (and at least ten minutes): the charger stopped sending it', async () => {
    const s = await transactions(undefined, {}, DC);
    await s.tx.sessionStarted(started('A', T0));
    await s.tx.measurements(measured(T0 + 5 * S, [{ measurand: 'voltage', value: 400 }]));
    for (let m = 1; m <= 12; m++) await s.tx.measurements(measured(T0 + m * MIN, [{ measurand: 'energy', value: 100 * m }]));
    const periodic = (await s.events()).filter((e) => e.triggerReason === 'MeterValuePeriodic');
    // 08:10 is the last sample within ten minutes of the voltage read at 08:00:05.
    expect(periodic.map((e) => `${e.meterValue?.[0]?.timestamp.slice(11, 16)} ${sampled(e).join(' ')}`).slice(8)).toEqual([
      '08:09 Voltage=400 Energy.Active.Import.Register=900',
      '08:10 Voltage=400 Energy.Active.Import.Register=1000',
      '08:11 Energy.Active.Import.Register=1100',
      '08:12 Energy.Active.Import.Register=1200',
    ]);
  });

  it('leave out a measurand whose latest reading was no number, until it is read again', async () => {
    const s = await transactions(undefined, { 'SampledDataCtrlr.TxUpdatedInterval': '30' }, DC);
    await s.tx.sessionStarted(started('A', T0));
    await oneByOne(s.tx, T0 + S, [
      { measurand: 'voltage', value: 400 },
      { measurand: 'energy', value: 10 },
    ]);
    await s.tx.measurements(measured(T0 + 20 * S, [{ measurand: 'voltage', value: Number.NaN }]));
    await s.tx.measurements(measured(T0 + 31 * S, [{ measurand: 'energy', value: 20 }]));
    await s.tx.measurements(measured(T0 + 50 * S, [{ measurand: 'voltage', value: 399 }]));
    await s.tx.measurements(measured(T0 + 62 * S, [{ measurand: 'energy', value: 30 }]));
    const periodic = (await s.events()).filter((e) => e.triggerReason === 'MeterValuePeriodic');
    expect(periodic.map(sampled)).toEqual([['Energy.Active.Import.Register=20'], ['Voltage=399', 'Energy.Active.Import.Register=30']]);
  });
});

describe('flagged energy register readings (Measurement.quality)', () => {
  it("are never a sample's register nor the reading a stale transaction ends with", async () => {
    const s = await transactions(undefined, { 'SampledDataCtrlr.TxUpdatedMeasurands': 'Energy.Active.Import.Register,Voltage' }, DC);
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 1000 }));
    await s.tx.measurements(measured(T0 + 10 * S, [{ measurand: 'energy', value: 1100 }]));
    // A substituted register reading and a flagged voltage, a minute later.
    await s.tx.measurements(
      measured(T0 + MIN + 10 * S, [
        { measurand: 'energy', value: 999_999, quality: ['substituted'] },
        { measurand: 'voltage', value: 400, quality: ['substituted'] },
      ]),
    );
    // The charger renumbered its session: the open transaction is stale and ends with its last good reading.
    await s.tx.sessionStarted(started('B', T0 + 2 * MIN));
    const events = await s.events();
    const periodic = events.filter((e) => e.triggerReason === 'MeterValuePeriodic');
    expect(periodic.map(sampled)).toEqual([['Energy.Active.Import.Register=1100', 'Voltage=400']]);
    const ended = events.find((e) => e.eventType === 'Ended');
    expect(sampled(ended)).toEqual(['Energy.Active.Import.Register=1100']);
  });
});

describe('Ended samples (SampledDataCtrlr.TxEndedInterval)', () => {
  it('carry the latest value of every TxEndedMeasurand', async () => {
    const s = await transactions(
      undefined,
      { 'SampledDataCtrlr.TxUpdatedInterval': '0', 'SampledDataCtrlr.TxEndedInterval': '60', 'SampledDataCtrlr.TxEndedMeasurands': 'Energy.Active.Import.Register,Power.Active.Import' },
      DC,
    );
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await oneByOne(s.tx, T0 + 30 * S, [
      { measurand: 'power', value: 7000 },
      { measurand: 'energy', value: 50 },
    ]);
    await s.tx.measurements(measured(T0 + 61 * S, [{ measurand: 'energy', value: 120 }]));
    await s.tx.sessionEnded({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'A', at: new Date(T0 + 90 * S).toISOString(), reason: 'remote', meterStopWh: 170 });
    const ended = (await s.events()).find((e) => e.eventType === 'Ended');
    expect(ended?.meterValue?.map((m) => [m.timestamp, m.sampledValue.map((v) => `${v.context} ${v.measurand}=${v.value}`)])).toEqual([
      ['2025-01-06T08:01:01.000Z', ['Sample.Periodic Power.Active.Import=7000', 'Sample.Periodic Energy.Active.Import.Register=120']],
      ['2025-01-06T08:01:30.000Z', ['Transaction.End Energy.Active.Import.Register=170']],
    ]);
  });
});
