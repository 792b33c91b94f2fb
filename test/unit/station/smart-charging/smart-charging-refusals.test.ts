/**
 * Smart charging when the charger does not take a limit (issue 12, points 2 and 4): a profile is
 * installed or cleared only once the charger confirmed the limit change; where a limit goes
 * (connector 0 or the EVSEs) follows what the charger can take.
 */
import { describe, expect, it } from 'vitest';
import { OcppError } from '../../../../src/ocpp/errors.js';
import { validateResponse } from '../../../../src/ocpp/schemas.js';
import { PROFILES_KEY } from '../../../../src/station/smart-charging/smart-charging.js';
import { HOUR, set, station, T0 } from './smart-charging-harness.js';

/** Lets queued microtasks and immediates run (the block's chain, the charger's answers). */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('a limit the charger refuses', () => {
  it('SetChargingProfile: Rejected with the charger words, nothing installed or stored, the connector that took it put back', async () => {
    let refuse = false;
    const { sc, store, limits } = await station({}, {}, undefined, (c) => (refuse && c.connector === 1 ? 'rejected' : 'accepted'));
    expect(await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 11_000]] }))).toEqual({ status: 'Accepted' });
    refuse = true;
    const r = await sc.setChargingProfile(set(0, { id: 2, purpose: 'ChargingStationMaxProfile', stackLevel: 1, periods: [[0, 9_000]] }));
    expect(validateResponse('SetChargingProfile', r)).toBeUndefined();
    expect(r).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' } });
    expect(sc.installed().map((e) => e.profile.id)).toEqual([1]);
    expect(((await store.get('CS-1', PROFILES_KEY)) as unknown as unknown[]).length).toBe(1);
    expect(limits).toEqual(['08:00 c1 11000W', '08:00 c2 11000W', '08:00 c1 9000W', '08:00 c2 9000W', '08:00 c2 11000W']);
  });

  it('SetChargingProfile without an answer: Rejected Timeout once OCPPCommCtrlr.ChargerCommandTimeout (10 s) is over', async () => {
    const { sc, clock, limits } = await station({}, {}, undefined, () => undefined);
    const answer = sc.setChargingProfile(set(1, { id: 1, periods: [[0, 5_000]] }));
    await flush();
    expect(limits).toEqual(['08:00 c1 5000W']);
    clock.advance(10_000);
    expect(await answer).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout', additionalInfo: 'no answer from the charger within 10 s' } });
    expect(sc.installed()).toEqual([]);
  });

  it('ClearChargingProfile whose lift is refused: a GenericError CALLERROR with the reason, the profile stays', async () => {
    let refuse = false;
    const { sc, limits } = await station({}, {}, undefined, () => (refuse ? 'rejected' : 'accepted'));
    await sc.setChargingProfile(set(2, { id: 1, periods: [[0, 6_000]] }));
    refuse = true;
    const error = await sc.clearChargingProfile({ chargingProfileId: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OcppError);
    expect(error).toMatchObject({ code: 'GenericError', details: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' } });
    expect(sc.installed().map((e) => e.profile.id)).toEqual([1]);
    expect(limits).toEqual(['08:00 c2 6000W', '08:00 c2 22000W']);
  });

  it('ClearChargingProfile when nothing is known to lift the limit with: a GenericError saying so, the profile stays', async () => {
    const { sc, limits } = await station({ maxPowerW: undefined });
    await sc.setChargingProfile(set(1, { id: 1, periods: [[0, 6_000]] }));
    await expect(sc.clearChargingProfile({})).rejects.toMatchObject({
      code: 'GenericError',
      details: { reasonCode: 'NotSupported', additionalInfo: expect.stringContaining('maximum for connector 1 is unknown') },
    });
    expect(sc.installed().map((e) => e.profile.id)).toEqual([1]);
    expect(limits).toEqual(['08:00 c1 6000W']);
  });

  it('a profile that needs no command now is installed without the charger; its later refusal is logged', async () => {
    const { sc, advance, limits } = await station({}, {}, undefined, () => 'rejected');
    expect(await sc.setChargingProfile(set(1, { id: 1, start: T0 + HOUR, periods: [[0, 7_000]] }))).toEqual({ status: 'Accepted' });
    expect(limits).toEqual([]);
    await advance(HOUR);
    expect(limits).toEqual(['09:00 c1 7000W']);
    expect(sc.installed().map((e) => e.profile.id)).toEqual([1]);
  });
});

describe('where a limit goes', () => {
  const whole = { units: new Set(['W'] as const), maximum: { value: 60_000, unit: 'W' as const } };

  it('a one-connector charger limited only as a whole: its EVSE limit (with the station one) goes to connector 0, lifted with its maximum', async () => {
    const { sc, limits } = await station({ connectorCount: 1, limitTargets: new Map([[0, whole]]) });
    expect(await sc.setChargingProfile(set(1, { id: 1, periods: [[0, 30_000]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.setChargingProfile(set(0, { id: 2, purpose: 'ChargingStationMaxProfile', periods: [[0, 20_000]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.clearChargingProfile({})).toEqual({ status: 'Accepted' });
    expect(limits).toEqual(['08:00 c0 30000W', '08:00 c0 20000W', '08:00 c0 60000W']);
  });

  it('a two-connector charger limited only as a whole: the station maximum goes to connector 0, an EVSE limit is NotSupported', async () => {
    const { sc, limits } = await station({ limitTargets: new Map([[0, whole]]) });
    expect(await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 30_000]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.setChargingProfile(set(2, { id: 2, periods: [[0, 10_000]] }))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
    expect(await sc.setChargingProfile(set(0, { id: 3, periods: [[0, 10_000]] }))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
    expect(limits).toEqual(['08:00 c0 30000W']);
  });

  it('a 64-gun charger limited only as a whole: the NotSupported answer for every EVSE stays within the schema (additionalInfo ≤ 512)', async () => {
    const { sc } = await station({ connectorCount: 64, limitTargets: new Map([[0, whole]]) });
    const r = await sc.setChargingProfile(set(0, { id: 1, periods: [[0, 10_000]] }));
    expect(validateResponse('SetChargingProfile', r)).toBeUndefined();
    expect(r).toEqual({
      status: 'Rejected',
      statusInfo: { reasonCode: 'NotSupported', additionalInfo: 'the charger takes no limit for any EVSE: only for the whole charger (ChargingStationMaxProfile)' },
    });
  });

  it('a DC charger with a W setpoint for the whole and A setpoints per gun: each limit in the unit its setpoint takes', async () => {
    const caps = {
      currentType: 'DC' as const,
      limitUnits: new Set(['W', 'A'] as const),
      limitTargets: new Map([
        [0, { units: new Set(['W'] as const), maximum: { value: 120_000, unit: 'W' as const } }],
        [1, { units: new Set(['A'] as const), maximum: { value: 250, unit: 'A' as const } }],
        [2, { units: new Set(['A'] as const) }],
      ]),
    };
    const { sc, limits } = await station(caps);
    expect(await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 60_000]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.setChargingProfile(set(1, { id: 2, unit: 'A', periods: [[0, 100]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.setChargingProfile(set(2, { id: 3, periods: [[0, 50_000]] }))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit' } });
    expect(await sc.clearChargingProfile({ chargingProfileId: 2 })).toEqual({ status: 'Accepted' });
    expect(await sc.clearChargingProfile({ chargingProfileId: 1 })).toEqual({ status: 'Accepted' });
    expect(limits).toEqual(['08:00 c0 60000W', '08:00 c1 100A', '08:00 c1 250A', '08:00 c0 120000W']);
  });
});
