/**
 * A family-B session's monitoring, charging data, charge records and billing model, pure: canonical
 * units (Wh, W, V, A, %, fen), statuses through the dialect's work states, faults on change, records
 * confirmed only on `confirmRecord`, implausible ones held.
 */
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import type { Sgcc104Tariff } from '../../../../codecs/sgcc104/options.js';
import { sgRig } from '../../../support/sgcc104-session.js';

const b1 = loadDialect('b1');
const b2 = loadDialect('b2');
const b3 = loadDialect('b3');
const SERIAL = '31000000000100192612071601000001';
const START = '2026-12-07T06:00:00.000Z';
const END = '2026-12-07T07:00:00.000Z';

/** A B3 charge record of 30 kWh in an hour, its periods adding up. */
const RECORD = {
  connector: 1,
  transactionId: SERIAL,
  idToken: '1234567890123456',
  startTime: START,
  endTime: END,
  meterStart: 100,
  meterStop: 130,
  energy: 30,
  amount: 26,
  endReason: 3,
  periods: { tip: { energy: 5, amount: 5 }, peak: { energy: 10, amount: 10 }, flat: { energy: 10, amount: 8 }, valley: { energy: 5, amount: 3 } },
};

describe('sgcc104 session: monitoring and charging data', () => {
  it('reports status, measurements in canonical units and faults as they change', () => {
    const r = sgRig(b3);
    r.up();
    r.clock.advance(1000);
    r.record('monitoring', { connector: 1, plugged: 1, workState: 3, voltage: 380.5, current: 12.34, energyRegister: 1234.56 });
    const at = '2026-12-07T08:00:01.000Z';
    expect(r.eventsOf('measurements')).toEqual([
      {
        type: 'measurements',
        connector: 1,
        at,
        values: [
          { measurand: 'voltage', value: 380.5 },
          { measurand: 'current', value: 12.34 },
          { measurand: 'energy', value: 1234560 },
        ],
      },
    ]);
    expect(r.eventsOf('connectorStatus')).toEqual([{ type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at, raw: 3 }]);
    expect(r.eventsOf('fault')).toEqual([]);
    r.record('monitoring', { connector: 1, plugged: 1, workState: 3, voltage: 380, current: 12, energyRegister: 1235 }, { overVoltage: 1 });
    expect(r.eventsOf('connectorStatus')).toHaveLength(1);
    expect(r.eventsOf('fault')).toEqual([{ type: 'fault', connector: 1, code: 'OVER_VOLTAGE', severity: 'error', active: true, at, raw: 1 }]);
    r.record('monitoring', { connector: 1, plugged: 0, workState: 2, voltage: 0, current: 0, energyRegister: 1235 });
    expect(r.eventsOf('fault').at(-1)).toMatchObject({ code: 'OVER_VOLTAGE', active: false });
    expect(r.eventsOf('connectorStatus').at(-1)).toMatchObject({ status: 'available', plugged: false, chargingState: 'idle', raw: 2 });
  });

  it('counts a work state the catalogue has no word for, still reporting the measurements', () => {
    const r = sgRig(b3);
    r.up();
    r.record('monitoring', { connector: 1, workState: 77, voltage: 220 });
    expect(r.ignored).toEqual(['unmapped_value']);
    expect(r.eventsOf('connectorStatus')).toEqual([]);
    expect(r.eventsOf('measurements')).toHaveLength(1);
  });

  it('ignores a record for a gun the charger does not have', () => {
    const r = sgRig(b3);
    r.up();
    r.record('monitoring', { connector: 3, workState: 2 });
    expect(r.ignored).toEqual(['unmapped_address']);
    expect(r.eventsOf('connectorStatus')).toEqual([]);
  });

  it('ignores records naming another charger (logged once)', () => {
    const r = sgRig(b3);
    r.up();
    r.record('monitoring', { chargerId: '9999000000000001', connector: 1, workState: 2 });
    r.record('monitoring', { chargerId: '9999000000000001', connector: 1, workState: 3 });
    expect(r.ignored).toEqual(['foreign_address', 'foreign_address']);
    expect(r.logs.filter((l) => l.level === 'warn' && l.message.includes('another charger'))).toHaveLength(1);
  });

  it('turns charging data into the meter register and the session, and answers it (B3)', () => {
    const r = sgRig(b3);
    r.up();
    r.record('chargingData', { connector: 1, transactionId: SERIAL, idToken: '1234567890123456', startTime: START, energy: 5.5, meterStart: 100, meterStop: 105.5 });
    expect(r.eventsOf('measurements').at(-1)?.values).toEqual([{ measurand: 'energy', value: 105500 }]);
    expect(r.eventsOf('sessionStarted')).toEqual([
      { type: 'sessionStarted', connector: 1, legacyTransactionId: SERIAL, idToken: { id: '1234567890123456', type: 'card' }, meterStartWh: 100000, at: START },
    ]);
    expect(r.records('chargingDataConfirm')[0]?.values).toMatchObject({ chargerId: '3100000000010019', gun: 1, transactionId: SERIAL });
    r.record('chargingData', { connector: 1, transactionId: SERIAL, energy: 6 });
    expect(r.eventsOf('sessionStarted')).toHaveLength(1);
  });
});

