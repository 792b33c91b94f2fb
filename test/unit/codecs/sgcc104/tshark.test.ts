/**
 * An independent check of the family-B fixtures (fixtures/sgcc104/<dialect>/frames): every good
 * fixture frame that is an APDU (not a login) is put into standard IEC 104 form, written into a
 * pcap (one TCP segment to port 2404 each, its own stream) and dissected by tshark, Wireshark's
 * IEC 60870-5-104 dissector. tshark must read what our decoder (the dialect's `RecordCodec` on the
 * dialect's own wire) reads: the APCI, and of an I-frame the type identification, SQ, count, COT,
 * P/N, T, originator and common address; then
 * - a standard type (C_IC_NA_1 100, C_CS_NA_1 103) in its standard layout: the IOA and the element
 *   (QOI; the CP56Time2a read in the dialect's zone), and nothing malformed;
 * - a private type, which tshark does not know (130, 133, 134, 121 and B1's 69, which is not
 *   C_SC_NA_1: that is 45 decimal): tshark shows the first IOA and the octets after it as raw data.
 *   Where the dialect has an IOA in private records it must be ours, and the raw data must be the
 *   record's octets (record-type octet and fields) as our decoder read them, encoded again from its
 *   values; B1's private records have no IOA, so tshark's IOA is the record's first three octets;
 * - a standard type in a layout that is not the standard one (B1's clock sync: a one-octet IOA,
 *   docs/protocols/state-grid-dialects.md §9 #2): tshark cannot dissect its element and reports it
 *   malformed; the APCI and header are compared.
 *
 * The standard form is made here with plain byte operations, not with the engine's wire code: a
 * two-octet length becomes one octet, a seven-octet S/U-frame (`68 04 00 ...`) six octets, and a
 * trailing sum16le checksum is checked against the octets it covers and removed.
 *
 * tshark is a test dependency (.ci/run installs it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dialect, Framing } from '../../../../codecs/sgcc104/catalogue.js';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { RecordCodec } from '../../../../codecs/sgcc104/records.js';
import { isLogin, linkWire } from '../../../../codecs/sgcc104/wire.js';
import { loadFrameFixtures } from '../../../support/fixtures.js';
import { dissectWithTshark, type TsharkValues } from '../../../support/tshark.js';

const ZONE = 'Asia/Shanghai';
const DIALECTS = ['b1', 'b2', 'b3'] as const;

const A = 'iec60870_asdu.';
const APCI_FIELDS = ['iec60870_104.type', 'iec60870_104.utype', 'iec60870_104.tx', 'iec60870_104.rx'];
const HEADER_FIELDS = ['typeid', 'sq', 'numix', 'causetx', 'nega', 'test', 'oa', 'addr'].map((f) => A + f);
const TIME_FIELDS = ['ms', 'min', 'iv', 'hour', 'day', 'month', 'year'].map((f) => `${A}cp56time.${f}`);
const FIELDS = ['frame.number', '_ws.malformed', '_ws.expert', ...APCI_FIELDS, ...HEADER_FIELDS, `${A}ioa`, `${A}rawdata`, `${A}qoi`, ...TIME_FIELDS];

/** The standard types among the fixtures and their ASDU octets in the standard layout (header 6, IOA 3, element). */
const STANDARD_OCTETS: Record<number, number> = { 100: 6 + 3 + 1, 103: 6 + 3 + 7 };

/** Wireshark's U-format function bits (CF1 >> 2). */
const UTYPE: Record<string, number> = { STARTDT_ACT: 0x01, STARTDT_CON: 0x02, STOPDT_ACT: 0x04, STOPDT_CON: 0x08, TESTFR_ACT: 0x10, TESTFR_CON: 0x20 };

type Values = TsharkValues;

interface Conversion {
  /** The APDU in standard IEC 104 form. */
  readonly standard: Buffer;
  /** A removed checksum and the sum16le of the octets it covers. */
  readonly checksum?: { readonly found: number; readonly sum: number };
}

