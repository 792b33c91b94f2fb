/**
 * The family-B codec's tools beside its session: framing and describing frames of a dialect
 * without a session (what `pilegate decode` and `replay` print, what a station's DiagnosticsLog
 * shows), secret fields never shown, and adapting a capture's frames to a replaying session.
 * Without options (no dialect) frames are read as plain IEC 104.
 */
import { DEFAULT_TIME_ZONE } from '../../src/core/time-zone.js';
import { decodeApdu } from '../../src/iec104/apdu.js';
import { apduToJson, describeApdu } from '../../src/iec104/describe.js';
import { ApduFramer } from '../../src/iec104/framer.js';
import type { ChunkFramer, DecodedFrame, FramerItem, FrameReplayer, FrameTools, FrameView } from '../codec.js';
import type { Dialect, FieldSpec } from './catalogue.js';
import { fieldOctets, type FieldValue, type FieldValues } from './fields.js';
import type { Sgcc104Options } from './options.js';
import { RecordCodec, wordOf, type DecodedRecord } from './records.js';
import { checkWireFrame, controlOffset, decodeLogin, isLogin, linkWire, Sgcc104Framer, sum16 } from './wire.js';

/** The zone of the chargers' clocks: the options', else the default. */
export function sgcc104TimeZone(options: Sgcc104Options | undefined): string {
  return options?.timeZone ?? DEFAULT_TIME_ZONE;
}

/** A framer of the dialect's stream as the CLI's `ChunkFramer` (logins and APDUs are both frames). */
export function sgcc104ChunkFramer(dialect: Dialect): ChunkFramer {
  const framer = new Sgcc104Framer(dialect);
  return {
    push: (chunk) => Array.from(framer.push(chunk), (item): FramerItem => (item.kind === 'error' ? item : { kind: 'frame', frame: item.frame, offset: item.offset })),
    end: () => framer.end(),
  };
}

export function sgcc104FrameTools(options: Sgcc104Options | undefined, view: FrameView): FrameTools {
  if (options === undefined) return plainTools(view.timeZone);
  const { dialect } = options;
  const codec = new RecordCodec(dialect, view.timeZone);
  return {
    framer: () => sgcc104ChunkFramer(dialect),
    decode: (frame) => describeWith(codec, frame),
    shown: (frame) => shownWith(codec, frame),
    replayer: () => sgcc104Replayer(dialect),
  };
}

/** One frame of `dialect` (a login or an APDU) read for people. */
export function describeWireFrame(dialect: Dialect, frame: Buffer, timeZone: string): DecodedFrame {
  return describeWith(new RecordCodec(dialect, timeZone), frame);
}

function describeWith(codec: RecordCodec, frame: Buffer): DecodedFrame {
  const { dialect, timeZone } = codec;
  if (isLogin(dialect, frame)) {
    const r = decodeLogin(dialect, frame, timeZone);
    if (!r.ok) return r;
    const lines = [`  login ${dialect.name} (${frame.length} octets)`, ...fieldLines(dialect, dialect.login.fields, r.values)];
    return { ok: true, lines, json: { login: { dialect: dialect.name, chargerId: r.chargerId, values: shownValues(dialect.login.fields, r.values) } } };
  }
  const bad = checkWireFrame(dialect, frame);
  if (bad !== undefined) return { ok: false, code: bad.code, message: bad.message, offset: bad.offset };
  const wire = linkWire(dialect);
  const apci = wire.apci(frame);
  if (!apci.ok) return { ok: false, code: 'SGCC104_BAD_CONTROL', message: `${apci.error.code}: ${apci.error.message}`, offset: apci.error.offset };
  const apciLines = describeApdu({ apci: apci.value });
  if (apci.value.format !== 'I') return { ok: true, lines: apciLines, json: { apci: apci.value } };
  const asduAt = controlOffset(dialect.framing, frame) + 4;
  const r = codec.decode(wire.asdu(frame));
  if (!r.ok) return { ok: false, code: r.code, message: r.message, offset: asduAt + r.offset, lines: apciLines };
  if (r.kind === 'standard') {
    const apdu = { apci: apci.value, asdu: r.asdu };
    return { ok: true, lines: describeApdu(apdu, timeZone), json: apduToJson(apdu, timeZone) };
  }
  return {
    ok: true,
    lines: [...apciLines, recordLine(dialect, r.record), ...fieldLines(dialect, r.record.spec.fields, r.record.values)],
    json: { apci: apci.value, asdu: recordJson(dialect, r.record) },
  };
}

