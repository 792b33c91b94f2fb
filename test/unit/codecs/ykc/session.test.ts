import { describe, expect, it } from 'vitest';
import { ykcCodec } from '../../../../codecs/ykc/codec.js';
import { encodeYkcFrame, type YkcFrame } from '../../../../codecs/ykc/index.js';
import type { YkcOptions } from '../../../../codecs/ykc/session.js';
import { parseStopReasonMap, loadStopReasonMap } from '../../../../codecs/ykc/stop-reason-map.js';
import { realTimeFrame, recordFrame } from '../../../../src/simulator/ykc/simulator.js';
import { YKC_T0 as T0, ykcSession, type YkcSessionHarness } from '../../../support/ykc-session.js';

const PILE = '20231212000010';

const setup = (options: YkcOptions = {}): YkcSessionHarness => ykcSession(options);

const LOGIN: YkcFrame = {
  type: 'login',
  sequence: 0x1900,
  pileCode: PILE,
  pileType: 0,
  gunCount: 2,
  protocolVersion: 0x10,
  firmwareVersion: 'GV.95r13',
  networkType: 0,
  sim: '898604D11722D0348606',
  operator: 2,
};

function loggedIn(options: YkcOptions = {}) {
  const s = setup(options);
  s.feed(LOGIN);
  return s;
}

