/**
 * Human-readable and JSON renderings of decoded APDUs, shared by the CLI and logs. Times are shown
 * as the charger's local calendar fields and, when a time zone is given, as the UTC instant. A
 * codec's private types (`private-types.ts`) are shown by their layout's name and fields when its
 * table is given.
 */
import type { Apdu } from './apdu.js';
import { cotName, QOI_STATION, typeInfo } from './constants.js';
import { cp56ToDate, formatCp56 } from './cp56.js';
import type { PrivateAsdu, PrivateObject, PrivateTypeLayout, PrivateTypes } from './private-layout.js';
import { QDP_EI, QUALITY, type Asdu, type Cp56Time, type InformationObject } from './types.js';

/** A standard ASDU or one of a registered private type. */
type AnyAsdu = Asdu | PrivateAsdu<object>;

const QUALITY_NAMES = Object.entries(QUALITY) as [keyof typeof QUALITY, number][];
/** QDP and SEP flags (IEC 60870-5-101 §7.2.6.4): EI and the QDS flags but OV. */
const QDP_NAMES: [string, number][] = [['EI', QDP_EI], ...QUALITY_NAMES.filter(([name]) => name !== 'OV')];
const DPI = ['INTERMEDIATE', 'OFF', 'ON', 'INDETERMINATE'] as const;
const DCS = ['NOT_PERMITTED(0)', 'OFF', 'ON', 'NOT_PERMITTED(3)'] as const;
/** RCS of RCO (§7.2.6.17). */
const RCS = ['NOT_PERMITTED(0)', 'LOWER', 'HIGHER', 'NOT_PERMITTED(3)'] as const;
/** ES of SEP (§7.2.6.10). */
const ES = ['INDETERMINATE(0)', 'OFF', 'ON', 'INDETERMINATE(3)'] as const;
const FRZ = ['read', 'freeze', 'freeze+reset', 'reset'] as const;
/** SPE start events (§7.2.6.11) and OCI output circuits (§7.2.6.12), bit 0 first. */
const SPE_BITS = ['GS', 'SL1', 'SL2', 'SL3', 'SIE', 'SRD'] as const;
const OCI_BITS = ['GC', 'CL1', 'CL2', 'CL3'] as const;
/** KPA of QPM (§7.2.6.24). */
const KPA = ['not used', 'threshold', 'smoothing factor', 'low limit', 'high limit'] as const;
/** QRP (§7.2.6.27) and QPA (§7.2.6.25). */
const QRP = ['not used', 'general reset of process', 'reset of pending time-tagged information'] as const;
const QPA = ['not used', 'previously loaded parameters', 'parameter of the object', 'cyclic transmission of the object'] as const;
/** SCQ and AFQ low nibbles, LSQ (§7.2.6.30-33), and the file error high nibble they share. */
const SCQ = ['default', 'select file', 'request file', 'deactivate file', 'delete file', 'select section', 'request section', 'deactivate section'] as const;
const AFQ = ['not used', 'positive ack of file', 'negative ack of file', 'positive ack of section', 'negative ack of section'] as const;
const LSQ = ['not used', 'file transfer without deactivation', 'file transfer with deactivation', 'section transfer without deactivation', 'section transfer with deactivation'] as const;
const FILE_ERROR = ['', 'memory not available', 'checksum failed', 'unexpected communication service', 'unexpected name of file', 'unexpected name of section'] as const;

/** Names of the quality flags set in a quality octet, e.g. `IV,NT`. */
export function qualityFlags(quality: number): string[] {
  return QUALITY_NAMES.filter(([, bit]) => (quality & bit) !== 0).map(([name]) => name);
}

/** One-line description of the APCI. */
export function describeApci(apdu: Apdu<unknown>): string {
  const a = apdu.apci;
  if (a.format === 'I') return `I-frame N(S)=${a.ns} N(R)=${a.nr}`;
  if (a.format === 'S') return `S-frame N(R)=${a.nr}`;
  return `U-frame ${a.fn}`;
}

/** One-line description of an ASDU header: TI mnemonic (a private type's by `types`), COT name with P/N and T, CA. */
export function describeAsduHeader(asdu: AnyAsdu, types?: PrivateTypes): string {
  const name = typeName(asdu.typeId, types) ?? `TI_${asdu.typeId}`;
  const flags = [asdu.negative ? 'P/N=negative' : '', asdu.test ? 'T=test' : ''].filter(Boolean).join(' ');
  const oa = asdu.originator !== 0 ? ` OA ${asdu.originator}` : '';
  return `${name} (${asdu.typeId})${asdu.sq ? ' SQ=1' : ''} COT ${asdu.cause} ${cotName(asdu.cause)}${flags ? ` ${flags}` : ''}${oa} CA ${asdu.commonAddress} objects ${asdu.objects.length}`;
}

