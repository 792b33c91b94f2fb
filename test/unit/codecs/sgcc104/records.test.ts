/** Family-B records on the IEC 104 library: private TIs by record type, records without one, standard TIs, bad content. */
import { describe, expect, it } from 'vitest';
import { EncodeError } from '../../../../src/iec104/errors.js';
import { RecordCodec, codeOf, rolesOf, valuesFor, wordOf } from '../../../../codecs/sgcc104/records.js';
import { testDialect } from '../../../support/sgcc104-dialect.js';

const ZONE = 'Asia/Shanghai';
const b1 = testDialect('b1');
const b3 = testDialect('b3');
const ID = '8401011011112213';
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** TI, VSQ 1, COT 2 octets, CA 2 octets. */
const header = (ti: number, cot = 3): string => `${ti.toString(16).padStart(2, '0')} 01 ${cot.toString(16).padStart(2, '0')}00 0000`;

describe('RecordCodec on a dialect without IOA (B1-shaped)', () => {
  const codec = new RecordCodec(b1, ZONE);

  it('decodes a record by its record-type octet after the common address', () => {
    const asdu = hex(`${header(0x82)} 01 ${ID} 01 1234567890123456 ${Buffer.from('123456').toString('hex')} 0000`);
    const r = codec.decode(asdu);
    expect(r).toMatchObject({ ok: true, kind: 'record', record: { typeId: 0x82, cause: 3, commonAddress: 0, recordType: 1 } });
    if (!r.ok || r.kind !== 'record') return;
    expect(r.record.spec.name).toBe('authRequest');
    expect(r.record.ioa).toBeUndefined();
    expect(r.record.values).toEqual({ chargerId: ID, gun: 1, card: '1234567890123456', password: '123456', spare: '0000' });
    expect(codec.encode('authRequest', r.record.values)).toEqual(asdu);
  });

  it('decodes a record without a record-type octet (a stop as TI 0x45)', () => {
    const asdu = hex(`${header(0x45, 6)} 000000 01`);
    const r = codec.decode(asdu);
    expect(r).toMatchObject({ ok: true, kind: 'record', record: { typeId: 0x45, cause: 6, values: { ioa: '000000', command: 1 } } });
    if (r.ok && r.kind === 'record') expect(r.record.recordType).toBeUndefined();
    expect(codec.encode('stop', {})).toEqual(asdu);
  });

  it('decodes a record keyed on several record types, keeping the octet as recordType', () => {
    const serial = '1'.repeat(32);
    const asdu = hex(`${header(0x82)} 13 ${serial} ${ID} 00e10e0a010719 00e10e0b010719 10270000 e8030000 a0860100 ${'00'.repeat(17)}`);
    const r = codec.decode(asdu);
    if (!r.ok || r.kind !== 'record') throw new Error(JSON.stringify(r));
    expect(r.record.recordType).toBe(0x13);
    expect(r.record.values).toMatchObject({ recordType: 0x13, serial, start: '2025-07-01T02:14:57.600Z', energy: 1000, tipEnergy: 100, peakEnergy: 10, vin: '' });
    const roles = rolesOf(r.record.spec, r.record.values);
    expect(roles).toMatchObject({ transactionId: serial, energy: 1000, endReason: 0x13, periods: { tip: { energy: 100 }, peak: { energy: 10 } } });
    expect(wordOf(b1, r.record.spec.endReasonFromRecordType, roles.endReason)).toBe('remote');
    expect(codec.encode('chargeRecord', r.record.values)).toEqual(asdu);
  });

  it('gives an unknown record type as unknown, not as bad content', () => {
    const r = codec.decode(hex(`${header(0x82)} 7f 00`));
    expect(r).toMatchObject({ ok: false, code: 'SGCC104_UNKNOWN_RECORD', unknown: true, offset: 6 });
  });

  it('gives a private TI the catalogue does not name as unknown', () => {
    expect(codec.decode(hex(`${header(0x99)} 01`))).toMatchObject({ ok: false, code: 'SGCC104_UNKNOWN_RECORD', unknown: true });
  });

  it('gives a short record, a long one and bad BCD as bad content at the field', () => {
    expect(codec.decode(hex(`${header(0x82)} 01 ${ID} 01 1234`))).toMatchObject({ ok: false, code: 'SGCC104_SHORT_RECORD', unknown: false, offset: 16 });
    expect(codec.decode(hex(`${header(0x45, 6)} 000000 01 ff`))).toMatchObject({ ok: false, code: 'SGCC104_LONG_RECORD', unknown: false });
    const bad = codec.decode(hex(`${header(0x82)} 01 8401011a11112213 01 1234567890123456 313233343536 0000`));
    expect(bad).toMatchObject({ ok: false, code: 'SGCC104_BAD_BCD', unknown: false, offset: 10 });
  });

  it('decodes standard TIs through the standard library', () => {
    const gi = hex('64 01 0600 0000 000000 14');
    const r = codec.decode(gi);
    expect(r).toMatchObject({ ok: true, kind: 'standard', asdu: { typeId: 100, cause: 6 } });
    if (r.ok && r.kind === 'standard') expect(codec.encodeStandard(r.asdu)).toEqual(gi);
    expect(codec.decode(hex('67 01 0600 0000'))).toMatchObject({ ok: false, code: 'SGCC104_BAD_ASDU', unknown: false });
  });

  it('throws for a record name the catalogue lacks and for a value a field cannot carry', () => {
    expect(() => codec.encode('nothing', {})).toThrow(RangeError);
    expect(() => codec.encode('authResult', { balance: -1 })).toThrow(EncodeError);
  });
});

