import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../src/config/errors.js';
import { loadSgcc104Options } from '../../../../codecs/sgcc104/load-options.js';
import { checkSgcc104Options } from '../../../../codecs/sgcc104/options-report.js';
import { REPO_ROOT } from '../../../support/fixtures.js';
import { MADE_UP_DIALECT } from '../../../support/sgcc104-made-up-dialect.js';

const dir = mkdtempSync(join(tmpdir(), 'sgcc104-options-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const EXAMPLE = `${REPO_ROOT}mappings/sgcc104/example-options.yaml`;

/** Writes `text` to a file of the temporary folder and returns its path. */
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (e instanceof ConfigError) return e;
  throw new Error(`expected a ConfigError, got ${String(e)}`);
}

const TARIFF = `tariff:
  billingModelId: '42'
  prices:
    tip: { energy: 1.2, service: 0.8 }
    peak: { energy: 1.0, service: 0.8 }
    flat: { energy: 0.7, service: 0.6 }
    valley: { energy: 0.35, service: 0.4 }
  periods:
    - { from: '00:00', slot: valley }
    - { from: '08:00', slot: flat }
    - { from: '18:00', slot: tip }
`;

describe('loadSgcc104Options', () => {
  it('loads the example: dialect b3, the tariff, the operator settings', async () => {
    const o = await loadSgcc104Options({ file: EXAMPLE });
    expect(o.dialect.name).toBe('b3');
    expect(o).toMatchObject({ timeZone: 'Asia/Shanghai', commandTimeoutMs: 8000, ratedPowerW: 7000, source: EXAMPLE });
    expect(o.tariff?.billingModelId).toBe('0000000000000001');
    expect(o.tariff?.prices.valley).toEqual({ energy: 0.35, service: 0.4 });
    expect(o.tariff?.periods.map((p) => p.slot)).toEqual(['valley', 'flat', 'peak', 'flat', 'tip', 'valley']);
  });

  it('takes a catalogue file itself, with the operator defaults', async () => {
    const o = await loadSgcc104Options({ file: `${REPO_ROOT}mappings/sgcc104/b1.yaml` });
    expect(o.dialect.name).toBe('b1');
    expect(o.timeZone).toBe('Asia/Shanghai');
    expect(o.commandTimeoutMs).toBe(8000);
    expect(o.tariff).toBeUndefined();
  });

  it('finds a dialect file relative to the options file, and converts the timeout', async () => {
    file('zz.yaml', MADE_UP_DIALECT);
    const o = await loadSgcc104Options({ file: file('zz-options.yaml', `dialect: zz.yaml\ntimeZone: Europe/Berlin\ncommandTimeoutS: 2.5\n${TARIFF}`) });
    expect(o.dialect.name).toBe('zz');
    expect(o).toMatchObject({ timeZone: 'Europe/Berlin', commandTimeoutMs: 2500 });
    expect(o.tariff?.periods).toHaveLength(3);
  });

  it('takes options from a value', async () => {
    const o = await loadSgcc104Options({ value: { dialect: 'b2', ratedPowerW: 22000 } });
    expect(o.dialect.name).toBe('b2');
    expect(o.ratedPowerW).toBe(22000);
    expect(o.source).toBeUndefined();
  });

  const bad: { what: string; text: string; pointer: string; line: number; reason: RegExp }[] = [
    { what: 'an unknown time zone', text: 'dialect: b1\ntimeZone: Asia/Shanghia\n', pointer: '/timeZone', line: 2, reason: /unknown time zone "Asia\/Shanghia"/ },
    { what: 'a misspelt key', text: 'dialect: b1\ncommandTimeout: 8\n', pointer: '/commandTimeout', line: 2, reason: /unknown property "commandTimeout"; did you mean "commandTimeoutS"\?/ },
    {
      what: 'a tariff not starting at midnight',
      text: `dialect: b1\n${TARIFF.replace("'00:00'", "'01:00'")}`,
      pointer: '/tariff/periods/0/from',
      line: 10,
      reason: /the first period starts at 00:00, not 01:00/,
    },
    {
      what: 'periods out of order',
      text: `dialect: b1\n${TARIFF.replace("'18:00'", "'07:00'")}`,
      pointer: '/tariff/periods/2/from',
      line: 12,
      reason: /07:00 does not come after the previous period's 08:00/,
    },
    { what: 'a time that is no time', text: `dialect: b1\n${TARIFF.replace("'18:00'", "'24:00'")}`, pointer: '/tariff/periods/2/from', line: 12, reason: /does not match/ },
    { what: 'a dialect file that does not exist', text: 'dialect: nowhere.yaml\n', pointer: '/dialect', line: 1, reason: /cannot read the catalogue .*nowhere\.yaml.*built-in dialects: b1, b2, b3/ },
    {
      what: 'more periods than the dialect holds',
      text: `dialect: b3\n${TARIFF.replace("    - { from: '18:00', slot: tip }\n", ['10:00', '12:00', '14:00', '16:00', '18:00'].map((t) => `    - { from: '${t}', slot: peak }\n`).join(''))}`,
      pointer: '/tariff/periods',
      line: 9,
      reason: /dialect b3's billing model \(billingModel\) holds at most 6 periods; the tariff has 7/,
    },
  ];
  for (const c of bad) {
    it(`reports ${c.what} in the options file with line and pointer`, async () => {
      const path = file('bad.yaml', c.text);
      const e = await rejection(loadSgcc104Options({ file: path }));
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.file).toBe(path);
      expect(e.issues).toHaveLength(1);
      expect(e.issues[0]).toMatchObject({ pointer: c.pointer, line: c.line });
      expect(e.issues[0]?.reason).toMatch(c.reason);
    });
  }

  it('reports a broken catalogue in the catalogue file', async () => {
    const catalogue = file('broken.yaml', MADE_UP_DIALECT.replace('values: states', 'values: nope'));
    const e = await rejection(loadSgcc104Options({ file: file('uses-broken.yaml', 'dialect: broken.yaml\n') }));
    expect(e.file).toBe(catalogue);
    expect(e.issues[0]).toMatchObject({ pointer: '/records/8/fields/1/values' });
    expect(e.issues[0]?.line).toBeGreaterThan(1);
  });

  it('reports a missing options file as CONFIG_READ', async () => {
    expect((await rejection(loadSgcc104Options({ file: join(dir, 'absent.yaml') }))).code).toBe('CONFIG_READ');
  });
});

