/**
 * Every canonical stop reason becomes the OCPP 2.0.1 stoppedReason that says what the charger did,
 * with a fitting triggerReason; stoppedReason is left out only for Local (its default,
 * TransactionEventRequest.transactionInfo.stoppedReason), so every other end carries its reason.
 * The shipped YKC stop-reason map reaches the CSMS as the codes mean.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadStopReasonMap, mapStopReason } from '../../../../codecs/ykc/stop-reason-map.js';
import { STOP_REASONS, type StopReason } from '../../../../src/model/events.js';
import { endedEvent, type OpenTx } from '../../../../src/station/transactions/transaction-events.js';

const TX: OpenTx = { transactionId: 'tx-1', seqNo: 3, legacyTransactionId: 'L-1', startedAt: '2026-11-25T08:00:00.000Z', lastPeriodicAt: 0, chargingState: 'Charging', remote: false };

const SHIPPED = await loadStopReasonMap();

/** [stoppedReason (undefined: left out), triggerReason] by canonical reason. */
const EXPECTED: Readonly<Record<StopReason, readonly [string | undefined, string]>> = {
  local: [undefined, 'ChargingStateChanged'],
  remote: ['Remote', 'RemoteStop'],
  evDisconnected: ['EVDisconnected', 'EVCommunicationLost'],
  deAuthorized: ['DeAuthorized', 'Deauthorized'],
  emergencyStop: ['EmergencyStop', 'AbnormalCondition'],
  energyLimitReached: ['EnergyLimitReached', 'EnergyLimitReached'],
  socLimitReached: ['SOCLimitReached', 'ChargingStateChanged'],
  timeLimitReached: ['TimeLimitReached', 'TimeLimitReached'],
  costLimitReached: ['LocalOutOfCredit', 'ChargingStateChanged'],
  powerLoss: ['PowerLoss', 'AbnormalCondition'],
  reboot: ['Reboot', 'AbnormalCondition'],
  immediateReset: ['ImmediateReset', 'ResetCommand'],
  groundFault: ['GroundFault', 'AbnormalCondition'],
  overcurrentFault: ['OvercurrentFault', 'AbnormalCondition'],
  powerQuality: ['PowerQuality', 'AbnormalCondition'],
  evseFault: ['Other', 'AbnormalCondition'],
  evFault: ['StoppedByEV', 'ChargingStateChanged'],
  other: ['Other', 'ChargingStateChanged'],
};

describe('the Ended event of each canonical stop reason', () => {
  it.each(STOP_REASONS.map((r) => [r]))('%s', (reason) => {
    const e = endedEvent(TX, { reason, at: '2026-11-25T09:00:00.000Z', raw: 7 });
    const [stoppedReason, triggerReason] = EXPECTED[reason];
    expect(e.transactionInfo.stoppedReason).toBe(stoppedReason);
    expect('stoppedReason' in e.transactionInfo).toBe(stoppedReason !== undefined);
    expect(e.triggerReason).toBe(triggerReason);
    expect(e.customData).toEqual({ vendorId: 'pilegate', legacyTransactionId: 'L-1', legacyStopReason: 7 });
  });

  it('covers every canonical reason and leaves stoppedReason out for Local only', () => {
    expect(Object.keys(EXPECTED).sort()).toEqual([...STOP_REASONS].sort());
    const omitted = STOP_REASONS.filter((reason) => endedEvent(TX, { reason, at: '2026-11-25T09:00:00.000Z' }).transactionInfo.stoppedReason === undefined);
    expect(omitted).toEqual(['local']);
  });
});

describe('the shipped YKC stop-reason map (mappings/ykc/stop-reasons.yaml)', () => {
  const ocpp = (code: number): string | undefined => endedEvent(TX, { reason: mapStopReason(SHIPPED, code), at: '2026-11-25T09:00:00.000Z' }).transactionInfo.stoppedReason;

  it('reaches the CSMS as each code means', () => {
    const cases: [number, string | undefined][] = [
      [0x40, 'Remote'], // app remote stop
      [0x41, 'SOCLimitReached'],
      [0x42, 'EnergyLimitReached'],
      [0x43, 'LocalOutOfCredit'], // amount target reached: the pile's own credit limit
      [0x44, 'TimeLimitReached'],
      [0x45, undefined], // manual stop at the pile: Local
      [0x4b, 'EVDisconnected'],
      [0x4e, 'LocalOutOfCredit'], // insufficient balance: the pile enforces the balance it was given
      [0x50, 'EmergencyStop'],
      [0x57, 'GroundFault'], // insulation fault
      [0x6b, 'EVDisconnected'],
      [0x6e, 'LocalOutOfCredit'], // balance exhausted
      [0x72, 'EmergencyStop'],
      [0x7a, 'StoppedByEV'], // BMS: total current abnormal
      [0x83, 'PowerLoss'],
      [0x90, 'Other'], // unknown
      [0x46, 'Other'], // reserved
    ];
    expect(cases.map(([code]) => [code, ocpp(code)])).toEqual(cases);
  });

  it('never reports Local for a code other than the manual stop', () => {
    const local: number[] = [];
    for (let code = 0; code <= 0xff; code++) if (ocpp(code) === undefined) local.push(code);
    expect(local).toEqual([0x45]);
  });
});

describe('the IEC 104 point-table schema (mappings/schema/iec104-points.schema.json)', () => {
  it("offers every canonical stop reason for a fault's stopReason", () => {
    const schema = readFileSync(new URL('../../../../mappings/schema/iec104-points.schema.json', import.meta.url), 'utf8');
    const enums: string[][] = [];
    JSON.parse(schema, (key: string, value: unknown) => {
      if (key === 'stopReason' && typeof value === 'object' && value !== null && Array.isArray((value as { enum?: unknown }).enum)) enums.push((value as { enum: string[] }).enum);
      return value;
    });
    expect(enums.length).toBeGreaterThan(0);
    for (const e of enums) expect([...e].sort()).toEqual([...STOP_REASONS].sort());
  });
});
