import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ioaHex, loadMappingFile, parseMapping } from '../../../../codecs/iec104-points/load-mapping.js';
import { fixturePath, REPO_ROOT } from '../../../support/fixtures.js';
import { configError } from '../../../support/config-error.js';

const exampleFile = (name: string): string => `${REPO_ROOT}mappings/iec104-points/${name}.yaml`;

/** The minimal valid mapping every bad fixture is a one-defect copy of. */
const MINIMAL = `kind: iec104-points
version: 1
charger:
  vendor: Example
  model: EX-MIN-1
  currentType: AC
  connectors: 1
identity:
  source: commonAddress
  template: "EXMIN{ca}"
timeZone: Asia/Shanghai
link: { k: 12, w: 8, t1: 15, t2: 10, t3: 20 }
points:
  - ti: M_SP_NA_1
    ioa: 0x0001
    connector: 1
    signal: status
    label: socket in use
    states:
      "0": { status: available, chargingState: idle }
      "1": { status: occupied, chargingState: charging }
  - { ti: M_SP_NA_1, ioa: 0x0002, connector: 1, signal: fault, fault: { code: RCD_TRIP, severity: error } }
  - { ti: M_ME_NB_1, ioa: 0x4001, connector: 1, signal: measurand, measurand: voltage, unit: V, scale: 0.1 }
  - { ti: M_IT_NA_1, ioa: 0x6401, connector: 1, signal: measurand, measurand: energy, unit: Wh }
commands:
  - { command: startCharging, connector: 1, ti: C_SC_NA_1, ioa: 0x6001, value: "on" }
  - { command: stopCharging, connector: 1, ti: C_SC_NA_1, ioa: 0x6001, value: "off" }
`;

/** MINIMAL with one exact substring replaced (which must occur once). */
function variant(from: string, to: string): string {
  expect(MINIMAL.split(from)).toHaveLength(2);
  return MINIMAL.replace(from, to);
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  expect(i).toBeGreaterThanOrEqual(0);
  return text.slice(0, i).split('\n').length;
}

describe('parseMapping: the examples', () => {
  it('loads example-dc-2gun with every point and command', () => {
    const m = loadMappingFile(exampleFile('example-dc-2gun'));
    expect(m.name).toBe('example-dc-2gun');
    expect(m.charger).toEqual({ vendor: 'Example', model: 'EX-DC120-2', currentType: 'DC', connectors: 2, maxPowerW: 120000, maxCurrentA: 250 });
    expect(m.identity).toEqual({ source: 'commonAddress', template: 'EXDC{ca}' });
    expect(m.asdu).toEqual({ cotSize: 2, caSize: 2, ioaSize: 3 });
    expect(m.link).toEqual({ k: 12, w: 8, t1: 15, t2: 10, t3: 20 });
    expect(m.points).toHaveLength(26);
    expect(m.commands).toHaveLength(10);
    const bySignal = (s: string): number => m.points.filter((p) => p.signal === s).length;
    expect([bySignal('fault'), bySignal('available'), bySignal('status'), bySignal('measurand')]).toEqual([10, 1, 2, 13]);
    expect(m.points.find((p) => p.ioa === 0x6401)).toEqual({
      ti: 'M_IT_NA_1',
      ioa: 25601,
      connector: 1,
      signal: 'measurand',
      measurand: 'energy',
      unit: 'kWh',
      scale: 0.01,
      label: 'gun 1 energy register',
    });
    // Gun 2 reuses gun 1's state table through a YAML alias.
    const [gun1, gun2] = m.points.filter((p) => p.signal === 'status');
    expect(gun1?.ioa).toBe(0x4001);
    expect(gun2?.ioa).toBe(0x4011);
    expect(gun1?.signal === 'status' && gun1.states['2']).toEqual({ status: 'occupied', chargingState: 'charging', plugged: true });
    expect(gun2?.signal === 'status' && Object.keys(gun2.states)).toEqual(['0', '1', '2', '3', '4', '5', '6']);
    expect(m.commands?.filter((c) => c.command === 'setLimit').map((c) => [c.connector, c.ti, c.ioa])).toEqual([
      [0, 'C_SE_NB_1', 0x6201],
      [1, 'C_SE_NC_1', 0x6202],
      [2, 'C_SE_NC_1', 0x6203],
    ]);
  });

  it('loads example-ac-1gun with its double command and select-before-operate', () => {
    const m = loadMappingFile(exampleFile('example-ac-1gun'));
    expect(m.name).toBe('example-ac-1gun');
    expect(m.charger.currentType).toBe('AC');
    expect(m.asdu).toBeUndefined();
    expect(m.points).toHaveLength(12);
    expect(m.commands).toHaveLength(5);
    expect(m.points.find((p) => p.ioa === 0x0006)).toMatchObject({ ti: 'M_DP_NA_1', signal: 'fault', fault: { code: 'LID_OPEN', severity: 'warning' } });
    expect(m.points.find((p) => p.ioa === 0x4004)).toMatchObject({ measurand: 'temperature', unit: 'Celsius', scale: 0.1, offset: -40 });
    expect(m.commands?.[0]).toEqual({ command: 'startCharging', connector: 1, ti: 'C_DC_NA_1', ioa: 24577, value: 'on', selectBeforeOperate: true });
    expect(m.commands?.[4]).toEqual({ command: 'setLimit', connector: 1, ti: 'C_SE_NB_1', ioa: 0x6201, unit: 'A', scale: 0.1 });
  });

  it('returns the same mapping from text as from the file', () => {
    const file = exampleFile('example-ac-1gun');
    expect(parseMapping(readFileSync(file, 'utf8'), 'x/example-ac-1gun.yaml')).toEqual(loadMappingFile(file));
  });
});

