/**
 * The field vocabulary of family-B records (docs/protocols/state-grid-dialects.md §2): packed BCD in
 * either octet order, unsigned integers of either byte order with decimal scaling, CP56Time2a in the
 * charger's zone, fixed ASCII, raw and reserved octets, and repeated groups. A catalogue lists a
 * record's fields (`FieldSpec`); `readFields` and `writeFields` are the only code that reads or
 * writes them, for records and for the login frame alike.
 *
 * Decoded values: bcd -> a string of digits; uint -> raw × scale (rounded to the scale's decimals);
 * cp56 -> the instant as a UTC ISO string, or the seven octets as hex when the time is flagged
 * invalid or names no real date (so every frame encodes back to its bytes); ascii -> the text
 * without its padding; bytes and reserved -> lower-case hex; group -> an array of entries.
 */
import { cp56FromDate, cp56ToDate, readCp56 } from '../../src/iec104/cp56.js';
import { EncodeError } from '../../src/iec104/errors.js';
import type { RecordReader, RecordWriter } from '../../src/iec104/record-io.js';
import type { FieldSpec } from './catalogue.js';
import { FieldStop } from './errors.js';

export type FieldValue = number | string | readonly FieldValues[];
export type FieldValues = Readonly<Record<string, FieldValue>>;

/** Octets of a field that is not a group (cp56: 7; a spec without `octets` otherwise: 1). */
export function fieldOctets(spec: FieldSpec): number {
  return spec.encoding === 'cp56' ? 7 : (spec.octets ?? 1);
}

/** Octets `fields` take on the wire when fixed; undefined when a group's count is a field's value. */
export function fixedOctets(fields: readonly FieldSpec[]): number | undefined {
  let total = 0;
  for (const f of fields) {
    if (f.encoding !== 'group') total += fieldOctets(f);
    else {
      const inner = fixedOctets(f.fields ?? []);
      if (typeof f.count !== 'number' || inner === undefined) return undefined;
      total += f.count * inner;
    }
  }
  return total;
}

/**
 * Reads `fields` in order. A short record stops with the reader's `RecordStop`
 * (IEC104_RECORD_TRUNCATED); a BCD nibble above 9 or a group count above its `maxCount` (or, for
 * entries of no octets, above the octets left) with a `FieldStop` (SGCC104_BAD_BCD, SGCC104_BAD_COUNT). Never throws anything else on input.
 */
export function readFields(r: RecordReader, fields: readonly FieldSpec[], timeZone: string): FieldValues {
  return readLevel(r, fields, timeZone, []);
}

function readLevel(r: RecordReader, fields: readonly FieldSpec[], timeZone: string, outer: readonly FieldValues[]): FieldValues {
  const values: Record<string, FieldValue> = {};
  for (const spec of fields) {
    if (spec.encoding === 'group') {
      const at = r.offset;
      const count = groupCount(spec, [values, ...outer]);
      if (spec.maxCount !== undefined && count > spec.maxCount) throw new FieldStop('SGCC104_BAD_COUNT', `${spec.name}: ${count} entries, at most ${spec.maxCount}`, at);
      const entries: FieldValues[] = [];
      for (let i = 0; i < count; i++) {
        const before = r.offset;
        entries.push(readLevel(r, spec.fields ?? [], timeZone, [values, ...outer]));
        // Entries that read nothing would go on for as many as the count says (up to 2^32): more than octets are left is no record.
        if (r.offset === before && count - i - 1 > r.remaining) throw new FieldStop('SGCC104_BAD_COUNT', `${spec.name}: ${count} entries of no octets, more than the octets left (${r.remaining})`, at);
      }
      values[spec.name] = entries;
      continue;
    }
    const at = r.offset;
    const octets = r.bytes(fieldOctets(spec), spec.name);
    values[spec.name] = readValue(spec, octets, at, timeZone);
  }
  return values;
}