/** One-line description of an information object's value, quality and time. */
export function describeObject(asdu: AnyAsdu, o: InformationObject | PrivateObject<object>, timeZone?: string, types?: PrivateTypes): string {
  const layout = types?.layoutOf(asdu.typeId);
  const info = layout === undefined ? typeInfo(asdu.typeId) : undefined;
  if (info === undefined) return describePrivateObject(layout, o, timeZone);
  const e = o as unknown as Record<string, unknown>;
  let text: string;
  switch (info.kind) {
    case 'SIQ':
      text = `${e.value === true ? 'ON' : 'OFF'}${quality(e.quality)}`;
      break;
    case 'DIQ':
      text = `${DPI[Number(e.value)] ?? e.value}${quality(e.quality)}`;
      break;
    case 'VTI':
      text = `step ${e.value}${e.transient === true ? ' transient' : ''}${quality(e.quality)}`;
      break;
    case 'SCD':
      text = `ST 0x${hex(e.status, 4)} CD 0x${hex(e.changeDetection, 4)}${quality(e.quality)}`;
      break;
    case 'NVA_ONLY':
      text = `${num(e.value)} (raw ${e.raw})`;
      break;
    case 'SEP':
      text = `${ES[Number(e.state)] ?? e.state} elapsed ${e.elapsedTime} ms${qdp(e.quality)}`;
      break;
    case 'SPE':
      text = `start ${bits(e.start, SPE_BITS)} relay duration ${e.relayDurationTime} ms${qdp(e.quality)}`;
      break;
    case 'OCI':
      text = `output ${bits(e.output, OCI_BITS)} relay operation ${e.relayOperationTime} ms${qdp(e.quality)}`;
      break;
    case 'BSI':
      text = `0x${hex(e.value, 8)}${quality(e.quality)}`;
      break;
    case 'NVA':
      text = `${num(e.value)} (raw ${e.raw})${quality(e.quality)}`;
      break;
    case 'SVA':
    case 'FLOAT':
      text = `${num(e.value)}${quality(e.quality)}`;
      break;
    case 'BCR':
      text = `${e.value} seq ${e.sequence}${[e.carry ? ' CY' : '', e.adjusted ? ' CA' : '', e.invalid ? ' IV' : ''].join('')}`;
      break;
    case 'SCO':
      text = `${e.state === true ? 'ON' : 'OFF'} QU ${e.qualifier} ${e.select === true ? 'SELECT' : 'EXECUTE'}`;
      break;
    case 'DCO':
      text = `${DCS[Number(e.state)] ?? e.state} QU ${e.qualifier} ${e.select === true ? 'SELECT' : 'EXECUTE'}`;
      break;
    case 'RCO':
      text = `${RCS[Number(e.state)] ?? e.state} QU ${e.qualifier} ${e.select === true ? 'SELECT' : 'EXECUTE'}`;
      break;
    case 'BSI_ONLY':
      text = `0x${hex(e.value, 8)}`;
      break;
    case 'NVA_QOS':
    case 'SVA_QOS':
    case 'FLOAT_QOS':
      text = `${num(e.value)}${e.raw !== undefined ? ` (raw ${e.raw})` : ''} QL ${e.ql} ${e.select === true ? 'SELECT' : 'EXECUTE'}`;
      break;
    case 'COI':
      text = `cause ${e.cause}${e.afterParameterChange === true ? ' after parameter change' : ''}`;
      break;
    case 'QOI':
      text = `QOI ${e.qoi}${e.qoi === QOI_STATION ? ' station' : Number(e.qoi) >= 21 && Number(e.qoi) <= 36 ? ` group ${Number(e.qoi) - 20}` : ''}`;
      break;
    case 'QCC':
      text = `RQT ${e.rqt}${e.rqt === 5 ? ' general' : ''} FRZ ${FRZ[Number(e.frz)] ?? e.frz}`;
      break;
    case 'QRP':
      text = `QRP ${e.qrp}${named(QRP, e.qrp)}`;
      break;
    case 'TSC':
      text = `TSC ${e.tsc}`;
      break;
    case 'NVA_QPM':
    case 'SVA_QPM':
    case 'FLOAT_QPM':
      text = `${num(e.value)}${e.raw !== undefined ? ` (raw ${e.raw})` : ''} KPA ${e.kpa}${named(KPA, e.kpa)}${e.lpc === true ? ' LPC' : ''}${e.pop === true ? ' POP=not in operation' : ''}`;
      break;
    case 'QPA':
      text = `QPA ${e.qpa}${named(QPA, e.qpa)}`;
      break;
    case 'FILE_READY':
    case 'SECTION_READY':
    case 'CALL':
    case 'LAST_SECTION':
    case 'ACK':
    case 'SEGMENT':
    case 'DIRECTORY':
    case 'QUERY_LOG':
      text = describeFileElement(info.kind, e, timeZone);
      break;
    case 'NONE':
    case 'CP56':
      text = '';
      break;
  }
  const time = e.time as Cp56Time | undefined;
  const when = time === undefined ? '' : ` time ${describeTime(time, timeZone)}`;
  return `IOA ${String(e.ioa)}${text ? ` ${text}` : ''}${when}`;
}