describe('checkSgcc104Options', () => {
  it('says plainly what b1 lacks, and lists every record with its key, meaning, direction and size', async () => {
    const o = await loadSgcc104Options({ value: { dialect: 'b1' } });
    const lines = checkSgcc104Options(o, 'b1-options.yaml').lines;
    expect(lines[0]).toBe('sgcc104 options (b1-options.yaml): valid');
    const missing = lines.slice(lines.indexOf('missing'));
    expect(missing.some((l) => /remote start: dialect b1 has no remote-start record; RequestStartTransaction is answered notSupported/.test(l))).toBe(true);
    // 6 header octets + record type + 110 octets of fields; APDU length 0x66 for the 98-octet auth result.
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}0x82\/1 +cardAuthRequest +authorizationRequest +up +117 octets +answered by cardAuthResult$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}0x85\/1 +cardAuthResult +authorizationResult +down +98 octets$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}0x45\/none +remoteStop +remoteStop +down +10 octets$/));
    expect(lines).toContainEqual(expect.stringMatching(/chargeRecordConfirm: the source shows no charge-record confirmation/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}tariff +none/));
  });

  it('finds every flow in b3 with a tariff, and shows the variable billing model', async () => {
    const o = await loadSgcc104Options({ file: EXAMPLE });
    const report = checkSgcc104Options(o, EXAMPLE);
    expect(report.lines).toContain('missing: nothing');
    expect(report.lines).toContainEqual(expect.stringMatching(/^ {2}0x85\/6 +billingModel +billingModel +down +46 \+ periodCount×31 octets +result in billingModelAnswer$/));
    expect(report.lines).toContainEqual(expect.stringMatching(/^ {2}login +25 octets: 68 16 00 FF 02, .*chargerId \(charger id\) bcd reversed 8 @13/));
    const json = report.json as { dialect: { types: Record<string, unknown>; values: Record<string, Record<string, string>> } };
    expect(json.dialect.types['0x82']).toEqual({ name: 'M_RE_NA', direction: 'up' });
    expect(json.dialect.values['startResult']).toEqual({ 1: 'accepted', 2: 'rejected' });
  });
});
