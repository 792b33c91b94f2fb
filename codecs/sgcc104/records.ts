/**
 * A dialect's records on the IEC 104 library (docs/protocols/state-grid-dialects.md §2): every
 * private type identification the catalogue names is registered in an `AsduTypeTable` with a layout
 * that reads the record-type octet (unless the record has none) and the record's fields; every
 * other TI (interrogation, clock sync) decodes through the standard library.
 *
 * The record-type octet is read by the engine, not listed among the fields. A record selected by
 * several values (B1's charge record, whose record type is its end reason) carries the octet in its
 * values as `recordType`, so that it encodes back and its end reason can be read.
 */
import { AsduTypeTable, type ElementContext, type PrivateAsdu, type PrivateTypeLayout } from '../../src/iec104/private-types.js';
import { EncodeError } from '../../src/iec104/errors.js';
import type { RecordReader, RecordWriter } from '../../src/iec104/record-io.js';
import type { Asdu, AsduParameters } from '../../src/iec104/types.js';
import { MEANINGS, type Dialect, type RecordSpec } from './catalogue.js';
import { FieldStop, type Sgcc104ErrorCode } from './errors.js';
import { fixedOctets, readFields, writeFields, type FieldValues } from './fields.js';

export { rolesOf, valuesFor, wordOf, codeOf, type Roles } from './roles.js';

/** The values key of the record-type octet of a record selected by several values. */
export const RECORD_TYPE_KEY = 'recordType';

export interface DecodedRecord {
  readonly spec: RecordSpec;
  readonly typeId: number;
  readonly cause: number;
  readonly negative: boolean;
  readonly commonAddress: number;
  readonly ioa?: number;
  readonly recordType?: number;
  readonly values: FieldValues;
}

export type RecordDecode =
  | { readonly ok: true; readonly kind: 'record'; readonly record: DecodedRecord }
  | { readonly ok: true; readonly kind: 'standard'; readonly asdu: Asdu }
  /** `unknown`: a well-formed ASDU whose (TI, record type) the catalogue does not name; otherwise bad content. Offsets count from the ASDU's first octet. */
  | { readonly ok: false; readonly code: Sgcc104ErrorCode; readonly message: string; readonly offset: number; readonly unknown: boolean };

/** What a header of an encoded record may override (the defaults: the spec's cause, the framing's addresses). */
export interface RecordHeader {
  readonly cause?: number;
  readonly negative?: boolean;
  readonly ioa?: number;
  readonly commonAddress?: number;
}

/** Which side reads: the gateway reads uplink records, a simulated charger downlink ones (when a (TI, record type) pair names both). */
export type Reading = 'up' | 'down';

/**
 * The records of one TI: by record-type octet, or those without it (when no record of the TI has
 * one). Several records on one key, in the reading side's order, are told apart by their fixed
 * lengths, then by their cause of transmission (B3's clock sync, COT 6, and its answer, COT 7).
 */
interface TypeRecords {
  readonly keyed: ReadonlyMap<number, readonly RecordSpec[]>;
  readonly plain: readonly RecordSpec[];
}

/** Of the records on one key, the one whose fixed length is `octets` and cause `cause`, else the best of either, else the first. */
function pick(candidates: readonly RecordSpec[] | undefined, octets: number, cause: number): RecordSpec | undefined {
  if (candidates === undefined || candidates.length < 2) return candidates?.[0];
  const fits = (c: RecordSpec): boolean => fixedOctets(c.fields) === octets;
  const said = (c: RecordSpec): boolean => c.cause === cause;
  return candidates.find((c) => fits(c) && said(c)) ?? candidates.find(fits) ?? candidates.find(said) ?? candidates[0];
}

type Element = { readonly spec: RecordSpec; readonly recordType?: number; readonly values: FieldValues } | { readonly failure: FieldStop };

/** The ASDU field widths of a dialect. */
export function asduParameters(dialect: Dialect): AsduParameters {
  return { cotSize: dialect.framing.cotOctets, caSize: dialect.framing.caOctets, ioaSize: dialect.framing.ioaOctets };
}

