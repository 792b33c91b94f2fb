/**
 * What the CSMS is told when an IEC 104 charger refuses a command or does not answer (issue 12,
 * point 2): the whole gateway over real TCP, a hand-written controlled station as the charger
 * (answering ACT_CON positive, negative, or not at all) and ocpp-rpc's strict RPCServer as the
 * CSMS. The station waits for the charger's outcome, at most `OCPPCommCtrlr.ChargerCommandTimeout`
 * (1 s here), and changes its state only on a confirmation.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandReply, ControlledStation } from '../support/controlled-station.js';
import { controlledCharger, EXAMPLE_MAPPING, startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

/** C_SC_NA_1 (IEC 60870-5-101 §7.3.2.1). */
const C_SC_NA_1 = 45;

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  const failures = h?.csms.strictFailures ?? [];
  await h?.close();
  h = peer = undefined;
  expect(failures).toEqual([]);
});

/** The DC example mapping with an unlock command for gun 2 (C_SC_NA_1 at 0x6012), written to a temporary file. */
function mappingWithUnlock(): string {
  const file = join(tmpdir(), `pilegate-unlock-${process.pid}.yaml`);
  writeFileSync(file, `${readFileSync(EXAMPLE_MAPPING, 'utf8')}  - { command: unlock, connector: 2, ti: C_SC_NA_1, ioa: 0x6012, value: "on" }\n`);
  return file;
}

/** A booted station whose charger answers every command with `reply()` as it stands. */
async function charger(reply: () => CommandReply, ca: number, mapping?: string): Promise<{ client: RPCClient; id: string; commandsAt: (ioa: number) => number }> {
  h = await startGatewayHarness([], { stationDefaults: { 'OCPPCommCtrlr.ChargerCommandTimeout': '1' }, ...(mapping !== undefined ? { mapping } : {}) });
  const c = await controlledCharger(h, ca, () => reply());
  peer = c.peer;
  const p = c.peer;
  return { client: c.client, id: c.id, commandsAt: (ioa) => p.controlCommands().filter((x) => x.ti === C_SC_NA_1 && x.ioa === ioa).length };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('ChangeAvailability against an IEC 104 charger', () => {
  it('answers Rejected when the charger refuses or stays silent, keeps the EVSE Operative, and Accepted only once the charger confirmed', async () => {
    let reply: CommandReply = 'refuse';
    const { client, id, commandsAt } = await charger(() => reply, 21);
    const unavailable = (): number =>
      h?.csms.calls.filter((c) => c.identity === id && c.action === 'StatusNotification' && c.params.evseId === 2 && c.params.connectorStatus === 'Unavailable').length ?? 0;
    const evse2 = async (): Promise<unknown> =>
      (
        (await client.call('GetVariables', { getVariableData: [{ component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } }] })) as {
          getVariableResult: { attributeValue?: string }[];
        }
      ).getVariableResult[0]?.attributeValue;

    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toEqual({
      status: 'Rejected',
      statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' },
    });
    expect(commandsAt(0x6004)).toBe(1);
    expect(await evse2()).toBe('Available');

    reply = 'silent';
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    expect(commandsAt(0x6004)).toBe(2);
    expect(await evse2()).toBe('Available');
    expect(unavailable()).toBe(0);

    // The codec still waits for the silent command at 0x6004: a confirmed change goes to EVSE 1 instead.
    reply = 'confirm';
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
    await h?.csms.waitForCall((c) => c.identity === id && c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.connectorStatus === 'Unavailable');
    expect(unavailable()).toBe(0);
  }, 30_000);
});

describe('Reset against an IEC 104 charger', () => {
  it('a refused or unanswered reset is Rejected and the station does not boot again; a confirmed one boots with RemoteReset', async () => {
    let reply: CommandReply = 'refuse';
    const { client, id, commandsAt } = await charger(() => reply, 22);
    const boots = (): number => h?.csms.calls.filter((c) => c.identity === id && c.action === 'BootNotification').length ?? 0;
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' } });
    expect(commandsAt(0x6010)).toBe(1);
    reply = 'silent';
    expect(await client.call('Reset', { type: 'OnIdle' })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    await sleep(1_500);
    expect(boots()).toBe(1);
    expect(h?.csms.openConnections.get(id)).toBe(1);
  }, 30_000);

  it('a confirmed reset is Accepted, then the station boots again with RemoteReset', async () => {
    const { client, id, commandsAt } = await charger(() => 'confirm', 23);
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    expect(commandsAt(0x6010)).toBe(1);
    await h?.csms.waitForCall((c) => c.identity === id && c.action === 'BootNotification' && c.params.reason === 'RemoteReset', 8_000);
  }, 30_000);
});

describe('UnlockConnector, RequestStartTransaction against an IEC 104 charger', () => {
  it('UnlockConnector: Unlocked once confirmed, else UnlockFailed naming the refusal, the silence, or the busy address', async () => {
    let reply: CommandReply = 'confirm';
    const { client, commandsAt } = await charger(() => reply, 24, mappingWithUnlock());
    expect(await client.call('UnlockConnector', { evseId: 2, connectorId: 1 })).toEqual({ status: 'Unlocked' });
    reply = 'refuse';
    expect(await client.call('UnlockConnector', { evseId: 2, connectorId: 1 })).toEqual({ status: 'UnlockFailed', statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' } });
    reply = 'silent';
    expect(await client.call('UnlockConnector', { evseId: 2, connectorId: 1 })).toMatchObject({ status: 'UnlockFailed', statusInfo: { reasonCode: 'Timeout' } });
    expect(commandsAt(0x6012)).toBe(3);
    // The codec waits for the silent command for the mapping's commandTimeoutSeconds (10 s): the
    // address is busy and the next command is refused before it is sent.
    expect(await client.call('UnlockConnector', { evseId: 2, connectorId: 1 })).toEqual({
      status: 'UnlockFailed',
      statusInfo: { reasonCode: 'NotSent', additionalInfo: 'another command is in progress at the same address' },
    });
    expect(commandsAt(0x6012)).toBe(3);
  }, 30_000);

  it('RequestStartTransaction refused by the charger: Rejected naming the negative ACT_CON', async () => {
    const { client, commandsAt } = await charger(() => 'refuse', 25);
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'APP-1', type: 'Central' }, remoteStartId: 1, evseId: 2 })).toEqual({
      status: 'Rejected',
      statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'negative ACT_CON' },
    });
    expect(commandsAt(0x6002)).toBe(1);
  }, 30_000);
});
