/**
 * A charger that confirms after the station stopped waiting (issue 12, point 2): the whole gateway
 * over real TCP, a hand-written IEC 104 controlled station as the charger answering a positive
 * ACT_CON 1.5 s after the command, the station waiting at most 1 s
 * (`OCPPCommCtrlr.ChargerCommandTimeout`), the codec 10 s (the mapping's commandTimeoutSeconds),
 * and ocpp-rpc's strict RPCServer as the CSMS. The CSMS is told Rejected (Timeout); then the
 * charger did it, so the station follows: the EVSE becomes Unavailable, the station reboots.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandAnswerer, ControlledStation } from '../support/controlled-station.js';
import { controlledCharger, startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  const failures = h?.csms.strictFailures ?? [];
  await h?.close();
  h = peer = undefined;
  expect(failures).toEqual([]);
});

/** A booted station whose charger answers every command as `answer` says. */
async function charger(answer: CommandAnswerer, ca: number): Promise<{ client: RPCClient; id: string }> {
  h = await startGatewayHarness([], { stationDefaults: { 'OCPPCommCtrlr.ChargerCommandTimeout': '1' } });
  const c = await controlledCharger(h, ca, answer);
  peer = c.peer;
  return { client: c.client, id: c.id };
}

const late: CommandAnswerer = () => ({ reply: 'confirm', afterMs: 1_500 });

describe('a command the charger confirms after the CSMS was told Rejected', () => {
  it('ChangeAvailability: Rejected Timeout, then the late ACT_CON makes EVSE 2 Unavailable (StatusNotification, device model)', async () => {
    const { client, id } = await charger(late, 31);
    const started = Date.now();
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    const status = await h?.csms.waitForCall((c) => c.identity === id && c.action === 'StatusNotification' && c.params.evseId === 2 && c.params.connectorStatus === 'Unavailable', 8_000);
    expect(status?.at).toBeGreaterThanOrEqual(started + 1_400);
    const state = (await client.call('GetVariables', { getVariableData: [{ component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } }] })) as {
      getVariableResult: { attributeValue?: string }[];
    };
    expect(state.getVariableResult[0]?.attributeValue).toBe('Unavailable');
    // EVSE 1 was not asked: unchanged.
    expect(h?.csms.calls.some((c) => c.identity === id && c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.connectorStatus === 'Unavailable')).toBe(false);
  }, 30_000);

  it('Reset: Rejected Timeout, then the late ACT_CON reboots the station (BootNotification RemoteReset)', async () => {
    const { client, id } = await charger(late, 32);
    expect(await client.call('Reset', { type: 'Immediate' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    await h?.csms.waitForCall((c) => c.identity === id && c.action === 'BootNotification' && c.params.reason === 'RemoteReset', 8_000);
  }, 30_000);
});
