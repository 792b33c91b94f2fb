import { OCPP20 } from 'typed-ocpp';
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../../src/model/capabilities.js';
import { DeviceModel, pages } from '../../../../src/station/device-model/device-model.js';
import type { DeviceModelConfig, ReportDataType } from '../../../../src/station/device-model/device-model.js';
import { MemoryStore } from '../../../../src/store/memory.js';

const DC: Capabilities = {
  connectorCount: 2,
  currentType: 'DC',
  commands: new Set(['startCharging', 'stopCharging']),
  measurands: new Set(['energy', 'power', 'voltage', 'current', 'soc', 'temperature']),
  limitUnits: new Set(),
  maxPowerW: 120_000,
  evInfo: true,
  localAuthorization: false,
  transactionRecords: true,
};
const CONFIG: DeviceModelConfig = { identity: 'CS-9', securityProfile: 2, basicAuthPassword: 'Secret-Password-0123', organizationName: 'Acme' };

const load = (capabilities: Capabilities = DC, config: DeviceModelConfig = CONFIG): Promise<DeviceModel> => DeviceModel.load({ store: new MemoryStore(), capabilities, config });

type Mutability = 'RO' | 'RW' | 'WO' | 'any';
/**
 * The OCPP 2.0.1 Core profile's required variables, transcribed by hand from the specification (not from the component files):
 * [component, variable, instance, mutability, dataType]. `*` components exist per EVSE/connector.
 */
const REQUIRED: [string, string, string | undefined, Mutability, string | undefined][] = [
  ['ChargingStation', 'AvailabilityState', undefined, 'RO', 'OptionList'],
  ['ChargingStation', 'Available', undefined, 'RO', 'boolean'],
  ['ChargingStation', 'SupplyPhases', undefined, 'RO', 'integer'],
  ['EVSE*', 'AvailabilityState', undefined, 'RO', undefined],
  ['EVSE*', 'Available', undefined, 'RO', undefined],
  ['EVSE*', 'Power', undefined, 'RO', undefined],
  ['EVSE*', 'SupplyPhases', undefined, 'RO', undefined],
  ['Connector*', 'AvailabilityState', undefined, 'RO', undefined],
  ['Connector*', 'Available', undefined, 'RO', undefined],
  ['Connector*', 'ConnectorType', undefined, 'RO', undefined],
  ['Connector*', 'SupplyPhases', undefined, 'RO', undefined],
  ['OCPPCommCtrlr', 'FileTransferProtocols', undefined, 'RO', 'MemberList'],
  ['OCPPCommCtrlr', 'MessageTimeout', 'Default', 'RO', 'integer'],
  ['OCPPCommCtrlr', 'MessageAttempts', 'TransactionEvent', 'RW', 'integer'],
  ['OCPPCommCtrlr', 'MessageAttemptInterval', 'TransactionEvent', 'RW', 'integer'],
  ['OCPPCommCtrlr', 'NetworkConfigurationPriority', undefined, 'RW', 'SequenceList'],
  ['OCPPCommCtrlr', 'NetworkProfileConnectionAttempts', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'OfflineThreshold', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'ResetRetries', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'UnlockOnEVSideDisconnect', undefined, 'any', 'boolean'],
  ['OCPPCommCtrlr', 'RetryBackOffRepeatTimes', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'RetryBackOffRandomRange', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'RetryBackOffWaitMinimum', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'WebSocketPingInterval', undefined, 'RW', 'integer'],
  ['OCPPCommCtrlr', 'HeartbeatInterval', undefined, 'RW', undefined],
  ['TxCtrlr', 'EVConnectionTimeOut', undefined, 'RW', undefined],
  ['TxCtrlr', 'StopTxOnInvalidId', undefined, 'RW', undefined],
  ['TxCtrlr', 'StopTxOnEVSideDisconnect', undefined, 'any', 'boolean'],
  ['TxCtrlr', 'TxStartPoint', undefined, 'any', 'MemberList'],
  ['TxCtrlr', 'TxStopPoint', undefined, 'any', 'MemberList'],
  ['SampledDataCtrlr', 'TxStartedMeasurands', undefined, 'RW', 'MemberList'],
  ['SampledDataCtrlr', 'TxUpdatedMeasurands', undefined, 'RW', 'MemberList'],
  ['SampledDataCtrlr', 'TxEndedMeasurands', undefined, 'RW', 'MemberList'],
  ['SampledDataCtrlr', 'TxUpdatedInterval', undefined, 'RW', 'integer'],
  ['SampledDataCtrlr', 'TxEndedInterval', undefined, 'RW', 'integer'],
  ['AlignedDataCtrlr', 'Interval', undefined, 'RW', 'integer'],
  ['AlignedDataCtrlr', 'TxEndedInterval', undefined, 'RW', 'integer'],
  ['AlignedDataCtrlr', 'Measurands', undefined, 'RW', 'MemberList'],
  ['AlignedDataCtrlr', 'TxEndedMeasurands', undefined, 'RW', 'MemberList'],
  ['AuthCtrlr', 'AuthorizeRemoteStart', undefined, 'any', 'boolean'],
  ['AuthCtrlr', 'LocalAuthorizeOffline', undefined, 'RW', 'boolean'],
  ['AuthCtrlr', 'LocalPreAuthorize', undefined, 'RW', 'boolean'],
  ['ClockCtrlr', 'DateTime', undefined, 'RO', 'dateTime'],
  ['ClockCtrlr', 'TimeSource', undefined, 'RW', 'SequenceList'],
  ...(['GetReport', 'GetVariables', 'SetVariables'] as const).flatMap((i): typeof REQUIRED => [
    ['DeviceDataCtrlr', 'BytesPerMessage', i, 'RO', 'integer'],
    ['DeviceDataCtrlr', 'ItemsPerMessage', i, 'RO', 'integer'],
  ]),
  ['SecurityCtrlr', 'CertificateEntries', undefined, 'any', undefined],
  ['SecurityCtrlr', 'SecurityProfile', undefined, 'RO', undefined],
  ['SecurityCtrlr', 'OrganizationName', undefined, 'RW', undefined],
  ['SecurityCtrlr', 'BasicAuthPassword', undefined, 'WO', undefined],
  ['SecurityCtrlr', 'Identity', undefined, 'any', undefined],
];
const MUTABILITY = { RO: 'ReadOnly', RW: 'ReadWrite', WO: 'WriteOnly' } as const;

