/** Time-tagged objects resent after a reconnect (issue 12, point 9), in the codec session. */
import { describe, expect, it } from 'vitest';
import { RepeatFilter } from '../../../../codecs/iec104-points/repeats.js';
import { COT, cp56FromDate, TI } from '../../../../src/iec104/index.js';
import { harness, loadExampleMapping, START, type Harness } from '../../../support/iec104-points.js';

const dc = loadExampleMapping('example-dc-2gun');

function connected(h: Harness): void {
  h.session.start();
  h.startdtCon();
  h.take();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_ME_NB_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x4001, value: 0, quality: 0 },
      { ioa: 0x4011, value: 0, quality: 0 },
    ],
  });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_IT_NA_1,
    cause: COT.REQUESTED_BY_GENERAL_COUNTER,
    objects: [0x6401, 0x6402].map((ioa) => ({ ioa, value: 10_000, sequence: 0, carry: false, adjusted: false, invalid: false })),
  });
}

describe('RepeatFilter', () => {
  it('knows an exact (time, value) pair at an address again on a new filter (connection) on the same memory', () => {
    const memory = new Map<string, unknown>();
    const f = new RepeatFilter(() => memory, 'EXDC7');
    expect(f.repeated(1, 5, 1000, 1)).toBe(false);
    expect(f.repeated(1, 5, 1000, 0)).toBe(false);
    expect(f.repeated(1, 6, 1000, 1)).toBe(false);
    const next = new RepeatFilter(() => memory, 'EXDC7');
    expect(next.repeated(1, 5, 1000, 1)).toBe(true);
    expect(next.repeated(1, 5, 1000, 0)).toBe(true);
    expect(next.repeated(1, 5, 1000, 2)).toBe(false);
    // An older time with a new value is an event (the charger's clock may have been set back).
    expect(next.repeated(1, 5, 500, 1)).toBe(false);
    // A third connection still knows what the first saw.
    expect(new RepeatFilter(() => memory, 'EXDC7').repeated(1, 6, 1000, 1)).toBe(true);
  });

  it('never finds a repeat within one filter (connection): the link rules those out', () => {
    const f = new RepeatFilter(() => new Map(), 'EXDC7');
    expect([f.repeated(1, 5, 1000, 1), f.repeated(1, 5, 1000, 2), f.repeated(1, 5, 1000, 1)]).toEqual([false, false, false]);
  });

  it('forgets the oldest pairs of an address beyond its history', () => {
    const memory = new Map<string, unknown>();
    const f = new RepeatFilter(() => memory, 'EXDC7');
    for (let t = 0; t < 9; t++) f.repeated(1, 5, t, 1);
    const next = new RepeatFilter(() => memory, 'EXDC7');
    expect(next.repeated(1, 5, 0, 1)).toBe(false);
    expect(next.repeated(1, 5, 8, 1)).toBe(true);
  });
});

describe('iec104-points session: time-tagged objects resent on a new connection', () => {
  it('raises a fault and starts a session once across two connections of one charger', () => {
    const memory = new Map<string, unknown>();
    const memoryOf = (id: string): Map<string, unknown> => {
      expect(id).toBe('EXDC7');
      return memory;
    };
    const time = cp56FromDate(new Date(START - 30_000), 'Asia/Shanghai');
    const frames = (h: Harness): void => {
      h.send({ typeId: TI.M_SP_TB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x0002, value: true, quality: 0, time }] });
      h.send({ typeId: TI.M_ME_TE_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4011, value: 2, quality: 0, time }] });
    };
    const first = harness(dc, 7, { memoryOf });
    connected(first);
    frames(first);
    expect(first.of('fault')).toHaveLength(1);
    expect(first.of('sessionStarted')).toHaveLength(1);

    const second = harness(dc, 7, { memoryOf });
    connected(second);
    frames(second);
    expect(second.of('fault')).toEqual([]);
    expect(second.of('sessionStarted')).toEqual([]);
    expect(second.ignored).toEqual(['repeat', 'repeat']);
  });

  it('never takes an object of the same connection for a repeat: a state back to where it was within one time tag is a change', () => {
    // A charger whose time tags have whole seconds: a start that fails at once goes 1 -> 2 -> 1 in one second.
    const memory = new Map<string, unknown>();
    const time = cp56FromDate(new Date(START - 30_000), 'Asia/Shanghai');
    const h = harness(dc, 7, { memoryOf: () => memory });
    connected(h);
    for (const state of [1, 2, 1]) h.send({ typeId: TI.M_ME_TE_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x4011, value: state, quality: 0, time }] });
    h.send({ typeId: TI.M_IT_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 0x6402, value: 20_000, sequence: 0, carry: false, adjusted: false, invalid: false }] });
    expect(
      h
        .of('connectorStatus')
        .filter((e) => e.connector === 2)
        .map((e) => e.chargingState),
    ).toEqual(['idle', 'evConnected', 'charging', 'evConnected']);
    expect(h.of('sessionStarted')).toHaveLength(1);
    expect(h.of('sessionEnded')).toHaveLength(1);
    expect(h.ignored).toEqual([]);
  });
});
