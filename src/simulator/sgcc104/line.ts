/**
 * The wire side of a simulated family-B charger: on each connection a fresh framer and
 * `ControlledLink` on the dialect's wire (`linkWire`), the login frame first, TESTFR as the
 * heartbeat, records encoded and decoded with the dialect's `RecordCodec`, the charger's own clock
 * (set by clock sync). `charger.ts` adds what the charger does; this part knows no business flow.
 */
import type { Dialect, RecordSpec } from '../../../codecs/sgcc104/catalogue.js';
import type { FieldValues } from '../../../codecs/sgcc104/fields.js';
import { RecordCodec } from '../../../codecs/sgcc104/records.js';
import { encodeLogin, linkWire, loginAnswer, Sgcc104Framer } from '../../../codecs/sgcc104/wire.js';
import { DEFAULT_TIME_ZONE } from '../../core/time-zone.js';
import { ControlledLink } from '../../iec104/link.js';
import { linkParams } from '../../../codecs/sgcc104/session-link.js';
import type { LinkWire } from '../../iec104/link-types.js';
import type { Asdu } from '../../iec104/types.js';
import { every, systemSimulatorClock, type SimulatorClock } from '../clock.js';
import type { LineOutput } from '../factory.js';
import { fieldOf, fitDigits, valuesFrom, type PeriodValues, type ReceivedRecord, type RoleValues } from './spec.js';

export interface Sgcc104LineOptions {
  readonly dialect: Dialect;
  /** The terminal id (digits, 16 for the dialects' BCD 8). */
  readonly chargerId: string;
  /** IANA zone of the charger's clock; default Asia/Shanghai. */
  readonly timeZone?: string;
  readonly clock?: SimulatorClock;
  /** TESTFR act this often; default the dialect's t3, else 30 s. */
  readonly heartbeatMs?: number;
  /** Login fields by name beyond the charger id (a version, an address). */
  readonly loginValues?: FieldValues;
  /** Every record in and out, for logs and tests; must not throw. */
  readonly onRecord?: (direction: 'in' | 'out', name: string, values: FieldValues) => void;
  /** Problems worth a line (an undecodable ASDU, a record that cannot be encoded); must not throw. */
  readonly onNote?: (text: string) => void;
}

export abstract class Sgcc104Line {
  readonly dialect: Dialect;
  readonly chargerId: string;
  readonly timeZone: string;
  readonly clock: SimulatorClock;
  readonly codec: RecordCodec;
  readonly wire: LinkWire;
  /** Every record received from the gateway, in order. */
  readonly received: ReceivedRecord[] = [];
  private out: LineOutput | undefined;
  private link: ControlledLink | undefined;
  private framer: Sgcc104Framer | undefined;
  /** The login answer the gateway owes (its octets as the dialect patches the echo), and what arrived of it so far. */
  private answer: { readonly expected: Buffer; got: Buffer } | undefined;
  private readonly waiters = new Set<{ pred: (r: ReceivedRecord) => boolean; resolve: (r: ReceivedRecord) => void }>();
  private onlineWaiters: (() => void)[] = [];
  /** Timers of the current connection, stopped when it goes. */
  protected readonly connectionTimers: (() => void)[] = [];
  private clockOffsetMs = 0;
  private isOnline = false;
  private answeredLogin = false;

  constructor(private readonly lineOptions: Sgcc104LineOptions) {
    this.dialect = lineOptions.dialect;
    this.chargerId = lineOptions.chargerId;
    this.timeZone = lineOptions.timeZone ?? DEFAULT_TIME_ZONE;
    this.clock = lineOptions.clock ?? systemSimulatorClock;
    // The charger reads what the gateway sends: of two records on one (TI, record type), the downlink one.
    this.codec = new RecordCodec(this.dialect, this.timeZone, 'down');
    this.wire = linkWire(this.dialect);
  }

