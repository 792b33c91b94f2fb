/**
 * A billing record's figures OCPP 2.0.1 has no field for (its amount, its energy and amount per
 * time-of-use period) go in the custom data of the Ended event it produces, on every path a record
 * takes: ending the open transaction, a whole transaction reported from it, and the correction of
 * one ended without it. The events stay valid for a strict OCPP 2.0.1 validator.
 */
import { createRequire } from 'node:module';
import { createValidator } from 'ocpp-rpc';
import { describe, expect, it } from 'vitest';
import type { RecordPeriod } from '../../../../src/model/events.js';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import { recordFigures } from '../../../../src/station/transactions/transaction-ends.js';
import { endedEvent, type OpenTx } from '../../../../src/station/transactions/transaction-events.js';
import { MIN, T0, ended, record, started, transactions } from './transactions-harness.js';

const schemas = createRequire(import.meta.url)('ocpp-rpc/lib/schemas/ocpp2_0_1.json') as Parameters<typeof createValidator>[1];
const strict = createValidator('ocpp2.0.1', schemas);

const periods: readonly RecordPeriod[] = [
  { period: 'tip', energyWh: 1000, amount: 120.5 },
  { period: 'peak', energyWh: 2500, amount: 250 },
  { period: 'flat', energyWh: 0, amount: 0 },
  { period: 'valley', energyWh: 500 },
];
const figures = { amount: 370.5, periods };

/** The event is valid for ocpp-rpc's strict validator (throws its RPC error otherwise). */
function valid(e: RequestOf<'TransactionEvent'> | undefined): boolean {
  return strict.validate('urn:TransactionEvent.req', e) === true;
}

const tx: OpenTx = { transactionId: 't-1', seqNo: 3, legacyTransactionId: 'L1', startedAt: new Date(T0).toISOString(), lastPeriodicAt: T0, chargingState: 'Charging', remote: false };

describe('record figures', () => {
  it('takes the amount and the periods, leaving out what is absent or not finite', () => {
    expect(recordFigures(record('A', T0, T0 + MIN, figures))).toEqual({ amount: 370.5, periods: [...periods] });
    expect(recordFigures(record('A', T0, T0 + MIN))).toEqual({});
    expect(recordFigures(record('A', T0, T0 + MIN, { periods: [] }))).toEqual({});
    expect(
      recordFigures(
        record('A', T0, T0 + MIN, {
          amount: Number.NaN,
          periods: [
            { period: 'tip', energyWh: Number.POSITIVE_INFINITY, amount: 1 },
            { period: 'peak', energyWh: 10, amount: Number.NaN },
          ],
        }),
      ),
    ).toEqual({ periods: [{ period: 'peak', energyWh: 10 }] });
  });

  it('puts them beside the legacy id in the Ended event, valid in strict mode', () => {
    const e = endedEvent(tx, { reason: 'local', raw: 2, at: new Date(T0 + MIN).toISOString(), customData: recordFigures(record('L1', T0, T0 + MIN, figures)) });
    expect(e.customData).toEqual({ vendorId: 'pilegate', legacyTransactionId: 'L1', legacyStopReason: 2, amount: 370.5, periods: [...periods] });
    expect(valid({ ...e, seqNo: 4 })).toBe(true);
    // The validator is a real one: custom data without its vendorId is refused.
    expect(() => valid({ ...e, seqNo: 4, customData: { amount: 1 } as unknown as { vendorId: string } })).toThrow();
  });

  it('the record ending the open transaction carries them', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    expect(await s.tx.record(record('A', T0, T0 + 30 * MIN, { meterStopWh: 4000, energyWh: 4000, ...figures }))).toBe(true);
    const [first, last, ...more] = await s.events();
    expect(more).toEqual([]);
    expect(last).toMatchObject({ eventType: 'Ended', customData: { vendorId: 'pilegate', legacyTransactionId: 'A', amount: 370.5, periods } });
    expect([first, last].every(valid)).toBe(true);
  });

  it('a record the gateway never saw start reports a whole transaction that carries them', async () => {
    const s = await transactions();
    expect(await s.tx.record(record('Z', T0, T0 + 30 * MIN, { meterStartWh: 0, meterStopWh: 4000, energyWh: 4000, ...figures }))).toBe(true);
    const [, last] = await s.events();
    expect(last).toMatchObject({ eventType: 'Ended', customData: { legacyTransactionId: 'Z', amount: 370.5, periods } });
    expect(valid(last)).toBe(true);
  });

  it('a record of another session than the open one reports its own transaction carrying them', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0 + 60 * MIN, { meterStartWh: 0 }));
    expect(await s.tx.record(record('Z', T0, T0 + 30 * MIN, { meterStartWh: 0, meterStopWh: 4000, energyWh: 4000, ...figures }))).toBe(true);
    const [, zStarted, zEnded, ...more] = await s.events();
    expect(more).toEqual([]);
    expect(zStarted?.customData).toBeUndefined();
    expect(zEnded).toMatchObject({ eventType: 'Ended', seqNo: 1, customData: { legacyTransactionId: 'Z', amount: 370.5, periods } });
    expect(valid(zEnded)).toBe(true);
  });

  it('the correction of a transaction ended without its record carries them; the provisional Ended does not', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.sessionEnded(ended('A', T0 + 10 * MIN, { reason: 'other', recordPending: true, meterStopWh: 1170 }));
    expect(await s.tx.record(record('A', T0, T0 + 9 * MIN, { meterStopWh: 2440, energyWh: 2440, ...figures }))).toBe(true);
    const [, provisional, correction, ...more] = await s.events();
    expect(more).toEqual([]);
    expect(provisional?.customData).toEqual({ vendorId: 'pilegate', legacyTransactionId: 'A', recordPending: true });
    expect(correction).toMatchObject({ eventType: 'Ended', seqNo: 2, customData: { legacyTransactionId: 'A', correction: true, amount: 370.5, periods } });
    expect([provisional, correction].every(valid)).toBe(true);
  });

  it('a record without an amount or periods adds nothing', async () => {
    const s = await transactions();
    await s.tx.sessionStarted(started('A', T0, { meterStartWh: 0 }));
    await s.tx.record(record('A', T0, T0 + 30 * MIN, { meterStopWh: 4000, energyWh: 4000 }));
    const [, last] = await s.events();
    expect(last?.customData).toEqual({ vendorId: 'pilegate', legacyTransactionId: 'A' });
  });
});
