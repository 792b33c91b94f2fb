import { OCPP20 } from 'typed-ocpp';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../../src/model/capabilities.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import type { DeviceModelOptions, GetVariableDataType, SetVariableDataType, VariableChange } from '../../../../src/station/device-model/device-model.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import type { StateStore } from '../../../../src/store/state-store.js';

const CAPS: Capabilities = {
  connectorCount: 2,
  currentType: 'DC',
  commands: new Set(['startCharging', 'stopCharging']),
  measurands: new Set(['energy', 'power', 'soc']),
  limitUnits: new Set(),
  maxPowerW: 120_000,
  evInfo: true,
  localAuthorization: false,
  transactionRecords: true,
};
const PASSWORD = 'Initial-Pass_0123456';

function load(store: StateStore = new MemoryStore(), extra: Partial<DeviceModelOptions> = {}): Promise<DeviceModel> {
  return DeviceModel.load({
    store,
    capabilities: CAPS,
    config: { identity: 'CS-1', securityProfile: 1, basicAuthPassword: PASSWORD, organizationName: 'Acme' },
    now: () => new Date(Date.UTC(2025, 0, 2, 3, 4, 5, 678)),
    ...extra,
  });
}

const setReq = (component: string, variable: string, attributeValue: string, instance?: string): SetVariableDataType => ({
  component: { name: component },
  variable: instance === undefined ? { name: variable } : { name: variable, instance },
  attributeValue,
});

/** The GetVariables answer must be schema-valid as a CALLRESULT to its CALL. */
function expectValidGetResponse(requests: GetVariableDataType[], results: unknown): void {
  const call: OCPP20.Call = [2, 'm1', OCPP20.Action.GetVariables, { getVariableData: requests }];
  const ok = OCPP20.checkCallResult([3, 'm1', { getVariableResult: results }] as never, call);
  expect(OCPP20.checkCallResult.errors).toEqual([]);
  expect(ok).toBe(true);
}

