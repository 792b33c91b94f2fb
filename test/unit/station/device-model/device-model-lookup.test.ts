import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../../src/model/capabilities.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { MemoryStore } from '../../../../src/store/memory.js';

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

function load(): Promise<DeviceModel> {
  return DeviceModel.load({
    store: new MemoryStore(),
    capabilities: CAPS,
    config: { identity: 'CS-1', securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456', organizationName: 'Acme' },
  });
}

// The engine reads these on every charger event: lookups without `where` are remembered, values never.
describe('DeviceModel typed getters, read repeatedly', () => {
  it('see every change of the value after the first read', async () => {
    const dm = await load();
    expect(dm.getNumber('SampledDataCtrlr', 'TxUpdatedInterval')).toBe(60);
    const set = (variable: string, attributeValue: string) => dm.set([{ component: { name: 'SampledDataCtrlr' }, variable: { name: variable }, attributeValue }]);
    expect((await set('TxUpdatedInterval', '15'))[0]?.attributeStatus).toBe('Accepted');
    expect(dm.getNumber('SampledDataCtrlr', 'TxUpdatedInterval')).toBe(15);
    expect((await set('TxUpdatedMeasurands', 'Energy.Active.Import.Register'))[0]?.attributeStatus).toBe('Accepted');
    expect(dm.getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).toEqual(['Energy.Active.Import.Register']);
    expect((await set('TxUpdatedMeasurands', 'SoC,Power.Active.Import'))[0]?.attributeStatus).toBe('Accepted');
    expect(dm.getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).toEqual(['SoC', 'Power.Active.Import']);
    expect(dm.setRuntime('SampledDataCtrlr', 'TxUpdatedInterval', () => '7')).toBe(true);
    expect(dm.getNumber('SampledDataCtrlr', 'TxUpdatedInterval')).toBe(7);
  });

  it('keep addressing instances apart from the plain variable', async () => {
    const dm = await load();
    const plain = () => dm.getNumber('OCPPCommCtrlr', 'MessageAttempts');
    expect(dm.getNumber('OCPPCommCtrlr', 'MessageAttempts', { instance: 'TransactionEvent' })).toBeGreaterThan(0);
    expect(plain).toThrow(/UnknownVariable/);
    // Failed lookups are not remembered as found.
    expect(plain).toThrow(/UnknownVariable/);
    expect(() => dm.getNumber('NoSuchCtrlr', 'TxUpdatedInterval')).toThrow(/UnknownComponent/);
    expect(() => dm.getList('SampledDataCtrlr', 'TxUpdatedInterval')).toThrow(/not a list/);
    expect(() => dm.getList('SampledDataCtrlr', 'TxUpdatedInterval')).toThrow(/not a list/);
  });
});
