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

function load(identity: string, capabilities: Capabilities = CAPS): Promise<DeviceModel> {
  return DeviceModel.load({ store: new MemoryStore(), capabilities, config: { identity, securityProfile: 1 } });
}

function find(dm: DeviceModel, key: string): DeviceModel['variables'][number] {
  const v = dm.variables.find((x) => x.key === key);
  if (v === undefined) throw new Error(`no ${key}`);
  return v;
}

describe('device models of many stations', () => {
  it('share what is the same for them: where each variable sits, and derived definitions', async () => {
    const a = await load('CS-1');
    const b = await load('CS-2');
    expect(a.variables.length).toBe(b.variables.length);
    a.variables.forEach((v, i) => {
      const w = b.variables[i];
      expect(w?.key).toBe(v.key);
      expect(w?.component).toBe(v.component);
      expect(w?.variable).toBe(v.variable);
      expect(w?.def).toBe(v.def);
    });
    // Each keeps its own values.
    expect(a.getString('SecurityCtrlr', 'Identity')).toBe('CS-1');
    expect(b.getString('SecurityCtrlr', 'Identity')).toBe('CS-2');
  });

  it('keep the definitions derived from each charger: a charger measuring less offers fewer measurands', async () => {
    const full = await load('CS-1');
    const less = await load('CS-3', { ...CAPS, measurands: new Set(['energy']), maxPowerW: 30_000 });
    const key = 'SampledDataCtrlr/TxUpdatedMeasurands';
    expect(find(full, key).def.valuesList).toBe('Energy.Active.Import.Register,Power.Active.Import,SoC');
    expect(find(less, key).def.valuesList).toBe('Energy.Active.Import.Register');
    expect(find(full, 'EVSE@1/Power').def.maxLimit).toBe(120_000);
    expect(find(less, 'EVSE@1/Power').def.maxLimit).toBe(30_000);
    // Set on one station, a value stays there.
    await full.set([{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedMeasurands' }, attributeValue: 'SoC' }]);
    expect(full.getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).toEqual(['SoC']);
    expect((await load('CS-4')).getList('SampledDataCtrlr', 'TxUpdatedMeasurands')).not.toEqual(['SoC']);
  });
});
