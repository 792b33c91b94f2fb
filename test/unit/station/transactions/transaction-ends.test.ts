import { describe, expect, it } from 'vitest';
import { EnergyReadings } from '../../../../src/station/transactions/energy-readings.js';
import { heldEndAt, recordEnd, recordStart, sessionEnd, unrecordedEnd } from '../../../../src/station/transactions/transaction-ends.js';
import type { OpenTx } from '../../../../src/station/transactions/transaction-events.js';
import type { TransactionRecordEvent } from '../../../../src/model/events.js';

const tx: OpenTx = {
  transactionId: 't-1',
  seqNo: 3,
  legacyTransactionId: 'L1',
  startedAt: '2026-01-01T10:00:00.000Z',
  lastPeriodicAt: Date.parse('2026-01-01T10:00:00.000Z'),
  chargingState: 'Charging',
  remote: false,
};

function readings(): EnergyReadings {
  return new EnergyReadings(() => undefined);
}

const record: TransactionRecordEvent = {
  type: 'transactionRecord',
  connector: 1,
  legacyTransactionId: 'L1',
  idToken: { type: 'card', id: 'AB12' },
  startedAt: '2026-01-01T10:00:00.000Z',
  endedAt: '2026-01-01T11:00:00.000Z',
  meterStartWh: 1000,
  meterStopWh: 5000,
  energyWh: 4000,
  reason: 'local',
  rawReason: 0x40,
};

describe('transaction ends', () => {
  it('ends a transaction without a record of its own on the latest reading during it, abnormal unless a reason is given', () => {
    const energy = readings();
    energy.note(1, 2500, '2026-01-01T10:30:00.000Z');
    const end = unrecordedEnd(energy, 1, tx, '2026-01-01T10:40:00.000Z', true, 'other');
    expect(end).toEqual({ reason: 'other', at: '2026-01-01T10:40:00.000Z', trigger: 'AbnormalCondition', ...energy.meterStop(2500, '2026-01-01T10:30:00.000Z'), customData: { recordPending: true } });
    expect(end.meterStop).toBeDefined();
    const reset = unrecordedEnd(readings(), 1, tx, '2026-01-01T10:40:00.000Z', false, 'immediateReset');
    expect(reset).toEqual({ reason: 'immediateReset', at: '2026-01-01T10:40:00.000Z' });
  });

  it('ends a held record’s transaction at the later of its latest reading and its last sign of life', () => {
    const energy = readings();
    expect(heldEndAt(energy, 1, { ...tx, lastEventAt: '2026-01-01T10:10:00.000Z' })).toBe('2026-01-01T10:10:00.000Z');
    energy.note(1, 2500, '2026-01-01T10:30:00.000Z');
    expect(heldEndAt(energy, 1, { ...tx, lastEventAt: '2026-01-01T10:10:00.000Z' })).toBe('2026-01-01T10:30:00.000Z');
  });

  it('marks a session ended without its record abnormal, unless a Reset ended it', () => {
    const e = { type: 'sessionEnded', connector: 1, legacyTransactionId: 'L1', at: '2026-01-01T11:00:00.000Z', reason: 'local', rawReason: 3, recordPending: true } as const;
    expect(sessionEnd(readings(), e, 'local')).toMatchObject({ reason: 'local', raw: 3, trigger: 'AbnormalCondition', customData: { recordPending: true } });
    expect(sessionEnd(readings(), e, 'immediateReset')).not.toHaveProperty('trigger');
    expect(sessionEnd(readings(), { ...e, recordPending: false }, 'local')).toEqual({ reason: 'local', raw: 3, at: e.at });
  });

  it('takes a billing record’s end and the start of the session it reports whole', () => {
    const energy = readings();
    expect(recordEnd(energy, record, 'remote')).toEqual({ reason: 'remote', raw: 0x40, at: record.endedAt, ...energy.meterStop(5000, record.endedAt) });
    expect(recordStart(record)).toEqual({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L1', at: record.startedAt, idToken: record.idToken, meterStartWh: 1000 });
  });
});
