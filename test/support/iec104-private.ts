/**
 * Private ASDU layouts for the tests of `src/iec104/private-types.ts`, shaped like State-Grid-style
 * charger types: TI 0x82 carries no IOA, a record-type octet and a record whose fields depend on it;
 * TI 0x84 carries IOA + a 4-octet binary value per object, as a standard monitor type would.
 */
import { AsduTypeTable, type Cp56Time, type PrivateTypeLayout } from '../../src/iec104/index.js';

/** Record 0x01: a card authentication request. Record 0x02: a charging-progress report. */
export type TestRecord = { recordType: 0x01; chargerId: Buffer; gun: number; card: Buffer } | { recordType: 0x02; chargerId: Buffer; gun: number; energy: number; at: Cp56Time } | { value: number };

export const M_RE_NA = 0x82;
export const M_MD_NA = 0x84;

/** 0x82: record-type octet, then the record; charger id 8 octets (BCD), gun 1, then per record type. */
export const recordLayout: PrivateTypeLayout<TestRecord> = {
  name: 'M_RE_NA',
  hasIoa: false,
  decode(r) {
    const recordType = r.u8('record type');
    if (recordType === 0x01) return { recordType, chargerId: r.bytes(8, 'charger id'), gun: r.u8('gun'), card: r.bytes(8, 'card') };
    if (recordType === 0x02) return { recordType, chargerId: r.bytes(8, 'charger id'), gun: r.u8('gun'), energy: r.u32('energy'), at: r.cp56('at') };
    return r.unknownRecord(`record type ${recordType} is not in the catalogue`);
  },
  encode(e, w) {
    if (!('recordType' in e)) throw new Error('not a record');
    w.u8(e.recordType, 'record type').bytes(e.chargerId, 'charger id', 8).u8(e.gun, 'gun');
    if (e.recordType === 0x01) w.bytes(e.card, 'card', 8);
    else w.u32(e.energy, 'energy').cp56(e.at, 'at');
  },
};

/** 0x84: IOA + u32 per object (SQ=1 allowed, as in standard types). */
const valueLayout: PrivateTypeLayout<TestRecord> = {
  name: 'M_MD_NA',
  hasIoa: true,
  decode: (r) => ({ value: r.u32('value') }),
  encode(e, w) {
    if (!('value' in e)) throw new Error('not a value');
    w.u32(e.value, 'value');
  },
  describe: (e) => ('value' in e ? `value ${e.value}` : '?'),
};

export function testTable(): AsduTypeTable<TestRecord> {
  return new AsduTypeTable<TestRecord>().register(M_RE_NA, recordLayout).register(M_MD_NA, valueLayout);
}
