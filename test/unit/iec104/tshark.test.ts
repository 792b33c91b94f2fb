/**
 * An independent check of the fixtures: every good fixture frame is written into a pcap (one TCP
 * segment to port 2404 each, its own stream) and dissected by tshark, Wireshark's IEC 60870-5-104
 * dissector. For each frame tshark must read what our decoder reads: APCI, TI, SQ, count, COT,
 * P/N, T, OA, CA and every IOA, the element values and time tags where the dissector decodes the
 * type, and otherwise the raw octets after the first IOA; and it must report nothing malformed.
 *
 * One deliberate difference: Wireshark (4.0 at least) reads the 32-bit bitstring BSI of M_BO_*,
 * C_BO_* most significant octet first. IEC 60870-5-101 §7.1 uses mode 1 of IEC 60870-5-4 §4.10
 * (least significant octet first) for every element; lib60870 agrees. Our decoder is right and the
 * comparison expects Wireshark's byte-swapped reading.
 *
 * tshark is a test dependency (.ci/run installs it).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeApdu, typeInfo, type Apdu, type Cp56Time, type ElementKind, type InformationObject } from '../../../src/iec104/index.js';
import { loadFrameFixtures, type FrameFixture } from '../../support/fixtures.js';
import { dissectWithTshark, type TsharkValues } from '../../support/tshark.js';

const good = loadFrameFixtures('iec104', 'frames');

const A = 'iec60870_asdu.';
const HEADER_FIELDS = ['typeid', 'sq', 'numix', 'causetx', 'nega', 'test', 'oa', 'addr', 'ioa', 'rawdata'].map((f) => A + f);
const APCI_FIELDS = ['iec60870_104.type', 'iec60870_104.utype', 'iec60870_104.tx', 'iec60870_104.rx'];
const TIME_FIELDS = ['ms', 'min', 'iv', 'gen', 'hour', 'su', 'day', 'dow', 'month', 'year'].map((f) => `${A}cp56time.${f}`);

type Values = TsharkValues;
type ElementFields = (o: Record<string, unknown>) => Values;

const flag = (v: unknown): string => (v === true ? '1' : '0');
const bitOf = (q: unknown, mask: number): string => ((Number(q) & mask) !== 0 ? '1' : '0');
const hex2 = (v: unknown): string => `0x${Number(v).toString(16).padStart(2, '0')}`;
const qds = (o: Record<string, unknown>): Values => ({ [`${A}qds`]: [hex2(o.quality)] });
const qos = (o: Record<string, unknown>): Values => ({ [`${A}qos.ql`]: [String(o.ql)], [`${A}qos.se`]: [flag(o.select)] });
const qpm = (o: Record<string, unknown>): Values => ({ [`${A}qpm.kpa`]: [String(o.kpa)], [`${A}qpm.lpc`]: [flag(o.lpc)], [`${A}qpm.pop`]: [flag(o.pop)] });
/** SCO, DCO, RCO: Wireshark names the state field `on` (`up` for RCO). */
const command =
  (prefix: string, stateField: string, state: (v: unknown) => string) =>
  (o: Record<string, unknown>): Values => ({
    [`${A}${prefix}.${stateField}`]: [state(o.state)],
    [`${A}${prefix}.qu`]: [String(o.qualifier)],
    [`${A}${prefix}.se`]: [flag(o.select)],
  });
/** Wireshark reads BSI most significant octet first (see the file comment): the octets swapped. */
const bsiAsWiresharkReads = (v: unknown): string => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(Number(v));
  return `0x${b.toString('hex')}`;
};
/** Numbers tshark prints with six significant digits. */
const NUMERIC = new Set([`${A}normval`, `${A}float`]);

