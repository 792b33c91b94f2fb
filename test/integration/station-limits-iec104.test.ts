/**
 * Charging limits on an IEC 104 charger (issue 12, points 2 and 4): the whole gateway over real
 * TCP with the DC example mapping (charger power setpoint C_SE_NB_1 at 0x6201 in 0.1 kW, per-gun
 * current setpoints C_SE_NC_1 at 0x6202/0x6203 in A), a hand-written controlled station as the
 * charger and ocpp-rpc's strict RPCServer as the CSMS. A profile is installed or cleared only once
 * the charger confirmed the limit it changes; a cleared limit is lifted with the charger's maximum.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandReply, ControlledStation } from '../support/controlled-station.js';
import { controlledCharger, startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

/** C_SE_NB_1 and C_SE_NC_1 (IEC 60870-5-101 §7.3.2.5, §7.3.2.6). */
const C_SE_NB_1 = 49;
const C_SE_NC_1 = 50;

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  const failures = h?.csms.strictFailures ?? [];
  await h?.close();
  h = peer = undefined;
  expect(failures).toEqual([]);
});

type Purpose = 'ChargingStationMaxProfile' | 'TxDefaultProfile';

function setProfile(id: number, evseId: number, purpose: Purpose, unit: 'A' | 'W', limit: number): Record<string, unknown> {
  return {
    evseId,
    chargingProfile: {
      id,
      stackLevel: 0,
      chargingProfilePurpose: purpose,
      chargingProfileKind: 'Absolute',
      chargingSchedule: [{ id: 1, startSchedule: new Date(Date.now() - 60_000).toISOString(), chargingRateUnit: unit, chargingSchedulePeriod: [{ startPeriod: 0, limit }] }],
    },
  };
}

/** A booted station whose charger answers every command with `reply()`; `setpoints()` lists what it was sent, "TI@IOA=value". */
async function charger(reply: () => CommandReply, ca: number): Promise<{ client: RPCClient; setpoints: () => string[] }> {
  h = await startGatewayHarness([], { stationDefaults: { 'OCPPCommCtrlr.ChargerCommandTimeout': '1' } });
  const c = await controlledCharger(h, ca, () => reply());
  peer = c.peer;
  const p = c.peer;
  const setpoints = (): string[] =>
    p.controlCommands().flatMap((x) => {
      if (x.ti === C_SE_NB_1) return [`C_SE_NB_1@0x${x.ioa.toString(16)}=${x.asdu.readInt16LE(9)}`];
      if (x.ti === C_SE_NC_1) return [`C_SE_NC_1@0x${x.ioa.toString(16)}=${x.asdu.readFloatLE(9)}`];
      return [];
    });
  return { client: c.client, setpoints };
}

const profiles = async (client: RPCClient): Promise<unknown> => ((await client.call('GetChargingProfiles', { requestId: 1, chargingProfile: {} })) as { status: string }).status;

describe('limits that reach the charger', () => {
  it('a ChargingStationMaxProfile in W goes to the connector-0 power setpoint; clearing it sends the charger maximum (120 kW)', async () => {
    const { client, setpoints } = await charger(() => 'confirm', 31);
    expect(await client.call('SetChargingProfile', setProfile(1, 0, 'ChargingStationMaxProfile', 'W', 60_000))).toEqual({ status: 'Accepted' });
    expect(setpoints()).toEqual(['C_SE_NB_1@0x6201=600']);
    expect(await client.call('ClearChargingProfile', { chargingProfileId: 1 })).toEqual({ status: 'Accepted' });
    expect(setpoints()).toEqual(['C_SE_NB_1@0x6201=600', 'C_SE_NB_1@0x6201=1200']);
    expect(await profiles(client)).toBe('NoProfiles');
  }, 30_000);

  it('an amp limit on EVSE 2 goes to its current setpoint; clearing it sends the gun maximum current (250 A)', async () => {
    const { client, setpoints } = await charger(() => 'confirm', 32);
    expect(await client.call('SetChargingProfile', setProfile(2, 2, 'TxDefaultProfile', 'A', 100))).toEqual({ status: 'Accepted' });
    expect(setpoints()).toEqual(['C_SE_NC_1@0x6203=100']);
    expect(await client.call('ClearChargingProfile', { chargingProfileCriteria: { evseId: 2 } })).toEqual({ status: 'Accepted' });
    expect(setpoints()).toEqual(['C_SE_NC_1@0x6203=100', 'C_SE_NC_1@0x6203=250']);
  }, 30_000);

  it('a W profile for an EVSE whose setpoint takes A (DC, no voltage to convert with) is Rejected before anything is sent', async () => {
    const { client, setpoints } = await charger(() => 'confirm', 33);
    expect(await client.call('SetChargingProfile', setProfile(3, 1, 'TxDefaultProfile', 'W', 50_000))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'UnsupportedRateUnit' } });
    expect(setpoints()).toEqual([]);
  }, 30_000);
});

describe('limits the charger refuses', () => {
  it('SetChargingProfile refused or unanswered: Rejected, nothing installed', async () => {
    let reply: CommandReply = 'refuse';
    const { client, setpoints } = await charger(() => reply, 34);
    expect(await client.call('SetChargingProfile', setProfile(1, 0, 'ChargingStationMaxProfile', 'W', 60_000))).toEqual({
      status: 'Rejected',
      statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' },
    });
    expect(await profiles(client)).toBe('NoProfiles');
    reply = 'silent';
    expect(await client.call('SetChargingProfile', setProfile(2, 2, 'TxDefaultProfile', 'A', 80))).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    expect(await profiles(client)).toBe('NoProfiles');
    expect(setpoints()).toEqual(['C_SE_NB_1@0x6201=600', 'C_SE_NC_1@0x6203=80']);
  }, 30_000);

  it('ClearChargingProfile whose lift the charger refuses: a CALLERROR naming the refusal, the profile stays', async () => {
    let reply: CommandReply = 'confirm';
    const { client, setpoints } = await charger(() => reply, 35);
    expect(await client.call('SetChargingProfile', setProfile(1, 0, 'ChargingStationMaxProfile', 'W', 60_000))).toEqual({ status: 'Accepted' });
    reply = 'refuse';
    await expect(client.call('ClearChargingProfile', { chargingProfileId: 1 })).rejects.toMatchObject({
      rpcErrorCode: 'GenericError',
      details: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' },
    });
    expect(setpoints()).toEqual(['C_SE_NB_1@0x6201=600', 'C_SE_NB_1@0x6201=1200']);
    expect(await profiles(client)).toBe('Accepted');
  }, 30_000);
});
