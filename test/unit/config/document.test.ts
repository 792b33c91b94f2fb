import { describe, expect, it } from 'vitest';
import { compileSchema, invalidConfig, parseConfigText, parsePointer, pointerOf, validateDocument, valueAt, type ConfigDocument } from '../../../src/config/document.js';
import { ConfigError, configErrorLines, formatIssue } from '../../../src/config/errors.js';
import { configError } from '../../support/config-error.js';

/** Runs `fn` and returns the ConfigError it throws. */

const TEXT = [
  'name: demo', // 1
  'limits:', // 2
  '  max: 0x6401', // 3
  '  "a/b~c": 1', // 4
  'items:', // 5
  '  - { id: 1, kind: x }', // 6
  '  - id: 2', // 7
  '    kind: y', // 8
  'shared: &s', // 9
  '  deep: true', // 10
  'again: *s', // 11
  '',
].join('\n');

describe('parseConfigText', () => {
  it('returns plain data with YAML 1.2 numbers (0x hex) and expanded aliases', () => {
    const doc = parseConfigText(TEXT, 'demo.yaml');
    expect(doc.file).toBe('demo.yaml');
    expect(doc.value).toEqual({
      name: 'demo',
      limits: { max: 25601, 'a/b~c': 1 },
      items: [
        { id: 1, kind: 'x' },
        { id: 2, kind: 'y' },
      ],
      shared: { deep: true },
      again: { deep: true },
    });
  });

  it('locates a pointer at the key of a mapping entry and the start of a sequence item', () => {
    const doc = parseConfigText(TEXT, 'demo.yaml');
    expect(doc.locate('')).toEqual({ line: 1, column: 1 });
    expect(doc.locate('/name')).toEqual({ line: 1, column: 1 });
    expect(doc.locate('/limits/max')).toEqual({ line: 3, column: 3 });
    expect(doc.locate('/items/0')).toEqual({ line: 6, column: 5 });
    expect(doc.locate('/items/0/kind')).toEqual({ line: 6, column: 14 });
    expect(doc.locate('/items/1')).toEqual({ line: 7, column: 5 });
    expect(doc.locate('/items/1/kind')).toEqual({ line: 8, column: 5 });
  });

  it('unescapes ~1 and ~0 in pointers', () => {
    const doc = parseConfigText(TEXT, 'demo.yaml');
    expect(doc.locate(pointerOf('limits', 'a/b~c'))).toEqual({ line: 4, column: 3 });
  });

  it('locates a missing property at its deepest existing ancestor', () => {
    const doc = parseConfigText(TEXT, 'demo.yaml');
    expect(doc.locate('/items/1/missing')).toEqual({ line: 7, column: 5 });
    expect(doc.locate('/items/9')).toEqual({ line: 5, column: 1 });
  });

  it('follows an alias to its anchor', () => {
    const doc = parseConfigText(TEXT, 'demo.yaml');
    expect(doc.locate('/again/deep')).toEqual({ line: 10, column: 3 });
  });

  it('reads JSON too (JSON is YAML), with positions', () => {
    const doc = parseConfigText('{\n  "a": [1,\n    {"b": 2}]\n}\n', 'x.json');
    expect(doc.value).toEqual({ a: [1, { b: 2 }] });
    expect(doc.locate('/a/1/b')).toEqual({ line: 3, column: 6 });
  });

  it('rejects a YAML syntax error with CONFIG_SYNTAX, line and column', () => {
    const e = configError(() => parseConfigText('a: 1\nb: "x" y\n', 'bad.yaml'));
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.file).toBe('bad.yaml');
    expect(e.issues[0]).toMatchObject({ pointer: '', line: 2, column: 8 });
    expect(e.message).toMatch(/^bad\.yaml:2:8: /);
  });

  it('rejects duplicate keys, naming the key and its pointer', () => {
    const e = configError(() => parseConfigText('a: 1\nlist:\n  - { id: 1, id: 2 }\n', 'dup.yaml'));
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.issues).toEqual([{ pointer: '/list/0/id', line: 3, column: 14, reason: 'duplicate key "id"' }]);
  });

  it('rejects several documents in one file', () => {
    const e = configError(() => parseConfigText('a: 1\n---\nb: 2\n', 'multi.yaml'));
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.issues[0]?.line).toBe(2);
  });

  it('rejects an alias that contains itself', () => {
    const e = configError(() => parseConfigText('a: &x\n  b: *x\n', 'cycle.yaml'));
    expect(e.code).toBe('CONFIG_SYNTAX');
    expect(e.issues[0]).toMatchObject({ pointer: '/a/b', line: 2, reason: expect.stringContaining('cycle') as unknown });
  });

  it('rejects alias bombs (excessive alias expansion)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [prev, next] of [
      ['a', 'b'],
      ['b', 'c'],
      ['c', 'd'],
      ['d', 'e'],
    ] as const) {
      lines.push(`${next}: &${next} [${Array(10).fill(`*${prev}`).join(', ')}]`);
    }
    expect(configError(() => parseConfigText(lines.join('\n'), 'bomb.yaml')).code).toBe('CONFIG_SYNTAX');
  });
});

const SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  type: 'object',
  additionalProperties: false,
  required: ['kind', 'items'],
  properties: {
    kind: { const: 'demo' },
    timeZone: { type: 'string' },
    count: { type: 'integer', minimum: 1 },
    scale: { type: 'number', not: { const: 0 } },
    name: { type: 'string', maxLength: 5 },
    items: { type: 'array', items: { $ref: '#/definitions/item' } },
  },
  definitions: {
    item: {
      type: 'object',
      required: ['shape'],
      properties: { shape: { enum: ['circle', 'square'] } },
      allOf: [
        { if: { properties: { shape: { const: 'circle' } }, required: ['shape'] }, then: { $ref: '#/definitions/circle' } },
        { if: { properties: { shape: { const: 'square' } }, required: ['shape'] }, then: { $ref: '#/definitions/square' } },
      ],
    },
    circle: {
      type: 'object',
      additionalProperties: false,
      required: ['shape', 'radius'],
      properties: { shape: { const: 'circle' }, radius: { type: 'number' }, color: { enum: ['red', 'green'] } },
    },
    square: {
      type: 'object',
      additionalProperties: false,
      required: ['shape', 'side'],
      properties: { shape: { const: 'square' }, side: { type: 'number' } },
    },
  },
};

describe('compileSchema', () => {
  const validate = compileSchema(SCHEMA);

  it('returns no issues for a valid value', () => {
    expect(validate({ kind: 'demo', items: [{ shape: 'circle', radius: 1 }] })).toEqual([]);
  });

  it('reports the keyword that failed inside if/then, never "must match then schema"', () => {
    const issues = validate({ kind: 'demo', items: [{ shape: 'circle', color: 'blue' }] });
    expect(issues).toEqual([
      { pointer: '/items/0', reason: 'missing required property "radius"' },
      { pointer: '/items/0/color', reason: 'unknown color "blue"; expected one of red, green' },
    ]);
  });

  it('points at an unknown property and suggests the near name', () => {
    expect(validate({ kind: 'demo', items: [], timezone: 'UTC' })).toEqual([{ pointer: '/timezone', reason: 'unknown property "timezone"; did you mean "timeZone"?' }]);
    expect(validate({ kind: 'demo', items: [], zz: 1 })).toEqual([{ pointer: '/zz', reason: 'unknown property "zz"; expected one of kind, timeZone, count, scale, name, items' }]);
    expect(validate({ kind: 'demo', items: [{ shape: 'square', side: 1, radius: 2 }] })).toEqual([{ pointer: '/items/0/radius', reason: 'unknown property "radius"; expected one of shape, side' }]);
  });

  it('names required properties, consts, types, limits and forbidden values', () => {
    expect(validate({})).toEqual([
      { pointer: '', reason: 'missing required property "kind"' },
      { pointer: '', reason: 'missing required property "items"' },
    ]);
    expect(validate({ kind: 'other', items: [], count: 0, scale: 0, name: 'toolong' })).toEqual([
      { pointer: '/kind', reason: 'must be "demo", got "other"' },
      { pointer: '/count', reason: 'must be >= 1, got 0' },
      { pointer: '/scale', reason: 'must not be 0' },
      { pointer: '/name', reason: 'must be at most 5 characters long, got 7' },
    ]);
    expect(validate({ kind: 'demo', items: {}, count: 'x' })).toEqual([
      { pointer: '/count', reason: 'must be integer, got string "x"' },
      { pointer: '/items', reason: 'must be array, got a mapping' },
    ]);
    expect(validate([])).toEqual([{ pointer: '', reason: 'must be object, got a list' }]);
  });

  it('names an unknown enum value with the allowed ones (no if/then noise when nothing matches)', () => {
    expect(validate({ kind: 'demo', items: [{ shape: 'triangle' }] })).toEqual([{ pointer: '/items/0/shape', reason: 'unknown shape "triangle"; expected one of circle, square' }]);
  });

  it('drops duplicate issues', () => {
    const twice = compileSchema({ type: 'object', allOf: [0, 1].map(() => ({ type: 'object', properties: { a: { type: 'number' } }, required: ['a'] })) });
    expect(twice({})).toEqual([{ pointer: '', reason: 'missing required property "a"' }]);
  });

  it('lets the caller reword an error', () => {
    const custom = compileSchema(SCHEMA, { reason: (e, pointer) => (e.keyword === 'enum' && pointer.endsWith('/shape') ? `no such shape ${String(e.data)}` : undefined) });
    expect(custom({ kind: 'demo', items: [{ shape: 'hexagon' }] })).toEqual([{ pointer: '/items/0/shape', reason: 'no such shape hexagon' }]);
  });

  it('compiles schemas with the same $id independently', () => {
    const a = compileSchema({ $id: 'https://example.test/x.json', type: 'string' });
    const b = compileSchema({ $id: 'https://example.test/x.json', type: 'number' });
    expect(a('s')).toEqual([]);
    expect(b(1)).toEqual([]);
  });
});