describe('sgcc104 session: charge records', () => {
  it('reports a plausible record in Wh and fen with its periods, and confirms it only when told', () => {
    const r = sgRig(b3);
    r.up();
    r.record('chargeRecord', RECORD);
    expect(r.eventsOf('transactionRecord')).toEqual([
      {
        type: 'transactionRecord',
        connector: 1,
        legacyTransactionId: SERIAL,
        idToken: { id: '1234567890123456', type: 'card' },
        startedAt: START,
        endedAt: END,
        meterStartWh: 100000,
        meterStopWh: 130000,
        energyWh: 30000,
        amount: 2600,
        periods: [
          { period: 'tip', energyWh: 5000, amount: 500 },
          { period: 'peak', energyWh: 10000, amount: 1000 },
          { period: 'flat', energyWh: 10000, amount: 800 },
          { period: 'valley', energyWh: 5000, amount: 300 },
        ],
        reason: 'remote',
        rawReason: 3,
      },
    ]);
    expect(r.records('chargeRecordConfirm')).toEqual([]);
    expect(r.session.command({ type: 'confirmRecord', id: 'k1', connector: 1, legacyTransactionId: SERIAL, accepted: true })).toEqual({ status: 'sent' });
    expect(r.records('chargeRecordConfirm')[0]?.values).toMatchObject({ gun: 1, transactionId: SERIAL, result: 1 });
    expect(r.resultOf('k1')).toMatchObject({ status: 'completed' });
    // Resent (the confirmation was lost): reported again, the station recognises it and has it confirmed again.
    r.record('chargeRecord', RECORD);
    expect(r.eventsOf('transactionRecord')).toHaveLength(2);
    r.session.command({ type: 'confirmRecord', id: 'k2', connector: 1, legacyTransactionId: SERIAL, accepted: true });
    expect(r.records('chargeRecordConfirm')).toHaveLength(2);
  });

  it('bills an offline record like an online one, its prices and amounts per period, and confirms it with the same record (B1)', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    r.record('offlineChargeRecord', {
      transactionId: SERIAL,
      idToken: '1234567890123456',
      startTime: START,
      endTime: END,
      energy: 12,
      amount: 9.6,
      periods: { peak: { energy: 8, amount: 8 }, valley: { energy: 4, amount: 1.6 } },
    });
    expect(r.eventsOf('transactionRecord')).toMatchObject([
      {
        connector: 1,
        legacyTransactionId: SERIAL,
        energyWh: 12000,
        amount: 960,
        periods: [
          { period: 'peak', energyWh: 8000, amount: 800 },
          { period: 'valley', energyWh: 4000, amount: 160 },
        ],
        reason: 'other',
      },
    ]);
    r.session.command({ type: 'confirmRecord', id: 'k1', connector: 1, legacyTransactionId: SERIAL, accepted: true });
    expect(r.records('chargeRecordConfirm')[0]?.values).toMatchObject({ chargerId: '8401011011112213', transactionId: SERIAL, result: 1 });
  });

  it('does not start again a session whose record came, when monitoring still names it', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    r.record('monitoring', { workState: 3, transactionId: SERIAL });
    const { connector: _c, endReason: _e, ...rest } = RECORD;
    r.record('chargeRecord', { ...rest, endReason: 1 });
    r.record('monitoring', { workState: 3, transactionId: SERIAL });
    expect(r.eventsOf('sessionStarted')).toHaveLength(1);
    expect(r.eventsOf('transactionRecord')).toHaveLength(1);
  });

  it('reads the end reason from the record type where the dialect puts it there (B1, types 1 to 4; type 1 is also its auth request, told apart by length)', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    const { connector: _c, endReason: _e, ...rest } = RECORD;
    for (const [type, reason] of [
      [1, 'evDisconnected'],
      [2, 'socLimitReached'],
      [3, 'remote'],
      [4, 'other'],
    ] as const) {
      r.record('chargeRecord', { ...rest, transactionId: `${SERIAL.slice(0, -1)}${type}`, endReason: type });
      expect(r.eventsOf('transactionRecord').at(-1)).toMatchObject({ connector: 1, reason, rawReason: type });
    }
  });

  it.each([
    ['ends before it starts', { startTime: END, endTime: START }, 'inconsistent'],
    ['meter stop below meter start', { meterStart: 140 }, 'inconsistent'],
    ['meter readings that disagree with its total energy', { meterStop: 160 }, 'inconsistent'],
    ['periods that do not add up', { periods: { ...RECORD.periods, peak: { energy: 15, amount: 10 } } }, 'inconsistent'],
    ['more energy than the charger could deliver', { energy: 30, meterStop: 130, startTime: '2026-12-07T06:59:00.000Z' }, 'energy'],
  ] as const)('holds a record that %s: nothing billed, not confirmed, raised once', (_what, change, reason) => {
    const r = sgRig(b3, { ratedPowerW: 40_000 });
    r.up();
    r.record('chargeRecord', { ...RECORD, ...change });
    r.record('chargeRecord', { ...RECORD, ...change });
    expect(r.eventsOf('transactionRecord')).toEqual([]);
    expect(r.eventsOf('transactionRecordHeld')).toMatchObject([{ connector: 1, legacyTransactionId: SERIAL, reasons: [reason] }]);
    expect(r.records('chargeRecordConfirm')).toEqual([]);
    expect(r.ignored).toEqual(['repeat']);
  });

  it('does not confirm a record it cannot bill (no serial, a gun the charger does not have) while it bills something: the charger keeps it', () => {
    const r = sgRig(b3);
    r.up();
    r.record('chargeRecord', { ...RECORD, transactionId: '0' });
    r.record('chargeRecord', { ...RECORD, connector: 2 });
    expect(r.eventsOf('transactionRecord')).toEqual([]);
    expect(r.records('chargeRecordConfirm')).toEqual([]);
    expect(r.ignored).toEqual(['malformed', 'unmapped_address']);
    // One that bills nothing loses nothing: confirmed and dropped, so that the charger stops resending it.
    const zero = { energy: 0, amount: 0 };
    r.record('chargeRecord', { ...RECORD, transactionId: '0', meterStop: 100, ...zero, periods: { tip: zero, peak: zero, flat: zero, valley: zero } });
    expect(r.eventsOf('transactionRecord')).toEqual([]);
    expect(r.records('chargeRecordConfirm')).toHaveLength(1);
  });
});

