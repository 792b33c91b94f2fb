/**
 * A connection's first word on each connector: once its state is known (the start-up general
 * interrogation) and its figures are read (the counter interrogation, bounded wait), a connector
 * is reported as a session found running, with the charger's own start figures where the point
 * table has them, or as idle, with the register as read. A session start never goes out without
 * its meter start only because the register had not been read yet on this connection.
 */
import { describe, expect, it } from 'vitest';
import { parseMapping } from '../../../../codecs/iec104-points/load-mapping.js';
import type { Iec104PointsMapping } from '../../../../codecs/iec104-points/mapping.js';
import { COT, TI } from '../../../../src/iec104/index.js';
import { asdus, harness, loadExampleMapping, START, type Harness } from '../../../support/iec104-points.js';

/** The DC example with gun 1's start figures: its register at the start (0.01 kWh) and its start time (Unix s). */
function withStartFigures(): Iec104PointsMapping {
  const dc = loadExampleMapping('example-dc-2gun');
  const points = [
    ...dc.points,
    { ti: 'M_IT_NA_1', ioa: 0x6411, connector: 1, signal: 'sessionStartEnergy', unit: 'kWh', scale: 0.01 },
    { ti: 'M_IT_NA_1', ioa: 0x6421, connector: 1, signal: 'sessionStartTime' },
  ];
  return parseMapping(JSON.stringify({ ...dc, points }), 'dc-start-figures.json');
}

const iso = (ms: number): string => new Date(ms).toISOString();
const counter = (ioa: number, value: number, invalid = false) => ({ ioa, value, sequence: 0, carry: false, adjusted: false, invalid });

/** Link up and a general interrogation answered with the guns' state codes (2 = charging, 0 = idle). */
function interrogated(h: Harness, gun1: number, gun2: number, faults: { ioa: number; on: boolean }[] = []): void {
  h.session.start();
  h.startdtCon();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_ME_NB_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x4001, value: gun1, quality: 0 },
      { ioa: 0x4011, value: gun2, quality: 0 },
    ],
  });
  if (faults.length > 0) h.send({ typeId: TI.M_SP_NA_1, cause: COT.INTERROGATED_BY_STATION, objects: faults.map((f) => ({ ioa: f.ioa, value: f.on, quality: 0 })) });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
}

/** The counter interrogation's answer. */
function counters(h: Harness, objects: ReturnType<typeof counter>[]): void {
  h.send({ typeId: TI.C_CI_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, rqt: 5, frz: 0 }] });
  h.send({ typeId: TI.M_IT_NA_1, cause: COT.REQUESTED_BY_GENERAL_COUNTER, objects });
  h.send({ typeId: TI.C_CI_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, rqt: 5, frz: 0 }] });
}

const reports = (h: Harness) => h.events.filter((e) => e.type === 'sessionStarted' || e.type === 'idleAtConnect' || e.type === 'sessionEnded');