describe('DeviceModel.get (GetVariables)', () => {
  it('answers each request with its status, echoing component, variable and attributeType', async () => {
    const dm = await load();
    const requests: GetVariableDataType[] = [
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout', instance: 'Default' }, attributeType: 'Actual' },
      { component: { name: 'NoSuchCtrlr' }, variable: { name: 'Enabled' } },
      { component: { name: 'EVSE', evse: { id: 3 } }, variable: { name: 'Power' } },
      { component: { name: 'EVSE' }, variable: { name: 'Power' } },
      { component: { name: 'EVSE@1' }, variable: { name: 'Power' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'NoSuchVariable' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'MessageTimeout' } },
      { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeType: 'Target' },
      { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' } },
    ];
    const results = dm.get(requests);
    expect(results.map((r) => [r.attributeStatus, r.attributeValue])).toEqual([
      ['Accepted', '300'],
      ['Accepted', '30'],
      ['UnknownComponent', undefined],
      ['UnknownComponent', undefined],
      ['UnknownComponent', undefined],
      ['UnknownComponent', undefined],
      ['UnknownVariable', undefined],
      ['UnknownVariable', undefined],
      ['NotSupportedAttributeType', undefined],
      ['Rejected', undefined],
    ]);
    results.forEach((r, i) => {
      expect(r.component).toEqual(requests[i]?.component);
      expect(r.variable).toEqual(requests[i]?.variable);
      expect(r.attributeType).toBe(requests[i]?.attributeType);
    });
    expect(results[9]?.attributeStatusInfo?.reasonCode).toBe('WriteOnly');
    expect(JSON.stringify(results)).not.toContain(PASSWORD);
    expectValidGetResponse(requests, results);
  });

  it('addresses EVSEs by evse.id and connectors by evse.id + connectorId (connectorId may be omitted)', async () => {
    const dm = await load();
    dm.setRuntime('Connector', 'AvailabilityState', 'Occupied', { evse: 2, connector: 1 });
    const results = dm.get([
      { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'SupplyPhases' } },
      { component: { name: 'Connector', evse: { id: 2, connectorId: 1 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'Connector', evse: { id: 2 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'Connector', evse: { id: 1, connectorId: 1 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'Connector', evse: { id: 2, connectorId: 2 } }, variable: { name: 'AvailabilityState' } },
      { component: { name: 'ChargingStation', evse: { id: 1 } }, variable: { name: 'Available' } },
    ]);
    expect(results.map((r) => r.attributeValue ?? r.attributeStatus)).toEqual(['0', 'Occupied', 'Occupied', 'Available', 'UnknownComponent', 'UnknownComponent']);
  });

  it('reads ClockCtrlr.DateTime from the injected clock, in UTC with milliseconds', async () => {
    const dm = await load();
    const [r] = dm.get([{ component: { name: 'ClockCtrlr' }, variable: { name: 'DateTime' } }]);
    expect(r?.attributeValue).toBe('2025-01-02T03:04:05.678Z');
  });
});

describe('DeviceModel.set (SetVariables)', () => {
  it('rejects ReadOnly variables (TC_B_39) and values that do not fit (TC_B_11), with a reason code', async () => {
    const dm = await load();
    const results = await dm.set([
      setReq('OCPPCommCtrlr', 'MessageTimeout', '10', 'Default'),
      setReq('OCPPCommCtrlr', 'HeartbeatInterval', 'abc'),
      setReq('OCPPCommCtrlr', 'WebSocketPingInterval', '-1'),
      setReq('OCPPCommCtrlr', 'OfflineThreshold', '1.5'),
      setReq('OCPPCommCtrlr', 'HeartbeatInterval', '99999999999'),
      setReq('SampledDataCtrlr', 'TxUpdatedMeasurands', 'Energy.Active.Import.Register,Voltage'),
      setReq('SampledDataCtrlr', 'TxUpdatedMeasurands', 'SoC,SoC'),
      setReq('ClockCtrlr', 'TimeSource', ''),
      setReq('ClockCtrlr', 'TimeSource', 'GPS'),
      setReq('AuthCtrlr', 'LocalPreAuthorize', 'yes'),
      setReq('SecurityCtrlr', 'BasicAuthPassword', 'short'),
      setReq('SecurityCtrlr', 'BasicAuthPassword', 'has spaces in it, not allowed'),
      setReq('ChargingStation', 'AvailabilityState', 'Unavailable'),
    ]);
    expect(results.map((r) => [r.attributeStatus, r.attributeStatusInfo?.reasonCode])).toEqual([
      ['Rejected', 'ReadOnly'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'ValueTooLow'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'InvalidValue'],
      ['Rejected', 'ReadOnly'],
    ]);
    expect(dm.getNumber('OCPPCommCtrlr', 'HeartbeatInterval')).toBe(300);
    expect(dm.getNumber('OCPPCommCtrlr', 'WebSocketPingInterval')).toBe(30);
    expect(dm.getString('SecurityCtrlr', 'BasicAuthPassword')).toBe(PASSWORD);
    expect(JSON.stringify(results)).not.toContain('has spaces');
  });

  it('answers unknown addresses and other attribute types like GetVariables', async () => {
    const dm = await load();
    const results = await dm.set([setReq('NoSuchCtrlr', 'X', '1'), setReq('OCPPCommCtrlr', 'NoSuch', '1'), { ...setReq('OCPPCommCtrlr', 'HeartbeatInterval', '60'), attributeType: 'MaxSet' }]);
    expect(results.map((r) => r.attributeStatus)).toEqual(['UnknownComponent', 'UnknownVariable', 'NotSupportedAttributeType']);
    expect(results[2]?.attributeType).toBe('MaxSet');
  });

  it('accepts valid values in canonical form and persists them across a new DeviceModel on the same store', async () => {
    const store = new MemoryStore();
    const dm = await load(store);
    const results = await dm.set([
      setReq('OCPPCommCtrlr', 'HeartbeatInterval', '60'),
      setReq('OCPPCommCtrlr', 'WebSocketPingInterval', '0'),
      setReq('OCPPCommCtrlr', 'MessageAttempts', '+3', 'TransactionEvent'),
      setReq('AuthCtrlr', 'AuthorizeRemoteStart', 'TRUE'),
      setReq('SampledDataCtrlr', 'TxUpdatedMeasurands', 'SoC, Power.Active.Import'),
      setReq('AlignedDataCtrlr', 'Measurands', ''),
      setReq('ClockCtrlr', 'TimeSource', 'NTP,Heartbeat'),
      setReq('SecurityCtrlr', 'OrganizationName', 'New Org'),
    ]);
    expect(results.every((r) => r.attributeStatus === 'Accepted')).toBe(true);

    const again = await load(store);
    expect(again.warnings).toEqual([]);
    expect(again.getNumber('OCPPCommCtrlr', 'HeartbeatInterval')).toBe(60);
    expect(again.getNumber('OCPPCommCtrlr', 'WebSocketPingInterval')).toBe(0);
    expect(again.getNumber('OCPPCommCtrlr', 'MessageAttempts', { instance: 'TransactionEvent' })).toBe(3);
    expect(again.getBoolean('AuthCtrlr', 'AuthorizeRemoteStart')).toBe(true);
    expect(again.getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).toEqual(['SoC', 'Power.Active.Import']);
    expect(again.getList('AlignedDataCtrlr', 'Measurands')).toEqual([]);
    expect(again.getList('ClockCtrlr', 'TimeSource')).toEqual(['NTP', 'Heartbeat']);
    expect(again.getString('SecurityCtrlr', 'OrganizationName')).toBe('New Org');
    expect(await store.get('CS-1', 'dm:OCPPCommCtrlr/MessageAttempts[TransactionEvent]')).toBe('3');
    expect((await store.getAll('CS-2')).size).toBe(0);
  });

  it('changes BasicAuthPassword without ever reporting it, and the CSMS value outlives the configured one', async () => {
    const store = new MemoryStore();
    const changes: VariableChange[] = [];
    const dm = await load(store, { onChange: (c) => void changes.push(c) });
    const fresh = 'Fresh:Pass@2025.abc|+=';
    const [r] = await dm.set([setReq('SecurityCtrlr', 'BasicAuthPassword', fresh)]);
    expect(r?.attributeStatus).toBe('Accepted');
    expect(changes).toEqual([{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, value: fresh, previous: PASSWORD }]);
    expect(dm.getString('SecurityCtrlr', 'BasicAuthPassword')).toBe(fresh);
    const again = await load(store);
    expect(again.getString('SecurityCtrlr', 'BasicAuthPassword')).toBe(fresh);
    for (const base of ['FullInventory', 'ConfigurationInventory'] as const) {
      expect(JSON.stringify(again.report(base))).not.toContain(fresh);
    }
    expect(JSON.stringify(again.reportFiltered([{ component: { name: 'SecurityCtrlr' } }]))).not.toContain(fresh);
  });

  it('calls onChange after persisting, once per changed value, not for unchanged or rejected ones', async () => {
    const store = new MemoryStore();
    const seen: [string, string | undefined, unknown][] = [];
    const dm = await load(store, {
      onChange: async (c) => {
        seen.push([c.variable.name, c.previous, await store.get('CS-1', `dm:OCPPCommCtrlr/${c.variable.name}`)]);
      },
    });
    await dm.set([
      setReq('OCPPCommCtrlr', 'HeartbeatInterval', '120'),
      setReq('OCPPCommCtrlr', 'WebSocketPingInterval', '30'),
      setReq('OCPPCommCtrlr', 'OfflineThreshold', '-5'),
      setReq('OCPPCommCtrlr', 'RetryBackOffWaitMinimum', '7'),
    ]);
    expect(seen).toEqual([
      ['HeartbeatInterval', '300', '120'],
      ['RetryBackOffWaitMinimum', '5', '7'],
    ]);
  });

  it('lets the engine veto a value or answer RebootRequired', async () => {
    const dm = await load(undefined, {
      vet: (c) =>
        c.variable.name === 'NetworkConfigurationPriority' && c.value.includes('2')
          ? { status: 'Rejected', reasonCode: 'NotFound' }
          : c.variable.name === 'BasicAuthPassword'
            ? { status: 'RebootRequired' }
            : undefined,
    });
    const results = await dm.set([
      setReq('OCPPCommCtrlr', 'NetworkConfigurationPriority', '2,1'),
      setReq('OCPPCommCtrlr', 'NetworkConfigurationPriority', '1'),
      setReq('SecurityCtrlr', 'BasicAuthPassword', 'another-password-0123'),
    ]);
    expect(results.map((r) => [r.attributeStatus, r.attributeStatusInfo?.reasonCode])).toEqual([
      ['Rejected', 'NotFound'],
      ['Accepted', undefined],
      ['RebootRequired', undefined],
    ]);
    expect(dm.getString('SecurityCtrlr', 'BasicAuthPassword')).toBe('another-password-0123');
  });

  it('answers Rejected (InternalError) and keeps the old value when the store cannot persist', async () => {
    const store = new MemoryStore();
    const failing: StateStore = Object.assign(Object.create(store) as StateStore, {
      set: async () => {
        throw new Error('redis down');
      },
    });
    const dm = await load(failing);
    const [r] = await dm.set([setReq('OCPPCommCtrlr', 'HeartbeatInterval', '60')]);
    expect(r?.attributeStatus).toBe('Rejected');
    expect(r?.attributeStatusInfo?.reasonCode).toBe('InternalError');
    expect(dm.getNumber('OCPPCommCtrlr', 'HeartbeatInterval')).toBe(300);
  });

  it('ignores persisted values that no longer fit their definition, with a warning each', async () => {
    const store = new MemoryStore();
    await store.set('CS-1', 'dm:OCPPCommCtrlr/HeartbeatInterval', 'abc');
    await store.set('CS-1', 'dm:OCPPCommCtrlr/MessageTimeout[Default]', '5');
    await store.set('CS-1', 'dm:Gone/Variable', '1');
    await store.set('CS-1', 'dm:OCPPCommCtrlr/OfflineThreshold', 42);
    await store.set('CS-1', 'dm:OCPPCommCtrlr/ResetRetries', '7');
    const dm = await load(store);
    expect(dm.warnings).toHaveLength(4);
    expect(dm.getNumber('OCPPCommCtrlr', 'HeartbeatInterval')).toBe(300);
    expect(dm.getNumber('OCPPCommCtrlr', 'MessageTimeout', { instance: 'Default' })).toBe(30);
    expect(dm.getNumber('OCPPCommCtrlr', 'OfflineThreshold')).toBe(60);
    expect(dm.getNumber('OCPPCommCtrlr', 'ResetRetries')).toBe(7);
  });
});

describe('DeviceModel typed accessors and runtime values', () => {
  it('reads typed values and refuses a wrong type or an unknown variable', async () => {
    const dm = await load();
    expect(dm.getNumber('OCPPCommCtrlr', 'MessageAttemptInterval', { instance: 'TransactionEvent' })).toBe(10);
    expect(dm.getBoolean('TxCtrlr', 'StopTxOnEVSideDisconnect')).toBe(true);
    expect(dm.getList('TxCtrlr', 'TxStopPoint')).toEqual(['PowerPathClosed']);
    expect(dm.getString('SecurityCtrlr', 'Identity')).toBe('CS-1');
    expect(dm.getNumber('SecurityCtrlr', 'SecurityProfile')).toBe(1);
    expect(dm.getNumber('EVSE', 'SupplyPhases', { evse: 1 })).toBe(0);
    expect(() => dm.getNumber('TxCtrlr', 'TxStartPoint')).toThrow(/not a number/);
    expect(() => dm.getBoolean('OCPPCommCtrlr', 'HeartbeatInterval')).toThrow(/not boolean/);
    expect(() => dm.getList('OCPPCommCtrlr', 'HeartbeatInterval')).toThrow(/not a list/);
    expect(() => dm.getNumber('OCPPCommCtrlr', 'MessageAttempts')).toThrow(/UnknownVariable/);
    expect(() => dm.getString('EVSE', 'Power', { evse: 9 })).toThrow(/UnknownComponent/);
  });

  it('setRuntime sets checked values in memory only, or a live provider', async () => {
    const store = new MemoryStore();
    const dm = await load(store);
    expect(dm.setRuntime('EVSE', 'AvailabilityState', 'Faulted', { evse: 1 })).toBe(true);
    expect(dm.setRuntime('EVSE', 'AvailabilityState', 'Charging', { evse: 1 })).toBe(false);
    expect(dm.setRuntime('EVSE', 'Available', false, { evse: 1 })).toBe(true);
    expect(dm.setRuntime('OCPPCommCtrlr', 'HeartbeatInterval', 900)).toBe(true);
    expect(dm.setRuntime('OCPPCommCtrlr', 'HeartbeatInterval', 0)).toBe(false);
    let watts = 1000;
    expect(dm.setRuntime('EVSE', 'Power', () => String(watts), { evse: 2 })).toBe(true);
    watts = 2500.5;
    expect(dm.getString('EVSE', 'AvailabilityState', { evse: 1 })).toBe('Faulted');
    expect(dm.getBoolean('EVSE', 'Available', { evse: 1 })).toBe(false);
    expect(dm.getNumber('OCPPCommCtrlr', 'HeartbeatInterval')).toBe(900);
    expect(dm.get([{ component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Power' } }])[0]?.attributeValue).toBe('2500.5');
    expect((await store.getAll('CS-1')).size).toBe(0);
    expect((await load(store)).getNumber('OCPPCommCtrlr', 'HeartbeatInterval')).toBe(300);
  });
});