function find(items: ReportDataType[], component: string, variable: string, instance?: string, evse?: number, connectorId?: number): ReportDataType | undefined {
  return items.find(
    (r) => r.component.name === component && r.component.evse?.id === evse && r.component.evse?.connectorId === connectorId && r.variable.name === variable && r.variable.instance === instance,
  );
}

/** Each page must be a schema-valid NotifyReportRequest. */
function expectValidNotifyReports(items: ReportDataType[], perPage: number): void {
  const all = pages(items, perPage);
  all.forEach((reportData, seqNo) => {
    const payload = { requestId: 7, generatedAt: '2025-01-01T00:00:00.000Z', seqNo, tbc: seqNo < all.length - 1, reportData };
    const ok = OCPP20.validateCall([2, `m${seqNo}`, OCPP20.Action.NotifyReport, payload]);
    expect(OCPP20.validateCall.errors).toEqual([]);
    expect(ok).toBe(true);
  });
}

describe('DeviceModel reports', () => {
  it('FullInventory has every required Core variable of docs/protocols/ocpp.md §2.6.1, per EVSE and connector, with its mutability and type', async () => {
    const dm = await load();
    const items = dm.report('FullInventory') ?? [];
    for (const [component, variable, instance, mutability, dataType] of REQUIRED) {
      const places: [string, number?, number?][] = component.endsWith('*') ? [1, 2].map((n) => [component.slice(0, -1), n, component === 'Connector*' ? 1 : undefined]) : [[component]];
      for (const [name, evse, connectorId] of places) {
        const item = find(items, name, variable, instance, evse, connectorId);
        const label = `${name}${evse === undefined ? '' : `@${evse}`}.${variable}${instance === undefined ? '' : `[${instance}]`}`;
        expect(item, label).toBeDefined();
        if (mutability !== 'any') expect(item?.variableAttribute[0]?.mutability, label).toBe(MUTABILITY[mutability]);
        if (dataType !== undefined) expect(item?.variableCharacteristics?.dataType, label).toBe(dataType);
      }
    }
    // Characteristics the doc demands: limits > 0 and valuesList for every list.
    expect(find(items, 'EVSE', 'Power', undefined, 1)?.variableCharacteristics?.maxLimit).toBe(120_000);
    expect(find(items, 'SecurityCtrlr', 'CertificateEntries')?.variableCharacteristics?.maxLimit).toBeGreaterThan(0);
    expect(find(items, 'SampledDataCtrlr', 'TxUpdatedMeasurands')?.variableCharacteristics?.maxLimit).toBeGreaterThan(0);
    for (const item of items) {
      const c = item.variableCharacteristics;
      if (c !== undefined && ['OptionList', 'SequenceList', 'MemberList'].includes(c.dataType)) expect(c.valuesList, item.variable.name).toBeDefined();
    }
    expectValidNotifyReports(items, 20);
  });

  it('never reports a WriteOnly value, in any report', async () => {
    const dm = await load();
    for (const items of [dm.report('FullInventory'), dm.report('ConfigurationInventory'), dm.reportFiltered()]) {
      const password = find(items ?? [], 'SecurityCtrlr', 'BasicAuthPassword');
      expect(password?.variableAttribute).toEqual([{ type: 'Actual', mutability: 'WriteOnly', persistent: true, constant: false }]);
      expect(JSON.stringify(items)).not.toContain('Secret-Password-0123');
    }
  });

  it('ConfigurationInventory is exactly the writable variables; SummaryInventory is not supported', async () => {
    const dm = await load();
    const config = dm.report('ConfigurationInventory') ?? [];
    const writable = dm.variables.filter((v) => v.def.mutability !== 'ReadOnly');
    expect(config.map((r) => [r.component, r.variable])).toEqual(writable.map((v) => [v.component, v.variable]));
    expect(config.some((r) => r.variable.name === 'WebSocketPingInterval')).toBe(true);
    expect(config.some((r) => r.variable.name === 'MessageTimeout')).toBe(false);
    expect(dm.report('SummaryInventory')).toBeUndefined();
  });

  it('reportFiltered selects by component, evse, variable and instance; an omitted instance means all', async () => {
    const dm = await load();
    const names = (items: ReportDataType[]): string[] =>
      items.map((r) => `${r.component.name}${r.component.evse ? `@${r.component.evse.id}` : ''}.${r.variable.name}${r.variable.instance ? `[${r.variable.instance}]` : ''}`);
    expect(names(dm.reportFiltered([{ component: { name: 'AuthCtrlr' } }]))).toEqual([
      'AuthCtrlr.AuthorizeRemoteStart',
      'AuthCtrlr.LocalAuthorizeOffline',
      'AuthCtrlr.LocalPreAuthorize',
      'AuthCtrlr.OfflineTxForUnknownIdEnabled',
    ]);
    expect(names(dm.reportFiltered([{ component: { name: 'DeviceDataCtrlr' }, variable: { name: 'ItemsPerMessage' } }]))).toEqual([
      'DeviceDataCtrlr.ItemsPerMessage[GetReport]',
      'DeviceDataCtrlr.ItemsPerMessage[GetVariables]',
      'DeviceDataCtrlr.ItemsPerMessage[SetVariables]',
    ]);
    expect(names(dm.reportFiltered([{ component: { name: 'EVSE' }, variable: { name: 'Power' } }]))).toEqual(['EVSE@1.Power', 'EVSE@2.Power']);
    expect(
      names(
        dm.reportFiltered([
          { component: { name: 'EVSE', evse: { id: 2 } }, variable: { name: 'Power' } },
          { component: { name: 'ClockCtrlr' }, variable: { name: 'TimeSource' } },
        ]),
      ),
    ).toEqual(['EVSE@2.Power', 'ClockCtrlr.TimeSource']);
    expect(dm.reportFiltered([{ component: { name: 'NoSuchCtrlr' } }])).toEqual([]);
    expect(dm.reportFiltered()).toHaveLength(dm.variables.length);
  });

  it('reportFiltered by componentCriteria follows the Problem and Available variables', async () => {
    const dm = await load();
    const components = (items: ReportDataType[]): string[] => [...new Set(items.map((r) => `${r.component.name}@${r.component.evse?.id ?? '-'}`))];
    expect(dm.reportFiltered(undefined, ['Problem'])).toEqual([]);
    dm.setRuntime('Connector', 'Problem', true, { evse: 2, connector: 1 });
    expect(components(dm.reportFiltered(undefined, ['Problem']))).toEqual(['Connector@2']);
    dm.setRuntime('EVSE', 'Available', false, { evse: 1 });
    const available = components(dm.reportFiltered(undefined, ['Available']));
    expect(available).not.toContain('EVSE@1');
    expect(available).toContain('EVSE@2');
    expect(available).toContain('OCPPCommCtrlr@-');
    expect(components(dm.reportFiltered([{ component: { name: 'EVSE' } }], ['Available']))).toEqual(['EVSE@2']);
  });

  it('pages split report items in order', async () => {
    expect(pages([], 5)).toEqual([]);
    expect(pages([1, 2, 3, 4, 5, 6, 7], 3)).toEqual([[1, 2, 3], [4, 5, 6], [7]]);
    expect(() => pages([1], 0)).toThrow(RangeError);
    expect(() => pages([1], 1.5)).toThrow(RangeError);
    const items = (await load()).report('FullInventory') ?? [];
    expect(pages(items, 7).flat()).toEqual(items);
    expectValidNotifyReports(items, 7);
  });
});

