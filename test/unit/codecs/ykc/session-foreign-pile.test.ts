/**
 * One YKC connection carries one pile: once it has logged in, a frame naming another pile code is
 * not its data (issue 12, point 6, as for an IEC 104 common address). Its real-time data, records
 * and requests are not attributed to the logged-in pile, its records are not confirmed, and it
 * answers none of its commands. Each such frame is counted as ignored (`foreign_address`); the
 * first one is logged.
 */
import { describe, expect, it } from 'vitest';
import { realTimeFrame, recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { YKC_T0 as T0, ykcLoggedIn } from '../../../support/ykc-session.js';

const PILE = '20231212000010';
const OTHER = '20231212000099';

describe('YKC session: frames naming another pile', () => {
  it('are never the logged-in pile data nor answers to its commands', () => {
    const s = ykcLoggedIn(PILE, 2);
    const before = s.events.length;
    const txn = `${OTHER}01261125160000` + '0001';
    s.feed(realTimeFrame({ pileCode: OTHER, transactionNo: txn, status: 3, plugged: 1, voltageV: 400, currentA: 50, energyKwh: 12, hardwareFaults: 1 }));
    s.feed(recordFrame({ transactionNo: txn, pileCode: OTHER, start: new Date(T0 - 3_600_000), end: new Date(T0 - 60_000), meterStartKwh: 1000, meterEndKwh: 1012.5, stopReason: 0x45 }));
    s.feed({ type: 'heartbeat', sequence: 9, pileCode: OTHER, gun: '01', gunState: 0 });
    expect(s.session.command({ type: 'reset', id: 'r1', kind: 'hard' })).toEqual({ status: 'sent' });
    s.feed({ type: 'rebootAnswer', sequence: s.sentOf('reboot').at(-1)?.sequence ?? 0, pileCode: OTHER, result: 1 });

    expect(s.events.slice(before)).toEqual([]);
    expect(s.sentOf('transactionRecordConfirm')).toEqual([]);
    expect(s.sentOf('heartbeatAnswer')).toEqual([]);
    expect(s.errors).toEqual([]);
    expect(s.ignored).toEqual(Array(4).fill('foreign_address'));
    expect(s.logs.filter((l) => l.data?.['pileCode'] === OTHER)).toHaveLength(1);

    // The logged-in pile's own frames are still its.
    s.feed(realTimeFrame({ pileCode: PILE, status: 2, plugged: 0 }));
    expect(s.take('connectorStatus')).toEqual([expect.objectContaining({ connector: 1, status: 'available' })]);
  });
});