describe('YKC session: login and link', () => {
  it('login -> identified + 0x02 accepted echoing the sequence, then a time sync', () => {
    const s = loggedIn();
    expect(s.take('identified')).toEqual([
      {
        type: 'identified',
        chargerId: PILE,
        model: 'DC 2-gun YKC v1.6',
        firmware: 'GV.95r13',
        iccid: '898604D11722D0348606',
        connectorCount: 2,
        currentType: 'DC',
        protocol: { name: 'ykc', version: '1.6' },
      },
    ]);
    const answer = s.sentOf('loginAnswer');
    expect(answer).toHaveLength(1);
    expect(answer[0]).toMatchObject({ pileCode: PILE, result: 0, sequence: 0x1900 });
    const sync = s.sentOf('timeSync');
    expect(sync).toHaveLength(1);
    expect(sync[0]?.time.utc).toBe(new Date(T0).toISOString());
    expect(s.session.capabilities.connectorCount).toBe(2);
    expect(s.session.capabilities.currentType).toBe('DC');
    expect(s.session.capabilities.commands.has('startCharging')).toBe(true);
    expect(s.session.capabilities.commands.has('unlock')).toBe(false);
  });

  it('the accept hook can refuse a pile: 0x02 failure and close', () => {
    const s = setup({ accept: (pile) => pile !== PILE });
    s.feed(LOGIN);
    expect(s.sentOf('loginAnswer')[0]?.result).toBe(1);
    expect(s.closed[0]).toContain('login rejected');
    expect(s.take('identified')).toHaveLength(0);
  });

  it('heartbeat -> 0x04 with the same sequence', () => {
    const s = loggedIn();
    s.feed({ type: 'heartbeat', sequence: 0xd325, pileCode: PILE, gun: '01', gunState: 0 });
    expect(s.sentOf('heartbeatAnswer')).toEqual([expect.objectContaining({ sequence: 0xd325, pileCode: PILE, gun: '01', answer: 0 })]);
  });

  it('time sync is repeated daily', () => {
    const s = loggedIn();
    // keep the link alive while a day passes
    for (let i = 0; i < 8640; i++) {
      s.clock.advance(10_000);
      s.feed({ type: 'heartbeat', sequence: i & 0xffff, pileCode: PILE, gun: '01', gunState: 0 });
    }
    expect(s.sentOf('timeSync')).toHaveLength(2);
    expect(s.closed).toEqual([]);
  });

  it('no frame for 3 heartbeat intervals -> close("heartbeat timeout")', () => {
    const s = loggedIn();
    s.clock.advance(29_000);
    expect(s.closed).toEqual([]);
    s.feed({ type: 'heartbeat', sequence: 1, pileCode: PILE, gun: '01', gunState: 0 });
    s.clock.advance(29_000);
    expect(s.closed).toEqual([]);
    s.clock.advance(1_000);
    expect(s.closed).toEqual(['heartbeat timeout']);
  });

  it('billing model: 0x05 with an old id -> 0x06 different, 0x09 -> 0x0A with the configured tariff', () => {
    const tariff = {
      billingModelId: '0102',
      tip: { electricity: 1.5, service: 0.5 },
      peak: { electricity: 1.2, service: 0.5 },
      flat: { electricity: 0.9, service: 0.5 },
      valley: { electricity: 0.4, service: 0.5 },
      periods: Array.from({ length: 48 }, (_, i) => (i < 16 ? 3 : 2)),
    };
    const s = loggedIn({ tariffs: { [PILE]: tariff } });
    s.feed({ type: 'billingModelVerify', sequence: 5, pileCode: PILE, billingModelId: '0000' });
    expect(s.sentOf('billingModelVerifyAnswer')[0]).toMatchObject({ billingModelId: '0102', result: 1, sequence: 5 });
    s.feed({ type: 'billingModelVerify', sequence: 6, pileCode: PILE, billingModelId: '0102' });
    expect(s.sentOf('billingModelVerifyAnswer')[1]).toMatchObject({ result: 0 });
    s.feed({ type: 'billingModelRequest', sequence: 7, pileCode: PILE });
    const model = s.sentOf('billingModelAnswer')[0];
    expect(model).toMatchObject({ billingModelId: '0102', tip: tariff.tip, valley: tariff.valley, sequence: 7 });
    expect(model?.periods).toEqual(tariff.periods);
  });

  it('decode errors go to sink.error with a stream offset and never throw', () => {
    const s = loggedIn();
    const good = encodeYkcFrame({ type: 'heartbeat', sequence: 2, pileCode: PILE, gun: '01', gunState: 0 });
    const bad = Buffer.from(good);
    bad[bad.length - 1] = (bad[bad.length - 1] ?? 0) ^ 0xff;
    bad[bad.length - 2] = (bad[bad.length - 2] ?? 0) ^ 0x55;
    expect(() => s.session.receive(Buffer.concat([Buffer.from([0x00, 0x11]), bad, good]))).not.toThrow();
    expect(s.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['YKC_BAD_START', 'YKC_CRC']));
    // offsets are in the connection's stream: the login frame came first
    expect(s.errors.find((e) => e.code === 'YKC_BAD_START')?.offset).toBe(encodeYkcFrame(LOGIN).length);
    expect(s.sentOf('heartbeatAnswer')).toHaveLength(1);
  });
});