describe('DeviceModel honesty and topology', () => {
  it('offers only the measurands the charger has, and none OCPP 2.0.1 cannot name (temperature)', async () => {
    const dm = await load({ ...DC, measurands: new Set(['energy', 'current', 'temperature']) });
    const items = dm.report('FullInventory') ?? [];
    for (const [c, v] of [
      ['SampledDataCtrlr', 'TxUpdatedMeasurands'],
      ['SampledDataCtrlr', 'TxStartedMeasurands'],
      ['AlignedDataCtrlr', 'Measurands'],
    ]) {
      expect(find(items, c as string, v as string)?.variableCharacteristics?.valuesList).toBe('Energy.Active.Import.Register,Current.Import');
    }
    expect(dm.getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).toEqual(['Energy.Active.Import.Register', 'Current.Import']);
    const full = await load();
    expect(full.getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).toEqual(['Energy.Active.Import.Register', 'Power.Active.Import', 'Current.Import', 'Voltage', 'SoC']);
  });

  it('has SmartChargingCtrlr only when the charger can be limited, with its units', async () => {
    expect((await load()).reportFiltered([{ component: { name: 'SmartChargingCtrlr' } }])).toEqual([]);
    const limited = await load({ ...DC, limitUnits: new Set(['W']) });
    expect(limited.getList('SmartChargingCtrlr', 'RateUnit')).toEqual(['W']);
    expect(find(limited.report('FullInventory') ?? [], 'SmartChargingCtrlr', 'RateUnit')?.variableCharacteristics?.valuesList).toBe('W');
  });

  it('FullInventory has LocalAuthListCtrlr with the variables the Local Auth List profile requires (docs/protocols/ocpp.md §2.6.1)', async () => {
    const items = (await load()).report('FullInventory') ?? [];
    for (const [variable, mutability, dataType] of [
      ['BytesPerMessage', 'ReadOnly', 'integer'],
      ['Entries', 'ReadOnly', 'integer'],
      ['ItemsPerMessage', 'ReadOnly', 'integer'],
      ['Enabled', 'ReadWrite', 'boolean'],
      ['Available', 'ReadOnly', 'boolean'],
      ['DisablePostAuthorize', 'ReadWrite', 'boolean'],
    ] as const) {
      const item = find(items, 'LocalAuthListCtrlr', variable);
      expect(item?.variableAttribute[0]?.mutability, variable).toBe(mutability);
      expect(item?.variableCharacteristics?.dataType, variable).toBe(dataType);
    }
    expect(find(items, 'LocalAuthListCtrlr', 'Entries')?.variableCharacteristics?.maxLimit).toBeGreaterThan(0);
  });

  it('publishes one EVSE with one connector per legacy connector, with phases and connector types by rule or config', async () => {
    const dc = await load({ ...DC, connectorCount: 3 });
    expect(dc.variables.filter((v) => v.variable.name === 'ConnectorType').map((v) => v.component.evse)).toEqual([
      { id: 1, connectorId: 1 },
      { id: 2, connectorId: 1 },
      { id: 3, connectorId: 1 },
    ]);
    expect([dc.getNumber('ChargingStation', 'SupplyPhases'), dc.getNumber('EVSE', 'SupplyPhases', { evse: 3 }), dc.getNumber('Connector', 'SupplyPhases', { evse: 3, connector: 1 })]).toEqual([
      3, 0, 0,
    ]);
    expect(dc.getString('Connector', 'ConnectorType', { evse: 1, connector: 1 })).toBe('cCCS2');

    const ac7 = await load({ ...DC, currentType: 'AC', connectorCount: 1, maxPowerW: 7000 });
    expect([ac7.getNumber('ChargingStation', 'SupplyPhases'), ac7.getNumber('Connector', 'SupplyPhases', { evse: 1, connector: 1 })]).toEqual([1, 1]);
    expect(ac7.getString('Connector', 'ConnectorType', { evse: 1, connector: 1 })).toBe('cType2');
    const ac22 = await load({ ...DC, currentType: 'AC', connectorCount: 1, maxPowerW: 22_000 });
    expect(ac22.getNumber('EVSE', 'SupplyPhases', { evse: 1 })).toBe(3);

    const configured = await load({ ...DC, currentType: 'AC', maxPowerW: 22_000 }, { ...CONFIG, supplyPhases: 1, connectorType: ['sType2', 'cType1'] });
    expect(configured.getNumber('EVSE', 'SupplyPhases', { evse: 2 })).toBe(1);
    expect(configured.getString('Connector', 'ConnectorType', { evse: 2, connector: 1 })).toBe('cType1');
    await expect(load(DC, { ...CONFIG, connectorType: 'GBT' as never })).rejects.toThrow(/ConnectorEnumType/);
  });

  it('assumes a nameplate power when none is known, and says so', async () => {
    const { maxPowerW: _unused, ...unknown } = DC;
    const dm = await load(unknown);
    expect(dm.warnings.join()).toMatch(/60000 W/);
    expect(find(dm.report('FullInventory') ?? [], 'EVSE', 'Power', undefined, 2)?.variableCharacteristics?.maxLimit).toBe(60_000);
    const fromConfig = await load(unknown, { ...CONFIG, maxPowerW: 30_000 });
    expect(fromConfig.warnings).toEqual([]);
    expect(find(fromConfig.report('FullInventory') ?? [], 'EVSE', 'Power', undefined, 1)?.variableCharacteristics?.maxLimit).toBe(30_000);
  });

  it('publishes the configured identity, profile and organization; keeps a short configured password with a warning', async () => {
    const dm = await load(DC, { identity: 'CS-X', securityProfile: 3, basicAuthPassword: 'tiny-pw' });
    expect(dm.getString('SecurityCtrlr', 'Identity')).toBe('CS-X');
    expect(dm.getNumber('SecurityCtrlr', 'SecurityProfile')).toBe(3);
    expect(dm.getString('SecurityCtrlr', 'OrganizationName')).toBe('');
    expect(dm.getString('SecurityCtrlr', 'BasicAuthPassword')).toBe('tiny-pw');
    expect(dm.warnings.join()).toMatch(/BasicAuthPassword/);
    expect(dm.warnings.join()).not.toContain('tiny-pw');
    const noPassword = await load(DC, { identity: 'CS-Y', securityProfile: 3 });
    expect(noPassword.getString('SecurityCtrlr', 'BasicAuthPassword')).toBeUndefined();
  });
});
