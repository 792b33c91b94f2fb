import { describe, expect, it } from 'vitest';
import { decodeJson, encodeJson, type JsonValue } from '../../../src/store/state-store.js';

/** The message of the TypeError `encodeJson` throws for `value`. */
function failure(value: unknown): string {
  try {
    encodeJson(value as JsonValue);
  } catch (e) {
    expect(e).toBeInstanceOf(TypeError);
    return (e as TypeError).message;
  }
  throw new Error('encodeJson accepted the value');
}

describe('encodeJson', () => {
  it('serialises nested JSON values that read back equal', () => {
    const value: JsonValue = { a: [1, 'two', true, null, { b: [] }], c: { d: { e: -0.5 } }, 'odd key': '' };
    expect(decodeJson(encodeJson(value))).toEqual(value);
  });

  it('accepts the same object twice when it is not its own ancestor', () => {
    const shared = { n: 1 };
    expect(encodeJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"n":1},"b":[{"n":1},{"n":1}]}');
  });

  it('names the JSON path of the first offending value', () => {
    expect(failure(NaN)).toBe('$: NaN is not a JSON number');
    expect(failure({ a: [1, { b: Infinity }] })).toBe('$.a[1].b: Infinity is not a JSON number');
    expect(failure({ ok: 1, bad: undefined, later: NaN })).toBe('$.bad: undefined is not a JSON value');
    expect(failure([0, [1, () => 2]])).toBe('$[1][1]: function is not a JSON value');
    expect(failure({ when: new Date(0) })).toBe('$.when: Date is not a plain JSON object');
  });

  it('reports a cycle where it closes', () => {
    const node: { name: string; children: unknown[] } = { name: 'root', children: [] };
    node.children.push({ up: node });
    expect(failure({ tree: node })).toBe('$.tree.children[0].up: cycle');
  });
});