  /** True while the link is up (the gateway's STARTDT act received). */
  get online(): boolean {
    return this.isOnline;
  }

  /** Whether the gateway sent the dialect's login answer on this connection (a dialect without one: never). */
  get loginAnswered(): boolean {
    return this.answeredLogin;
  }

  /** The charger's own clock (epoch ms): the injected clock plus what a clock sync set. */
  now(): number {
    return this.clock.now() + this.clockOffsetMs;
  }

  setTime(ms: number): void {
    this.clockOffsetMs = ms - this.clock.now();
  }

  /** A TCP connection is up: a fresh link and framer, then the login frame. */
  connected(output: LineOutput): void {
    this.detach(false);
    this.out = output;
    this.framer = new Sgcc104Framer(this.dialect);
    // The gateway's parameters for the same catalogue (session-link.ts): both ends fill in the same defaults.
    const { params, refused } = linkParams(this.dialect.link);
    if (refused !== undefined) this.lineOptions.onNote?.(`link parameters of the catalogue refused, IEC defaults used: ${refused}`);
    this.link = new ControlledLink({
      clock: this.clock,
      params,
      wire: this.wire,
      send: (bytes) => this.out?.write(bytes),
      close: () => this.out?.drop(),
      onAsdu: (asdu) => this.onAsdu(Buffer.from(asdu)),
      onStateChange: (_from, to) => {
        if (to !== 'active' || this.isOnline) return;
        this.isOnline = true;
        const heartbeat = this.lineOptions.heartbeatMs ?? (this.dialect.link.t3 ?? 30) * 1000;
        this.connectionTimers.push(every(this.clock, heartbeat, () => this.out?.write(this.wire.uFrame('TESTFR_ACT'))));
        this.linkUp();
        for (const resolve of this.onlineWaiters.splice(0)) resolve();
      },
    });
    const id = fieldOf(this.dialect.login.fields, 'chargerId');
    const values: FieldValues = { ...this.lineOptions.loginValues, ...(id === undefined ? {} : { [id.name]: fitDigits(id, this.chargerId) }) };
    const login = encodeLogin(this.dialect, values, this.timeZone);
    const expected = loginAnswer(this.dialect, login);
    this.answer = expected === undefined ? undefined : { expected, got: Buffer.alloc(0) };
    this.answeredLogin = false;
    output.write(login);
  }

  /** Bytes from the gateway, in whatever chunks TCP delivered them. */
  receive(chunk: Buffer): void {
    const framer = this.framer;
    if (framer === undefined) return;
    const rest = this.takeLoginAnswer(chunk);
    if (rest.length === 0) return;
    for (const item of framer.push(rest)) {
      if (item.kind === 'apdu') this.link?.receiveFrame(item.frame, item.offset);
      else if (item.kind === 'error') this.note(`framing error from the gateway: ${item.error.message}`);
      // The login answer (an echo) needs nothing: the gateway's STARTDT act is what brings the link up.
    }
  }

  /**
   * The login answer is not an APDU and the dialect's framer need not know it (a patched echo no
   * longer starts with the login's prefix): it is taken off the front of what arrives first, if
   * it is there; anything else goes to the framer.
   */
  private takeLoginAnswer(chunk: Buffer): Buffer {
    const a = this.answer;
    if (a === undefined) return chunk;
    const got = Buffer.concat([a.got, chunk]);
    const n = Math.min(got.length, a.expected.length);
    if (!got.subarray(0, n).equals(a.expected.subarray(0, n))) {
      this.answer = undefined;
      return got;
    }
    if (got.length < a.expected.length) {
      a.got = got;
      return Buffer.alloc(0);
    }
    this.answer = undefined;
    this.answeredLogin = true;
    return got.subarray(a.expected.length);
  }

  /** The connection is gone; `linkDown` tells the charger. */
  dropped(): void {
    this.detach(true);
  }

