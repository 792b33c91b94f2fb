/**
 * YKC session: parking-lock reports (0x61), answers to frames no canonical command sends, and the
 * session meter (every session counted from 0, as YKC real-time data carries no register).
 */
import { describe, expect, it } from 'vitest';
import type { YkcFrame } from '../../../../codecs/ykc/index.js';
import { realTimeFrame, recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { YKC_T0 as T0, ykcLoggedIn, type YkcSessionHarness } from '../../../support/ykc-session.js';

const PILE = '20231212000010';

const loggedIn = (): YkcSessionHarness => ykcLoggedIn(PILE, 2);

const lock = (gun: string, lockState: number, spaceState: number, alarm: number): YkcFrame => ({
  type: 'parkingLockStatus',
  sequence: 9,
  pileCode: PILE,
  gun,
  lockState,
  spaceState,
  batteryPercent: 80,
  alarm,
  reserved: '00000000',
});

describe('YKC session additions', () => {
  it('0x61 parking-lock alarms raise and clear warning faults on change; lock and bay state are logged', () => {
    const s = loggedIn();
    s.feed(lock('02', 0x55, 0xff, 0));
    expect(s.take('fault')).toEqual([]);
    expect(s.logs.find((l) => l.message === 'ykc parking lock')?.data).toEqual({ connector: 2, lock: 'raised', bay: 'occupied', batteryPercent: 80, alarm: 0 });
    s.feed(lock('02', 0x00, 0xff, 0x55));
    s.feed(lock('02', 0x00, 0xff, 0x55));
    expect(s.take('fault')).toEqual([
      { type: 'fault', connector: 2, code: 'ykc.lock.parkingLockLiftFault', name: 'parkingLockLiftFault', severity: 'warning', active: true, at: new Date(T0).toISOString(), raw: 0x55 },
    ]);
    s.feed(lock('02', 0x00, 0x00, 0xff));
    s.feed(lock('02', 0xff, 0x00, 0));
    expect(s.take('fault').map((f) => [f.code, f.active])).toEqual([
      ['ykc.lock.parkingLockLiftFault', true],
      ['ykc.lock.parkingLockLiftFault', false],
      ['ykc.lock.parkingLockDamagedWhileIdle', true],
      ['ykc.lock.parkingLockDamagedWhileIdle', false],
    ]);
    expect(s.logs.filter((l) => l.message === 'ykc parking lock').at(-1)?.data).toMatchObject({ lock: 'lowered', bay: 'empty' });
    expect(s.errors).toEqual([]);
    expect(s.sent.filter((f) => f.type.startsWith('parkingLock'))).toEqual([]);
  });

  it('answers to offline-card frames are logged, not errors; offline-card and parking-lock commands do not exist', () => {
    const s = loggedIn();
    s.feed({ type: 'offlineCardSyncAnswer', sequence: 3, pileCode: PILE, result: 1, failReason: 0 });
    expect(s.logs.find((l) => l.message === 'ykc answer without a command')?.data).toMatchObject({ type: 'offlineCardSyncAnswer', result: 1 });
    expect(s.errors).toEqual([]);
    expect(s.session.command({ type: 'unlock', id: 'u1', connector: 1 })).toMatchObject({ status: 'notSupported' });
  });

  it('a session is metered from 0: sessionStarted meterStartWh 0, record start 0 and stop = its total energy', () => {
    const s = loggedIn();
    const txn = `${PILE}012611251600000001`;
    s.feed(realTimeFrame({ pileCode: PILE, transactionNo: txn, status: 3, plugged: 1, energyKwh: 0 }));
    expect(s.take('sessionStarted')).toEqual([expect.objectContaining({ legacyTransactionId: txn, meterStartWh: 0 })]);
    s.feed(realTimeFrame({ pileCode: PILE, transactionNo: txn, status: 3, plugged: 1, energyKwh: 3.2109 }));
    expect(
      s
        .take('measurements')
        .at(-1)
        ?.values.find((v) => v.measurand === 'energy'),
    ).toEqual({ measurand: 'energy', value: 3210.9, raw: 3.2109 });
    s.feed(recordFrame({ transactionNo: txn, pileCode: PILE, start: new Date(T0 - 600_000), end: new Date(T0), meterStartKwh: 1200.5, meterEndKwh: 1204.5, stopReason: 0x41 }));
    expect(s.take('transactionRecord')).toEqual([expect.objectContaining({ meterStartWh: 0, meterStopWh: 4000, energyWh: 4000, reason: 'socLimitReached' })]);
    expect(s.take('sessionEnded')).toEqual([expect.objectContaining({ meterStopWh: 4000 })]);
    expect(s.logs.find((l) => l.message === 'ykc record meter register')?.data).toEqual({ transactionNo: txn, meterStartKwh: 1200.5, meterEndKwh: 1204.5 });
  });
});