describe('iec104-points session: a connection’s first word on each connector', () => {
  it('reports a session found running with the charger’s own start figures, and an idle connector with its register, once the counters are read', () => {
    const h = harness(withStartFigures(), 42);
    interrogated(h, 2, 0);
    // The state is known, the figures are not: nothing is reported yet.
    expect(h.of('connectorStatus').map((e) => [e.connector, e.chargingState])).toEqual([
      [1, 'charging'],
      [2, 'idle'],
    ]);
    expect(reports(h)).toEqual([]);
    h.clock.advance(200);
    counters(h, [counter(0x6401, 100_500), counter(0x6402, 20_000), counter(0x6411, 100_000), counter(0x6421, START / 1000 - 600)]);
    expect(reports(h)).toEqual([
      {
        type: 'sessionStarted',
        connector: 1,
        legacyTransactionId: 'EXDC42-1-20261125080000000',
        meterStartWh: 1_005_000,
        // Read after the session was first seen: it holds energy of this session.
        meterStartAt: iso(START + 200),
        at: iso(START),
        alreadyRunning: { startedAt: iso(START - 600_000), startWh: 1_000_000 },
      },
      { type: 'idleAtConnect', connector: 2, at: iso(START), meterWh: 200_000, meterAt: iso(START + 200), reason: 'other' },
    ]);
  });

  it('waits for the figures a few seconds at most, then reports what it knows', () => {
    const h = harness(withStartFigures(), 42);
    interrogated(h, 2, 0);
    h.clock.advance(4_999);
    expect(reports(h)).toEqual([]);
    h.clock.advance(1);
    expect(reports(h)).toEqual([
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'EXDC42-1-20261125080000000', at: iso(START), alreadyRunning: {} },
      { type: 'idleAtConnect', connector: 2, at: iso(START), reason: 'other' },
    ]);
  });

  it('never takes a flagged start figure, nor a start time of 0', () => {
    const h = harness(withStartFigures(), 42);
    interrogated(h, 2, 0);
    counters(h, [counter(0x6401, 100_500), counter(0x6402, 20_000), counter(0x6411, 100_000, true), counter(0x6421, 0)]);
    expect(h.of('sessionStarted')).toEqual([]);
    h.clock.advance(5_000);
    expect(h.of('sessionStarted')).toEqual([expect.objectContaining({ meterStartWh: 1_005_000, alreadyRunning: {} })]);
  });

  it('does not wait for a start time the charger says it has none of (0)', () => {
    const h = harness(withStartFigures(), 42);
    interrogated(h, 2, 0);
    counters(h, [counter(0x6401, 100_500), counter(0x6402, 20_000), counter(0x6411, 100_000), counter(0x6421, 0)]);
    expect(h.of('sessionStarted')).toEqual([expect.objectContaining({ meterStartWh: 1_005_000, alreadyRunning: { startWh: 1_000_000 } })]);
  });

  it('gives an idle connector the stop reason an active fault names', () => {
    const h = harness(loadExampleMapping('example-dc-2gun'), 42);
    interrogated(h, 0, 0, [{ ioa: 0x0001, on: true }]);
    counters(h, [counter(0x6401, 100_500), counter(0x6402, 20_000)]);
    expect(h.of('idleAtConnect').map((e) => [e.connector, e.reason])).toEqual([
      [1, 'emergencyStop'],
      [2, 'other'],
    ]);
  });

  it('a session started before the register was read waits for it: its start has a meter start', () => {
    const h = harness(loadExampleMapping('example-dc-2gun'), 42);
    interrogated(h, 0, 0);
    h.clock.advance(100);
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    expect(h.of('sessionStarted')).toEqual([]);
    h.clock.advance(300);
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [counter(0x6401, 100_123)] });
    expect(h.of('sessionStarted')).toEqual([
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'EXDC42-1-20261125080000100', meterStartWh: 1_001_230, meterStartAt: iso(START + 400), at: iso(START + 100) },
    ]);
    // Idle as the connection came up, charging before its register came: both are said, in order.
    expect(reports(h).map((e) => `${e.type} ${e.connector}`)).toEqual(['idleAtConnect 1', 'sessionStarted 1']);
  });

  it('a session that stops while its start waits is started, then ended', () => {
    const h = harness(loadExampleMapping('example-dc-2gun'), 42);
    interrogated(h, 0, 0);
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 1, quality: 0 }] });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [counter(0x6401, 100_123)] });
    const started = h.of('sessionStarted');
    expect(reports(h).map((e) => `${e.type} ${e.connector}`)).toEqual(['idleAtConnect 1', 'sessionStarted 1', 'sessionEnded 1']);
    expect(h.of('sessionEnded')).toEqual([expect.objectContaining({ legacyTransactionId: started[0]?.legacyTransactionId, meterStopWh: 1_001_230 })]);
  });

  it('a start waiting since the connection came up never cuts short the wait for a later end’s final reading', () => {
    const h = harness(loadExampleMapping('example-dc-2gun'), 42);
    interrogated(h, 0, 0);
    // Gun 2's register never comes: its idle report waits (5 s).
    counters(h, [counter(0x6401, 100_000)]);
    h.clock.advance(4_000);
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    expect(h.of('sessionStarted')).toEqual([expect.objectContaining({ meterStartWh: 1_000_000 })]);
    h.take();
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4001, value: 1, quality: 0 }] });
    // The end asks for the counters and waits for them on its own timer.
    expect(asdus(h.take()).map((a) => [a.typeId, a.cause])).toEqual([[TI.C_CI_NA_1, COT.ACTIVATION]]);
    h.clock.advance(1_500);
    expect(h.of('idleAtConnect').map((e) => e.connector)).toEqual([1, 2]);
    expect(h.of('sessionEnded')).toEqual([]);
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.REQUESTED_BY_GENERAL_COUNTER, objects: [counter(0x6401, 100_250)] });
    expect(h.of('sessionEnded')).toEqual([expect.objectContaining({ meterStopWh: 1_002_500 })]);
  });
});