function recordLine(dialect: Dialect, r: DecodedRecord): string {
  const type = dialect.types.get(r.typeId)?.name ?? `TI_${r.typeId}`;
  const record = r.recordType === undefined ? '' : ` record 0x${r.recordType.toString(16).padStart(2, '0')}`;
  const ioa = r.ioa === undefined ? '' : ` IOA ${r.ioa}`;
  return `  ASDU  ${type} (${r.typeId})${record} ${r.spec.name} COT ${r.cause}${r.negative ? ' negative' : ''} CA ${r.commonAddress}${ioa}`;
}

function recordJson(dialect: Dialect, r: DecodedRecord): unknown {
  return {
    typeId: r.typeId,
    type: dialect.types.get(r.typeId)?.name ?? `TI_${r.typeId}`,
    record: r.spec.name,
    ...(r.recordType === undefined ? {} : { recordType: r.recordType }),
    cause: r.cause,
    negative: r.negative,
    commonAddress: r.commonAddress,
    ...(r.ioa === undefined ? {} : { ioa: r.ioa }),
    values: shownValues(r.spec.fields, r.values),
  };
}

/** One line per field (`  name value unit`, a code with its word), group entries as `name[i].field`; secrets not shown. */
function fieldLines(dialect: Dialect, fields: readonly FieldSpec[], values: FieldValues, prefix = ''): string[] {
  const lines: string[] = [];
  if (prefix === '' && typeof values.recordType === 'number') lines.push(`  recordType ${values.recordType}`);
  for (const f of fields) {
    const v = values[f.name];
    const name = `${prefix}${f.name}`;
    if (f.secret === true) {
      lines.push(`  ${name} (secret, ${fieldOctets(f)} octets, not shown)`);
      continue;
    }
    if (v === undefined) continue;
    if (Array.isArray(v)) {
      (v as readonly FieldValues[]).forEach((entry, i) => lines.push(...fieldLines(dialect, f.fields ?? [], entry, `${name}[${i}].`)));
      continue;
    }
    const word = wordOf(dialect, f.values, v as FieldValue);
    const shown = f.encoding === 'ascii' ? JSON.stringify(v) : String(v);
    lines.push(`  ${name} ${shown}${f.unit === undefined ? '' : ` ${f.unit}`}${word === undefined ? '' : ` (${word})`}`);
  }
  return lines;
}

/** The values without their secret fields. */
function shownValues(fields: readonly FieldSpec[], values: FieldValues): FieldValues {
  const secret = new Set(fields.filter((f) => f.secret === true).map((f) => f.name));
  const out: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (secret.has(k)) continue;
    const group = fields.find((f) => f.name === k && f.encoding === 'group');
    out[k] = group !== undefined && Array.isArray(v) ? (v as readonly FieldValues[]).map((e) => shownValues(group.fields ?? [], e)) : v;
  }
  return out;
}

/** A copy of `frame` with its secret fields' octets zeroed (all of a record's octets when it has secrets and cannot be read), or the frame. */
function shownWith(codec: RecordCodec, frame: Buffer): Buffer {
  const { dialect } = codec;
  if (isLogin(dialect, frame)) {
    const r = decodeLogin(dialect, frame, codec.timeZone);
    return zeroed(frame, dialect.login.fields, r.ok ? r.values : undefined, dialect.login.prefix.length);
  }
  if (frame[0] !== 0x68 || ((frame[controlOffset(dialect.framing, frame)] ?? 1) & 1) !== 0) return frame;
  const asduAt = controlOffset(dialect.framing, frame) + 4;
  const asdu = linkWire(dialect).asdu(frame);
  const located = codec.locate(asdu);
  if (located === undefined || !hasSecret(located.spec.fields)) return frame;
  const r = codec.decode(asdu);
  const copy = zeroed(frame, located.spec.fields, r.ok && r.kind === 'record' ? r.record.values : undefined, asduAt + located.fieldsAt, asduAt + asdu.length);
  // A frame with a checksum keeps a valid one, so that a dump still frames.
  if (copy !== frame && dialect.framing.checksum === 'sum16le') copy.writeUInt16LE(sum16(copy, asduAt - 4, copy.length - 2), copy.length - 2);
  return copy;
}

