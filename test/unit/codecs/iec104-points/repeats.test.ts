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
  h.send({ typeId: TI.M_ME_NB_1, cause: COT.INTERROGATED_BY_STATION, objects: [{ ioa: 0x4001, value: 0, quality: 0 }, { ioa: 0x4011, value: 0, quality: 0 }] });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
}

describe('RepeatFilter', () => {
  it('knows an exact (time, value) pair at an address again, also from a new filter on the same memory', () => {
    const memory = new Map<string, unknown>();
    const f = new RepeatFilter(() => memory);
    expect(f.repeated(1, 5, 1000, 1)).toBe(false);
    expect(f.repeated(1, 5, 1000, 1)).toBe(true);
    expect(f.repeated(1, 5, 1000, 0)).toBe(false);
    expect(f.repeated(1, 6, 1000, 1)).toBe(false);
    // An older time with a new value is an event (the charger's clock may have been set back).
    expect(f.repeated(1, 5, 500, 1)).toBe(false);
    expect(new RepeatFilter(() => memory).repeated(1, 5, 1000, 1)).toBe(true);
  });

  it('forgets the oldest pairs of an address beyond its history', () => {
    const f = new RepeatFilter(() => new Map());
    for (let t = 0; t < 9; t++) f.repeated(1, 5, t, 1);
    expect(f.repeated(1, 5, 0, 1)).toBe(false);
    expect(f.repeated(1, 5, 8, 1)).toBe(true);
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
});
