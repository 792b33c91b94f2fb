/** The family-B field vocabulary: every encoding read and written, and what stops a read. */
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../../src/iec104/errors.js';
import { RecordReader, RecordStop, RecordWriter } from '../../../../src/iec104/record-io.js';
import type { FieldSpec } from '../../../../codecs/sgcc104/catalogue.js';
import { FieldStop } from '../../../../codecs/sgcc104/errors.js';
import { readFields, writeFields, type FieldValues } from '../../../../codecs/sgcc104/fields.js';

const ZONE = 'Asia/Shanghai';

function read(hex: string, fields: readonly FieldSpec[], zone = ZONE): FieldValues {
  const b = Buffer.from(hex.replace(/ /g, ''), 'hex');
  return readFields(new RecordReader(b, 0, b.length, 0), fields, zone);
}

function write(fields: readonly FieldSpec[], values: FieldValues, zone = ZONE): string {
  const w = new RecordWriter();
  writeFields(w, fields, values, zone);
  return w.toBuffer().toString('hex');
}

function stopOf(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('bcd', () => {
  const forward: FieldSpec[] = [{ name: 'id', encoding: 'bcd', octets: 8 }];
  const reversed: FieldSpec[] = [{ name: 'id', encoding: 'bcd', octets: 8, order: 'reversed' }];

  it('reads and writes most significant octet first', () => {
    expect(read('8401011011112213', forward)).toEqual({ id: '8401011011112213' });
    expect(write(forward, { id: '8401011011112213' })).toBe('8401011011112213');
  });

  it('reads and writes digit-reversed ids (last octet first)', () => {
    expect(read('1900010000000031', reversed)).toEqual({ id: '3100000000010019' });
    expect(write(reversed, { id: '3100000000010019' })).toBe('1900010000000031');
  });

  it('pads short values with leading zeros and takes numbers', () => {
    expect(write([{ name: 'n', encoding: 'bcd', octets: 2 }], { n: 123 })).toBe('0123');
  });

  it('stops with SGCC104_BAD_BCD at the octet with a nibble above 9, in either order', () => {
    const e = stopOf(() => read('00 84 01 0a 10 11 11 22 13', [{ name: 'x', encoding: 'uint' }, ...forward]));
    expect(e).toBeInstanceOf(FieldStop);
    expect(e).toMatchObject({ code: 'SGCC104_BAD_BCD', offset: 3 });
    expect(stopOf(() => read('19000100000000f1', reversed))).toMatchObject({ code: 'SGCC104_BAD_BCD', offset: 7 });
  });

  it('names no octet of a secret field in its SGCC104_BAD_BCD stop', () => {
    const e = stopOf(() => read('12 3a', [{ name: 'pin', encoding: 'bcd', octets: 2, secret: true }]));
    expect(e).toMatchObject({ code: 'SGCC104_BAD_BCD', offset: 1 });
    expect((e as Error).message).toContain('pin');
    expect((e as Error).message).not.toMatch(/3a|0x/i);
  });

  it('refuses to write what is not digits or too long', () => {
    expect(() => write(forward, { id: '12ab' })).toThrow(EncodeError);
    expect(() => write(forward, { id: '1'.repeat(17) })).toThrow(EncodeError);
  });
});

describe('uint', () => {
  it('reads little-endian by default and applies the scale', () => {
    expect(read('d2 04 00 00', [{ name: 'e', encoding: 'uint', octets: 4, scale: 0.01 }])).toEqual({ e: 12.34 });
    expect(write([{ name: 'e', encoding: 'uint', octets: 4, scale: 0.01 }], { e: 12.34 })).toBe('d2040000');
  });

  it('reads and writes big-endian', () => {
    const f: FieldSpec[] = [{ name: 'v', encoding: 'uint', octets: 2, endian: 'big', scale: 0.1 }];
    expect(read('08 98', f)).toEqual({ v: 220 });
    expect(write(f, { v: 220 })).toBe('0898');
  });

  it('keeps five-decimal prices exact', () => {
    const f: FieldSpec[] = [{ name: 'p', encoding: 'uint', octets: 4, scale: 0.00001 }];
    expect(read('a0 86 01 00', f)).toEqual({ p: 1 });
    expect(read('39 30 00 00', f)).toEqual({ p: 0.12345 });
    expect(write(f, { p: 0.12345 })).toBe('39300000');
  });

  it('refuses values outside its octets', () => {
    expect(() => write([{ name: 'b', encoding: 'uint', octets: 1 }], { b: 256 })).toThrow(EncodeError);
    expect(() => write([{ name: 'b', encoding: 'uint', octets: 1 }], { b: -1 })).toThrow(EncodeError);
  });
});

describe('cp56', () => {
  const f: FieldSpec[] = [{ name: 't', encoding: 'cp56' }];

  it('reads the charger’s local time in its zone as a UTC instant', () => {
    // 2020-02-29 11:13:47.615 in Shanghai (UTC+8)
    expect(read('ffb90d0b1d0214', f)).toEqual({ t: '2020-02-29T03:13:47.615Z' });
    expect(read('ffb90d0b1d0214', f, 'UTC')).toEqual({ t: '2020-02-29T11:13:47.615Z' });
  });

  it('writes the local time in the zone, day of week unused', () => {
    expect(write(f, { t: '2020-02-29T03:13:47.615Z' })).toBe('ffb90d0b1d0214');
  });

  it('keeps a time that names no date, or is flagged invalid, as its octets', () => {
    expect(read('00000000000000', f)).toEqual({ t: '00000000000000' });
    expect(read('ffb98d0b1d0214', f)).toEqual({ t: 'ffb98d0b1d0214' });
    expect(write(f, { t: 'ffb98d0b1d0214' })).toBe('ffb98d0b1d0214');
  });

  it('refuses what is not a time', () => {
    expect(() => write(f, { t: 'yesterday' })).toThrow(EncodeError);
  });
});

describe('ascii, bytes, reserved', () => {
  it('strips NUL and space padding and writes NUL padding', () => {
    const f: FieldSpec[] = [{ name: 'vin', encoding: 'ascii', octets: 8 }];
    expect(read(Buffer.from('LSV12\0\0\0').toString('hex'), f)).toEqual({ vin: 'LSV12' });
    expect(read(Buffer.from('LSV12   ').toString('hex'), f)).toEqual({ vin: 'LSV12' });
    expect(write(f, { vin: 'LSV12' })).toBe(Buffer.from('LSV12\0\0\0').toString('hex'));
    expect(() => write(f, { vin: 'LSV123456' })).toThrow(EncodeError);
  });

  it('shows bytes and reserved octets as hex and writes them back', () => {
    const f: FieldSpec[] = [
      { name: 'raw', encoding: 'bytes', octets: 2 },
      { name: 'gap', encoding: 'reserved', octets: 3 },
    ];
    expect(read('abcd 000102', f)).toEqual({ raw: 'abcd', gap: '000102' });
    expect(write(f, { raw: 'abcd', gap: '000102' })).toBe('abcd000102');
  });

  it('writes zeros or the spec’s value when the engine has nothing', () => {
    const f: FieldSpec[] = [
      { name: 'gap', encoding: 'reserved', octets: 2 },
      { name: 'fill', encoding: 'reserved', octets: 2, value: 0xff },
      { name: 'kind', encoding: 'uint', octets: 2, value: 1 },
      { name: 'id', encoding: 'bcd', octets: 2 },
    ];
    expect(write(f, {})).toBe('0000ffff01000000');
  });
});

describe('groups', () => {
  const periods: FieldSpec[] = [
    { name: 'count', encoding: 'uint', octets: 1 },
    {
      name: 'periods',
      encoding: 'group',
      count: 'count',
      maxCount: 3,
      fields: [
        { name: 'start', encoding: 'bcd', octets: 2 },
        { name: 'slot', encoding: 'uint', octets: 1 },
      ],
    },
    { name: 'tail', encoding: 'uint', octets: 1 },
  ];

  it('reads as many entries as the count field says', () => {
    expect(read('02 0000 03 0800 02 09', periods)).toEqual({
      count: 2,
      periods: [
        { start: '0000', slot: 3 },
        { start: '0800', slot: 2 },
      ],
      tail: 9,
    });
  });

  it('writes the entries and fills in the count field', () => {
    expect(write(periods, { periods: [{ start: '0000', slot: 3 }], tail: 9 })).toBe('010000' + '0309');
    expect(() => write(periods, { count: 2, periods: [{ start: '0000', slot: 3 }] })).toThrow(EncodeError);
  });

  it('takes a constant count', () => {
    const f: FieldSpec[] = [{ name: 'pair', encoding: 'group', count: 2, fields: [{ name: 'v', encoding: 'uint', octets: 1 }] }];
    expect(read('0506', f)).toEqual({ pair: [{ v: 5 }, { v: 6 }] });
    expect(write(f, {})).toBe('0000');
  });

  it('stops with SGCC104_BAD_COUNT when a counted group of entries without octets counts past the record (no huge list of empty entries)', () => {
    const empty: FieldSpec[] = [
      { name: 'n', encoding: 'uint', octets: 2 },
      { name: 'g', encoding: 'group', count: 'n', fields: [{ name: 'none', encoding: 'group', count: 0, fields: [{ name: 'x', encoding: 'uint', octets: 1 }] }] },
    ];
    expect(stopOf(() => read('ffff 00', empty))).toMatchObject({ code: 'SGCC104_BAD_COUNT', offset: 2 });
    expect(read('0100', empty)).toEqual({ n: 1, g: [{ none: [] }] });
  });

  it('stops with SGCC104_BAD_COUNT above maxCount', () => {
    expect(stopOf(() => read('04 0000 03 0800 02 0900 01 1000 04', periods))).toMatchObject({ code: 'SGCC104_BAD_COUNT', offset: 1 });
  });

  it('stops with the reader’s truncation when a record is short', () => {
    const e = stopOf(() => read('02 0000 03 08', periods));
    expect(e).toBeInstanceOf(RecordStop);
    expect(e).toMatchObject({ code: 'IEC104_RECORD_TRUNCATED', at: 4 });
  });
});