function readValue(spec: FieldSpec, b: Buffer, at: number, timeZone: string): FieldValue {
  switch (spec.encoding) {
    case 'bcd': {
      const ordered = spec.order === 'reversed' ? Buffer.from(b).reverse() : b;
      let digits = '';
      for (let i = 0; i < ordered.length; i++) {
        const o = ordered[i] as number;
        if (o >> 4 > 9 || (o & 0x0f) > 9) {
          const octet = spec.order === 'reversed' ? b.length - 1 - i : i;
          // A secret's octets are never quoted (the message reaches logs and decode output).
          const which = spec.secret === true ? `its octet ${octet + 1}` : `octet 0x${hex2(o)}`;
          throw new FieldStop('SGCC104_BAD_BCD', `${spec.name}: ${which} is not two BCD digits`, at + octet);
        }
        digits += `${o >> 4}${o & 0x0f}`;
      }
      return digits;
    }
    case 'uint': {
      const raw = spec.endian === 'big' ? b.readUIntBE(0, b.length) : b.readUIntLE(0, b.length);
      return scaled(raw, spec.scale);
    }
    case 'cp56': {
      const t = readCp56(b, 0);
      const date = t.invalid ? undefined : cp56ToDate(t, timeZone);
      return date === undefined ? b.toString('hex') : date.toISOString();
    }
    case 'ascii': {
      const nul = b.indexOf(0);
      return b
        .subarray(0, nul < 0 ? b.length : nul)
        .toString('latin1')
        .replace(/ +$/, '');
    }
    default:
      return b.toString('hex');
  }
}

/**
 * Writes `fields` in order from `values`. A missing value is the spec's `value`, else zeros (a
 * group's count field: the length of its group). A value that does not fit throws an `EncodeError`
 * naming the field.
 */
export function writeFields(w: RecordWriter, fields: readonly FieldSpec[], values: FieldValues, timeZone: string): void {
  writeLevel(w, fields, values, timeZone, []);
}

function writeLevel(w: RecordWriter, fields: readonly FieldSpec[], values: FieldValues, timeZone: string, outer: readonly FieldValues[]): void {
  const written: Record<string, FieldValue> = {};
  for (const spec of fields) {
    let value = values[spec.name] ?? countOf(spec.name, fields, values) ?? spec.value;
    if (spec.encoding === 'group') {
      const count = typeof spec.count === 'number' ? spec.count : undefined;
      if (value !== undefined && !Array.isArray(value)) throw new EncodeError(`${spec.name} is not a list of entries`);
      const entries = (value as readonly FieldValues[] | undefined) ?? Array.from({ length: count ?? 0 }, () => ({}));
      const expected = count ?? groupCount(spec, [written, ...outer]);
      if (entries.length !== expected) throw new EncodeError(`${spec.name} has ${entries.length} entries, its count says ${expected}`);
      if (spec.maxCount !== undefined && entries.length > spec.maxCount) throw new EncodeError(`${spec.name} has ${entries.length} entries, at most ${spec.maxCount}`);
      for (const entry of entries) writeLevel(w, spec.fields ?? [], entry, timeZone, [written, ...outer]);
      written[spec.name] = entries;
      continue;
    }
    if (Array.isArray(value)) throw new EncodeError(`${spec.name} is a list, expected one value`);
    value = value as number | string | undefined;
    w.bytes(encodeValue(spec, value, timeZone), spec.name, fieldOctets(spec));
    if (value !== undefined) written[spec.name] = value;
  }
}

/** Why `value` cannot be written in field `spec` (its encoder's words), or undefined when it can. */
export function unfit(spec: FieldSpec, value: number | string, timeZone: string): string | undefined {
  try {
    encodeValue(spec, value, timeZone);
    return undefined;
  } catch (e) {
    if (e instanceof EncodeError) return e.message;
    throw e;
  }
}

