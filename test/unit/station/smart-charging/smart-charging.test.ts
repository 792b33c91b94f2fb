import { describe, expect, it } from 'vitest';
import { validateRequest, validateResponse } from '../../../../src/ocpp/schemas.js';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import type { ChargingProfile } from '../../../../src/station/smart-charging/composite-schedule.js';
import { PROFILES_KEY } from '../../../../src/station/smart-charging/smart-charging.js';
import { HOUR, iso, MIN, set, station, T0 } from './smart-charging-harness.js';

describe('SetChargingProfile', () => {
  it('is Rejected when the charger cannot be limited, and nothing is stored or sent', async () => {
    const { sc, store, limits } = await station({ limitUnits: new Set(), commands: new Set(['startCharging']) });
    expect(await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 5_000]] }))).toEqual({
      status: 'Rejected',
      statusInfo: { reasonCode: 'NotSupported', additionalInfo: 'the charger takes no power or current limit' },
    });
    expect(sc.getCompositeSchedule({ evseId: 1, duration: 600 })).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
    expect(await store.get('CS-1', PROFILES_KEY)).toBeUndefined();
    expect(limits).toEqual([]);
  });

  it('rejects what the station cannot or must not install, with a reasonCode', async () => {
    const { sc, limits } = await station();
    const reason = async (req: RequestOf<'SetChargingProfile'>): Promise<string | undefined> => {
      const r = await sc.setChargingProfile(req);
      expect(validateResponse('SetChargingProfile', r)).toBeUndefined();
      return r.status === 'Rejected' ? r.statusInfo?.reasonCode : 'Accepted';
    };
    expect(await reason(set(1, { id: 1, unit: 'A', periods: [[0, 16]] }))).toBe('UnsupportedRateUnit');
    expect(await reason(set(1, { id: 2, purpose: 'TxProfile', transactionId: 'tx-1', periods: [[0, 5_000]] }))).toBe('TxNotFound');
    expect(await reason(set(1, { id: 3, purpose: 'TxProfile', periods: [[0, 5_000]] }))).toBe('MissingParam');
    expect(await reason(set(3, { id: 4, periods: [[0, 5_000]] }))).toBe('UnknownEvse');
    expect(await reason(set(0, { id: 5, purpose: 'ChargingStationExternalConstraints', periods: [[0, 5_000]] }))).toBe('InvalidValue');
    expect(await reason(set(1, { id: 6, purpose: 'ChargingStationMaxProfile', periods: [[0, 5_000]] }))).toBe('InvalidValue');
    expect(await reason(set(1, { id: 7, stackLevel: 9, periods: [[0, 5_000]] }))).toBe('InvalidStackLevel');
    expect(await reason(set(1, { id: 8, periods: [[10, 5_000]] }))).toBe('InvalidSchedule');
    expect(
      await reason(
        set(1, {
          id: 9,
          periods: [
            [0, 5_000],
            [0, 4_000],
          ],
        }),
      ),
    ).toBe('InvalidSchedule');
    expect(await reason(set(1, { id: 10, kind: 'Recurring', periods: [[0, 5_000]] }))).toBe('InvalidSchedule');
    expect(sc.installed()).toEqual([]);
    expect(limits).toEqual([]);
  });

  it('replaces a profile with the same id (K01.FR.05); refuses another one with the same purpose, stackLevel and EVSE over an overlapping validity (K01.FR.06)', async () => {
    const { sc, store, dm } = await station();
    expect(await sc.setChargingProfile(set(1, { id: 1, stackLevel: 2, validTo: T0 + HOUR, periods: [[0, 5_000]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.setChargingProfile(set(1, { id: 1, stackLevel: 2, validTo: T0 + HOUR, periods: [[0, 6_000]] }))).toEqual({ status: 'Accepted' });
    expect((await sc.setChargingProfile(set(1, { id: 2, stackLevel: 2, periods: [[0, 7_000]] }))).statusInfo?.reasonCode).toBe('DuplicateProfile');
    // Same level on another EVSE, or after the first one's validity: fine.
    expect(await sc.setChargingProfile(set(2, { id: 3, stackLevel: 2, periods: [[0, 7_000]] }))).toEqual({ status: 'Accepted' });
    expect(await sc.setChargingProfile(set(1, { id: 4, stackLevel: 2, validFrom: T0 + HOUR, periods: [[0, 7_000]] }))).toEqual({ status: 'Accepted' });
    const stored = (await store.get('CS-1', PROFILES_KEY)) as unknown as { evseId: number; profile: ChargingProfile }[];
    expect(stored.map((e) => [e.evseId, e.profile.id, e.profile.chargingSchedule[0]?.chargingSchedulePeriod[0]?.limit])).toEqual([
      [1, 1, 6_000],
      [2, 3, 7_000],
      [1, 4, 7_000],
    ]);
    expect(dm.getNumber('SmartChargingCtrlr', 'Entries', { instance: 'ChargingProfiles' })).toBe(3);
  });
});

describe('setLimit commands', () => {
  it('one command per EVSE at each change of the effective limit, with until = end of the period; none when a limit just runs out', async () => {
    const { sc, advance, limits } = await station();
    await sc.setChargingProfile(
      set(0, {
        id: 1,
        purpose: 'ChargingStationMaxProfile',
        duration: 7200,
        periods: [
          [0, 11_000],
          [3600, 7_000],
        ],
      }),
    );
    expect(limits).toEqual(['08:00 c1 11000W until 09:00', '08:00 c2 11000W until 09:00']);
    await advance(HOUR);
    await advance(HOUR);
    await advance(24 * HOUR);
    expect(limits).toEqual(['08:00 c1 11000W until 09:00', '08:00 c2 11000W until 09:00', '09:00 c1 7000W until 10:00', '09:00 c2 7000W until 10:00']);
  });

  it('sends nothing when a change leaves the effective limit as it is', async () => {
    const { sc, advance, limits } = await station();
    await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 9_000]] }));
    // Above the station maximum: the EVSE limit stays 9 000 W.
    await sc.setChargingProfile(set(1, { id: 2, periods: [[0, 20_000]] }));
    // A period boundary where the limit does not change.
    await sc.setChargingProfile(
      set(2, {
        id: 3,
        periods: [
          [0, 9_500],
          [1800, 12_000],
        ],
      }),
    );
    sc.transactionStarted(1, 'tx-1');
    await advance(2 * HOUR);
    expect(limits).toEqual(['08:00 c1 9000W', '08:00 c2 9000W']);
  });

  it('a TxProfile applies during its transaction and is dropped when it ends', async () => {
    const { sc, advance, limits, calls } = await station();
    await sc.setChargingProfile(set(1, { id: 1, periods: [[0, 10_000]] }));
    sc.transactionStarted(1, 'tx-1');
    await advance(5 * MIN);
    expect(
      await sc.setChargingProfile(
        set(1, {
          id: 2,
          purpose: 'TxProfile',
          transactionId: 'tx-1',
          kind: 'Relative',
          periods: [
            [0, 6_000],
            [1200, 8_000],
          ],
        }),
      ),
    ).toEqual({ status: 'Accepted' });
    // Period boundaries one at a time: each limit change is answered before the clock moves on.
    await advance(15 * MIN);
    await advance(15 * MIN);
    await sc.transactionEnded(1);
    expect(sc.installed().map((e) => e.profile.id)).toEqual([1]);
    // Clearing the last profile lifts the limit: the charger gets its nameplate maximum.
    expect(await sc.clearChargingProfile({ chargingProfileId: 1 })).toEqual({ status: 'Accepted' });
    expect(await sc.clearChargingProfile({ chargingProfileId: 1 })).toEqual({ status: 'Unknown' });
    expect(limits).toEqual(['08:00 c1 10000W', '08:05 c1 6000W until 08:20', '08:20 c1 8000W', '08:35 c1 10000W', '08:35 c1 22000W']);
    expect(sc.getChargingProfiles({ requestId: 1, chargingProfile: { chargingProfilePurpose: 'TxProfile' } }).response).toEqual({ status: 'NoProfiles' });
    expect(calls).toEqual([]);
  });

  it('uses a unit the charger takes, converting the lift value (230 V, 3 phases)', async () => {
    const { sc, limits } = await station({ limitUnits: new Set(['A']), maxPowerW: 22_080 });
    await sc.setChargingProfile(set(1, { id: 1, unit: 'A', periods: [[0, 16]] }));
    await sc.clearChargingProfile({});
    expect(limits).toEqual(['08:00 c1 16A', '08:00 c1 32A']);
  });

  it('with both units, sends the unit of the profile that sets the limit', async () => {
    const { sc, advance, limits } = await station({ limitUnits: new Set(['A', 'W']) });
    await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 10_000]] }));
    await sc.setChargingProfile(
      set(1, {
        id: 2,
        unit: 'A',
        periods: [
          [0, 16],
          [600, 16, 1],
        ],
      }),
    );
    // 16 A × 3 × 230 V = 11 040 W: the station maximum still sets EVSE 1's limit, until 08:10 (the end of its period).
    expect(limits).toEqual(['08:00 c1 10000W', '08:00 c2 10000W', '08:00 c1 10000W until 08:10']);
    // Then 16 A on one phase = 3 680 W: the TxDefaultProfile sets it, in its own unit.
    await advance(10 * MIN);
    expect(limits.slice(3)).toEqual(['08:10 c1 16A']);
  });

  it('a charger with a connector-0 limit gets the station maximum there and only EVSE limits at the EVSEs', async () => {
    const W = { units: new Set(['W'] as const) };
    const { sc, limits } = await station({
      limitTargets: new Map([
        [0, W],
        [1, W],
        [2, W],
      ]),
    });
    await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 15_000]] }));
    await sc.setChargingProfile(set(2, { id: 2, periods: [[0, 20_000]] }));
    expect(limits).toEqual(['08:00 c0 15000W', '08:00 c2 20000W']);
  });

  it('restores profiles from the store and resends after a reconnection; dispose stops the timers', async () => {
    const first = await station();
    await first.sc.setChargingProfile(
      set(0, {
        id: 1,
        purpose: 'ChargingStationMaxProfile',
        periods: [
          [0, 11_000],
          [3600, 7_000],
        ],
      }),
    );
    first.sc.dispose();
    expect(first.clock.pending).toBe(0);
    const again = await station({}, {}, first.store);
    expect(again.sc.installed().map((e) => e.profile.id)).toEqual([1]);
    again.sc.resync();
    await again.sc.settled();
    await again.advance(HOUR);
    expect(again.limits).toEqual(['08:00 c1 11000W until 09:00', '08:00 c2 11000W until 09:00', '08:00 c1 11000W until 09:00', '08:00 c2 11000W until 09:00', '09:00 c1 7000W', '09:00 c2 7000W']);
  });
});

