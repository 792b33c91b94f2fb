/**
 * YKC session: an implausible transaction record is held — no `transactionRecord`, no 0x40, one
 * `transactionRecordHeld` however often the pile sends it (also after a reconnect, through the
 * pile's memory in the host), the session it belongs to ended without it (`recordPending`); a
 * record an operator released is billed.
 */
import { describe, expect, it } from 'vitest';
import { ykcCodec } from '../../../../codecs/ykc/codec.js';
import { encodeYkcFrame } from '../../../../codecs/ykc/index.js';
import type { ChargerEvent } from '../../../../src/model/events.js';
import { realTimeFrame, recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { YKC_T0 as T0, ykcLoggedIn } from '../../../support/ykc-session.js';

const PILE = '20231212000010';
const X = `${PILE}01261125155900` + '0001';
const Y = `${PILE}01261125155900` + '0002';

const forged = (sequence: number) =>
  recordFrame({
    sequence,
    transactionNo: X,
    pileCode: PILE,
    gun: '01',
    start: new Date(T0 - 600_000),
    end: new Date(T0 - 1000),
    meterStartKwh: 0,
    meterEndKwh: 999.99,
    amountYuan: 99_999.99,
    stopReason: 0x45,
  });

describe('YKC session: an implausible record', () => {
  it('is held: reported once, never confirmed, nothing billed; its open session ends without it', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 1.25 }));
    s.feed(forged(7));
    s.feed(forged(8));
    expect(s.take('transactionRecord')).toEqual([]);
    expect(s.sentOf('transactionRecordConfirm')).toEqual([]);
    const held = s.take('transactionRecordHeld');
    expect(held).toHaveLength(1);
    expect(held[0]).toMatchObject({ connector: 1, legacyTransactionId: X, reasons: ['energy', 'tariff'], energyWh: 999_990, amount: 9_999_999 });
    expect(held[0]?.detail).toMatch(/^energy: 999\.99 kWh in 599 s/);
    expect(s.ignored).toEqual(['repeat']);
    const ended = s.take('sessionEnded');
    expect(ended).toHaveLength(1);
    expect(ended[0]).toMatchObject({ legacyTransactionId: X, meterStopWh: 1250, reason: 'other', recordPending: true });
    expect(ended[0]?.meterStopWh).not.toBe(999_990);
    // A plausible copy later (the pile corrected it) is billed: the station corrects the transaction.
    s.feed(recordFrame({ sequence: 9, transactionNo: X, pileCode: PILE, gun: '01', start: new Date(T0 - 600_000), end: new Date(T0 - 1000), meterStartKwh: 0, meterEndKwh: 1.3, stopReason: 0x45 }));
    expect(s.take('transactionRecord').map((e) => e.meterStopWh)).toEqual([1300]);
  });

  it('held while the gun waits for it: the waiting session ends without it and the next one starts', () => {
    const s = ykcLoggedIn(PILE, 1, { recordWaitMs: 30_000 });
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 1.25 }));
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: Y, energyKwh: 0 }));
    s.feed(forged(7));
    expect(
      s.events.filter((e) => ['sessionStarted', 'sessionEnded', 'transactionRecordHeld'].includes(e.type)).map((e) => [e.type, (e as { legacyTransactionId: string }).legacyTransactionId]),
    ).toEqual([
      ['sessionStarted', X],
      ['sessionEnded', X],
      ['transactionRecordHeld', X],
      ['sessionStarted', Y],
    ]);
  });

  it('a session it watched: a record claiming more than the pile could add to its last real-time energy is held, whatever start time it gives', () => {
    const s = ykcLoggedIn(PILE, 1);
    s.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 1.25 }));
    s.clock.advance(20_000);
    // 500 kWh "since yesterday" fits 800 kW over a day, and its amount fits the tariff.
    s.feed(recordFrame({ sequence: 7, transactionNo: X, pileCode: PILE, gun: '01', start: new Date(T0 - 86_400_000), end: new Date(T0), meterStartKwh: 0, meterEndKwh: 500, stopReason: 0x45 }));
    expect(s.take('transactionRecord')).toEqual([]);
    expect(s.sentOf('transactionRecordConfirm')).toEqual([]);
    const held = s.take('transactionRecordHeld');
    expect(held.map((e) => e.reasons)).toEqual([['energy']]);
    expect(held[0]?.detail).toBe('energy: 500 kWh, but the session showed 1.25 kWh 20 s before: more than 800 kW (+10 %) can add (20.806 kWh)');
    // Its genuine record: a little more than the last real-time figure.
    const t = ykcLoggedIn(PILE, 1);
    t.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 1.25 }));
    t.clock.advance(20_000);
    t.feed(recordFrame({ sequence: 7, transactionNo: X, pileCode: PILE, gun: '01', start: new Date(T0 - 600_000), end: new Date(T0 + 5000), meterStartKwh: 0, meterEndKwh: 1.3, stopReason: 0x45 }));
    expect(t.take('transactionRecord').map((e) => e.meterStopWh)).toEqual([1300]);
    // A pile whose real-time data shows no energy (firmware that leaves it empty) is measured on the record's times only.
    const u = ykcLoggedIn(PILE, 1);
    u.feed(realTimeFrame({ pileCode: PILE, gun: '01', status: 3, plugged: 1, transactionNo: X, energyKwh: 0 }));
    u.clock.advance(20_000);
    u.feed(recordFrame({ sequence: 7, transactionNo: X, pileCode: PILE, gun: '01', start: new Date(T0 - 1_800_000), end: new Date(T0 + 5000), meterStartKwh: 0, meterEndKwh: 30, stopReason: 0x45 }));
    expect(u.take('transactionRecord').map((e) => e.meterStopWh)).toEqual([30_000]);
  });

  it('a record the options release is billed as it is', () => {
    const s = ykcLoggedIn(PILE, 1, { recordChecks: { release: [X] } });
    s.feed(forged(7));
    expect(s.take('transactionRecordHeld')).toEqual([]);
    expect(s.take('transactionRecord').map((e) => e.meterStopWh)).toEqual([999_990]);
  });

  it('is reported once across the pile connections when the host keeps a memory per pile', () => {
    const memory = new Map<string, Map<string, unknown>>();
    const held: ChargerEvent[] = [];
    for (let connection = 0; connection < 2; connection++) {
      const session = ykcCodec.createSession({
        options: {},
        clock: new FakeClock(T0),
        connection: { memoryOf: (id) => memory.get(id) ?? memory.set(id, new Map()).get(id) ?? new Map() },
        sink: { event: (e) => e.type === 'transactionRecordHeld' && held.push(e), send: () => undefined, error: () => undefined, close: () => undefined, log: () => undefined },
      });
      session.start();
      session.receive(
        encodeYkcFrame({ type: 'login', sequence: 1, pileCode: PILE, pileType: 0, gunCount: 1, protocolVersion: 0x10, firmwareVersion: 'SIM-1.0', networkType: 0, sim: '0', operator: 0 }),
      );
      session.receive(encodeYkcFrame(forged(7)));
      session.stop('reconnect');
    }
    expect(held).toHaveLength(1);
  });
});
