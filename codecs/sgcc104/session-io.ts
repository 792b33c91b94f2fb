/**
 * What every part of a family-B session shares: the catalogue and its record codec, the charger's
 * identity once it logged in, the clock, the way out (records by name, encoded with the dialect's
 * framing and handed to the link), command results, and logs that name a kind of problem once.
 * Secret fields (passwords) are never put in a log: `loggable` drops them.
 */
import type { CommandResultEvent, ChargerEvent, Timestamp } from '../../src/model/events.js';
import type { SessionContext } from '../codec.js';
import type { Dialect, FieldRole, FieldSpec, RecordSpec } from './catalogue.js';
import type { Sgcc104Options } from './options.js';
import { RecordCodec, valuesFor } from './records.js';
import type { FieldValues } from './fields.js';
import { fieldWith, gunOf } from './session-values.js';

/** Kinds of problem logged once per connection, at most (`SgIo.once`). */
const MAX_KINDS = 256;
/**
 * ASDUs kept waiting in the link for a charger that does not acknowledge (its window of k full): a
 * charger whose every record calls for an answer would otherwise grow the queue for as long as it
 * acknowledges one frame within t1 now and then.
 */
const MAX_QUEUED = 256;

/** Values by role, for a record the gateway sends (`valuesFor` puts each on the first field with that role). */
export type RoleValues = Partial<Record<FieldRole, number | string>>;

export class SgIo {
  readonly dialect: Dialect;
  /** Reads and writes records in the charger's zone (replaced when the host names the charger's own zone). */
  codec: RecordCodec;
  /** The charger's id from its login. */
  chargerId: string | undefined;
  connectorCount: number;
  /** Writes an ASDU into an I-frame (the link queues it until STARTDT con and the k window allow). */
  sendAsdu: (asdu: Buffer) => boolean = () => false;
  /** ASDUs queued in the link, not yet sent (the charger has not acknowledged enough). */
  queued: () => number = () => 0;
  private readonly said = new Set<string>();
  private isoMs = Number.NaN;
  private iso: Timestamp = '';

  constructor(
    readonly ctx: SessionContext<Sgcc104Options>,
    public timeZone: string,
  ) {
    this.dialect = ctx.options.dialect;
    this.codec = new RecordCodec(this.dialect, timeZone);
    this.connectorCount = Math.max(1, this.dialect.connectors);
  }

  now(): Timestamp {
    const ms = this.ctx.clock.now();
    if (ms !== this.isoMs) {
      this.isoMs = ms;
      this.iso = new Date(ms).toISOString();
    }
    return this.iso;
  }

  event(e: ChargerEvent): void {
    this.ctx.sink.event(e);
  }

  result(commandId: string, status: CommandResultEvent['status'], reason?: string, raw?: number | string): void {
    this.event({ type: 'commandResult', commandId, status, ...(reason !== undefined ? { reason } : {}), ...(raw !== undefined ? { raw } : {}) });
  }

  /**
   * Logs `message` at `level` the first time `kind` happens on this connection, at debug level
   * afterwards. Kinds come from input (type and record octets, codes): past `MAX_KINDS` a new one
   * is logged at debug level and not kept, so a charger cannot grow what a connection holds.
   */
  once(kind: string, level: 'info' | 'warn', message: string, data?: Readonly<Record<string, unknown>>): void {
    const first = !this.said.has(kind) && this.said.size < MAX_KINDS;
    if (first) {
      this.said.add(kind);
      if (this.said.size === MAX_KINDS) this.ctx.sink.log('warn', `sgcc104: more than ${MAX_KINDS} kinds of problem on this connection: the others are counted, logged at debug level only`);
    }
    this.ctx.sink.log(first ? level : 'debug', message, data);
  }

  /** Records of the catalogue with `meaning`, in catalogue order. */
  records(meaning: RecordSpec['meaning']): RecordSpec[] {
    return this.dialect.records.filter((r) => r.meaning === meaning);
  }

