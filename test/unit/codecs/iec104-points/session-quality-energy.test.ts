/**
 * An energy register reading the charger flagged (overflow, substituted, blocked) is reported with
 * its flags when the quality policy says `mark`, but it is never a session's meter start or stop:
 * a value of doubtful quality is never billed (IEC 60870-5-101 §7.2.6.3 QDS). The session's
 * figures come from unflagged readings only, and a flagged reading does not end the wait for the
 * final one.
 */
import { describe, expect, it } from 'vitest';
import type { Iec104PointsMapping, Point } from '../../../../codecs/iec104-points/mapping.js';
import { COT, TI } from '../../../../src/iec104/index.js';
import { harness, loadExampleMapping, type Harness } from '../../../support/iec104-points.js';

const OV = 0x01;
const BL = 0x10;
const SB = 0x20;
const GUN2_STATE = 0x4011;
const GUN2_REGISTER = 0x4008;
const IDLE = 0;
const PLUGGED = 1;
const CHARGING = 2;

/** The DC example with gun 2's energy register as a short float in kWh (so that it carries a QDS). */
function floatRegisterMapping(): Iec104PointsMapping {
  const dc = loadExampleMapping('example-dc-2gun');
  const points: Point[] = dc.points.filter((p) => p.ioa !== 0x6402);
  points.push({ ti: 'M_ME_NC_1', ioa: GUN2_REGISTER, connector: 2, signal: 'measurand', measurand: 'energy', unit: 'kWh', label: 'gun 2 register (float)' });
  return { ...dc, points };
}

function connected(h: Harness): void {
  h.session.start();
  h.startdtCon();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_ME_NB_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x4001, value: IDLE, quality: 0 },
      { ioa: GUN2_STATE, value: PLUGGED, quality: 0 },
    ],
  });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
}

const register = (h: Harness, kWh: number, quality = 0): void => h.send({ typeId: TI.M_ME_NC_1, cause: COT.SPONTANEOUS, objects: [{ ioa: GUN2_REGISTER, value: kWh, quality }] });
const gun2 = (h: Harness, state: number): void => h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, objects: [{ ioa: GUN2_STATE, value: state, quality: 0 }] });

describe('iec104-points session: flagged energy readings', () => {
  it('reports them marked but never makes them a meter start or stop', () => {
    const h = harness(floatRegisterMapping());
    connected(h);
    register(h, 200);
    register(h, 210, SB);
    gun2(h, CHARGING);
    expect(h.of('sessionStarted')).toMatchObject([{ connector: 2, meterStartWh: 200_000 }]);

    register(h, 230);
    register(h, 240, BL);
    gun2(h, PLUGGED);
    // Charging stopped: the end waits for a final reading; an overflowing one is not it.
    register(h, 900, OV);
    expect(h.of('sessionEnded')).toEqual([]);
    register(h, 241);
    expect(h.of('sessionEnded')).toMatchObject([{ connector: 2, meterStopWh: 241_000 }]);

    const energy = h.of('measurements').flatMap((m) => m.values.filter((v) => v.measurand === 'energy').map((v) => [v.value, v.quality]));
    expect(energy).toEqual([
      [200_000, undefined],
      [210_000, ['substituted']],
      [230_000, undefined],
      [240_000, ['blocked']],
      [900_000, ['overflow']],
      [241_000, undefined],
    ]);
  });

  it('ends a session whose last reading is flagged with the last unflagged one after the wait', () => {
    const h = harness(floatRegisterMapping());
    connected(h);
    register(h, 200);
    gun2(h, CHARGING);
    register(h, 220);
    gun2(h, PLUGGED);
    register(h, 250, SB);
    h.clock.advance(10_000);
    expect(h.of('sessionEnded')).toMatchObject([{ connector: 2, meterStopWh: 220_000 }]);
  });
});