function hasSecret(fields: readonly FieldSpec[]): boolean {
  return fields.some((f) => f.secret === true || hasSecret(f.fields ?? []));
}

/** `frame` with the secret fields of `fields` (at `start`) zeroed; without values, everything from `start` to `end`. */
function zeroed(frame: Buffer, fields: readonly FieldSpec[], values: FieldValues | undefined, start: number, end = frame.length): Buffer {
  if (!hasSecret(fields)) return frame;
  const copy = Buffer.from(frame);
  if (values === undefined) {
    copy.fill(0, start, end);
    return copy;
  }
  walk(fields, values, start, (from, to) => copy.fill(0, from, Math.min(to, end)));
  return copy;
}

/** Calls `secret` with the span of each secret field; returns the offset after `fields`. */
function walk(fields: readonly FieldSpec[], values: FieldValues, at: number, secret: (from: number, to: number) => void): number {
  let pos = at;
  for (const f of fields) {
    if (f.encoding === 'group') {
      const entries = values[f.name];
      if (Array.isArray(entries)) for (const e of entries as readonly FieldValues[]) pos = walk(f.fields ?? [], e, pos, secret);
      continue;
    }
    const n = fieldOctets(f);
    if (f.secret === true) secret(pos, pos + n);
    pos += n;
  }
  return pos;
}

/**
 * A session replaying a capture sends its own I-frames, which the captured charger never saw: the
 * N(R) of the charger's I- and S-frames is rewritten to acknowledge those (and the checksum
 * recomputed), so that the replaying link does not close on them.
 */
export function sgcc104Replayer(dialect: Dialect): FrameReplayer {
  const framer = new Sgcc104Framer(dialect);
  const wire = linkWire(dialect);
  let iFramesSent = 0;
  return {
    sent: (bytes) => {
      for (const item of framer.push(bytes)) {
        if (item.kind !== 'apdu') continue;
        const apci = wire.apci(item.frame);
        if (apci.ok && apci.value.format === 'I') iFramesSent++;
      }
    },
    toSession: (frame) => {
      if (isLogin(dialect, frame)) return frame;
      const apci = wire.apci(frame);
      if (!apci.ok || apci.value.format === 'U') return frame;
      const control = controlOffset(dialect.framing, frame);
      const copy = Buffer.from(frame);
      copy.writeUInt16LE((iFramesSent % 32768) << 1, control + 2);
      if (dialect.framing.checksum === 'sum16le' && apci.value.format === 'I') copy.writeUInt16LE(sum16(copy, control, copy.length - 2), copy.length - 2);
      return copy;
    },
  };
}

/** Without a dialect: frames read as plain IEC 104. */
function plainTools(timeZone: string): FrameTools {
  return {
    framer: () => {
      const framer = new ApduFramer();
      return {
        push: (chunk) => framer.push(chunk),
        end: () => (framer.buffered === 0 ? undefined : { code: 'SGCC104_TRUNCATED', offset: framer.position - framer.buffered, message: `input ends inside a frame: ${framer.buffered} byte(s)` }),
      };
    },
    decode: (frame): DecodedFrame => {
      const r = decodeApdu(frame);
      return r.ok ? { ok: true, lines: describeApdu(r.value, timeZone), json: apduToJson(r.value, timeZone) } : { ok: false, code: r.error.code, message: r.error.message, offset: r.error.offset };
    },
    shown: (frame) => frame,
  };
}