describe('validateDocument / invalidConfig', () => {
  const text = ['kind: demo', 'items:', '  - { shape: circle, color: blue }', '  - { shape: square }', 'count: 0', ''].join('\n');

  it('throws CONFIG_INVALID with every issue located, sorted by position', () => {
    const doc = parseConfigText(text, 'shapes.yaml');
    const e = configError(() => validateDocument(doc, compileSchema(SCHEMA)));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.issues).toEqual([
      { pointer: '/items/0', line: 3, column: 5, reason: 'missing required property "radius"' },
      { pointer: '/items/0/color', line: 3, column: 22, reason: 'unknown color "blue"; expected one of red, green' },
      { pointer: '/items/1', line: 4, column: 5, reason: 'missing required property "side"' },
      { pointer: '/count', line: 5, column: 1, reason: 'must be >= 1, got 0' },
    ]);
    expect(e.message.split('\n')).toEqual([
      'shapes.yaml:3:5: /items/0: missing required property "radius"',
      'shapes.yaml:3:22: /items/0/color: unknown color "blue"; expected one of red, green',
      'shapes.yaml:4:5: /items/1: missing required property "side"',
      'shapes.yaml:5:1: /count: must be >= 1, got 0',
    ]);
  });

  it('accepts a valid document', () => {
    const doc = parseConfigText('kind: demo\nitems: []\n', 'ok.yaml');
    expect(() => validateDocument(doc, compileSchema(SCHEMA))).not.toThrow();
  });

  it('builds an error for semantic issues found by the caller', () => {
    const doc: ConfigDocument = parseConfigText(text, 'shapes.yaml');
    const e = invalidConfig(doc, [
      { pointer: '/count', reason: 'b' },
      { pointer: '/items/1/shape', reason: 'a' },
      { pointer: '/count', reason: 'b' },
    ]);
    expect(e.issues).toEqual([
      { pointer: '/items/1/shape', line: 4, column: 7, reason: 'a' },
      { pointer: '/count', line: 5, column: 1, reason: 'b' },
    ]);
  });
});

describe('ConfigError formatting', () => {
  it('prints one issue per line, leaving out what is unknown', () => {
    const e = new ConfigError('CONFIG_INVALID', 'm.yaml', [
      { pointer: '/points/3/unit', line: 12, column: 5, reason: 'bad unit' },
      { pointer: '', line: 1, column: 1, reason: 'not a mapping' },
      { pointer: '/x', reason: 'no position' },
    ]);
    expect(e.name).toBe('ConfigError');
    expect(e).toBeInstanceOf(Error);
    expect(e.message).toBe(['m.yaml:12:5: /points/3/unit: bad unit', 'm.yaml:1:1: not a mapping', 'm.yaml: /x: no position'].join('\n'));
    expect(configErrorLines(e)).toEqual(['error CONFIG_INVALID m.yaml:12:5 /points/3/unit: bad unit', 'error CONFIG_INVALID m.yaml:1:1: not a mapping', 'error CONFIG_INVALID m.yaml /x: no position']);
    expect(formatIssue('f', { pointer: '/a', line: 2, reason: 'r' })).toBe('f:2: /a: r');
  });
});

describe('pointers', () => {
  it('escape and unescape per RFC 6901 and read plain data', () => {
    expect(pointerOf('points', 3, 'a/b', 'c~d')).toBe('/points/3/a~1b/c~0d');
    expect(parsePointer('/points/3/a~1b/c~0d')).toEqual(['points', '3', 'a/b', 'c~d']);
    expect(parsePointer('')).toEqual([]);
    const data = { points: [{ unit: 'V' }], 'a/b': { '': 1 } };
    expect(valueAt(data, '/points/0/unit')).toBe('V');
    expect(valueAt(data, pointerOf('a/b', ''))).toBe(1);
    expect(valueAt(data, '/points/x')).toBeUndefined();
    expect(valueAt(data, '/toString')).toBeUndefined();
    expect(valueAt(data, '')).toBe(data);
  });
});