function encodeValue(spec: FieldSpec, value: number | string | undefined, timeZone: string): Buffer {
  const n = fieldOctets(spec);
  if (value === undefined) return Buffer.alloc(n);
  switch (spec.encoding) {
    case 'bcd': {
      const digits = String(value);
      if (!/^[0-9]*$/.test(digits)) throw new EncodeError(`${spec.name} ${JSON.stringify(digits)} is not decimal digits`);
      if (digits.length > 2 * n) throw new EncodeError(`${spec.name} has ${digits.length} digits, at most ${2 * n}`);
      const padded = digits.padStart(2 * n, '0');
      const out = Buffer.alloc(n);
      for (let i = 0; i < n; i++) out[i] = parseInt(padded.slice(2 * i, 2 * i + 2), 16);
      return spec.order === 'reversed' ? out.reverse() : out;
    }
    case 'uint': {
      const v = typeof value === 'number' ? value : Number(value);
      const raw = Math.round(v / (spec.scale ?? 1));
      if (!Number.isFinite(raw) || raw < 0 || raw > 2 ** (8 * n) - 1) throw new EncodeError(`${spec.name} ${String(value)} is outside what ${n} octet(s) carry`);
      const out = Buffer.alloc(n);
      if (spec.endian === 'big') out.writeUIntBE(raw, 0, n);
      else out.writeUIntLE(raw, 0, n);
      return out;
    }
    case 'cp56':
      return encodeCp56(spec, value, timeZone);
    case 'ascii': {
      const text = String(value);
      if (!/^[\x20-\x7e]*$/.test(text)) throw new EncodeError(`${spec.name} has a character that is not printable ASCII`);
      if (text.length > n) throw new EncodeError(`${spec.name} has ${text.length} characters, at most ${n}`);
      const out = Buffer.alloc(n);
      out.write(text, 'latin1');
      return out;
    }
    default:
      if (typeof value === 'number') {
        if (!Number.isInteger(value) || value < 0 || value > 0xff) throw new EncodeError(`${spec.name} ${value} is not an octet`);
        return Buffer.alloc(n, value);
      }
      return hexOctets(spec, value, n);
  }
}

function encodeCp56(spec: FieldSpec, value: number | string, timeZone: string): Buffer {
  const text = String(value);
  if (/^[0-9a-fA-F]{14}$/.test(text)) return Buffer.from(text, 'hex');
  const ms = typeof value === 'number' ? value : Date.parse(text);
  if (!Number.isFinite(ms)) throw new EncodeError(`${spec.name} ${JSON.stringify(text)} is not a time`);
  // Day of week 0 (unused), as the dialects' own samples write it.
  const t = { ...cp56FromDate(new Date(ms), timeZone), dayOfWeek: 0 };
  const out = Buffer.alloc(7);
  out.writeUInt16LE(t.milliseconds, 0);
  out[2] = t.minute;
  out[3] = t.hour | (t.summerTime ? 0x80 : 0);
  out[4] = t.day;
  out[5] = t.month;
  out[6] = t.year;
  return out;
}

function hexOctets(spec: FieldSpec, text: string, n: number): Buffer {
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new EncodeError(`${spec.name} ${JSON.stringify(text)} is not hex octets`);
  if (text.length !== 2 * n) throw new EncodeError(`${spec.name} has ${text.length / 2} octet(s), expected ${n}`);
  return Buffer.from(text, 'hex');
}

/** A group's count: its constant, or the value of the named earlier field (this level first, then outer ones). */
function groupCount(spec: FieldSpec, scopes: readonly Readonly<Record<string, FieldValue>>[]): number {
  if (typeof spec.count === 'number') return spec.count;
  if (spec.count === undefined) return 0;
  for (const scope of scopes) {
    const v = scope[spec.count];
    if (typeof v === 'number') return v;
  }
  return 0;
}

/** When `name` is the count field of a later group of `fields` whose entries are given: their number. */
function countOf(name: string, fields: readonly FieldSpec[], values: FieldValues): number | undefined {
  const group = fields.find((f) => f.encoding === 'group' && f.count === name);
  const entries = group === undefined ? undefined : values[group.name];
  return Array.isArray(entries) ? entries.length : undefined;
}

/** raw × scale, rounded to the scale's decimals (0.01 -> 2) so that 1234 × 0.01 is 12.34. */
export function scaled(raw: number, scale: number | undefined): number {
  if (scale === undefined || scale === 1) return raw;
  return Number((raw * scale).toFixed(Math.min(decimalsOf(scale), 20)));
}

/** Decimal places of a number as written: 0.01 -> 2, 0.25 -> 2, 1e-7 -> 7, 10 -> 0. */
function decimalsOf(n: number): number {
  const [mantissa = '', exponent] = String(n).split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}