describe('GetChargingProfiles, ClearChargingProfile, GetCompositeSchedule', () => {
  it('reports matching profiles per EVSE after the answer, tbc on all but the last', async () => {
    const { sc, calls } = await station();
    await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', periods: [[0, 11_000]] }));
    await sc.setChargingProfile(set(2, { id: 2, periods: [[0, 7_000]] }));
    await sc.setChargingProfile(set(1, { id: 3, periods: [[0, 7_000]] }));
    const { response, after } = sc.getChargingProfiles({ requestId: 42, chargingProfile: {} });
    expect(response).toEqual({ status: 'Accepted' });
    expect(calls).toEqual([]);
    await after();
    expect(calls.map(([action, p]) => [action, (p as { evseId: number }).evseId, (p as { tbc?: boolean }).tbc])).toEqual([
      ['ReportChargingProfiles', 0, true],
      ['ReportChargingProfiles', 1, true],
      ['ReportChargingProfiles', 2, undefined],
    ]);
    for (const [action, p] of calls) expect(validateRequest(action, p)).toBeUndefined();
    expect(sc.getChargingProfiles({ requestId: 43, evseId: 1, chargingProfile: { chargingProfileId: [2] } }).response.status).toBe('NoProfiles');
    expect(sc.getChargingProfiles({ requestId: 44, chargingProfile: { chargingLimitSource: ['EMS'] } }).response.status).toBe('NoProfiles');
    // Clear by criteria: every TxDefaultProfile.
    expect(await sc.clearChargingProfile({ chargingProfileCriteria: { chargingProfilePurpose: 'TxDefaultProfile' } })).toEqual({ status: 'Accepted' });
    expect(sc.installed().map((e) => e.profile.id)).toEqual([1]);
  });

  it('answers the composite schedule from now, or Rejected for an unknown EVSE or a unit the charger does not take', async () => {
    const { sc, clock } = await station();
    await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', start: T0 + HOUR, duration: 3600, periods: [[0, 11_000]] }));
    clock.advance(30 * MIN);
    const r = sc.getCompositeSchedule({ evseId: 1, duration: 7200 });
    expect(validateResponse('GetCompositeSchedule', r)).toBeUndefined();
    expect(r).toEqual({
      status: 'Accepted',
      schedule: {
        evseId: 1,
        duration: 7200,
        scheduleStart: iso(T0 + 30 * MIN),
        chargingRateUnit: 'W',
        chargingSchedulePeriod: [
          { startPeriod: 0, limit: 22_000 },
          { startPeriod: 1800, limit: 11_000 },
          { startPeriod: 5400, limit: 22_000 },
        ],
      },
    });
    expect(sc.getCompositeSchedule({ evseId: 3, duration: 60 })).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'UnknownEvse' } });
    expect(sc.getCompositeSchedule({ evseId: 1, duration: 60, chargingRateUnit: 'A' })).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit' } });
  });

  it('DC without a voltage: refuses to mix A and W (docs/protocols/ocpp.md §6 #17)', async () => {
    const { sc } = await station({ currentType: 'DC', limitUnits: new Set(['A', 'W']), maxPowerW: 60_000 });
    expect(await sc.setChargingProfile(set(0, { id: 1, purpose: 'ChargingStationMaxProfile', unit: 'A', periods: [[0, 100]] }))).toEqual({ status: 'Accepted' });
    expect((await sc.setChargingProfile(set(1, { id: 2, unit: 'W', periods: [[0, 30_000]] }))).statusInfo?.reasonCode).toBe('UnsupportedRateUnit');
    expect(sc.getCompositeSchedule({ evseId: 0, duration: 60, chargingRateUnit: 'W' }).statusInfo?.reasonCode).toBe('UnsupportedRateUnit');
    expect(sc.getCompositeSchedule({ evseId: 0, duration: 60, chargingRateUnit: 'A' }).schedule?.chargingSchedulePeriod).toEqual([{ startPeriod: 0, limit: 100 }]);
  });
});