describe('YKC session: real-time data', () => {
  it('0x13 -> measurements, connectorStatus on change only, faults raised and cleared by bit', () => {
    const s = loggedIn();
    const txn = `${PILE}01261125160000` + '0001';
    s.feed(realTimeFrame({ pileCode: PILE, status: 2, plugged: 0 }));
    expect(s.take('connectorStatus')).toEqual([expect.objectContaining({ connector: 1, status: 'available', plugged: false, chargingState: 'idle', raw: 2 })]);
    s.feed(realTimeFrame({ pileCode: PILE, status: 2, plugged: 0 }));
    expect(s.take('connectorStatus')).toHaveLength(1);
    s.feed(realTimeFrame({ pileCode: PILE, transactionNo: txn, status: 3, plugged: 1, voltageV: 400, currentA: 50.5, energyKwh: 12.3456, socPercent: 61, gunCableTempC: 31 }));
    const m = s.take('measurements').at(-1);
    expect(m?.connector).toBe(1);
    const v = Object.fromEntries((m?.values ?? []).map((x) => [x.measurand, x.value]));
    expect(v).toEqual({ voltage: 400, current: 50.5, power: 20200, energy: 12345.6, soc: 61, temperature: 31 });
    expect(s.take('connectorStatus').at(-1)).toMatchObject({ status: 'occupied', plugged: true, chargingState: 'charging' });
    // a charging frame with an unknown serial (card start elsewhere / offline) starts a session
    expect(s.take('sessionStarted')).toEqual([expect.objectContaining({ connector: 1, legacyTransactionId: txn })]);

    s.feed(realTimeFrame({ pileCode: PILE, status: 1, plugged: 1, hardwareFaults: 0b1 | (1 << 12) }));
    const raised = s.take('fault');
    expect(raised.map((f) => [f.code, f.active, f.severity])).toEqual([
      ['ykc.hw.emergencyStop', true, 'critical'],
      ['ykc.hw.doorOpen', true, 'error'],
    ]);
    expect(s.take('connectorStatus').at(-1)).toMatchObject({ status: 'faulted' });
    s.feed(realTimeFrame({ pileCode: PILE, status: 2, plugged: 1, hardwareFaults: 1 << 12 }));
    const after = s.take('fault');
    expect(after).toHaveLength(3);
    expect(after[2]).toMatchObject({ code: 'ykc.hw.emergencyStop', active: false, connector: 1 });
  });

  it('BMS frames -> evInfo', () => {
    const s = loggedIn();
    s.feed({
      type: 'bmsDemand',
      sequence: 9,
      transactionNo: '0'.repeat(32),
      pileCode: PILE,
      gun: '02',
      demandVoltageV: 400,
      demandCurrentA: 50,
      chargeMode: 2,
      measuredVoltageV: 399,
      measuredCurrentA: 49,
      maxCellVoltageV: 3.5,
      maxCellVoltageGroup: 1,
      socPercent: 72,
      remainingTimeMin: 30,
      outputVoltageV: 400,
      outputCurrentA: 50,
      chargeTimeMin: 10,
    });
    expect(s.take('evInfo')).toEqual([{ type: 'evInfo', connector: 2, socPercent: 72 }]);
  });
});