describe('RecordCodec on a dialect with IOA (B3-shaped)', () => {
  const codec = new RecordCodec(b3, ZONE);

  it('reads the IOA before the record type and writes the framing’s', () => {
    const asdu = hex(`${header(0x86, 3)} 000000 01 1900010000000031 02 0003 9808 00 01`);
    const r = codec.decode(asdu);
    if (!r.ok || r.kind !== 'record') throw new Error(JSON.stringify(r));
    expect(r.record.ioa).toBe(0);
    expect(r.record.values).toEqual({ chargerId: '3100000000010019', gun: 2, state: '0003', voltage: 220, overVoltage: 0, estop: 1 });
    const roles = rolesOf(r.record.spec, r.record.values);
    expect(roles.faults).toEqual([
      { code: 'overVoltage', severity: 'error', active: false, raw: 0 },
      { code: 'emergencyStop', severity: 'critical', active: true, raw: 1 },
    ]);
    expect(wordOf(b3, 'workState', Number(roles.workState))).toBe('charging');
    expect(codec.encode('monitoring', r.record.values)).toEqual(asdu);
    expect(codec.encode('monitoring', r.record.values, { ioa: 0x10, cause: 1 }).subarray(2, 9)).toEqual(hex('0100 0000 100000'));
  });

  it('encodes a billing model from roles, its periods as a group with a count', () => {
    const spec = codec.spec('billingModel');
    const values = valuesFor(spec, {
      chargerId: '3100000000010019',
      billingModelId: '1',
      periodStart: [
        { periodStart: '0000', periodSlot: 4, energyPrice: 0.3 },
        { periodStart: '0800', periodSlot: 2, energyPrice: 1.2 },
      ],
    });
    const asdu = codec.encode('billingModel', values);
    expect(asdu.toString('hex')).toBe(hex(`${header(0x85, 6)} 000000 06 1900010000000031 0000000000000001 02 0000 04 30750000 0800 02 c0d40100`).toString('hex'));
    const back = codec.decode(asdu);
    if (!back.ok || back.kind !== 'record') throw new Error(JSON.stringify(back));
    expect(rolesOf(spec, back.record.values)).toMatchObject({
      billingModelId: '0000000000000001',
      periodCount: 2,
      periodStart: [{ periodStart: '0000', periodSlot: 4, energyPrice: 0.3 }, { periodStart: '0800' }],
    });
  });

  it('writes a charge record’s end reason into its record-type octet', () => {
    const spec = codec.spec('chargeRecord');
    const values = valuesFor(spec, { transactionId: '1', chargerId: '1', energy: 1, endReason: 0x12 });
    expect(codec.encode('chargeRecord', values)[9]).toBe(0x12);
    expect(codec.encode('chargeRecord', {})[9]).toBe(0x11);
  });
});

describe('values tables', () => {
  it('maps words to codes, falling back to the default code', () => {
    expect(codeOf(b1, 'failReason', 'NoCredit')).toBe(1);
    expect(codeOf(b1, 'failReason', 'Expired')).toBe(9);
    expect(codeOf(b1, 'nothing', 'Expired')).toBeUndefined();
    expect(wordOf(b1, 'accepted', 1)).toBe('accepted');
  });
});
