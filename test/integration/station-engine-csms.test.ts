/**
 * Station engine I against ocpp-rpc's strict RPCServer: the device model over OCPP, surviving a
 * CSMS restart, and bad input from the CSMS.
 */
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { MemoryStore } from '../../src/store/memory.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { CONFIRM_ALL, createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

async function accepted(id: string, store = new MemoryStore(), preset: Record<string, string> = {}): Promise<{ station: TestStation; client: RPCClient }> {
  if (csms === undefined) throw new Error('no CSMS');
  // A charger that confirms every command and has reported both connectors idle.
  const station = await createStation({ id, url: csms.url, store, preset, answer: CONFIRM_ALL });
  stations.push(station);
  for (const connector of [1, 2]) station.engine.chargerEvent({ type: 'connectorStatus', connector, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
  station.engine.start();
  await until(() => station.engine.bootState === 'accepted', 'boot accepted');
  return { station, client: await csms.client(id) };
}

/** Required Core device-model variables (OCPP 2.0.1 Part 6 TC_B_53 / appendix, Part 4 §8). */
const REQUIRED = [
  'ChargingStation/AvailabilityState',
  'ChargingStation/Available',
  'ChargingStation/SupplyPhases',
  'EVSE/AvailabilityState',
  'EVSE/Available',
  'EVSE/Power',
  'EVSE/SupplyPhases',
  'Connector/AvailabilityState',
  'Connector/Available',
  'Connector/ConnectorType',
  'Connector/SupplyPhases',
  'OCPPCommCtrlr/FileTransferProtocols',
  'OCPPCommCtrlr/MessageTimeout',
  'OCPPCommCtrlr/MessageAttempts',
  'OCPPCommCtrlr/MessageAttemptInterval',
  'OCPPCommCtrlr/NetworkConfigurationPriority',
  'OCPPCommCtrlr/NetworkProfileConnectionAttempts',
  'OCPPCommCtrlr/OfflineThreshold',
  'OCPPCommCtrlr/ResetRetries',
  'OCPPCommCtrlr/UnlockOnEVSideDisconnect',
  'OCPPCommCtrlr/RetryBackOffRepeatTimes',
  'OCPPCommCtrlr/RetryBackOffRandomRange',
  'OCPPCommCtrlr/RetryBackOffWaitMinimum',
  'OCPPCommCtrlr/WebSocketPingInterval',
  'OCPPCommCtrlr/HeartbeatInterval',
  'TxCtrlr/EVConnectionTimeOut',
  'TxCtrlr/StopTxOnInvalidId',
  'TxCtrlr/StopTxOnEVSideDisconnect',
  'TxCtrlr/TxStartPoint',
  'TxCtrlr/TxStopPoint',
  'SampledDataCtrlr/TxStartedMeasurands',
  'SampledDataCtrlr/TxUpdatedMeasurands',
  'SampledDataCtrlr/TxEndedMeasurands',
  'SampledDataCtrlr/TxUpdatedInterval',
  'SampledDataCtrlr/TxEndedInterval',
  'AlignedDataCtrlr/Interval',
  'AlignedDataCtrlr/TxEndedInterval',
  'AlignedDataCtrlr/Measurands',
  'AlignedDataCtrlr/TxEndedMeasurands',
  'AuthCtrlr/AuthorizeRemoteStart',
  'AuthCtrlr/LocalAuthorizeOffline',
  'AuthCtrlr/LocalPreAuthorize',
  'ClockCtrlr/DateTime',
  'ClockCtrlr/TimeSource',
  'DeviceDataCtrlr/BytesPerMessage',
  'DeviceDataCtrlr/ItemsPerMessage',
  'SecurityCtrlr/CertificateEntries',
  'SecurityCtrlr/SecurityProfile',
  'SecurityCtrlr/OrganizationName',
  'SecurityCtrlr/BasicAuthPassword',
];

describe('device model over OCPP', () => {
  it('answers GetBaseReport(FullInventory) with NotifyReport pages covering every required Core variable', async () => {
    csms = await startCsms();
    const { client } = await accepted('CS-DM-1');
    expect(await client.call('GetBaseReport', { requestId: 7, reportBase: 'FullInventory' })).toEqual({ status: 'Accepted' });
    await csms.waitForCall((c) => c.action === 'NotifyReport' && c.params.tbc === undefined);
    const pages = csms.calls.filter((c) => c.action === 'NotifyReport');
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.map((p) => p.params.seqNo)).toEqual(pages.map((_, i) => i));
    expect(pages.every((p) => p.params.requestId === 7)).toBe(true);
    expect(pages.slice(0, -1).every((p) => p.params.tbc === true)).toBe(true);
    type Item = { component: { name: string; evse?: { id: number } }; variable: { name: string }; variableAttribute: { value?: string; mutability?: string }[] };
    const items = pages.flatMap((p) => p.params.reportData as Item[]);
    const have = new Set(items.map((i) => `${i.component.name}/${i.variable.name}`));
    expect(REQUIRED.filter((r) => !have.has(r))).toEqual([]);
    // Both EVSEs of the two-gun charger are there, and no WriteOnly value is reported.
    expect(new Set(items.filter((i) => i.component.name === 'EVSE').map((i) => i.component.evse?.id))).toEqual(new Set([1, 2]));
    const password = items.find((i) => i.variable.name === 'BasicAuthPassword');
    expect(password?.variableAttribute.every((a) => a.value === undefined)).toBe(true);
    expect(await client.call('GetBaseReport', { requestId: 8, reportBase: 'SummaryInventory' })).toEqual({ status: 'NotSupported' });
  });

  it('rejects SetVariables on a ReadOnly variable and keeps accepted values across an engine restart', async () => {
    csms = await startCsms();
    const store = new MemoryStore();
    const first = await accepted('CS-DM-2', store);
    const result = (await first.client.call('SetVariables', {
      setVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' }, attributeValue: '99' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' }, attributeValue: '120' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'WebSocketPingInterval' }, attributeValue: 'abc' },
      ],
    })) as { setVariableResult: { attributeStatus: string }[] };
    expect(result.setVariableResult.map((r) => r.attributeStatus)).toEqual(['Rejected', 'Accepted', 'Rejected']);
    await first.station.engine.stop();
    stations.splice(0);
    const second = await accepted('CS-DM-2', store);
    const got = (await second.client.call('GetVariables', {
      getVariableData: [
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'OfflineThreshold' } },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' } },
      ],
    })) as { getVariableResult: { attributeStatus: string; attributeValue?: string }[] };
    expect(got.getVariableResult.map((r) => [r.attributeStatus, r.attributeValue])).toEqual([
      ['Accepted', '120'],
      ['Accepted', '30'],
    ]);
  });

  it('answers TriggerMessage for Heartbeat and StatusNotification, DataTransfer with UnknownVendorId, and NotSupported for what the station does not do', async () => {
    csms = await startCsms();
    const { client } = await accepted('CS-MISC');
    expect(await client.call('TriggerMessage', { requestedMessage: 'Heartbeat' })).toEqual({ status: 'Accepted' });
    await csms.waitForCall((c) => c.action === 'Heartbeat');
    const before = csms.calls.filter((c) => c.action === 'StatusNotification').length;
    expect(await client.call('TriggerMessage', { requestedMessage: 'StatusNotification', evse: { id: 2, connectorId: 1 } })).toEqual({ status: 'Accepted' });
    await until(() => (csms?.calls.filter((c) => c.action === 'StatusNotification').length ?? 0) > before, 'triggered status');
    expect(csms.calls.filter((c) => c.action === 'StatusNotification').at(-1)?.params).toMatchObject({ evseId: 2, connectorId: 1 });
    expect(await client.call('DataTransfer', { vendorId: 'com.example' })).toEqual({ status: 'UnknownVendorId' });
    await expect(client.call('SetDisplayMessage', { message: { id: 1, priority: 'NormalCycle', message: { format: 'ASCII', content: 'hi' } } })).rejects.toMatchObject({
      rpcErrorCode: 'NotSupported',
    });
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
    await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.evseId === 1 && c.params.connectorStatus === 'Unavailable');
    expect(await client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 1 } })).toEqual({ status: 'Accepted' });
  });
});

