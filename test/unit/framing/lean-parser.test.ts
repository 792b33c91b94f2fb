/**
 * compileLean compiles a binary-parser without its root's context variables: the same fields as the
 * library's own compilation, for arrays of nested elements and formatters alike.
 */
import { Parser } from 'binary-parser';
import { describe, expect, it } from 'vitest';
import { masked } from '../../../src/framing/bits.js';
import { compileLean } from '../../../src/framing/lean-parser.js';

const element = (): Parser =>
  new Parser()
    .endianness('little')
    .uint16('id')
    .uint8('flags', { formatter: masked(0x0f) })
    .floatle('value');
const objects = (): Parser => new Parser().endianness('little').seek(1).array('objects', { type: element(), readUntil: 'eof' });

describe('compileLean', () => {
  const bytes = Buffer.from('ff' + '0100' + 'f3' + '0000803f' + '0200' + '01' + '00002040', 'hex');

  it('returns the parser, compiled, giving what the library compilation gives', () => {
    const lean = objects();
    expect(compileLean(lean)).toBe(lean);
    const plain = objects();
    plain.compile();
    expect(lean.parse(bytes)).toEqual(plain.parse(bytes));
    expect(lean.parse(bytes)).toEqual({
      objects: [
        { id: 1, flags: 3, value: 1 },
        { id: 2, flags: 1, value: 2.5 },
      ],
    });
  });

  it('leaves no context variables on the result', () => {
    const result = compileLean(objects()).parse(bytes) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(['objects']);
  });
});