describe('YKC session: sessions and records', () => {
  it('0x31 card -> authorizationRequest; authorize -> 0x32 with a serial, echoing the request sequence', () => {
    const s = loggedIn();
    s.feed({ type: 'startRequest', sequence: 0x0400, pileCode: PILE, gun: '01', startMode: 1, passwordRequired: 0, cardNo: '00000000D14B0A54', passwordMd5: '', vin: '' });
    const [req] = s.take('authorizationRequest');
    expect(req).toMatchObject({ connector: 1, idToken: { id: 'D14B0A54', type: 'card' } });
    expect(s.sentOf('startConfirm')).toHaveLength(0);
    const out = s.session.command({ type: 'authorize', id: 'a1', connector: 1, idToken: { id: 'D14B0A54', type: 'card' }, accepted: true, requestId: req?.requestId });
    expect(out).toEqual({ status: 'sent' });
    const [confirm] = s.sentOf('startConfirm');
    expect(confirm).toMatchObject({ sequence: 0x0400, authResult: 1, pileCode: PILE, gun: '01' });
    expect(confirm?.transactionNo).toMatch(new RegExp(`^${PILE}01261125160000\\d{4}$`));
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 'a1', status: 'completed' })]);
    // the charger starts: first charging 0x13 with that serial -> sessionStarted with the card
    s.feed(realTimeFrame({ pileCode: PILE, transactionNo: confirm?.transactionNo ?? '', status: 3, plugged: 1 }));
    expect(s.take('sessionStarted')).toEqual([expect.objectContaining({ legacyTransactionId: confirm?.transactionNo, idToken: { id: 'D14B0A54', type: 'card' } })]);
    // its record: transactionRecord first, then sessionEnded once (not again on a resend)
    const rec = recordFrame({
      transactionNo: confirm?.transactionNo ?? '',
      pileCode: PILE,
      start: new Date(T0),
      end: new Date(T0 + 60_000),
      meterStartKwh: 1,
      meterEndKwh: 2,
      stopReason: 0x4b,
      physicalCardNo: 'D14B0A54',
    });
    s.feed(rec);
    s.feed({ ...rec, sequence: 1 });
    const tail = s.events.filter((e) => e.type === 'transactionRecord' || e.type === 'sessionEnded').map((e) => e.type);
    expect(tail).toEqual(['transactionRecord', 'sessionEnded', 'transactionRecord']);
    expect(s.take('sessionEnded')[0]).toMatchObject({ legacyTransactionId: confirm?.transactionNo, reason: 'evDisconnected', rawReason: 0x4b, meterStopWh: 1000 });
  });

  it('0x31 VIN -> idToken type vin; rejected authorize -> 0x32 failure with a reason code', () => {
    const s = loggedIn();
    s.feed({ type: 'startRequest', sequence: 3, pileCode: PILE, gun: '02', startMode: 3, passwordRequired: 0, cardNo: '0', passwordMd5: '', vin: 'LSVAU2180N2183294' });
    const [req] = s.take('authorizationRequest');
    expect(req?.idToken).toEqual({ id: 'LSVAU2180N2183294', type: 'vin' });
    s.session.command({ type: 'authorize', id: 'a2', connector: 2, idToken: req?.idToken ?? { id: '', type: 'vin' }, accepted: false, reason: 'Blocked' });
    expect(s.sentOf('startConfirm')[0]).toMatchObject({ authResult: 0, failReason: 2, gun: '02' });
  });

  it('authorizeLocally answers 0x32 at once', () => {
    const s = loggedIn({ authorizeLocally: true });
    s.feed({ type: 'startRequest', sequence: 3, pileCode: PILE, gun: '01', startMode: 1, passwordRequired: 0, cardNo: '1234', passwordMd5: '', vin: '' });
    expect(s.take('authorizationRequest')).toHaveLength(1);
    expect(s.sentOf('startConfirm')[0]).toMatchObject({ authResult: 1, sequence: 3 });
  });

  it('startCharging -> 0x34 with a valid serial; 0x33 success -> commandResult + sessionStarted', () => {
    const s = loggedIn();
    s.clock.advance(1000);
    const out = s.session.command({ type: 'startCharging', id: 'c1', connector: 2, idToken: { id: 'ABCD1234', type: 'card' } });
    expect(out).toEqual({ status: 'sent' });
    const [start] = s.sentOf('remoteStart');
    // pile code (14) + gun (2) + yyMMddHHmmss local time (12) + counter (4) = 32 BCD digits
    expect(start?.transactionNo).toMatch(/^\d{32}$/);
    expect(start?.transactionNo.slice(0, 16)).toBe(`${PILE}02`);
    expect(start?.transactionNo.slice(16, 28)).toBe('261125160001');
    expect(start).toMatchObject({ pileCode: PILE, gun: '02', physicalCardNo: '00000000ABCD1234' });
    const second = s.session.command({ type: 'startCharging', id: 'c2', connector: 1 });
    expect(second.status).toBe('sent');
    expect(s.sentOf('remoteStart')[1]?.transactionNo).not.toBe(start?.transactionNo);
    s.feed({ type: 'remoteStartResult', sequence: 40, transactionNo: start?.transactionNo ?? '', pileCode: PILE, gun: '02', result: 1, failReason: 0 });
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 'c1', status: 'accepted' })]);
    expect(s.take('sessionStarted')).toEqual([expect.objectContaining({ connector: 2, legacyTransactionId: start?.transactionNo, commandId: 'c1', idToken: { id: 'ABCD1234', type: 'card' } })]);
    s.feed({ type: 'remoteStartResult', sequence: 41, transactionNo: s.sentOf('remoteStart')[1]?.transactionNo ?? '', pileCode: PILE, gun: '01', result: 0, failReason: 3 });
    expect(s.take('commandResult')[1]).toMatchObject({ commandId: 'c2', status: 'rejected', reason: 'deviceFault', raw: 3 });
  });

  it('remote start without an answer times out; stop() fails pending commands', () => {
    const s = loggedIn({ commandTimeoutMs: 5000, heartbeatIntervalMs: 60_000 });
    s.session.command({ type: 'startCharging', id: 'c1', connector: 1 });
    s.clock.advance(5000);
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 'c1', status: 'timeout' })]);
    s.session.command({ type: 'stopCharging', id: 's1', connector: 1 });
    s.session.stop('socket closed');
    expect(s.take('commandResult')[1]).toMatchObject({ commandId: 's1', status: 'failed' });
  });

  it('stopCharging -> 0x36; 0x35 -> commandResult', () => {
    const s = loggedIn();
    s.session.command({ type: 'stopCharging', id: 's1', connector: 1 });
    expect(s.sentOf('remoteStop')).toEqual([expect.objectContaining({ pileCode: PILE, gun: '01' })]);
    s.feed({ type: 'remoteStopResult', sequence: 8, pileCode: PILE, gun: '01', result: 0, failReason: 2 });
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 's1', status: 'rejected', reason: 'notCharging' })]);
  });

  it('0x3B -> transactionRecord; no 0x40 until confirmRecord; a resend yields the record again', () => {
    const s = loggedIn();
    const txn = `${PILE}012611251500000007`.slice(0, 32);
    const record = recordFrame({
      sequence: 0x46,
      transactionNo: txn,
      pileCode: PILE,
      start: new Date(T0 - 3_600_000),
      end: new Date(T0 - 60_000),
      meterStartKwh: 1000,
      meterEndKwh: 1012.5,
      amountYuan: 17.5,
      tradeFlag: 2,
      stopReason: 0x45,
      physicalCardNo: 'D14B0A54',
    });
    s.feed(record);
    const [r] = s.take('transactionRecord');
    expect(r).toEqual({
      type: 'transactionRecord',
      connector: 1,
      legacyTransactionId: txn,
      idToken: { id: 'D14B0A54', type: 'card' },
      startedAt: new Date(T0 - 3_600_000).toISOString(),
      endedAt: new Date(T0 - 60_000).toISOString(),
      // session meter: YKC real-time data has no register, so every session counts from 0
      meterStartWh: 0,
      meterStopWh: 12_500,
      energyWh: 12_500,
      amount: 1750,
      // the simulator bills everything in the flat period
      periods: [
        { period: 'tip', energyWh: 0, amount: 0 },
        { period: 'peak', energyWh: 0, amount: 0 },
        { period: 'flat', energyWh: 12_500, amount: 1750 },
        { period: 'valley', energyWh: 0, amount: 0 },
      ],
      reason: 'local',
      rawReason: 0x45,
    });
    expect(s.sentOf('transactionRecordConfirm')).toHaveLength(0);
    s.clock.advance(30_000);
    s.feed({ ...record, sequence: 0x47 });
    expect(s.take('transactionRecord')).toHaveLength(2);
    expect(s.sentOf('transactionRecordConfirm')).toHaveLength(0);
    expect(s.session.command({ type: 'confirmRecord', id: 'r1', connector: 1, legacyTransactionId: txn, accepted: true })).toEqual({ status: 'sent' });
    expect(s.sentOf('transactionRecordConfirm')).toEqual([expect.objectContaining({ transactionNo: txn, result: 0, sequence: 0x47 })]);
  });

  it('a v1.7 record (0x3D) is reported the same way', () => {
    const s = loggedIn();
    const base = recordFrame({
      transactionNo: '2'.repeat(32),
      pileCode: PILE,
      start: new Date(T0 - 1000),
      end: new Date(T0),
      meterStartKwh: 5,
      meterEndKwh: 6.5,
      stopReason: 0x40,
      tradeFlag: 5,
      vin: 'LSVAU2180N2183294',
    });
    s.feed({ ...base, type: 'transactionRecordV17', meterSerial: '000000000001', meterCiphertext: '00'.repeat(34), meterProtocolVersion: 1, meterEncryption: 0 });
    expect(s.take('transactionRecord')).toEqual([
      expect.objectContaining({ legacyTransactionId: '2'.repeat(32), energyWh: 1500, reason: 'remote', idToken: { id: 'LSVAU2180N2183294', type: 'vin' } }),
    ]);
  });

  it('stop reasons go through mappings/ykc/stop-reasons.yaml with the raw code kept', () => {
    const s = loggedIn();
    const base = { transactionNo: '1'.repeat(32), pileCode: PILE, start: new Date(T0 - 1000), end: new Date(T0), meterStartKwh: 1, meterEndKwh: 2 };
    for (const [code, reason] of [
      [0x40, 'remote'],
      [0x41, 'socLimitReached'],
      [0x50, 'emergencyStop'],
      [0x6b, 'evDisconnected'],
      [0x83, 'powerLoss'],
      [0x78, 'other'],
    ] as const) {
      s.feed(recordFrame({ ...base, stopReason: code }));
      expect(s.take('transactionRecord').at(-1)).toMatchObject({ reason, rawReason: code });
    }
  });
});

