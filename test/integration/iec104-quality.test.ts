/**
 * Issue 12, point 7: the quality descriptor of a value (IEC 60870-5-101 §7.2.6.3 QDS, §7.2.6.1 SIQ:
 * OV, BL, SB, NT, IV) decides whether it is used. A value flagged invalid (IV) or not topical (NT)
 * never becomes an energy reading nor a transaction's meter start or stop; overflow, substituted and
 * blocked values are reported with their flags. Real TCP, controlled station, the DC example with
 * gun 2's register as a short float (so that it can carry NT).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Iec104PointsMapping, Point } from '../../codecs/iec104-points/mapping.js';
import type { CodecHost } from '../support/codec-host.js';
import { bcr, buildAsdu, floatQds, svaQds, type ControlledStation } from '../support/controlled-station.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { GUN, M_IT_NA_1, M_ME_NB_1, M_ME_NC_1, M_SP_NA_1, eventsOf, hostWithPeer, sleep } from '../support/iec104-peer.js';
import { siq } from '../support/controlled-station.js';

let host: CodecHost | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await host?.close();
  host = peer = undefined;
});

const OV = 0x01;
const SB = 0x20;
const NT = 0x40;
const IV = 0x80;
const CA = 42;
const GUN2_REGISTER = 0x4008;

/** The DC example with gun 2's energy register as M_ME_NC_1 in kWh at 0x4008. */
function floatRegisterMapping(): Iec104PointsMapping {
  const dc = loadExampleMapping('example-dc-2gun');
  const points: Point[] = dc.points.filter((p) => p.ioa !== 0x6402);
  points.push({ ti: 'M_ME_NC_1', ioa: GUN2_REGISTER, connector: 2, signal: 'measurand', measurand: 'energy', unit: 'kWh', label: 'gun 2 register (float)' });
  return { ...dc, points, commandTimeoutSeconds: 5 };
}

const register2 = (kWh: number, qds = 0): Buffer => buildAsdu({ ti: M_ME_NC_1, cot: 3, ca: CA }, [{ ioa: GUN2_REGISTER, element: floatQds(kWh, qds) }]);
const gun2 = (state: number): Buffer => buildAsdu({ ti: M_ME_NB_1, cot: 3, ca: CA }, [{ ioa: 0x4011, element: svaQds(state) }]);

describe('quality descriptors', () => {
  it('never bills an invalid or not-topical value; marks overflow and substituted ones', async () => {
    const setup = await hostWithPeer(
      CA,
      {
        interrogationData: (ca) => [
          buildAsdu({ ti: M_SP_NA_1, cot: 20, ca }, [{ ioa: 0x0023, element: siq(true) }]),
          buildAsdu({ ti: M_ME_NB_1, cot: 20, ca }, [
            { ioa: 0x4001, element: svaQds(GUN.idle) },
            { ioa: 0x4011, element: svaQds(GUN.plugged) },
          ]),
          buildAsdu({ ti: M_IT_NA_1, cot: 20, ca }, [{ ioa: 0x6401, element: bcr(10_000) }]),
          buildAsdu({ ti: M_ME_NC_1, cot: 20, ca }, [{ ioa: GUN2_REGISTER, element: floatQds(200) }]),
        ],
      },
      floatRegisterMapping(),
    );
    ({ host, peer } = setup);
    const { conn } = setup;
    const p = peer;
    await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === 2);

    // Not topical, then invalid: neither is the register, nor the session's meter start.
    p.sendAsdus([register2(205, NT), register2(206, IV), buildAsdu({ ti: M_IT_NA_1, cot: 3, ca: CA }, [{ ioa: 0x6401, element: bcr(99_999, true) }])]);
    p.sendAsdus([gun2(GUN.charging)]);
    expect(await host.waitFor((e) => e.type === 'sessionStarted')).toMatchObject({ connector: 2, meterStartWh: 200_000 });

    // Substituted and overflowing values are used, and say so; a not-topical voltage is not used.
    p.sendAsdus([register2(250, SB)]);
    p.sendAsdus([
      buildAsdu({ ti: M_ME_NC_1, cot: 3, ca: CA }, [
        { ioa: 0x4012, element: floatQds(800, NT) },
        { ioa: 0x4013, element: floatQds(3.4e38, OV) },
      ]),
    ]);
    await host.waitFor((e) => e.type === 'measurements' && e.values.some((v) => v.measurand === 'current'));

    // The stop, then an invalid reading, then a good one: the good one is the meter stop.
    p.sendAsdus([gun2(GUN.plugged)]);
    await sleep(30);
    p.sendAsdus([register2(900, IV)]);
    p.sendAsdus([register2(251)]);
    expect(await host.waitFor((e) => e.type === 'sessionEnded')).toMatchObject({ connector: 2, meterStopWh: 251_000 });

    const values = eventsOf(conn, 'measurements').flatMap((m) => m.values);
    const energy = values.filter((v) => v.measurand === 'energy').map((v) => [v.value, v.quality]);
    expect(energy).toEqual([
      [100_000, undefined],
      [200_000, undefined],
      [250_000, ['substituted']],
      [251_000, undefined],
    ]);
    expect(values.filter((v) => v.measurand === 'voltage')).toEqual([]);
    expect(values.filter((v) => v.measurand === 'current').map((v) => v.quality)).toEqual([['overflow']]);
    // Each flagged point is logged once.
    const flagged = conn.logs.filter((l) => /flagged/.test(l.message));
    expect(flagged.length).toBeGreaterThanOrEqual(5);
    expect(new Set(flagged.map((l) => JSON.stringify(l.data))).size).toBe(flagged.length);
  });

  it('follows the mapping: not-topical values reported marked, substituted ones dropped', async () => {
    const mapping: Iec104PointsMapping = { ...floatRegisterMapping(), quality: { notTopical: 'mark', substituted: 'drop' } };
    const setup = await hostWithPeer(CA, {}, mapping);
    ({ host, peer } = setup);
    const { conn } = setup;
    await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === 2);
    peer.sendAsdus([
      buildAsdu({ ti: M_ME_NC_1, cot: 3, ca: CA }, [
        { ioa: 0x4012, element: floatQds(400, NT) },
        { ioa: 0x4013, element: floatQds(10, SB) },
        { ioa: GUN2_REGISTER, element: floatQds(300, NT) },
      ]),
    ]);
    await host.waitFor((e) => e.type === 'measurements' && e.values.some((v) => v.measurand === 'voltage'));
    await sleep(30);
    const values = eventsOf(conn, 'measurements').flatMap((m) => m.values);
    expect(values.filter((v) => v.measurand === 'voltage')).toEqual([{ measurand: 'voltage', value: 400, raw: 400, quality: ['notTopical'] }]);
    expect(values.filter((v) => v.measurand === 'current')).toEqual([]);
    // An energy register is never taken not topical, whatever the mapping says.
    expect(values.filter((v) => v.measurand === 'energy' && v.value === 300_000)).toEqual([]);
  });
});