/**
 * A private type's object: its IOA when it has one, then the layout's line or each field as
 * `name=value`. Without a layout (an ASDU of a type nobody registered) the fields are shown alike.
 */
function describePrivateObject(layout: PrivateTypeLayout<object> | undefined, o: object, timeZone?: string): string {
  const { ioa, ...element } = o as { ioa?: unknown };
  const text =
    layout?.describe !== undefined
      ? layout.describe(o, timeZone)
      : Object.entries(element)
          .map(([k, v]) => `${k}=${fieldText(v, timeZone)}`)
          .join(' ');
  return [ioa === undefined ? '' : `IOA ${String(ioa)}`, text].filter(Boolean).join(' ');
}

/** A field of a private element for a one-line description. */
function fieldText(v: unknown, timeZone?: string): string {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (isCp56(v)) return describeTime(v, timeZone);
  if (typeof v === 'number') return num(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(jsonValue(v, (t) => formatCp56(t)));
  return String(v);
}

/** A CP56Time2a among a private element's fields (they carry no type tag). */
function isCp56(v: unknown): v is Cp56Time {
  return typeof v === 'object' && v !== null && 'milliseconds' in v && 'minute' in v && 'year' in v && 'summerTime' in v;
}

/** A private element's value made JSON-ready: octets as hex, times by `time`, the rest as is. */
function jsonValue(v: unknown, time: (t: Cp56Time) => unknown): unknown {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
  if (isCp56(v)) return time(v);
  if (Array.isArray(v)) return v.map((x) => jsonValue(x, time));
  if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonValue(x, time)]));
  return v;
}

/** The mnemonic of a TI: a registered private type's name first, then the standard one. */
function typeName(typeId: number, types?: PrivateTypes): string | undefined {
  return types?.layoutOf(typeId)?.name ?? typeInfo(typeId)?.name;
}

/** NOF, NOS, LOF and the qualifiers of the file-transfer types (IEC 60870-5-101 §7.2.6.33-45). */
function describeFileElement(kind: string, e: Record<string, unknown>, timeZone?: string): string {
  const parts = [`NOF ${e.nof}`];
  if (e.nos !== undefined) parts.push(`NOS ${e.nos}`);
  if (e.lof !== undefined) parts.push(`LOF ${e.lof}`);
  const q = Number(e.frq ?? e.srq ?? 0);
  switch (kind) {
    case 'FILE_READY':
      parts.push(`FRQ ${q & 0x7f} ${(q & 0x80) !== 0 ? 'negative' : 'positive'} confirm`);
      break;
    case 'SECTION_READY':
      parts.push(`SRQ ${q & 0x7f} section ${(q & 0x80) !== 0 ? 'not ready' : 'ready'} to load`);
      break;
    case 'CALL':
      parts.push(`SCQ ${SCQ[Number(e.scq) & 0x0f] ?? Number(e.scq) & 0x0f}${fileError(e.scq)}`);
      break;
    case 'LAST_SECTION':
      parts.push(`LSQ ${e.lsq}${named(LSQ, e.lsq)} CHS ${e.chs}`);
      break;
    case 'ACK':
      parts.push(`AFQ ${AFQ[Number(e.afq) & 0x0f] ?? Number(e.afq) & 0x0f}${fileError(e.afq)}`);
      break;
    case 'SEGMENT': {
      const segment = e.segment as number[];
      parts.push(`LOS ${segment.length} ${Buffer.from(segment).toString('hex')}`);
      break;
    }
    case 'DIRECTORY': {
      const sof = Number(e.sof);
      const flags = [(sof & 0x20) !== 0 ? 'LFD' : '', (sof & 0x40) !== 0 ? 'FOR=directory' : '', (sof & 0x80) !== 0 ? 'FA=active' : ''].filter(Boolean);
      parts.push(`SOF status ${sof & 0x1f}${flags.length > 0 ? ` ${flags.join(',')}` : ''}`);
      break;
    }
    case 'QUERY_LOG':
      parts.push(`from ${describeTime(e.rangeStart as Cp56Time, timeZone)} to ${describeTime(e.rangeStop as Cp56Time, timeZone)}`);
      break;
  }
  return parts.join(' ');
}

