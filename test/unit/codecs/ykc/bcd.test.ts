/** Packed BCD (docs/protocols/ykc.md §2): MSB-first digits, left zero padding, 0xF right padding, hex nibbles kept. */
import { describe, expect, it } from 'vitest';
import { YkcEncodeError, encodeBcd, isDecimalBcd, readBcd, trimBcdPadding, writeBcd } from '../../../../codecs/ykc/index.js';

describe('readBcd', () => {
  it('reads digits most-significant first', () => {
    expect(readBcd(Buffer.from('20231212000010', 'hex'))).toBe('20231212000010');
    expect(readBcd(Buffer.from([0x01]))).toBe('01');
  });

  it('renders nibbles above 9 as uppercase hex (ICCIDs, 0xF padding) and never fails', () => {
    expect(readBcd(Buffer.from('898604d11722d0348606', 'hex'))).toBe('898604D11722D0348606');
    expect(readBcd(Buffer.from([0x12, 0x3f, 0xff]))).toBe('123FFF');
  });

  it('reads a slice', () => {
    expect(readBcd(Buffer.from([0xaa, 0x12, 0x34, 0xbb]), 1, 2)).toBe('1234');
  });
});

describe('writeBcd / encodeBcd', () => {
  it('left-pads with zeros by default', () => {
    expect(encodeBcd('123', 2).toString('hex')).toBe('0123');
    expect(encodeBcd('3201020000001', 7).toString('hex')).toBe('03201020000001');
  });

  it('right-pads with 0xF on request', () => {
    expect(encodeBcd('123', 3, 'x', 'f-right').toString('hex')).toBe('123fff');
  });

  it('round-trips hex digits', () => {
    const b = Buffer.from('898604d11722d0348606', 'hex');
    expect(encodeBcd(readBcd(b), 10).equals(b)).toBe(true);
  });

  it('writes at an offset', () => {
    const out = Buffer.alloc(4);
    writeBcd('55', out, 2, 1, 'gun');
    expect(out.toString('hex')).toBe('00005500');
  });

  it('throws YKC_FIELD for non-digits and too many digits', () => {
    expect(() => encodeBcd('12x4', 2, 'pileCode')).toThrow(YkcEncodeError);
    expect(() => encodeBcd('12345', 2, 'pileCode')).toThrow(/more than 4 digits/);
    try {
      encodeBcd('123456789012345', 7, 'pileCode');
    } catch (e) {
      expect(e).toBeInstanceOf(YkcEncodeError);
      expect((e as YkcEncodeError).code).toBe('YKC_FIELD');
      expect((e as YkcEncodeError).field).toBe('pileCode');
    }
  });
});

describe('helpers', () => {
  it('tells decimal BCD from hex-digit fields', () => {
    expect(isDecimalBcd('20231212000010')).toBe(true);
    expect(isDecimalBcd('898604D1')).toBe(false);
  });

  it('trims 0xF right padding but keeps leading zeros', () => {
    expect(trimBcdPadding('0123FFFF')).toBe('0123');
    expect(trimBcdPadding('00001234')).toBe('00001234');
  });
});