describe('parseMapping: defaults and normalisation', () => {
  it('accepts the minimal mapping', () => {
    const m = parseMapping(MINIMAL, 'mappings/iec104-points/ex-min.yaml');
    expect(m.points).toHaveLength(4);
    expect(m.points[3]?.ioa).toBe(25601);
  });

  it('takes the name from the file name when absent, and keeps a given one', () => {
    expect(parseMapping(MINIMAL, 'some/dir/vendor-x.model_1.yaml').name).toBe('vendor-x.model_1');
    expect(parseMapping(MINIMAL, 'C:\\maps\\ex.yml').name).toBe('ex');
    expect(parseMapping(MINIMAL, '<inline mapping>').name).toBe('inline-mapping');
    expect(parseMapping(MINIMAL.replace('version: 1\n', 'version: 1\nname: given\n'), 'other.yaml').name).toBe('given');
  });

  it('drops $schema and puts kind, version and name first', () => {
    const m = parseMapping(`$schema: ../schema/iec104-points.schema.json\n${MINIMAL}`, 'a.yaml');
    expect(Object.keys(m).slice(0, 3)).toEqual(['kind', 'version', 'name']);
    expect(m).not.toHaveProperty('$schema');
  });
});

interface BadFixture {
  readonly name: string;
  readonly file: string;
  readonly text: string;
  readonly code: string;
  readonly pointer: string;
  readonly line: number;
  readonly reason: string;
}

function badFixtures(): BadFixture[] {
  const dir = fixturePath('iec104-points', 'bad-mappings');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => {
      const text = readFileSync(`${dir}/${f}`, 'utf8');
      const header = (key: string): string => {
        const m = new RegExp(`^# ${key}:(.*)$`, 'm').exec(text);
        if (m === null) throw new Error(`${f}: no "# ${key}:" header`);
        return (m[1] ?? '').trim();
      };
      return {
        name: f,
        file: `fixtures/iec104-points/bad-mappings/${f}`,
        text,
        code: header('expect-code'),
        pointer: header('expect-pointer'),
        line: Number(header('expect-line')),
        reason: header('expect-reason'),
      };
    });
}