/** tshark fields of the element kinds its dissector decodes, from one decoded object. */
const ELEMENT_FIELDS: Partial<Record<ElementKind, ElementFields>> = {
  SIQ: (o) => ({
    [`${A}siq.spi`]: [flag(o.value)],
    [`${A}siq.bl`]: [bitOf(o.quality, 0x10)],
    [`${A}siq.sb`]: [bitOf(o.quality, 0x20)],
    [`${A}siq.nt`]: [bitOf(o.quality, 0x40)],
    [`${A}siq.iv`]: [bitOf(o.quality, 0x80)],
  }),
  DIQ: (o) => ({ [`${A}diq.dpi`]: [String(o.value)], [`${A}diq.bl`]: [bitOf(o.quality, 0x10)], [`${A}diq.iv`]: [bitOf(o.quality, 0x80)] }),
  VTI: (o) => ({ [`${A}vti.v`]: [String(o.value)], [`${A}vti.t`]: [flag(o.transient)], ...qds(o) }),
  BSI: (o) => ({ [`${A}bitstring`]: [bsiAsWiresharkReads(o.value)], ...qds(o) }),
  BSI_ONLY: (o) => ({ [`${A}bitstring`]: [bsiAsWiresharkReads(o.value)] }),
  NVA: (o) => ({ [`${A}normval`]: [String(o.value)], ...qds(o) }),
  NVA_ONLY: (o) => ({ [`${A}normval`]: [String(o.value)] }),
  SVA: (o) => ({ [`${A}scalval`]: [String(o.value)], ...qds(o) }),
  FLOAT: (o) => ({ [`${A}float`]: [String(o.value)], ...qds(o) }),
  BCR: (o) => ({ [`${A}bcr.count`]: [String(o.value)], [`${A}bcr.sq`]: [String(o.sequence)], [`${A}bcr.cy`]: [flag(o.carry)], [`${A}bcr.ca`]: [flag(o.adjusted)], [`${A}bcr.iv`]: [flag(o.invalid)] }),
  SCO: command('sco', 'on', flag),
  DCO: command('dco', 'on', String),
  RCO: command('rco', 'up', String),
  NVA_QOS: (o) => ({ [`${A}normval`]: [String(o.value)], ...qos(o) }),
  SVA_QOS: (o) => ({ [`${A}scalval`]: [String(o.value)], ...qos(o) }),
  FLOAT_QOS: (o) => ({ [`${A}float`]: [String(o.value)], ...qos(o) }),
  NVA_QPM: (o) => ({ [`${A}normval`]: [String(o.value)], ...qpm(o) }),
  SVA_QPM: (o) => ({ [`${A}scalval`]: [String(o.value)], ...qpm(o) }),
  FLOAT_QPM: (o) => ({ [`${A}float`]: [String(o.value)], ...qpm(o) }),
  COI: (o) => ({ [`${A}coi_r`]: [String(o.cause)], [`${A}coi_i`]: [flag(o.afterParameterChange)] }),
  QOI: (o) => ({ [`${A}qoi`]: [String(o.qoi)] }),
  QCC: (o) => ({ [`${A}rqt`]: [String(o.rqt)], [`${A}frz`]: [String(o.frz)] }),
  QRP: (o) => ({ [`${A}qrp`]: [String(o.qrp)] }),
  CP56: () => ({}),
  NONE: () => ({}),
};

/** Every element field the mappings above name (read from a mapping applied to an empty object). */
const VALUE_FIELDS = [...new Set(Object.values(ELEMENT_FIELDS).flatMap((fields) => Object.keys(fields({}))))];
const FIELDS = ['frame.number', '_ws.malformed', '_ws.expert', ...APCI_FIELDS, ...HEADER_FIELDS, ...VALUE_FIELDS, ...TIME_FIELDS];

function timeValues(t: Cp56Time): Values {
  const [ms, min, iv, gen, hour, su, day, dow, month, year] = TIME_FIELDS;
  return {
    [ms as string]: [String(t.milliseconds)],
    [min as string]: [String(t.minute)],
    [iv as string]: [flag(t.invalid)],
    [gen as string]: [flag(t.substituted)],
    [hour as string]: [String(t.hour)],
    [su as string]: [flag(t.summerTime)],
    [day as string]: [String(t.day)],
    [dow as string]: [String(t.dayOfWeek)],
    [month as string]: [String(t.month)],
    [year as string]: [String(t.year)],
  };
}

function append(into: Values, more: Values): void {
  for (const [k, v] of Object.entries(more)) (into[k] ??= []).push(...v);
}

function decoded(f: FrameFixture): Apdu {
  const r = decodeApdu(f.bytes);
  if (!r.ok) throw new Error(`${f.name}: ${r.error.code}`);
  return r.value;
}

/** Wireshark's U-format function bits (CF1 >> 2). */
const UTYPE: Record<string, number> = { STARTDT_ACT: 0x01, STARTDT_CON: 0x02, STOPDT_ACT: 0x04, STOPDT_CON: 0x08, TESTFR_ACT: 0x10, TESTFR_CON: 0x20 };

