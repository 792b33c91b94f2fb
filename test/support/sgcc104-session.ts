/**
 * A family-B codec session under test, pure: a fake clock, a sink that records what the session
 * tells its host, and a scripted charger that speaks the dialect through the engine's own encoders
 * (login, U-frames, I-frames with its records). What the session sends back is framed and decoded
 * with the dialect, so a test reads it as records by name.
 */
import type { CodecError, ConnectionInfo, IgnoredReason, SessionSink } from '../../codecs/codec.js';
import type { Dialect } from '../../codecs/sgcc104/catalogue.js';
import type { FieldValues } from '../../codecs/sgcc104/fields.js';
import type { Sgcc104Options, Sgcc104Tariff } from '../../codecs/sgcc104/options.js';
import { RecordCodec, valuesFor, type DecodedRecord, type Roles } from '../../codecs/sgcc104/records.js';
import { Sgcc104Session } from '../../codecs/sgcc104/session.js';
import { encodeLogin, linkWire, Sgcc104Framer } from '../../codecs/sgcc104/wire.js';
import type { UFunction } from '../../src/iec104/apci.js';
import type { Asdu } from '../../src/iec104/types.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { FakeClock } from './fake-clock.js';

export const SG_START = Date.parse('2026-12-07T08:00:00Z');
export const SG_ZONE = 'Asia/Shanghai';

/** What the gateway sent, one frame each. */
export type SgSent =
  | { readonly kind: 'login'; readonly frame: Buffer }
  | { readonly kind: 'u'; readonly fn: string }
  | { readonly kind: 's'; readonly nr: number }
  | { readonly kind: 'record'; readonly record: DecodedRecord }
  | { readonly kind: 'standard'; readonly asdu: Asdu };

export interface SgRigOptions {
  readonly admit?: (id: string) => boolean;
  readonly tariff?: Sgcc104Tariff;
  readonly ratedPowerW?: number;
  readonly commandTimeoutMs?: number;
  readonly connection?: Partial<ConnectionInfo>;
}

export function sgRig(dialect: Dialect, o: SgRigOptions = {}) {
  const clock = new FakeClock(SG_START);
  const wire = linkWire(dialect);
  const charger = new RecordCodec(dialect, SG_ZONE, 'down');
  const framer = new Sgcc104Framer(dialect);
  const events: ChargerEvent[] = [];
  const sent: SgSent[] = [];
  const errors: CodecError[] = [];
  const ignored: IgnoredReason[] = [];
  const closed: string[] = [];
  const logs: { level: string; message: string; data?: unknown }[] = [];
  let frames = 0;
  let iFromGateway = 0;
  let ns = 0;
  const sink: SessionSink = {
    event: (e) => events.push(e),
    frameReceived: () => void (frames += 1),
    send: (bytes) => {
      for (const item of framer.push(bytes)) {
        if (item.kind === 'error') throw new Error(`the session sent bytes that do not frame: ${item.error.code} ${item.error.message}`);
        if (item.kind === 'login') {
          sent.push({ kind: 'login', frame: item.frame });
          continue;
        }
        const apci = wire.apci(item.frame);
        if (!apci.ok) throw new Error(`the session sent an APDU with a bad control field: ${apci.error.message}`);
        const a = apci.value;
        if (a.format === 'U') sent.push({ kind: 'u', fn: a.fn });
        else if (a.format === 'S') sent.push({ kind: 's', nr: a.nr });
        else {
          iFromGateway += 1;
          const r = charger.decode(Buffer.from(wire.asdu(item.frame)));
          if (!r.ok) throw new Error(`the session sent an ASDU the dialect cannot read: ${r.code} ${r.message}`);
          sent.push(r.kind === 'record' ? { kind: 'record', record: r.record } : { kind: 'standard', asdu: r.asdu });
        }
      }
    },
    error: (e) => errors.push(e),
    ignored: (reason) => ignored.push(reason),
    close: (reason) => closed.push(reason),
    log: (level, message, data) => logs.push({ level, message, ...(data !== undefined ? { data } : {}) }),
  };
  const options: Sgcc104Options = {
    dialect,
    timeZone: SG_ZONE,
    commandTimeoutMs: o.commandTimeoutMs ?? 8000,
    ...(o.tariff !== undefined ? { tariff: o.tariff } : {}),
    ...(o.ratedPowerW !== undefined ? { ratedPowerW: o.ratedPowerW } : {}),
  };
  const connection: ConnectionInfo = { ...(o.admit !== undefined ? { admit: (id: string) => (o.admit as (id: string) => boolean)(id) } : {}), ...o.connection };
  const session = new Sgcc104Session({ options, clock, sink, connection });
  session.start();
  const idField = dialect.login.fields.find((f) => f.role === 'chargerId');
  let loggedIn: string | undefined;

  const rig = {
    session,
    clock,
    events,
    sent,
    errors,
    ignored,
    closed,
    logs,
    dialect,
    frames: () => frames,
    /** Raw bytes from the charger. */
    bytes(b: Uint8Array): void {
      session.receive(b);
    },
    /** The charger's login with its id (other login fields zeros). */
    login(chargerId = '3100000000010019', values: FieldValues = {}): void {
      loggedIn = chargerId;
      session.receive(encodeLogin(dialect, { ...(idField !== undefined ? { [idField.name]: chargerId } : {}), ...values }, SG_ZONE));
    },
    u(fn: UFunction): void {
      session.receive(wire.uFrame(fn));
    },
    /** Login and STARTDT con: the link is up. */
    up(chargerId?: string): void {
      rig.login(chargerId);
      rig.u('STARTDT_CON');
    },
    /** The charger sent `n` I-frames as raw bytes (`bytes`): its next I-frame follows them in sequence. */
    skipSequence(n: number): void {
      ns = (ns + n) % 32768;
    },
    /** An I-frame carrying `asdu`, in sequence. */
    asdu(asdu: Uint8Array): void {
      session.receive(wire.iFrame(ns, iFromGateway, asdu));
      ns = (ns + 1) % 32768;
    },
    /** The charger sends record `name` with these roles (its charger id: the one it logged in with, unless given) and whole field values. */
    record(name: string, roles: Roles, values: FieldValues = {}, header: { cause?: number; negative?: boolean } = {}): void {
      const spec = charger.spec(name);
      rig.asdu(charger.encode(name, { ...valuesFor(spec, { ...(loggedIn !== undefined ? { chargerId: loggedIn } : {}), ...roles }), ...values }, header));
    },
    standard(asdu: Asdu): void {
      rig.asdu(charger.encodeStandard(asdu));
    },
    /** Records the gateway sent, by name. */
    records(name?: string): DecodedRecord[] {
      return sent.flatMap((s) => (s.kind === 'record' && (name === undefined || s.record.spec.name === name) ? [s.record] : []));
    },
    standards(typeId?: number): Asdu[] {
      return sent.flatMap((s) => (s.kind === 'standard' && (typeId === undefined || s.asdu.typeId === typeId) ? [s.asdu] : []));
    },
    eventsOf<T extends ChargerEvent['type']>(type: T): Extract<ChargerEvent, { type: T }>[] {
      return events.filter((e): e is Extract<ChargerEvent, { type: T }> => e.type === type);
    },
    /** The last command result for `id`. */
    resultOf(id: string): Extract<ChargerEvent, { type: 'commandResult' }> | undefined {
      return rig
        .eventsOf('commandResult')
        .filter((e) => e.commandId === id)
        .at(-1);
    },
  };
  return rig;
}

export type SgRig = ReturnType<typeof sgRig>;