  /** Drops the connection (a test knob, or the link gave up). */
  drop(): void {
    this.out?.drop();
  }

  /** Resolves once the link is up (at once if it is). @throws (rejects) after `timeoutMs`. */
  whenOnline(timeoutMs = 10_000): Promise<void> {
    if (this.isOnline) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (): void => {
        this.clock.clearTimeout(timer);
        resolve();
      };
      const timer = this.clock.setTimeout(() => {
        this.onlineWaiters = this.onlineWaiters.filter((w) => w !== done);
        reject(new Error(`sgcc104 simulator: the link did not come up within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onlineWaiters.push(done);
    });
  }

  /** Resolves with the next received record matching `pred` (or one already received from index `from` on). */
  waitFor(pred: (r: ReceivedRecord) => boolean, timeoutMs = 5_000, from = this.received.length): Promise<ReceivedRecord> {
    const seen = this.received.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (r: ReceivedRecord) => {
          this.clock.clearTimeout(timer);
          resolve(r);
        },
      };
      const timer = this.clock.setTimeout(() => {
        this.waiters.delete(w);
        reject(new Error(`sgcc104 simulator: no matching record within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(w);
    });
  }

  /** Sends one record from meaning roles (nothing while the link is down). Returns false when it could not be encoded or sent. */
  send(spec: RecordSpec, roles: RoleValues, periods: PeriodValues = {}, patch: FieldValues = {}, cause = spec.cause): boolean {
    const values = { ...valuesFrom(this.dialect, spec, roles, periods), ...patch };
    const sent = this.sendEncoded(spec.name, () => this.codec.encode(spec.name, values, cause === undefined ? {} : { cause }));
    if (sent) this.lineOptions.onRecord?.('out', spec.name, values);
    return sent;
  }

  /** Sends a standard ASDU (an interrogation or clock-sync answer). */
  sendStandard(asdu: Asdu): boolean {
    return this.sendEncoded(`TI ${asdu.typeId}`, () => this.codec.encodeStandard(asdu));
  }

  note(text: string): void {
    this.lineOptions.onNote?.(text);
  }

  /** The link is up: the charger's first records and its timers (in `connectionTimers`). */
  protected abstract linkUp(): void;
  /** The link that was up is gone. */
  protected abstract linkDown(): void;
  /** A standard ASDU from the gateway. */
  protected abstract standard(asdu: Asdu): void;
  /** A catalogue record from the gateway (already in `received`; waiters are told after this). */
  protected abstract record(r: ReceivedRecord): void;

  /** Stops the connection's timers and forgets its link. */
  protected detach(report: boolean): void {
    for (const stop of this.connectionTimers.splice(0)) stop();
    this.link?.dispose();
    this.link = undefined;
    this.framer = undefined;
    this.answer = undefined;
    this.out = undefined;
    const was = this.isOnline;
    this.isOnline = false;
    if (was || report) this.linkDown();
  }

  private sendEncoded(what: string, encode: () => Buffer): boolean {
    const link = this.link;
    if (link === undefined || !this.isOnline) return false;
    try {
      link.sendAsdu(encode());
      return true;
    } catch (error) {
      this.note(`cannot send ${what}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  }

  private onAsdu(asdu: Buffer): void {
    const d = this.codec.decode(asdu);
    if (!d.ok) return this.note(`undecodable ASDU from the gateway: ${d.code} ${d.message}`);
    if (d.kind === 'standard') return this.standard(d.asdu);
    const r: ReceivedRecord = { name: d.record.spec.name, spec: d.record.spec, values: d.record.values, ...(d.record.ioa === undefined ? {} : { ioa: d.record.ioa }) };
    this.received.push(r);
    this.lineOptions.onRecord?.('in', r.name, r.values);
    this.record(r);
    for (const w of [...this.waiters]) {
      if (!w.pred(r)) continue;
      this.waiters.delete(w);
      w.resolve(r);
    }
  }
}