describe('YKC session: other commands', () => {
  it('setAvailability -> 0x52, reset -> 0x92, answers -> commandResult; unsupported -> notSupported', () => {
    const s = loggedIn({ ratedPowerW: 60_000 });
    expect(s.session.command({ type: 'setAvailability', id: 'w1', connector: 0, available: false }).status).toBe('sent');
    expect(s.sentOf('workParams')[0]).toMatchObject({ disabled: 1, maxPowerPercent: 100 });
    s.feed({ type: 'workParamsAnswer', sequence: 1, pileCode: PILE, result: 1 });
    expect(s.session.command({ type: 'setLimit', id: 'w2', connector: 0, limit: { value: 30_000, unit: 'W' } }).status).toBe('sent');
    expect(s.sentOf('workParams')[1]).toMatchObject({ disabled: 1, maxPowerPercent: 50 });
    expect(s.session.command({ type: 'reset', id: 'b1', kind: 'hard' }).status).toBe('sent');
    expect(s.sentOf('reboot')[0]).toMatchObject({ mode: 1 });
    s.feed({ type: 'rebootAnswer', sequence: 2, pileCode: PILE, result: 1 });
    expect(s.take('commandResult').map((r) => [r.commandId, r.status])).toEqual([
      ['w1', 'accepted'],
      ['b1', 'accepted'],
    ]);
    expect(s.session.command({ type: 'unlock', id: 'u1', connector: 1 }).status).toBe('notSupported');
    expect(s.session.command({ type: 'setLimit', id: 'w3', connector: 0, limit: { value: 10, unit: 'A' } }).status).toBe('notSupported');
  });

  it('setTariff -> 0x58 billing model; accepted 0x57 -> commandResult and the model is used for later 0x05', () => {
    const s = loggedIn();
    const out = s.session.command({
      type: 'setTariff',
      id: 't1',
      tariffId: '7',
      periods: [
        { from: '00:00', energyPrice: 40, servicePrice: 50 },
        { from: '08:00', energyPrice: 120, servicePrice: 50 },
        { from: '22:30', energyPrice: 40, servicePrice: 50 },
      ],
    });
    expect(out).toEqual({ status: 'sent' });
    const [model] = s.sentOf('billingModelSet');
    expect(model).toMatchObject({ pileCode: PILE, billingModelId: '0007', tip: { electricity: 0.4, service: 0.5 }, peak: { electricity: 1.2, service: 0.5 } });
    expect(model?.periods.slice(15, 18)).toEqual([0, 1, 1]);
    expect(model?.periods.slice(44, 46)).toEqual([1, 0]);
    s.feed({ type: 'billingModelSetAnswer', sequence: 3, pileCode: PILE, result: 1 });
    expect(s.take('commandResult')).toEqual([expect.objectContaining({ commandId: 't1', status: 'accepted' })]);
    s.feed({ type: 'billingModelVerify', sequence: 4, pileCode: PILE, billingModelId: '0007' });
    expect(s.sentOf('billingModelVerifyAnswer')[0]).toMatchObject({ billingModelId: '0007', result: 0 });
    const five = [10, 20, 30, 40, 50].map((p, i) => ({ from: `0${i}:00`, energyPrice: p, servicePrice: 0 }));
    expect(s.session.command({ type: 'setTariff', id: 't2', tariffId: 'x', periods: five })).toMatchObject({ status: 'rejected' });
    expect(s.session.command({ type: 'setTariff', id: 't3', tariffId: 'x', periods: [{ from: '08:15', energyPrice: 1, servicePrice: 1 }] })).toMatchObject({ status: 'rejected' });
  });

  it('a remote start waiting for the plug (0x33 reason 5) is accepted and starts the session on the later 0x33 success', () => {
    const s = loggedIn();
    s.session.command({ type: 'startCharging', id: 'c1', connector: 1 });
    const txn = s.sentOf('remoteStart')[0]?.transactionNo ?? '';
    s.feed({ type: 'remoteStartResult', sequence: 1, transactionNo: txn, pileCode: PILE, gun: '01', result: 0, failReason: 5 });
    expect(s.take('commandResult')).toEqual([
      expect.objectContaining({ commandId: 'c1', status: 'accepted', reason: 'gunNotPlugged: the pile starts once the gun is plugged in (within 60 s)', raw: 5 }),
    ]);
    expect(s.take('sessionStarted')).toHaveLength(0);
    s.clock.advance(20_000);
    s.feed({ type: 'remoteStartResult', sequence: 2, transactionNo: txn, pileCode: PILE, gun: '01', result: 1, failReason: 0 });
    expect(s.take('sessionStarted')).toEqual([expect.objectContaining({ legacyTransactionId: txn, commandId: 'c1' })]);
  });

  it('setLimit is notSupported without a rated power', () => {
    const s = loggedIn();
    expect(s.session.capabilities.commands.has('setLimit')).toBe(false);
    expect(s.session.command({ type: 'setLimit', id: 'w', connector: 0, limit: { value: 1000, unit: 'W' } }).status).toBe('notSupported');
  });

  it('commands before login are rejected', () => {
    const s = setup();
    expect(s.session.command({ type: 'startCharging', id: 'x', connector: 1 }).status).toBe('rejected');
  });
});