describe('sgcc104 session: a charge record with an all-zero serial (B1 card sessions, zeroSerial: derive)', () => {
  const ZERO = '0'.repeat(32);
  const { connector: _c, endReason: _e, ...rest } = RECORD;
  const card = { ...rest, transactionId: ZERO, endReason: 1 };

  it('bills it under an id derived from the charger, connector and start time, dedupes its resend to that id, and confirms it with the zero serial', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    // B1's monitoring names no order for a card session: no session is reported before the record.
    r.record('monitoring', { workState: 3, plugged: 1, transactionId: ZERO });
    expect(r.eventsOf('sessionStarted')).toEqual([]);
    r.record('chargeRecord', card);
    const id = '8401011011112213-1-20261207060000';
    expect(r.eventsOf('transactionRecord')).toMatchObject([{ connector: 1, legacyTransactionId: id, idToken: { id: '1234567890123456' }, startedAt: START, endedAt: END, energyWh: 30000 }]);
    expect(r.logs.some((l) => l.level === 'info' && l.message.includes('derived') && JSON.stringify(l.data).includes(id))).toBe(true);
    expect(r.ignored).toEqual([]);
    expect(r.session.command({ type: 'confirmRecord', id: 'k1', connector: 1, legacyTransactionId: id, accepted: true })).toEqual({ status: 'sent' });
    expect(r.records('chargeRecordConfirm')[0]?.values).toMatchObject({ chargerId: '8401011011112213', transactionId: ZERO, result: 1 });
    r.record('chargeRecord', card);
    expect(r.eventsOf('transactionRecord').at(-1)).toMatchObject({ legacyTransactionId: id });
    // Another session (another start time) is another transaction.
    r.record('chargeRecord', { ...card, startTime: '2026-12-07T05:00:00.000Z' });
    expect(r.eventsOf('transactionRecord').at(-1)).toMatchObject({ legacyTransactionId: '8401011011112213-1-20261207050000' });
  });

  it('keeps the record unbilled and unconfirmed where the catalogue keeps zero serials (the default), or the start time cannot be read', () => {
    const keep = { ...b1, records: b1.records.map((s) => (s.name === 'chargeRecord' ? { ...s, zeroSerial: 'keep' as const } : s)) };
    for (const [dialect, record] of [
      [keep, card],
      [b1, { ...card, startTime: undefined }],
    ] as const) {
      const r = sgRig(dialect);
      r.up('8401011011112213');
      r.record('chargeRecord', record);
      expect(r.eventsOf('transactionRecord')).toEqual([]);
      expect(r.records('chargeRecordConfirm')).toEqual([]);
      expect(r.ignored).toEqual(['malformed']);
    }
  });
});