/** `frame` (one APDU on the dialect's wire) in standard IEC 104 form, with plain byte operations. */
function toStandard(framing: Framing, frame: Buffer): Conversion {
  // A short S/U form (`68 04 00 c c c c` on a one-octet-length wire, `68 04 c c c c` on a two-octet one).
  const shortForm = frame[1] === 4 && frame.length === 3 + 4 && framing.lengthOctets === 1 && framing.uFrameOctets === 7;
  const controlAt = shortForm ? 3 : frame[1] === 4 && frame.length === 2 + 4 && framing.lengthOctets === 2 ? 2 : 1 + framing.lengthOctets;
  const length = controlAt === 1 + framing.lengthOctets ? frame.readUIntLE(1, framing.lengthOctets) : 4;
  if (length > 253) throw new Error(`APDU length ${length} does not fit IEC 104's one octet`);
  const body = frame.subarray(controlAt, controlAt + length);
  const standard = Buffer.concat([Buffer.from([0x68, length]), body]);
  const rest = frame.subarray(controlAt + length);
  if (rest.length === 0) return { standard };
  if (framing.checksum !== 'sum16le' || rest.length !== 2) throw new Error(`${rest.length} octet(s) after the APDU`);
  let sum = 0;
  for (const b of body) sum += b;
  return { standard, checksum: { found: rest.readUInt16LE(0), sum: sum & 0xffff } };
}

interface Case {
  readonly name: string;
  readonly dialect: Dialect;
  readonly codec: RecordCodec;
  readonly wire: Buffer;
  readonly conversion: Conversion;
}

const cases: Case[] = DIALECTS.flatMap((name) => {
  const dialect = loadDialect(name);
  const codec = new RecordCodec(dialect, ZONE);
  return loadFrameFixtures('sgcc104', name, 'frames')
    .filter((f) => !isLogin(dialect, f.bytes))
    .map((f) => ({ name: `${name}/${f.name}`, dialect, codec, wire: f.bytes, conversion: toStandard(dialect.framing, f.bytes) }));
});

const flag = (v: boolean): string => (v ? '1' : '0');
const hexOf = (n: number, octets: number): string => {
  const b = Buffer.alloc(octets);
  b.writeUIntLE(n, 0, octets);
  return b.toString('hex');
};

/** What tshark prints of the CP56Time2a of an instant read in `zone` (the milliseconds field counts seconds too; the year two digits). */
function timeValues(iso: string, zone: string): Values {
  const date = new Date(iso);
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(date);
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const [ms, min, iv, hour, day, month, year] = TIME_FIELDS as [string, string, string, string, string, string, string];
  return {
    [ms]: [String(part('second') * 1000 + date.getUTCMilliseconds())],
    [min]: [String(part('minute'))],
    [iv]: ['0'],
    [hour]: [String(part('hour'))],
    [day]: [String(part('day'))],
    [month]: [String(part('month'))],
    [year]: [String(part('year') % 100)],
  };
}

/** The APCI as tshark prints it, from our reading of the dialect's wire. */
function apciValues(c: Case): Values {
  const r = linkWire(c.dialect).apci(c.wire);
  if (!r.ok) throw new Error(`${c.name}: ${r.error.code}`);
  const a = r.value;
  const out: Values = { 'iec60870_104.type': [`0x0000000${a.format === 'I' ? 0 : a.format === 'S' ? 1 : 3}`] };
  if (a.format === 'I') Object.assign(out, { 'iec60870_104.tx': [String(a.ns)], 'iec60870_104.rx': [String(a.nr)] });
  if (a.format === 'S') out['iec60870_104.rx'] = [String(a.nr)];
  if (a.format === 'U') out['iec60870_104.utype'] = [`0x${(UTYPE[a.fn] ?? -1).toString(16).padStart(8, '0')}`];
  return out;
}

type Layout = 'none' | 'standard' | 'nonstandard' | 'private';