function fileError(q: unknown): string {
  const error = Number(q) >> 4;
  return error === 0 ? '' : ` error ${FILE_ERROR[error] ?? error}`;
}

function named(names: readonly string[], v: unknown): string {
  const name = names[Number(v)];
  return name === undefined ? '' : ` (${name})`;
}

function bits(v: unknown, names: readonly string[]): string {
  const set = names.filter((_, i) => (Number(v) & (1 << i)) !== 0);
  return set.length === 0 ? 'none' : set.join(',');
}

function hex(v: unknown, digits: number): string {
  return Number(v).toString(16).padStart(digits, '0');
}

/** Local calendar fields, plus the UTC instant when a zone is given. */
export function describeTime(t: Cp56Time, timeZone?: string): string {
  const local = formatCp56(t);
  if (timeZone === undefined) return local;
  const d = cp56ToDate(t, timeZone);
  return `${local} ${timeZone} = ${d === undefined ? 'not a valid date' : d.toISOString()}`;
}

/** Multi-line dump of one APDU; `types` names a codec's private types and their fields. */
export function describeApdu(apdu: Apdu<AnyAsdu>, timeZone?: string, types?: PrivateTypes): string[] {
  const lines = [`  APCI  ${describeApci(apdu)}`];
  if (apdu.asdu !== undefined) {
    lines.push(`  ASDU  ${describeAsduHeader(apdu.asdu, types)}`);
    for (const o of apdu.asdu.objects) lines.push(`    ${describeObject(apdu.asdu, o, timeZone, types)}`);
  }
  return lines;
}

/**
 * A JSON-ready copy of an APDU with the TI mnemonic, COT name and, per time, its UTC instant; with
 * `types`, a private type's name, and its fields with octets as hex.
 */
export function apduToJson(apdu: Apdu<AnyAsdu>, timeZone?: string, types?: PrivateTypes): unknown {
  if (apdu.asdu === undefined) return { apci: apdu.apci };
  const a = apdu.asdu;
  const withUtc = (t: Cp56Time): unknown => {
    const d = timeZone === undefined ? undefined : cp56ToDate(t, timeZone);
    return { ...t, ...(timeZone !== undefined ? { utc: d?.toISOString() ?? null } : {}) };
  };
  if (types?.layoutOf(a.typeId) !== undefined || typeInfo(a.typeId) === undefined) {
    return { apci: apdu.apci, asdu: { ...a, type: typeName(a.typeId, types) ?? null, causeName: cotName(a.cause), objects: a.objects.map((o) => jsonValue(o, withUtc)) } };
  }
  return {
    apci: apdu.apci,
    asdu: {
      ...a,
      type: typeInfo(a.typeId)?.name ?? null,
      causeName: cotName(a.cause),
      objects: (a.objects as readonly InformationObject[]).map((o) => {
        const out: Record<string, unknown> = { ...o };
        for (const field of ['time', 'rangeStart', 'rangeStop']) {
          const t = out[field];
          if (t !== undefined) out[field] = withUtc(t as Cp56Time);
        }
        return out;
      }),
    },
  };
}

function quality(q: unknown): string {
  const flags = qualityFlags(Number(q ?? 0));
  return flags.length === 0 ? '' : ` [${flags.join(',')}]`;
}

function qdp(q: unknown): string {
  const flags = QDP_NAMES.filter(([, bit]) => (Number(q ?? 0) & bit) !== 0).map(([name]) => name);
  return flags.length === 0 ? '' : ` [${flags.join(',')}]`;
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(7))) : String(v);
}
