import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LOGIN_ROLES, MEANINGS } from '../../../../codecs/sgcc104/catalogue.js';
import { loadDialect, parseDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { configError } from '../../../support/config-error.js';
import { REPO_ROOT } from '../../../support/fixtures.js';
import { MADE_UP_DIALECT } from '../../../support/sgcc104-made-up-dialect.js';

const FILE = 'dialects/zz.yaml';

/** The made-up dialect with one exact substring replaced (which must occur once). */
function variant(from: string, to: string): string {
  expect(MADE_UP_DIALECT.split(from)).toHaveLength(2);
  return MADE_UP_DIALECT.replace(from, to);
}

function lineOf(text: string, needle: string): number {
  const i = text.indexOf(needle);
  expect(i).toBeGreaterThanOrEqual(0);
  return text.slice(0, i).split('\n').length;
}

/** The one issue a one-defect variant raises: its code, pointer, line and reason. */
function issueOf(text: string): { code: string; pointer: string; line: number | undefined; column: number | undefined; reason: string; message: string } {
  const e = configError(() => parseDialect(text, FILE));
  expect(e.issues).toHaveLength(1);
  const i = e.issues[0];
  if (i === undefined) throw new Error('no issue');
  return { code: e.code, pointer: i.pointer, line: i.line, column: i.column, reason: i.reason, message: e.message };
}

describe('loadDialect: the shipped catalogues', () => {
  it('loads b1: no IOA, the login of §3, stop as TI 0x45, the end reason in the record type', () => {
    const d = loadDialect('b1');
    expect(d.name).toBe('b1');
    expect(d.framing).toMatchObject({ lengthOctets: 1, uFrameOctets: 6, checksum: 'none', privateIoa: false });
    expect(d.login.prefix).toEqual([0x68, 0x01, 0x02]);
    expect(d.login.octets).toBe(25);
    expect(d.types.get(0x45)?.direction).toBe('down');
    expect(d.records.some((r) => r.meaning === 'remoteStart')).toBe(false);
    expect(d.records.find((r) => r.meaning === 'remoteStop')).toMatchObject({ type: 0x45, record: 'none' });
    const record = d.records.find((r) => r.name === 'chargeRecord');
    expect(record).toMatchObject({ type: 0x82, record: [1, 2, 3, 4], endReasonFromRecordType: 'endReason', answer: 'chargeRecordConfirm' });
    expect(d.values.get('endReason')?.get(3)).toBe('remote');
    // The confirmation no source shows is a catalogue value, marked.
    expect(d.records.find((r) => r.name === 'chargeRecordConfirm')?.unconfirmed).toMatch(/no charge-record confirmation/);
    const energy = record?.fields.find((f) => f.role === 'energy');
    expect(energy).toMatchObject({ encoding: 'uint', octets: 4, scale: 0.01, unit: 'kWh' });
  });

  it('loads b2: two-octet length, additive checksum, the v4 login, the AC monitoring record of §4', () => {
    const d = loadDialect('b2');
    expect(d.framing).toMatchObject({ lengthOctets: 2, uFrameOctets: 7, checksum: 'sum16le', privateIoa: true, ioaOctets: 3 });
    expect(d.login).toMatchObject({ prefix: [0x68, 0x0d, 0x00, 0xfd, 0x04], octets: 16, answer: 'echo' });
    const monitoring = d.records.find((r) => r.meaning === 'monitoring');
    expect(monitoring?.fields.map((f) => f.name).slice(0, 4)).toEqual(['chargerId', 'gun', 'carConnected', 'workState']);
    expect(monitoring?.fields.find((f) => f.role === 'voltage')).toMatchObject({ octets: 2, scale: 0.1, unit: 'V' });
    expect(monitoring?.fields.find((f) => f.role === 'current')).toMatchObject({ octets: 2, scale: 0.01, unit: 'A' });
    expect(d.records.filter((r) => r.type === 0x85).map((r) => r.record)).toEqual(expect.arrayContaining([[41], [43], [46]]));
  });

  it('loads b3: digit-reversed ids, seven-octet U-frames, the connector in the IOA, a billing model with counted periods', () => {
    const d = loadDialect('b3');
    expect(d.framing).toMatchObject({ lengthOctets: 2, uFrameOctets: 7, privateIoa: true, connectorInIoa: true });
    expect(d.login.prefix).toEqual([0x68, 0x16, 0x00, 0xff, 0x02]);
    expect(d.login.fields.find((f) => f.role === 'chargerId')).toMatchObject({ encoding: 'bcd', octets: 8, order: 'reversed' });
    const model = d.records.find((r) => r.meaning === 'billingModel');
    const periods = model?.fields.find((f) => f.encoding === 'group');
    expect(periods).toMatchObject({ count: 'periodCount', maxCount: 6 });
    expect(periods?.fields?.find((f) => f.role === 'energyPrice')).toMatchObject({ scale: 0.00001, unit: 'yuan' });
    expect(d.records.find((r) => r.name === 'remoteStart')).toMatchObject({ type: 0x85, record: [12], resultIn: 'startResult' });
    expect(d.records.find((r) => r.name === 'clockReport')).toMatchObject({ type: 0x67, record: 'none', cause: 7 });
    // Passwords are secrets.
    expect(
      d.records
        .flatMap((r) => r.fields)
        .filter((f) => f.role === 'password')
        .every((f) => f.secret === true),
    ).toBe(true);
  });

  it('names its schema and cites the protocol notes in each catalogue', () => {
    for (const name of ['b1', 'b2', 'b3']) {
      const text = readFileSync(`${REPO_ROOT}mappings/sgcc104/${name}.yaml`, 'utf8');
      expect(text.startsWith('# yaml-language-server: $schema=../schema/sgcc104-dialect.schema.json\n')).toBe(true);
      expect(text).toMatch(/docs\/protocols\/state-grid-dialects\.md §[345]/);
    }
  });

  it('loads a catalogue by path relative to a base folder, and the same from text', () => {
    const byName = loadDialect('b2');
    expect(loadDialect('sgcc104/b2.yaml', `${REPO_ROOT}mappings`)).toEqual(byName);
    expect(parseDialect(readFileSync(`${REPO_ROOT}mappings/sgcc104/b2.yaml`, 'utf8'), 'b2.yaml')).toEqual(byName);
  });

  it('keeps the schema in step with the catalogue model: every meaning and every role', () => {
    const schema = JSON.parse(readFileSync(`${REPO_ROOT}mappings/schema/sgcc104-dialect.schema.json`, 'utf8')) as {
      definitions: { field: { properties: { role: { enum: string[] } } }; record: { properties: { meaning: { enum: string[] } } } };
    };
    expect(schema.definitions.record.properties.meaning.enum.sort()).toEqual(Object.keys(MEANINGS).sort());
    const roles = new Set([...Object.values(MEANINGS).flatMap((m) => [...m.roles]), ...LOGIN_ROLES]);
    expect(schema.definitions.field.properties.role.enum.sort()).toEqual([...roles].sort());
  });
});

describe('parseDialect: a made-up fourth dialect written only as YAML', () => {
  it('loads with its own framing, login, types, record numbers and field order', () => {
    const d = parseDialect(MADE_UP_DIALECT, FILE);
    expect(d).toMatchObject({ name: 'zz', currentType: 'DC', connectors: 2, connectorBase: 0 });
    expect(d.framing).toEqual({ lengthOctets: 1, uFrameOctets: 6, checksum: 'none', privateIoa: true, cotOctets: 1, caOctets: 1, ioaOctets: 2, commonAddress: 7, ioa: 0x0102 });
    expect(d.login).toEqual({
      prefix: [0x68, 0xaa, 0x55],
      octets: 16,
      fields: [
        { name: 'gunCount', encoding: 'uint', octets: 1 },
        { name: 'chargerId', encoding: 'ascii', octets: 10, role: 'chargerId' },
        { name: 'spare', encoding: 'reserved', octets: 2 },
      ],
      answer: 'echo',
      answerPatch: [{ offset: 2, value: 0x56 }],
    });
    expect(d.link).toEqual({ startDt: true, clockSync: true, interrogate: false, t3: 15 });
    expect([...d.types]).toEqual([
      [0x90, { name: 'ZZ_UP', direction: 'up' }],
      [0x91, { name: 'ZZ_DOWN', direction: 'down' }],
    ]);
    expect(d.values.get('states')).toEqual(
      new Map([
        [0x10, 'available'],
        [0x11, 'preparing'],
        [0x12, 'charging'],
        [0x13, 'finishing'],
        [0x1f, 'faulted'],
      ]),
    );
    expect(d.records.map((r) => `${r.type.toString(16)}/${String(r.record)} ${r.meaning}`)).toEqual([
      '90/49 authorizationRequest',
      '91/49 authorizationResult',
      '91/64 remoteStart',
      '90/64 startResult',
      '91/65 remoteStop',
      '90/65 stopResult',
      '90/82 sessionStart',
      '91/82 sessionStartAnswer',
      '90/80 monitoring',
      '90/81 chargingData',
      '90/96 chargeRecord',
      '91/96 recordConfirm',
      '67/none clockSync',
    ]);
    expect(d.records.find((r) => r.name === 'setClock')?.fields).toEqual([{ name: 'now', encoding: 'cp56', role: 'time', octets: 7 }]);
  });
});

describe('the vendor guide', () => {
  it('has a worked example that loads as it stands', () => {
    const guide = readFileSync(`${REPO_ROOT}docs/sgcc104-catalogues.md`, 'utf8');
    const example = [...guide.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] ?? '')
      .filter((t) => t.startsWith('# yaml-language-server'))
      .at(-1);
    expect(example).toBeDefined();
    const d = parseDialect(example ?? '', 'docs/sgcc104-catalogues.md');
    expect(d.records.map((r) => r.meaning)).toEqual(['authorizationRequest', 'authorizationResult']);
  });
});