/** What tshark prints of an I-frame's ASDU, from our decoder, and which of the layouts above it has. */
function asduValues(c: Case): { layout: Layout; want: Values } {
  const asdu = linkWire(c.dialect).asdu(c.wire);
  const header = c.codec.table.decodeAsdu(asdu, c.codec.params);
  if (!header.ok) throw new Error(`${c.name}: ${header.error.code}`);
  const h = header.value;
  const want: Values = {
    [`${A}typeid`]: [String(h.typeId)],
    [`${A}sq`]: [flag(h.sq)],
    [`${A}numix`]: [String(h.objects.length)],
    [`${A}causetx`]: [String(h.cause)],
    [`${A}nega`]: [flag(h.negative)],
    [`${A}test`]: [flag(h.test)],
    [`${A}oa`]: [String(h.originator)],
    [`${A}addr`]: [String(h.commonAddress)],
  };
  const r = c.codec.decode(asdu);
  if (!r.ok) throw new Error(`${c.name}: ${r.code}`);
  const standardOctets = STANDARD_OCTETS[h.typeId];
  if (standardOctets !== undefined && asdu.length !== standardOctets) return { layout: 'nonstandard', want };
  if (r.kind === 'standard') {
    // C_IC_NA_1 is the only standard ASDU the catalogues leave to the library.
    const object = r.asdu.objects[0] as { ioa: number; qoi?: number } | undefined;
    return { layout: 'standard', want: { ...want, [`${A}ioa`]: [String(object?.ioa)], [`${A}qoi`]: [String(object?.qoi)] } };
  }
  const { record } = r;
  if (standardOctets !== undefined) {
    // A clock sync the catalogue reads as a record of one CP56 field, in the standard layout.
    const time = record.values.time;
    if (typeof time !== 'string') throw new Error(`${c.name}: no time`);
    return { layout: 'standard', want: { ...want, [`${A}ioa`]: [String(record.ioa)], ...timeValues(time, ZONE) } };
  }
  // The record's octets as our decoder read them: encoded again from its values, after the header.
  const f = c.dialect.framing;
  const again = c.codec.encode(record.spec.name, record.values, {
    cause: record.cause,
    negative: record.negative,
    commonAddress: record.commonAddress,
    ...(record.ioa === undefined ? {} : { ioa: record.ioa }),
  });
  const octets = again.subarray(2 + f.cotOctets + f.caOctets + (f.privateIoa ? f.ioaOctets : 0)).toString('hex');
  return { layout: 'private', want: { ...want, ...(record.ioa === undefined ? { record: [octets] } : { [`${A}ioa`]: [String(record.ioa)], [`${A}rawdata`]: [octets] }) } };
}

const rows = new Map<string, Values>();

beforeAll(() => {
  const read = dissectWithTshark(
    cases.map((c) => c.conversion.standard),
    FIELDS,
  );
  cases.forEach((c, i) => {
    const values = read[i];
    if (values !== undefined) rows.set(c.name, values);
  });
}, 60_000);

describe('tshark reads every family-B APDU fixture, in standard form, as our decoder does', () => {
  it('has APDU fixtures of every dialect, with IEC 104 field widths, and dissects one packet per fixture', () => {
    for (const name of DIALECTS) expect(cases.filter((c) => c.name.startsWith(`${name}/`)).length, name).toBeGreaterThanOrEqual(10);
    for (const { dialect } of cases) expect([dialect.framing.cotOctets, dialect.framing.caOctets, dialect.framing.ioaOctets], dialect.name).toEqual([2, 2, 3]);
    expect([...rows.keys()].sort()).toEqual(cases.map((c) => c.name).sort());
  });

  it('removes only checksums that are the sum16le of the APDU, from every I-frame of a dialect with one', () => {
    for (const c of cases) {
      const iFrame = ((c.conversion.standard[2] ?? 1) & 1) === 0;
      expect(c.conversion.checksum !== undefined, c.name).toBe(iFrame && c.dialect.framing.checksum === 'sum16le');
      if (c.conversion.checksum !== undefined) expect(c.conversion.checksum.found, c.name).toBe(c.conversion.checksum.sum);
    }
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const got = rows.get(c.name) ?? {};
    const want = apciValues(c);
    const iFrame = want['iec60870_104.type']?.[0] === '0x00000000';
    const { layout, want: asdu } = iFrame ? asduValues(c) : { layout: 'none' as Layout, want: {} };
    if (layout === 'nonstandard') {
      expect(got['_ws.malformed'], 'a layout tshark cannot dissect').toBeDefined();
      expect(got[`${A}rawdata`]).toBeUndefined();
    } else {
      expect(got['_ws.malformed'], 'malformed packet').toBeUndefined();
      expect(got['_ws.expert'], 'expert info').toBeUndefined();
    }
    const { record, ...fields } = asdu;
    if (record !== undefined) {
      // No IOA in the dialect's private records: tshark's three IOA octets are the record's first.
      const ioa = Number(got[`${A}ioa`]?.[0]);
      expect(`${hexOf(ioa, 3)}${got[`${A}rawdata`]?.join('') ?? ''}`, 'record octets').toBe(record[0]);
    }
    if (layout === 'private') expect(got[`${A}rawdata`], 'a private type shown as raw data').toBeDefined();
    for (const [field, values] of Object.entries({ ...want, ...fields })) expect(got[field] ?? [], field).toEqual(values);
  });
});