  /** The record named `name`, if the catalogue has it. */
  spec(name: string | undefined): RecordSpec | undefined {
    return name === undefined ? undefined : this.dialect.records.find((r) => r.name === name);
  }

  /**
   * Encodes record `spec` with `roles` (and whole field values `extra`, over the values `echoed` from
   * the record it answers) and sends it. The charger id and gun of the connection are filled in
   * unless given. False (logged) when the values do not fit
   * the record's fields or the link is gone.
   */
  send(spec: RecordSpec, roles: RoleValues, connector?: number, extra: FieldValues = {}, cause?: number, echoed: FieldValues = {}): boolean {
    const all: RoleValues = {
      ...(this.chargerId !== undefined ? { chargerId: this.chargerId } : {}),
      ...(connector !== undefined ? { connector: gunOf(this.dialect, connector) } : {}),
      ...roles,
    };
    const f = this.dialect.framing;
    // B3's chargers read the connector in the high nibble of the IOA's first octet (catalogue.ts `connectorInIoa`).
    const ioa = f.connectorInIoa === true && connector !== undefined ? f.ioa + ((gunOf(this.dialect, connector) & 0x0f) << 4) : undefined;
    let asdu: Buffer;
    try {
      asdu = this.codec.encode(spec.name, { ...echoed, ...valuesFor(spec, all), ...extra }, { ...(cause !== undefined ? { cause } : {}), ...(ioa !== undefined ? { ioa } : {}) });
    } catch (e) {
      this.ctx.sink.log('warn', 'sgcc104 record not sent: its values do not fit the catalogue', { record: spec.name, error: (e as Error).message });
      return false;
    }
    return this.send104(asdu);
  }

  /** Sends an ASDU already encoded; false when the link is gone or too many wait for the charger's acknowledgement. */
  send104(asdu: Buffer): boolean {
    if (this.queued() >= MAX_QUEUED) {
      this.once('queueFull', 'warn', `sgcc104 ASDU not sent: ${MAX_QUEUED} already wait for the charger to acknowledge what it was sent (logged once)`);
      return false;
    }
    try {
      return this.sendAsdu(asdu);
    } catch (e) {
      this.ctx.sink.log('warn', 'sgcc104 ASDU not sent', { error: (e as Error).message });
      return false;
    }
  }

  /**
   * The values of an uplink record (`from`) that its answer `to` repeats: fields of the same name,
   * encoding and width (the charger id, gun, card, serial...); the answer's roles override them.
   */
  echo(from: RecordSpec, values: FieldValues, to: RecordSpec): FieldValues {
    const out: Record<string, FieldValues[string]> = {};
    for (const f of to.fields) {
      if (f.encoding === 'group' || f.encoding === 'reserved' || f.secret === true) continue;
      const g = from.fields.find((x) => x.name === f.name);
      const v = values[f.name];
      if (g === undefined || v === undefined || g.encoding !== f.encoding || g.octets !== f.octets || g.secret === true) continue;
      out[f.name] = v;
    }
    return out;
  }

  /** A record's values fit for a log line: secret fields left out (in groups' entries too). */
  loggable(spec: RecordSpec, values: FieldValues): Record<string, unknown> {
    return withoutSecrets(spec.fields, values);
  }

  /** The field of `spec` with `role`, if any. */
  field(spec: RecordSpec, role: FieldRole): ReturnType<typeof fieldWith> {
    return fieldWith(spec.fields, role);
  }
}

function withoutSecrets(fields: readonly FieldSpec[], values: FieldValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const f = fields.find((x) => x.name === name);
    if (f?.secret === true || f?.role === 'password') continue;
    out[name] = f?.encoding === 'group' && Array.isArray(value) ? (value as readonly FieldValues[]).map((e) => withoutSecrets(f.fields ?? [], e)) : value;
  }
  return out;
}
