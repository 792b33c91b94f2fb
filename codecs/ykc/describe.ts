/** Human-readable dump of a decoded YKC frame: type name and code, sequence, one field per line with units. */
import { frameInfo, frameInfoByName, HEADER_SIZE } from './constants.js';
import type { YkcFrame } from './types.js';

const UNITS: readonly (readonly [RegExp, string])[] = [
  [/Kwh$/, 'kWh'],
  [/Yuan$/, 'CNY'],
  [/VoltageV$|V$/, 'V'],
  [/CurrentA$|A$/, 'A'],
  [/TempC$|C$/, '°C'],
  [/Percent$/, '%'],
  [/Min$/, 'min'],
  [/Ah$/, 'Ah'],
];

const SKIP = new Set(['type', 'sequence', 'crcOrder', 'encrypted']);

/**
 * Secrets a readable dump does not print (it is what gets pasted into tickets): the FTP password of
 * a remote update (0x94) and the MD5 of a card start's password (0x31). `--json` and the hex still
 * carry the frame as it is.
 */
const MASKED: Readonly<Record<string, ReadonlySet<string>>> = { firmwareUpdate: new Set(['password']), startRequest: new Set(['passwordMd5']) };

function unitOf(name: string): string {
  for (const [re, unit] of UNITS) if (re.test(name)) return ` ${unit}`;
  return '';
}

function isStamp(v: unknown): v is { cp56: Record<string, unknown>; utc: string | null } {
  return typeof v === 'object' && v !== null && 'cp56' in v && 'utc' in v;
}

function fieldLines(prefix: string, value: unknown, out: string[]): void {
  if (isStamp(value)) {
    const c = value.cp56 as { year: number; month: number; day: number; hour: number; minute: number; milliseconds: number };
    const p = (n: number, w = 2): string => String(n).padStart(w, '0');
    const local = `20${p(c.year)}-${p(c.month)}-${p(c.day)} ${p(c.hour)}:${p(c.minute)}:${p(Math.floor(c.milliseconds / 1000))}.${p(c.milliseconds % 1000, 3)}`;
    out.push(`  ${prefix}: ${local} local = ${value.utc ?? 'invalid'}`);
    return;
  }
  if (Array.isArray(value)) {
    out.push(`  ${prefix}: [${value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(', ')}]`);
    return;
  }
  if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) fieldLines(`${prefix}.${k}`, v, out);
    return;
  }
  const leaf = prefix.slice(prefix.lastIndexOf('.') + 1);
  const unit = typeof value === 'number' ? unitOf(leaf) : '';
  out.push(`  ${prefix}: ${typeof value === 'string' ? JSON.stringify(value) : String(value)}${unit}`);
}

export function describeYkcFrame(frame: YkcFrame): string[] {
  const info = frameInfoByName(frame.type);
  const lines = [
    `${frame.type} (0x${info.code.toString(16).padStart(2, '0').toUpperCase()}) seq ${frame.sequence} crc ${frame.crcOrder ?? 'le'}${frame.encrypted === true ? ' 3DES (decrypted)' : ''}`,
  ];
  for (const [k, v] of Object.entries(frame)) {
    if (SKIP.has(k)) continue;
    if (MASKED[frame.type]?.has(k) === true && typeof v === 'string') lines.push(`  ${k}: (${v.length} characters, masked)`);
    else fieldLines(k, v, lines);
  }
  return lines;
}

/**
 * The header of a whole frame whose body cannot be read (3DES without a key): type, sequence and
 * the encrypted body's size, so a dump still says what the frame is.
 */
export function describeYkcHeader(frame: Uint8Array): string[] {
  const buf = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  if (buf.length < HEADER_SIZE + 2) return [];
  const code = buf[5] as number;
  const name = frameInfo(code)?.name ?? 'unknown type';
  const hex = `0x${code.toString(16).padStart(2, '0').toUpperCase()}`;
  const body = buf.length - HEADER_SIZE - 2;
  return [`${name} (${hex}) seq ${buf.readUInt16LE(2)} encryption flag 0x${(buf[4] as number).toString(16).padStart(2, '0')}`, `  body: ${body} bytes, 3DES-encrypted (no key given)`];
}