describe('parseDialect: each class of mistake at file:line:column and JSON pointer', () => {
  const cases: { what: string; from: string; to: string; pointer: string; at: string; reason: RegExp; code?: string }[] = [
    {
      what: 'a YAML syntax error',
      from: 'confidence: none',
      to: 'confidence: none\nconfidence: low',
      pointer: '/confidence',
      at: 'confidence: low',
      reason: /duplicate key "confidence"/,
      code: 'CONFIG_SYNTAX',
    },
    {
      what: 'an unknown property',
      from: '{ name: soc, encoding: uint, octets: 1,',
      to: '{ name: soc, encoding: uint, octet: 1,',
      pointer: '/records/8/fields/6/octet',
      at: 'name: soc',
      reason: /unknown property "octet"; did you mean "octets"\?/,
    },
    {
      what: 'an unknown encoding',
      from: '{ name: plug, encoding: uint',
      to: '{ name: plug, encoding: int',
      pointer: '/records/8/fields/2/encoding',
      at: 'name: plug',
      reason: /unknown encoding "int"; expected one of bcd, uint/,
    },
    {
      what: 'a repeated record name',
      from: '  - name: setClock\n',
      to: '  - name: receipt\n',
      pointer: '/records/12/name',
      at: '- name: receipt\n    type: 0x67',
      reason: /record name "receipt" is already used by \/records\/10/,
    },
    {
      what: 'a repeated (type, record) key of records of one length',
      from: '    record: 0x41\n    cause: 6',
      to: '    record: 0x52\n    cause: 6',
      pointer: '/records/7/record',
      at: 'record: 0x52\n    cause: 7',
      reason: /0x91\/82 down is already the key of \/records\/4 \(stop\): records sharing a \(type, record\) pair in one direction need fixed, different lengths/,
    },
    {
      what: 'a role the meaning does not have',
      from: '{ name: watts, encoding: uint, octets: 4, endian: big, unit: W, role: power }',
      to: '{ name: watts, encoding: uint, octets: 4, endian: big, unit: W, role: balance }',
      pointer: '/records/9/fields/3/role',
      at: 'name: watts',
      reason: /role balance is not a role of meaning chargingData/,
    },
    {
      what: 'a required role missing',
      from: '      - { name: kwh, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh, role: energy }\n      - { name: watts',
      to: '      - { name: kwh, encoding: uint, octets: 4, endian: big, scale: 0.001, unit: kWh }\n      - { name: watts',
      pointer: '/records/9/meaning',
      at: 'meaning: chargingData',
      reason: /meaning chargingData needs a field with role energy/,
    },
    {
      what: 'an answer naming no record',
      from: 'answer: receiptAck',
      to: 'answer: receiptAk',
      pointer: '/records/10/answer',
      at: 'answer: receiptAk',
      reason: /no record named "receiptAk"; known: .*receiptAck/,
    },
    {
      what: 'an answer naming an uplink record',
      from: 'answer: authAnswer',
      to: 'answer: started',
      pointer: '/records/0/answer',
      at: 'answer: started',
      reason: /answer must name a downlink record; started \(startResult\) goes up/,
    },
    {
      what: 'resultIn on an uplink record',
      from: '    meaning: startResult\n',
      to: '    meaning: startResult\n    resultIn: stopped\n',
      pointer: '/records/3/resultIn',
      at: 'resultIn: stopped',
      reason: /resultIn belongs to a downlink record; started \(startResult\) goes up/,
    },
    {
      what: 'a values table that does not exist',
      from: 'values: states',
      to: 'values: state',
      pointer: '/records/8/fields/1/values',
      at: 'name: state,',
      reason: /no values table "state"; known: ok, states, reasons, refusals/,
    },
    {
      what: 'a word not allowed for the role',
      from: '0x12: charging,',
      to: '0x12: busy,',
      pointer: '/values/states/18',
      at: 'states:',
      reason: /"busy" is not a workState word; expected one of available/,
    },
    {
      what: 'a group count naming no earlier field',
      from: '      - { name: cost, encoding: uint, octets: 4, endian: big, scale: 0.01, unit: yuan, role: amount }\n',
      to: '      - { name: cost, encoding: uint, octets: 4, endian: big, scale: 0.01, unit: yuan, role: amount }\n      - { name: extra, encoding: group, count: later, fields: [{ name: x, encoding: uint, octets: 1 }] }\n      - { name: later, encoding: uint, octets: 1 }\n',
      pointer: '/records/10/fields/11/count',
      at: 'name: extra',
      reason: /count "later" names no earlier field of this record/,
    },
    {
      what: 'a login with two charger ids',
      from: '{ name: gunCount, encoding: uint, octets: 1 }',
      to: '{ name: gunCount, encoding: bcd, octets: 1, role: chargerId }',
      pointer: '/login/fields',
      at: 'fields:\n    - { name: gunCount',
      reason: /exactly one field with role chargerId, it has 2/,
    },
    {
      what: 'a login whose octets do not add up',
      from: 'octets: 16\n',
      to: 'octets: 17\n',
      pointer: '/login/octets',
      at: 'octets: 17',
      reason: /the login is 17 octets, but its prefix \(3\) and fields \(13\) make 16/,
    },
    {
      what: 'a record larger than an ASDU',
      from: '{ name: token, encoding: ascii, octets: 20, role: idToken }',
      to: '{ name: token, encoding: ascii, octets: 240, role: idToken }',
      pointer: '/records/2/fields',
      at: 'fields:\n      - { name: gun, encoding: uint, octets: 1, role: connector }\n      - { name: serial, encoding: bcd, octets: 8, role: transactionId }\n      - { name: token',
      reason: /needs 256 octets in its ASDU \(header 7 \+ fields 249\); an ASDU holds at most 249/,
    },
    {
      what: 'a private type not declared',
      from: '  - name: stop\n    type: 0x91',
      to: '  - name: stop\n    type: 0x95',
      pointer: '/records/4/type',
      at: 'type: 0x95',
      reason: /type 0x95 \(149\) is not a standard IEC 104 type: declare it under types/,
    },
    {
      what: "a record against its type's direction",
      from: '  - name: stop\n    type: 0x91',
      to: '  - name: stop\n    type: 0x90',
      pointer: '/records/4/meaning',
      at: 'meaning: remoteStop',
      reason: /remoteStop goes down, but type 0x90 \(ZZ_UP\) is declared up/,
    },
    {
      what: 'a password that is not secret',
      from: '{ name: station, encoding: ascii, octets: 10, role: chargerId }',
      to: '{ name: station, encoding: ascii, octets: 10, role: chargerId }\n      - { name: pin, encoding: ascii, octets: 6, role: password }',
      pointer: '/records/0/fields/3/secret',
      at: 'name: pin',
      reason: /must be secret: true/,
    },
    {
      what: 'an energy in a unit the engine cannot turn into Wh (it would bill a wrong or no energy)',
      from: 'unit: kWh, role: meterStop }',
      to: 'unit: kwh, role: meterStop }',
      pointer: '/records/10/fields/6/unit',
      at: 'name: meterEnd',
      reason: /unit "kwh" is not an energy unit.*Wh, kWh, MWh/,
    },
    {
      what: 'an amount in a unit the engine cannot turn into fen (it would bill no amount)',
      from: 'scale: 0.01, unit: yuan, role: amount }',
      to: 'scale: 0.01, unit: cent, role: amount }',
      pointer: '/records/10/fields/10/unit',
      at: 'name: cost',
      reason: /unit "cent" is not a money unit.*yuan, CNY, fen/,
    },
    {
      what: 'zeroSerial on a record that is no charge record',
      from: '    meaning: remoteStop\n',
      to: '    meaning: remoteStop\n    zeroSerial: derive\n',
      pointer: '/records/4/zeroSerial',
      at: 'zeroSerial: derive',
      reason: /only a chargeRecord derives an id for an all-zero serial/,
    },
    {
      what: 'a seven-octet U-frame with a one-octet length',
      from: '  lengthOctets: 1\n',
      to: '  lengthOctets: 1\n  uFrameOctets: 7\n',
      pointer: '/framing/uFrameOctets',
      at: 'uFrameOctets: 7',
      reason: /7-octet U-frame .* has a 2-octet length/,
    },
  ];
  for (const c of cases) {
    it(`reports ${c.what}`, () => {
      const text = variant(c.from, c.to);
      const issue = issueOf(text);
      expect(issue.code).toBe(c.code ?? 'CONFIG_INVALID');
      expect(issue.pointer).toBe(c.pointer);
      expect(issue.reason).toMatch(c.reason);
      expect(issue.line).toBe(lineOf(text, c.at));
      expect(issue.column).toBeGreaterThan(0);
      expect(issue.message).toBe(`${FILE}:${issue.line}:${issue.column}: ${c.pointer}: ${issue.reason}`);
    });
  }

  it('reports every problem at once, in file order', () => {
    const text = variant('values: states', 'values: state').replace('answer: receiptAck', 'answer: nowhere');
    const e = configError(() => parseDialect(text, FILE));
    expect(e.issues.map((i) => i.pointer)).toEqual(['/records/8/fields/1/values', '/records/10/answer']);
  });

  it('accepts two records on one (type, record) pair when their lengths tell them apart (B1)', () => {
    const text = variant('    record: 0x41\n    cause: 7', '    record: 0x40\n    cause: 7').replace(
      '      - { name: verdict, encoding: uint, octets: 1, role: result, values: ok }\n  - name: sessionOpened',
      '      - { name: verdict, encoding: uint, octets: 1, role: result, values: ok }\n      - { name: more, encoding: bytes, octets: 3 }\n  - name: sessionOpened',
    );
    expect(parseDialect(text, FILE).records.filter((r) => r.type === 0x90 && r.record !== 'none' && r.record[0] === 0x40)).toHaveLength(2);
  });

  it.each(['b2', 'b3'])('reports a %s billing-model price in a unit the engine cannot convert (it would send other prices than the tariff)', (name) => {
    const file = `mappings/sgcc104/${name}.yaml`;
    const text = readFileSync(join(REPO_ROOT, file), 'utf8').replace('unit: yuan, role: servicePrice }', 'unit: jiao, role: servicePrice }');
    const e = configError(() => parseDialect(text, file));
    expect(e.issues).toHaveLength(1);
    expect(e.issues[0]).toMatchObject({
      pointer: expect.stringMatching(/^\/records\/\d+\/fields\/\d+\/fields\/\d+\/unit$/),
      reason: expect.stringMatching(/unit "jiao" is not a price unit.*yuan, CNY, yuan\/kWh, CNY\/kWh, fen, fen\/kWh/),
    });
    expect(e.issues[0]?.line).toBe(lineOf(text, 'unit: jiao'));
  });

  it('reads a missing built-in file as CONFIG_READ', () => {
    expect(configError(() => loadDialect('no-such-dialect.yaml', REPO_ROOT)).code).toBe('CONFIG_READ');
  });
});