/** What tshark prints for a fixture (the APCI and header always; the elements where it decodes them). */
function expectedOf(f: FrameFixture, rawdata: boolean): Values {
  const apdu = decoded(f);
  const a = apdu.apci;
  const out: Values = { 'iec60870_104.type': [`0x0000000${a.format === 'I' ? 0 : a.format === 'S' ? 1 : 3}`] };
  if (a.format === 'I') Object.assign(out, { 'iec60870_104.tx': [String(a.ns)], 'iec60870_104.rx': [String(a.nr)] });
  if (a.format === 'S') out['iec60870_104.rx'] = [String(a.nr)];
  if (a.format === 'U') out['iec60870_104.utype'] = [`0x${(UTYPE[a.fn] ?? -1).toString(16).padStart(8, '0')}`];
  const asdu = apdu.asdu;
  if (asdu === undefined) return out;
  const info = typeInfo(asdu.typeId);
  if (info === undefined) throw new Error(`${f.name}: unknown TI`);
  append(out, {
    [`${A}typeid`]: [String(asdu.typeId)],
    [`${A}sq`]: [flag(asdu.sq)],
    [`${A}numix`]: [String(asdu.objects.length)],
    [`${A}causetx`]: [String(asdu.cause)],
    [`${A}nega`]: [flag(asdu.negative)],
    [`${A}test`]: [flag(asdu.test)],
    [`${A}oa`]: [String(asdu.originator)],
    [`${A}addr`]: [String(asdu.commonAddress)],
  });
  const objects = asdu.objects as readonly (InformationObject & Record<string, unknown>)[];
  const element = ELEMENT_FIELDS[info.kind];
  if (rawdata || element === undefined) {
    // Not decoded by this dissector: it shows the first IOA and the octets after it.
    out[`${A}ioa`] = [String(objects[0]?.ioa)];
    if (rawdata) out[`${A}rawdata`] = [Buffer.from(f.bytes.subarray(6 + 6 + 3)).toString('hex')];
    return out;
  }
  out[`${A}ioa`] = objects.map((o) => String(o.ioa));
  for (const o of objects) {
    append(out, element(o));
    // A time tag, or the time C_CS_NA_1 carries as its element: both are `time`.
    if (o.time !== undefined) append(out, timeValues(o.time));
  }
  return out;
}

function same(field: string, got: string, want: string): boolean {
  if (!NUMERIC.has(field)) return got === want;
  const g = Number(got);
  const w = Number(want);
  return Math.abs(g - w) <= 1e-5 * Math.max(1, Math.abs(w));
}

let rows: Map<string, Values>;

beforeAll(() => {
  const read = dissectWithTshark(
    good.map((f) => f.bytes),
    FIELDS,
  );
  rows = new Map();
  good.forEach((f, i) => {
    const values = read[i];
    if (values !== undefined) rows.set(f.name, values);
  });
}, 60_000);

describe('tshark reads every good fixture as our decoder does', () => {
  it('dissects one packet per fixture', () => {
    expect([...rows.keys()].sort()).toEqual(good.map((f) => f.name).sort());
  });

  it.each(good.map((f) => [f.name, f] as const))('%s', (_name, f) => {
    const got = rows.get(f.name) ?? {};
    expect(got['_ws.malformed'], 'malformed packet').toBeUndefined();
    expect(got['_ws.expert'], 'expert info').toBeUndefined();
    const rawdata = got[`${A}rawdata`] !== undefined;
    const want = expectedOf(f, rawdata);
    const info = typeInfo(decoded(f).asdu?.typeId ?? -1);
    if (info !== undefined && ELEMENT_FIELDS[info.kind] !== undefined && info.kind !== 'NONE') {
      // The kinds mapped above are the ones Wireshark 4.0 decodes: it must not fall back to raw octets.
      expect(rawdata, `tshark shows ${info.name} as raw data`).toBe(false);
    }
    for (const [field, values] of Object.entries(want)) {
      const seen = got[field] ?? [];
      const ok = seen.length === values.length && values.every((v, i) => same(field, seen[i] as string, v));
      expect(ok ? values : seen, field).toEqual(values);
    }
  });
});