describe('parseMapping: bad fixtures', () => {
  const fixtures = badFixtures();

  it('covers every defect the mapping loader promises to catch', () => {
    expect(fixtures.map((f) => f.name)).toEqual([
      'command-monitor-ti.yaml',
      'connector-beyond-count.yaml',
      'duplicate-ioa.yaml',
      'measurand-without-unit.yaml',
      'states-key-impossible.yaml',
      'unit-not-fitting-measurand.yaml',
      'unknown-ti.yaml',
      'unknown-time-zone.yaml',
      'unknown-top-level-key.yaml',
      'window-exceeds-k.yaml',
      'yaml-syntax.yaml',
      'zero-scale.yaml',
    ]);
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s fails with its code, pointer, reason and line', (_name, f) => {
    const e = configError(() => parseMapping(f.text, f.file));
    expect(e.code).toBe(f.code);
    expect(e.file).toBe(f.file);
    expect(e.issues).toHaveLength(1);
    const issue = e.issues[0];
    expect(issue?.pointer).toBe(f.pointer);
    expect(issue?.reason).toContain(f.reason);
    expect(issue?.line).toBe(f.line);
    // The line the loader names is the one the fixture marks as the defect.
    expect(f.text.split('\n')[f.line - 1]).toMatch(/# <- defect$/);
    expect(e.message).toMatch(new RegExp(`^${f.file.replace(/[.]/g, '\\.')}:${f.line}:\\d+: `));
  });

  it.each(fixtures.map((f) => [f.name, f] as const))('%s is the minimal mapping with one change', (_name, f) => {
    const body = f.text
      .split('\n')
      .filter((l) => !l.startsWith('#'))
      .map((l) => l.replace(/ {2}# <- defect$/, ''));
    const base = MINIMAL.split('\n');
    const changed = body.filter((l) => !base.includes(l)).length + base.filter((l) => !body.includes(l)).length;
    expect(changed).toBeGreaterThanOrEqual(1);
    expect(changed).toBeLessThanOrEqual(2);
  });
});

describe('parseMapping: semantic checks', () => {
  it('reports a duplicate command (same command and connector) with the first one', () => {
    const text = `${MINIMAL}  - { command: startCharging, connector: 1, ti: C_SC_NA_1, ioa: 0x6005, value: "on" }\n`;
    const e = configError(() => parseMapping(text, 'm.yaml'));
    expect(e.issues).toEqual([
      {
        pointer: '/commands/2',
        line: lineOf(text, '{ command: startCharging, connector: 1, ti: C_SC_NA_1, ioa: 0x6005'),
        column: 5,
        reason: 'duplicate command startCharging for connector 1: already defined at /commands/0',
      },
    ]);
  });

  it('lets two type families use the same IOA (M_SP and M_DP are separate address spaces)', () => {
    const text = variant('  - { ti: M_SP_NA_1, ioa: 0x0002, connector: 1, signal: fault,', '  - { ti: M_DP_NA_1, ioa: 0x0001, connector: 1, signal: fault,');
    expect(parseMapping(text, 'm.yaml').points[1]).toMatchObject({ ti: 'M_DP_NA_1', ioa: 1 });
  });

  it('reports t2 >= t1, naming the default when one side is absent', () => {
    expect(configError(() => parseMapping(variant('t1: 15, t2: 10', 't1: 10, t2: 10'), 'm.yaml')).issues).toMatchObject([{ pointer: '/link/t2', reason: 't2 (10 s) must be less than t1 (10 s)' }]);
    expect(configError(() => parseMapping(variant('link: { k: 12, w: 8, t1: 15, t2: 10, t3: 20 }', 'link: { t2: 20 }'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/link/t2', reason: 't2 (20 s) must be less than t1 (15 s, the default)' },
    ]);
    expect(configError(() => parseMapping(variant('link: { k: 12, w: 8, t1: 15, t2: 10, t3: 20 }', 'link: { k: 4 }'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/link/k', reason: 'w (8, the default) must not exceed k (4)' },
    ]);
  });

  it('reports an IOA that does not fit asdu.ioaSize, and a common address that does not fit caSize', () => {
    const text = variant('link:', 'asdu: { caSize: 1, ioaSize: 1 }\ncommonAddress: 65535\nlink:');
    const e = configError(() => parseMapping(text, 'm.yaml'));
    expect(e.issues.map((i) => [i.pointer, i.reason])).toEqual([
      ['/commonAddress', 'common address 65535 does not fit asdu.caSize 1 (at most 255, which is also the broadcast address)'],
      ['/points/2/ioa', 'IOA 0x4001 (16385) does not fit asdu.ioaSize 1 (at most 0x00FF = 255)'],
      ['/points/3/ioa', 'IOA 0x6401 (25601) does not fit asdu.ioaSize 1 (at most 0x00FF = 255)'],
      ['/commands/0/ioa', 'IOA 0x6001 (24577) does not fit asdu.ioaSize 1 (at most 0x00FF = 255)'],
      ['/commands/1/ioa', 'IOA 0x6001 (24577) does not fit asdu.ioaSize 1 (at most 0x00FF = 255)'],
    ]);
  });

  it('checks status states against the TI: DP allows 0..3, scaled values their 16-bit range', () => {
    const dp = variant('"1": { status: occupied, chargingState: charging }', '"3": { status: occupied, chargingState: charging }').replace('  - ti: M_SP_NA_1\n', '  - ti: M_DP_NA_1\n');
    expect(parseMapping(dp, 'm.yaml').points[0]).toMatchObject({ ti: 'M_DP_NA_1' });
    const dp4 = dp.replace('"3": {', '"4": {');
    expect(configError(() => parseMapping(dp4, 'm.yaml')).issues).toMatchObject([{ pointer: '/points/0/states/4', reason: 'state 4 is impossible for M_DP_NA_1 (raw values 0..3)' }]);
    const nb = MINIMAL.replace('  - ti: M_SP_NA_1\n', '  - ti: M_ME_NB_1\n').replace('"1": {', '"-32768": {');
    expect(parseMapping(nb, 'm.yaml').points[0]?.ti).toBe('M_ME_NB_1');
    expect(configError(() => parseMapping(nb.replace('"-32768": {', '"32768": {'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/points/0/states/32768', reason: 'state 32768 is impossible for M_ME_NB_1 (raw values -32768..32767)' },
    ]);
  });

  it('reports state keys that can never match a raw value', () => {
    expect(configError(() => parseMapping(variant('"1": {', '"01": {'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/points/0/states/01', line: lineOf(MINIMAL, '"1": {'), reason: 'state "01" never matches a raw value: write it as 1' },
    ]);
    expect(configError(() => parseMapping(variant('"1": {', 'on: {'), 'm.yaml')).issues).toMatchObject([{ pointer: '/points/0/states/on', reason: 'state "on" is not an integer raw value' }]);
  });

  it('reports a template without {ca} when the identity comes from the common address', () => {
    expect(configError(() => parseMapping(variant('template: "EXMIN{ca}"', 'template: "EXMIN"'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/identity/template', reason: 'template "EXMIN" has no {ca}: every charger would get the same identity' },
    ]);
    expect(parseMapping(variant('source: commonAddress\n  template: "EXMIN{ca}"', 'source: connection\n  template: "EXMIN"'), 'm.yaml').identity.source).toBe('connection');
  });

  it('reports every problem at once, in file order', () => {
    const text = variant('timeZone: Asia/Shanghai', 'timeZone: Mars/Olympus').replace('unit: Wh', 'unit: kW').replace('connector: 1, signal: fault', 'connector: 3, signal: fault');
    const e = configError(() => parseMapping(text, 'm.yaml'));
    expect(e.issues.map((i) => i.pointer)).toEqual(['/timeZone', '/points/1/connector', '/points/3/unit']);
    expect(e.issues.map((i) => i.line)).toEqual([lineOf(text, 'timeZone'), lineOf(text, 'connector: 3'), lineOf(text, 'unit: kW')]);
  });
});

describe('parseMapping: schema messages about types', () => {
  it('explains a command at a setpoint type, and setLimit at a switch type', () => {
    expect(configError(() => parseMapping(variant('startCharging, connector: 1, ti: C_SC_NA_1', 'startCharging, connector: 1, ti: C_SE_NB_1'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/commands/0/ti', reason: 'command startCharging uses setpoint type C_SE_NB_1; commands need C_SC_NA_1 or C_DC_NA_1' },
    ]);
    const limit = `${MINIMAL}  - { command: setLimit, connector: 1, ti: C_SC_NA_1, ioa: 0x6201, unit: A }\n`;
    expect(configError(() => parseMapping(limit, 'm.yaml')).issues).toMatchObject([
      { pointer: '/commands/2/ti', reason: 'command setLimit uses command type C_SC_NA_1; setLimit needs a setpoint type: C_SE_NA_1, C_SE_NB_1 or C_SE_NC_1' },
    ]);
  });

  it('explains a point at a control type, a time-tagged type, or a type that does not fit its signal', () => {
    const at = (ti: string): string => variant('  - { ti: M_SP_NA_1, ioa: 0x0002', `  - { ti: ${ti}, ioa: 0x0002`);
    expect(configError(() => parseMapping(at('C_SC_NA_1'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/points/1/ti', reason: 'fault point uses command type C_SC_NA_1; fault points need M_SP_NA_1 or M_DP_NA_1' },
    ]);
    expect(configError(() => parseMapping(at('M_SP_TB_1'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/points/1/ti', reason: 'M_SP_TB_1 is the time-tagged variant of M_SP_NA_1: write M_SP_NA_1 (both are accepted at the IOA)' },
    ]);
    expect(configError(() => parseMapping(at('M_ME_NC_1'), 'm.yaml')).issues).toMatchObject([
      { pointer: '/points/1/ti', reason: 'fault points cannot use M_ME_NC_1; expected M_SP_NA_1 or M_DP_NA_1' },
    ]);
  });

  it('reports a document that is not a mapping at the root', () => {
    expect(configError(() => parseMapping('', 'empty.yaml')).issues).toEqual([{ pointer: '', line: undefined, column: undefined, reason: 'must be object, got null' }]);
    expect(configError(() => parseMapping('- a\n', 'list.yaml')).issues).toMatchObject([{ pointer: '', line: 1, column: 1, reason: 'must be object, got a list' }]);
  });
});

describe('loadMappingFile', () => {
  it('reports a missing file as CONFIG_READ', () => {
    const e = configError(() => loadMappingFile('mappings/iec104-points/no-such-mapping.yaml'));
    expect(e.code).toBe('CONFIG_READ');
    expect(e.message).toBe('mappings/iec104-points/no-such-mapping.yaml: cannot read file: no such file');
  });
});

describe('ioaHex', () => {
  it('writes at least four upper-case hex digits', () => {
    expect([ioaHex(1), ioaHex(0x6401), ioaHex(0x10000), ioaHex(0xffffff)]).toEqual(['0x0001', '0x6401', '0x10000', '0xFFFFFF']);
  });
});