describe('provisioning and reset', () => {
  it('sends Heartbeat after the boot interval of inactivity and passes the CSMS time to the charger', async () => {
    csms = await startCsms({ boot: () => ({ status: 'Accepted', interval: 1 }) });
    const { station } = await accepted('CS-HB');
    expect(station.commands.filter((c) => c.type === 'setClock')).toHaveLength(1);
    const booted = csms.calls[0]?.at ?? 0;
    const hb = await csms.waitForCall((c) => c.action === 'Heartbeat', 4000);
    expect(hb.at - booted).toBeGreaterThanOrEqual(900);
  });

  it('resets the charger and boots again with RemoteReset on Reset(Immediate)', async () => {
    csms = await startCsms();
    const { station, client } = await accepted('CS-RESET');
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    const again = await csms.waitForCall((c) => c.action === 'BootNotification' && c.params.reason === 'RemoteReset', 6000);
    expect(again).toBeDefined();
    expect(station.commands.some((c) => c.type === 'reset')).toBe(true);
    expect(await (await csms.client('CS-RESET')).call('Reset', { type: 'Immediate', evseId: 1 })).toMatchObject({ status: 'Rejected' });
  });
});

describe('resilience', () => {
  it('reconnects within the RetryBackOff bounds after the CSMS restarts, reports every connector, and does not boot again', async () => {
    csms = await startCsms();
    const { station } = await accepted('CS-RESTART');
    await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.evseId === 2);
    const port = csms.port;
    await csms.close();
    const stoppedAt = Date.now();
    await until(() => station.engine.connectionState === 'waiting' || station.engine.connectionState === 'connecting', 'connection lost');
    csms = await startCsms({ port });
    await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.evseId === 2, 8000);
    const back = csms.calls[0]?.at ?? 0;
    // Wait minimum 1 s, random range 0, one doubling: back within about 1 + 2 s of the restart.
    expect(back - stoppedAt).toBeLessThan(4500);
    expect(csms.calls.filter((c) => c.action === 'StatusNotification').map((c) => c.params.evseId)).toEqual([1, 2]);
    expect(csms.calls.some((c) => c.action === 'BootNotification')).toBe(false);
  });

  it('answers bad CSMS input with the right CALLERROR and closes only once the bad-message budget is spent', async () => {
    csms = await startCsms();
    const station = await createStation({ id: 'CS-BAD', url: csms.url, extra: { badMessageLimit: 4 } });
    stations.push(station);
    station.engine.start();
    await until(() => station.engine.bootState === 'accepted', 'accepted');
    const client = await csms.client('CS-BAD');
    const replies = csms.replies;
    const reply = async (n: number): Promise<unknown[]> => {
      await until(() => replies.length >= n, `reply ${n}`);
      return replies[n - 1]?.frame ?? [];
    };
    const closed = new Promise<number>((resolve) => client.once('close', ({ code }: { code: number }) => resolve(code)));
    client.sendRaw('this is not json');
    expect((await reply(1)).slice(0, 3)).toEqual([4, '-1', 'RpcFrameworkError']);
    client.sendRaw(JSON.stringify([7, 'm1', 'Heartbeat', {}]));
    expect((await reply(2))[2]).toBe('MessageTypeNotSupported');
    client.sendRaw(JSON.stringify([2, 'm2', 'NoSuchAction', {}]));
    expect((await reply(3)).slice(0, 3)).toEqual([4, 'm2', 'NotImplemented']);
    client.sendRaw(JSON.stringify([2, 'm3', 'Reset', { type: 'Sometimes' }]));
    expect((await reply(4)).slice(0, 3)).toEqual([4, 'm3', 'FormatViolation']);
    client.sendRaw(JSON.stringify([2, 'm4', 'Reset', {}]));
    expect((await reply(5)).slice(0, 3)).toEqual([4, 'm4', 'OccurrenceConstraintViolation']);
    // Unknown action is well-formed and not counted: four bad frames so far spend the budget of 4.
    expect(await closed).toBe(1008);
    // The station comes back (a new connection, no new boot).
    await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.evseId === 2 && c.at > Date.now() - 3000, 6000);
    expect(csms.calls.filter((c) => c.action === 'BootNotification')).toHaveLength(1);
  });
});