describe('sgcc104 session: billing model', () => {
  const tariff: Sgcc104Tariff = {
    billingModelId: '20261207',
    prices: { tip: { energy: 1.2, service: 0.8 }, peak: { energy: 1, service: 0.8 }, flat: { energy: 0.7, service: 0.6 }, valley: { energy: 0.3, service: 0.4 } },
    periods: [
      { from: '00:00', slot: 'valley' },
      { from: '08:00', slot: 'peak' },
      { from: '22:00', slot: 'valley' },
    ],
  };

  it('answers a request with the configured tariff in the dialect fields', () => {
    const r = sgRig(b3, { tariff });
    r.up();
    r.record('billingModelRequest', { connector: 1 });
    const [model] = r.records('billingModel');
    expect(model?.values).toMatchObject({ gun: 1, billingModelId: '0000000020261207', periodCount: 3 });
    expect(model?.values['periods']).toMatchObject([
      { start: '0000', slot: 4, energyPrice: 0.3, serviceFee: 0.4 },
      { start: '0800', slot: 2, energyPrice: 1, serviceFee: 0.8 },
      { start: '2200', slot: 4, energyPrice: 0.3, serviceFee: 0.4 },
    ]);
  });

  it('fills a billing model of a fixed number of segments with the slot in force at each segment start', () => {
    const fixed = {
      ...b3,
      records: b3.records.map((r) => (r.name !== 'billingModel' ? r : { ...r, fields: r.fields.map((f) => (f.encoding === 'group' ? { ...f, count: 4, maxCount: 4 } : f)) })),
    };
    const r = sgRig(fixed, { tariff });
    r.up();
    r.record('billingModelRequest', { connector: 1 });
    const [model] = r.records('billingModel');
    expect(model?.values['periodCount']).toBe(4);
    expect(model?.values['periods']).toMatchObject([
      { start: '0000', slot: 4 },
      { start: '0600', slot: 4 },
      { start: '1200', slot: 2 },
      { start: '1800', slot: 2 },
    ]);
  });

  it.each([
    ['b2', b2, 'servicePrice'],
    ['b3', b3, 'serviceFee'],
  ] as const)('sends the tariff prices so that the %s charger decodes them exactly', (_name, dialect, service) => {
    const exact: Sgcc104Tariff = {
      ...tariff,
      prices: { tip: { energy: 1.23456, service: 0.80001 }, peak: { energy: 1.1, service: 0.7 }, flat: { energy: 0.57891, service: 0.00003 }, valley: { energy: 0.29999, service: 42949.67295 } },
      periods: (['tip', 'peak', 'flat', 'valley'] as const).map((slot, i) => ({ from: `0${2 * i}:00`, slot })),
    };
    const r = sgRig(dialect, { tariff: exact });
    r.up(dialect === b2 ? '1000000000000001' : undefined);
    r.record('billingModelRequest', { connector: 1 });
    const periods = r.records('billingModel')[0]?.values['periods'] as Record<string, unknown>[] | undefined;
    expect(periods?.map((p) => [p['energyPrice'], p[service]])).toEqual((['tip', 'peak', 'flat', 'valley'] as const).map((slot) => [exact.prices[slot].energy, exact.prices[slot].service]));
  });

  it('converts the prices to the unit and scale of the field (fen), and sends no model whose price the field cannot carry exactly or whose unit it does not know', () => {
    const priced = (unit: string, scale: number) => ({
      ...b3,
      records: b3.records.map((r) =>
        r.name !== 'billingModel'
          ? r
          : { ...r, fields: r.fields.map((f) => (f.encoding === 'group' ? { ...f, fields: (f.fields ?? []).map((g) => (g.role === 'energyPrice' ? { ...g, unit, scale } : g)) } : f)) },
      ),
    });
    const fen = sgRig(priced('fen/kWh', 0.001), { tariff });
    fen.up();
    fen.record('billingModelRequest', { connector: 1 });
    expect((fen.records('billingModel')[0]?.values['periods'] as Record<string, unknown>[] | undefined)?.map((p) => p['energyPrice'])).toEqual([30, 100, 30]);
    for (const [dialect, prices, why] of [
      [b3, { ...tariff.prices, peak: { energy: 1.123456, service: 0.8 } }, /1\.123456 .* energyPrice .* 0\.00001/],
      [priced('yuan/MWh', 0.01), tariff.prices, /unit "yuan\/MWh"/],
    ] as const) {
      const r = sgRig(dialect, { tariff: { ...tariff, prices } });
      r.up();
      r.record('billingModelRequest', { connector: 1 });
      expect(r.records('billingModel')).toEqual([]);
      expect(r.logs.some((l) => l.level === 'warn' && why.test(`${l.message} ${JSON.stringify(l.data)}`))).toBe(true);
    }
  });

  it('answers nothing without a tariff, and says so', () => {
    const r = sgRig(b3);
    r.up();
    r.record('billingModelRequest', { connector: 1 });
    expect(r.records('billingModel')).toEqual([]);
    expect(r.logs.some((l) => l.level === 'warn' && l.message.includes('no tariff'))).toBe(true);
  });
});