export class RecordCodec {
  readonly params: AsduParameters;
  readonly table = new AsduTypeTable<Element>();
  private readonly byName = new Map<string, RecordSpec>();
  private readonly byType = new Map<number, TypeRecords>();

  constructor(
    readonly dialect: Dialect,
    readonly timeZone: string,
    reading: Reading = 'up',
  ) {
    this.params = asduParameters(dialect);
    const byType = new Map<number, RecordSpec[]>();
    for (const spec of dialect.records) {
      this.byName.set(spec.name, spec);
      byType.set(spec.type, [...(byType.get(spec.type) ?? []), spec]);
    }
    for (const [typeId, specs] of byType) {
      const name = dialect.types.get(typeId)?.name ?? `TI_${typeId}`;
      // Of two records on one (TI, record type), the one read from the other side wins.
      const ordered = [...specs].sort((a, b) => rank(b, reading) - rank(a, reading));
      const keyed = new Map<number, RecordSpec[]>();
      for (const s of ordered) if (s.record !== 'none') for (const v of s.record) keyed.set(v, [...(keyed.get(v) ?? []), s]);
      const records: TypeRecords = { keyed, plain: keyed.size > 0 ? [] : ordered.filter((s) => s.record === 'none') };
      this.byType.set(typeId, records);
      this.table.register(typeId, layoutOf(name, records, dialect.framing.privateIoa, timeZone));
    }
  }

  /** The record named `name`; throws for a name the catalogue does not have (a programming error). */
  spec(name: string): RecordSpec {
    const spec = this.byName.get(name);
    if (spec === undefined) throw new RangeError(`dialect ${this.dialect.name} has no record ${name}`);
    return spec;
  }

  /** The records of one meaning, in catalogue order. */
  withMeaning(meaning: RecordSpec['meaning']): RecordSpec[] {
    return this.dialect.records.filter((r) => r.meaning === meaning);
  }

  /**
   * The record an ASDU of a private type announces and where its fields start (octets from the
   * ASDU's first), read from its header and record-type octet alone: what is secret in a frame
   * whose record cannot be decoded. Undefined for standard and unknown records.
   */
  locate(asdu: Uint8Array): { readonly spec: RecordSpec; readonly fieldsAt: number } | undefined {
    const records = this.byType.get(asdu[0] ?? -1);
    if (records === undefined) return undefined;
    const at = 2 + this.params.cotSize + this.params.caSize + (this.dialect.framing.privateIoa ? this.params.ioaSize : 0);
    const cause = (asdu[2] ?? 0) & 0x3f;
    const plain = pick(records.plain, asdu.length - at, cause);
    if (plain !== undefined) return { spec: plain, fieldsAt: at };
    const spec = pick(records.keyed.get(asdu[at] ?? -1), asdu.length - at - 1, cause);
    return spec === undefined ? undefined : { spec, fieldsAt: at + 1 };
  }

  /** Decodes one ASDU (an I-frame's payload). Never throws on input. */
  decode(asdu: Buffer): RecordDecode {
    const r = this.table.decodeAsdu(asdu, this.params);
    if (!r.ok) {
      const { code, message, offset } = r.error;
      if (code === 'IEC104_UNKNOWN_RECORD' || code === 'IEC104_UNKNOWN_TI') return fail('SGCC104_UNKNOWN_RECORD', message, offset, true);
      if (code === 'IEC104_RECORD_TRUNCATED') return fail('SGCC104_SHORT_RECORD', message, offset, false);
      if (code === 'IEC104_VSQ_MISMATCH' && this.table.layoutOf(asdu[0] ?? -1) !== undefined) return fail('SGCC104_LONG_RECORD', message, offset, false);
      return fail('SGCC104_BAD_ASDU', `${code}: ${message}`, offset, false);
    }
    const value = r.value;
    if (!this.table.isPrivate(value)) return { ok: true, kind: 'standard', asdu: value };
    const object = value.objects[0];
    if (object === undefined) return fail('SGCC104_BAD_ASDU', 'private ASDU without an object', 1, false);
    if ('failure' in object) return fail(object.failure.code, object.failure.message, object.failure.offset, false);
    const record: DecodedRecord = {
      spec: object.spec,
      typeId: value.typeId,
      cause: value.cause,
      negative: value.negative,
      commonAddress: value.commonAddress,
      ...(object.ioa === undefined ? {} : { ioa: object.ioa }),
      ...(object.recordType === undefined ? {} : { recordType: object.recordType }),
      values: object.values,
    };
    return { ok: true, kind: 'record', record };
  }