describe('YKC stop-reason mapping file', () => {
  // §5: the mapping docs/protocols/ykc.md §5 describes.
  it('the shipped file covers the §5 mapping suggestions', async () => {
    const m = await loadStopReasonMap();
    expect(m.codes.get(0x40)).toBe('remote');
    expect(m.codes.get(0x45)).toBe('local');
    expect(m.codes.get(0x72)).toBe('emergencyStop');
    expect(m.default).toBe('other');
  });

  it('rejects unknown stop reasons and bad codes', () => {
    expect(() => parseStopReasonMap('codes:\n  0x40: remoteish\n')).toThrow(/not a stop reason/);
    expect(() => parseStopReasonMap('codes:\n  0x400: remote\n')).toThrow(/not a byte/);
    expect(parseStopReasonMap('codes:\n  0x40: remote\n').codes.get(0x40)).toBe('remote');
  });

  it('loadOptions loads the shipped mapping and checks options', async () => {
    const o = await ykcCodec.loadOptions({ value: { timeZone: 'UTC' } });
    expect(o.timeZone).toBe('UTC');
    expect(o.stopReasons?.codes.get(0x83)).toBe('powerLoss');
    await expect(ykcCodec.loadOptions({ value: { cardFormat: 'dec' } })).rejects.toThrow(/cardFormat/);
  });
});
