/**
 * Human-readable and JSON renderings of decoded APDUs, shared by the CLI and logs. Times are shown
 * as the charger's local calendar fields and, when a time zone is given, as the UTC instant.
 */
import type { Apdu } from './apdu.js';
import { cotName, QOI_STATION, typeInfo } from './constants.js';
import { cp56ToDate, formatCp56 } from './cp56.js';
import { QUALITY, type Asdu, type Cp56Time, type InformationObject } from './types.js';

const QUALITY_NAMES = Object.entries(QUALITY) as [keyof typeof QUALITY, number][];
const DPI = ['INTERMEDIATE', 'OFF', 'ON', 'INDETERMINATE'] as const;
const DCS = ['NOT_PERMITTED(0)', 'OFF', 'ON', 'NOT_PERMITTED(3)'] as const;
const FRZ = ['read', 'freeze', 'freeze+reset', 'reset'] as const;

/** Names of the quality flags set in a quality octet, e.g. `IV,NT`. */
export function qualityFlags(quality: number): string[] {
  return QUALITY_NAMES.filter(([, bit]) => (quality & bit) !== 0).map(([name]) => name);
}

/** One-line description of the APCI. */
export function describeApci(apdu: Apdu): string {
  const a = apdu.apci;
  if (a.format === 'I') return `I-frame N(S)=${a.ns} N(R)=${a.nr}`;
  if (a.format === 'S') return `S-frame N(R)=${a.nr}`;
  return `U-frame ${a.fn}`;
}

/** One-line description of an ASDU header: TI mnemonic, COT name with P/N and T, CA. */
export function describeAsduHeader(asdu: Asdu): string {
  const name = typeInfo(asdu.typeId)?.name ?? `TI_${asdu.typeId}`;
  const flags = [asdu.negative ? 'P/N=negative' : '', asdu.test ? 'T=test' : ''].filter(Boolean).join(' ');
  const oa = asdu.originator !== 0 ? ` OA ${asdu.originator}` : '';
  return `${name} (${asdu.typeId})${asdu.sq ? ' SQ=1' : ''} COT ${asdu.cause} ${cotName(asdu.cause)}${flags ? ` ${flags}` : ''}${oa} CA ${asdu.commonAddress} objects ${asdu.objects.length}`;
}

/** One-line description of an information object's value, quality and time. */
export function describeObject(asdu: Asdu, o: InformationObject, timeZone?: string): string {
  const info = typeInfo(asdu.typeId);
  const e = o as unknown as Record<string, unknown>;
  let text: string;
  switch (info?.kind) {
    case 'SIQ':
      text = `${e.value === true ? 'ON' : 'OFF'}${quality(e.quality)}`;
      break;
    case 'DIQ':
      text = `${DPI[Number(e.value)] ?? e.value}${quality(e.quality)}`;
      break;
    case 'BSI':
      text = `0x${Number(e.value).toString(16).padStart(8, '0')}${quality(e.quality)}`;
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
    case 'CP56':
    case undefined:
      text = '';
      break;
  }
  const time = o.time ?? (info?.kind === 'CP56' ? (e.time as Cp56Time) : undefined);
  const when = time === undefined ? '' : ` time ${describeTime(time, timeZone)}`;
  return `IOA ${o.ioa}${text ? ` ${text}` : ''}${when}`;
}

/** Local calendar fields, plus the UTC instant when a zone is given. */
export function describeTime(t: Cp56Time, timeZone?: string): string {
  const local = formatCp56(t);
  if (timeZone === undefined) return local;
  const d = cp56ToDate(t, timeZone);
  return `${local} ${timeZone} = ${d === undefined ? 'not a valid date' : d.toISOString()}`;
}

/** Multi-line dump of one APDU. */
export function describeApdu(apdu: Apdu, timeZone?: string): string[] {
  const lines = [`  APCI  ${describeApci(apdu)}`];
  if (apdu.asdu !== undefined) {
    lines.push(`  ASDU  ${describeAsduHeader(apdu.asdu)}`);
    for (const o of apdu.asdu.objects) lines.push(`    ${describeObject(apdu.asdu, o, timeZone)}`);
  }
  return lines;
}

/** A JSON-ready copy of an APDU with the TI mnemonic, COT name and, per time, its UTC instant. */
export function apduToJson(apdu: Apdu, timeZone?: string): unknown {
  if (apdu.asdu === undefined) return { apci: apdu.apci };
  const a = apdu.asdu;
  const withUtc = (t: Cp56Time): unknown => {
    const d = timeZone === undefined ? undefined : cp56ToDate(t, timeZone);
    return { ...t, ...(timeZone !== undefined ? { utc: d?.toISOString() ?? null } : {}) };
  };
  return {
    apci: apdu.apci,
    asdu: {
      ...a,
      type: typeInfo(a.typeId)?.name ?? null,
      causeName: cotName(a.cause),
      objects: a.objects.map((o) => ('time' in o && o.time !== undefined ? { ...o, time: withUtc(o.time) } : o)),
    },
  };
}

function quality(q: unknown): string {
  const flags = qualityFlags(Number(q ?? 0));
  return flags.length === 0 ? '' : ` [${flags.join(',')}]`;
}

function num(v: unknown): string {
  return typeof v === 'number' ? String(Number.isInteger(v) ? v : Number(v.toPrecision(7))) : String(v);
}