  /** The ASDU of record `name` with these values; throws an `EncodeError` for a value its field cannot carry. */
  encode(name: string, values: FieldValues, header: RecordHeader = {}): Buffer {
    const spec = this.spec(name);
    const framing = this.dialect.framing;
    const asdu: PrivateAsdu<Element> = {
      typeId: spec.type,
      sq: false,
      cause: header.cause ?? spec.cause ?? (MEANINGS[spec.meaning].direction === 'up' ? 3 : 6),
      negative: header.negative ?? false,
      test: false,
      originator: 0,
      commonAddress: header.commonAddress ?? framing.commonAddress,
      objects: [{ spec, values, ...(framing.privateIoa ? { ioa: header.ioa ?? this.ioaFor(spec, values) } : {}) }],
    };
    return this.table.encodeAsdu(asdu, this.params);
  }

  /** The framing's IOA, with the record's connector (wire numbering) in the high nibble of its first octet where the dialect puts it there. */
  private ioaFor(spec: RecordSpec, values: FieldValues): number {
    const framing = this.dialect.framing;
    if (framing.connectorInIoa !== true) return framing.ioa;
    const field = spec.fields.find((f) => f.role === 'connector');
    const connector = field === undefined ? undefined : values[field.name];
    return typeof connector === 'number' ? framing.ioa + ((connector & 0x0f) << 4) : framing.ioa;
  }

  /** A standard ASDU (C_IC_NA_1, C_CS_NA_1...) with the dialect's field widths. */
  encodeStandard(asdu: Asdu): Buffer {
    return this.table.encodeAsdu(asdu, this.params);
  }
}

function rank(spec: RecordSpec, reading: Reading): number {
  const direction = MEANINGS[spec.meaning].direction;
  return direction === reading ? 2 : direction === 'either' ? 1 : 0;
}

/** The layout of one TI: by record-type octet when any of its records has one, else its record without. */
function layoutOf(name: string, records: TypeRecords, hasIoa: boolean, timeZone: string): PrivateTypeLayout<Element> {
  const { keyed, plain } = records;
  return {
    name,
    hasIoa,
    decode(r: RecordReader, at: ElementContext): Element {
      let spec = pick(plain, r.remaining, at.asdu.cause);
      let recordType: number | undefined;
      if (spec === undefined) {
        recordType = r.u8('record type');
        spec = pick(keyed.get(recordType), r.remaining, at.asdu.cause);
        if (spec === undefined) return r.unknownRecord(`${name} record type ${recordType} (0x${recordType.toString(16).padStart(2, '0')}) is not in the catalogue`);
      }
      const found = spec as RecordSpec;
      try {
        const values = readFields(r, found.fields, timeZone);
        if (recordType === undefined) return { spec: found, values };
        const several = found.record !== 'none' && found.record.length > 1;
        return { spec: found, recordType, values: several ? { [RECORD_TYPE_KEY]: recordType, ...values } : values };
      } catch (e) {
        if (!(e instanceof FieldStop)) throw e;
        // The rest is skipped so that the stop, not the octets left, is what the decoding reports.
        r.rest();
        return { failure: e };
      }
    },
    encode(element: Element, w: RecordWriter): void {
      if ('failure' in element) throw new EncodeError('a record that failed to decode cannot be encoded');
      const { spec, values } = element;
      if (spec.record !== 'none') {
        const given = values[RECORD_TYPE_KEY];
        const recordType = typeof given === 'number' && spec.record.includes(given) ? given : (spec.record[0] as number);
        w.u8(recordType, 'record type');
      }
      writeFields(w, spec.fields, values, timeZone);
    },
    describe: (element: Element): string => ('failure' in element ? element.failure.message : element.spec.name),
  };
}

function fail(code: Sgcc104ErrorCode, message: string, offset: number, unknown: boolean): RecordDecode {
  return { ok: false, code, message, offset, unknown };
}
