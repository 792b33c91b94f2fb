import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PACKAGED_FILES, packagedComponents, parseComponentDef } from '../../../../src/station/device-model/device-model-defs.js';
import { checkValue } from '../../../../src/station/device-model/device-model-values.js';

const variable = (extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  name: 'V',
  mutability: 'ReadWrite',
  dataType: 'integer',
  default: '1',
  persistent: true,
  constant: false,
  required: false,
  description: 'd',
  ...extra,
});
const file = (variables: unknown[], extra: Record<string, unknown> = {}): unknown => ({ name: 'C', scope: 'station', description: 'd', variables, ...extra });

describe('component definition files', () => {
  it('every file in components/ is packaged (and so copied to dist/) and loads', () => {
    const onDisk = readdirSync(new URL('../../../../src/station/device-model/components/', import.meta.url))
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -'.json'.length));
    expect([...PACKAGED_FILES].sort()).toEqual(onDisk.sort());
    const defs = packagedComponents();
    expect(defs.map((d) => d.name)).toEqual([...PACKAGED_FILES]);
    expect(defs.find((d) => d.name === 'SmartChargingCtrlr')?.when).toBe('limitable');
  });

  it('refuses malformed definitions, naming file and field', () => {
    expect(() => parseComponentDef(file([variable({ dataType: 'OptionList', default: 'a' })]), 'x.json')).toThrow('x.json: /variables/0/valuesList: is mandatory for OptionList');
    expect(() => parseComponentDef(file([variable({ default: 'abc' })]), 'x.json')).toThrow('x.json: /variables/0/default: "abc" is not an integer');
    expect(() => parseComponentDef(file([variable({ minLimit: 5, default: '1' })]), 'x.json')).toThrow(/default: 1 is below the minimum 5/);
    expect(() => parseComponentDef(file([variable({ derive: 'magic' })]), 'x.json')).toThrow(/\/variables\/0\/derive: must be one of/);
    expect(() => parseComponentDef(file([variable({ default: undefined })]), 'x.json')).toThrow(/default: is needed unless the value is derived/);
    expect(() => parseComponentDef(file([variable(), variable()]), 'x.json')).toThrow(/V is defined twice/);
    expect(() => parseComponentDef(file([variable({ mutability: 'ReadOnce' })]), 'x.json')).toThrow(/mutability: must be one of/);
    expect(() => parseComponentDef(file([variable({ name: 'a/b' })]), 'x.json')).toThrow(/name: must be 1-50 of/);
    expect(() => parseComponentDef(file([]), 'x.json')).toThrow(/variables: must be a non-empty array/);
    expect(() => parseComponentDef(file([variable()], { scope: 'site' }), 'x.json')).toThrow(/scope: must be one of/);
    expect(parseComponentDef(file([variable({ instance: 'A' }), variable({ instance: 'B' })]), 'x.json').variables).toHaveLength(2);
  });
});

describe('checkValue', () => {
  it('checks each dataType and returns the canonical form', () => {
    const ok = (def: Parameters<typeof checkValue>[0], raw: string): string | undefined => {
      const r = checkValue(def, raw);
      return r.ok ? r.value : undefined;
    };
    expect(ok({ dataType: 'integer' }, '007')).toBe('7');
    expect(ok({ dataType: 'integer' }, '1e3')).toBeUndefined();
    expect(ok({ dataType: 'integer' }, '')).toBeUndefined();
    expect(ok({ dataType: 'decimal' }, '2.50')).toBe('2.5');
    expect(ok({ dataType: 'decimal' }, 'NaN')).toBeUndefined();
    expect(ok({ dataType: 'boolean' }, 'False')).toBe('false');
    expect(ok({ dataType: 'dateTime' }, '2025-01-01T00:00:00.000Z')).toBe('2025-01-01T00:00:00.000Z');
    expect(ok({ dataType: 'dateTime' }, '2025-01-01T00:00:00')).toBeUndefined();
    expect(ok({ dataType: 'string', maxLimit: 3 }, 'abcd')).toBeUndefined();
    expect(ok({ dataType: 'OptionList', valuesList: 'A,B' }, 'B')).toBe('B');
    expect(ok({ dataType: 'OptionList', valuesList: 'A,B' }, 'A,B')).toBeUndefined();
    expect(ok({ dataType: 'MemberList', valuesList: 'A,B' }, ' B , A ')).toBe('B,A');
    expect(ok({ dataType: 'MemberList', valuesList: 'A,B' }, '')).toBe('');
    expect(ok({ dataType: 'SequenceList', valuesList: 'A,B' }, '')).toBeUndefined();
    expect(ok({ dataType: 'MemberList', valuesList: 'A,B', maxLimit: 2 }, 'A,B')).toBeUndefined();
    expect(checkValue({ dataType: 'integer', maxLimit: 10 }, '11')).toMatchObject({ ok: false, reasonCode: 'ValueTooHigh' });
  });
});
