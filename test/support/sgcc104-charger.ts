/**
 * A scripted family-B charger on a real TCP socket, for end-to-end tests of any dialect: it logs in
 * with the dialect's login, runs the controlled side of the IEC 104 link on the dialect's wire
 * (answers STARTDT and TESTFR, acknowledges), confirms clock syncs and interrogations, and sends
 * the records a test asks for by name. Everything the gateway sends is kept, decoded with the
 * dialect.
 */
import { connect, type Socket } from 'node:net';
import type { Dialect } from '../../codecs/sgcc104/catalogue.js';
import type { FieldValues } from '../../codecs/sgcc104/fields.js';
import { RecordCodec, valuesFor, type DecodedRecord, type Roles } from '../../codecs/sgcc104/records.js';
import { encodeLogin, linkWire, Sgcc104Framer } from '../../codecs/sgcc104/wire.js';
import { systemClock } from '../../src/core/clock.js';
import { COT, TI } from '../../src/iec104/constants.js';
import { ControlledLink } from '../../src/iec104/link.js';
import type { Asdu } from '../../src/iec104/types.js';
import { until } from './station.js';

export interface SgChargerOptions {
  readonly port: number;
  readonly dialect: Dialect;
  /** The charger id its login names (and its records carry). */
  readonly chargerId: string;
  readonly timeZone?: string;
  /** Sent when the gateway interrogates (after the con, before the termination). */
  readonly onInterrogation?: (c: SgCharger) => void;
  /** Every record from the gateway, as it arrives. */
  readonly onRecord?: (r: DecodedRecord) => void;
}

export class SgCharger {
  readonly received: DecodedRecord[] = [];
  readonly standards: Asdu[] = [];
  readonly loginAnswers: Buffer[] = [];
  /** Raw bytes the gateway sent, in order. */
  readonly bytes: Buffer[] = [];
  closed = false;
  private readonly codec: RecordCodec;
  private readonly link: ControlledLink;
  private readonly framer: Sgcc104Framer;

  private constructor(
    readonly socket: Socket,
    readonly o: SgChargerOptions,
  ) {
    const zone = o.timeZone ?? 'Asia/Shanghai';
    this.codec = new RecordCodec(o.dialect, zone, 'down');
    this.framer = new Sgcc104Framer(o.dialect);
    this.link = new ControlledLink({
      wire: linkWire(o.dialect),
      clock: systemClock,
      send: (b) => {
        if (!socket.destroyed) socket.write(b);
      },
      close: () => socket.destroy(),
      onAsdu: (asdu) => this.onAsdu(Buffer.from(asdu)),
    });
    socket.on('data', (chunk: Buffer) => {
      this.bytes.push(chunk);
      for (const item of this.framer.push(chunk)) {
        if (item.kind === 'login') this.loginAnswers.push(item.frame);
        else if (item.kind === 'apdu') this.link.receiveFrame(item.frame, item.offset);
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closed = true;
      this.link.dispose();
    });
  }

  static async connect(o: SgChargerOptions): Promise<SgCharger> {
    const socket = connect(o.port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return new SgCharger(socket, o);
  }

  get linkState(): string {
    return this.link.state;
  }

  /** Sends the login frame with the charger's id (other login fields `values`, else zeros). */
  login(values: FieldValues = {}): void {
    const id = this.o.dialect.login.fields.find((f) => f.role === 'chargerId');
    this.socket.write(encodeLogin(this.o.dialect, { ...(id !== undefined ? { [id.name]: this.o.chargerId } : {}), ...values }, this.o.timeZone ?? 'Asia/Shanghai'));
  }

  /** Logs in and waits until the gateway started the link (STARTDT). */
  async up(): Promise<void> {
    this.login();
    await until(() => this.link.state === 'active', 'the gateway to start the link');
  }

  /** Sends record `name` with these roles (its charger id unless given) and whole field values. */
  send(name: string, roles: Roles, values: FieldValues = {}, header: { cause?: number } = {}): void {
    const spec = this.codec.spec(name);
    this.link.sendAsdu(this.codec.encode(name, { ...valuesFor(spec, { chargerId: this.o.chargerId, ...roles }), ...values }, header));
  }

  /** Sends an ASDU as it is (in an I-frame, in sequence). */
  sendAsdu(asdu: Buffer): void {
    this.link.sendAsdu(asdu);
  }

  /** Records the gateway sent, by name. */
  records(name: string): DecodedRecord[] {
    return this.received.filter((r) => r.spec.name === name);
  }

  /** Resolves with the `n`th record `name` the gateway sends (1: the first), waiting for it. */
  async record(name: string, n = 1, timeoutMs = 10_000): Promise<DecodedRecord> {
    await until(() => this.records(name).length >= n, `record ${name} #${n} from the gateway`, timeoutMs);
    return this.records(name)[n - 1] as DecodedRecord;
  }

  close(): void {
    this.socket.destroy();
  }

  private onAsdu(asdu: Buffer): void {
    const r = this.codec.decode(asdu);
    if (!r.ok) return;
    if (r.kind === 'standard') {
      this.standards.push(r.asdu);
      return this.onStandard(r.asdu);
    }
    this.received.push(r.record);
    this.o.onRecord?.(r.record);
    if (r.record.spec.meaning === 'clockSync') {
      // Confirmed with the charger's clock: its own answer record where the dialect has one.
      const report = this.o.dialect.records.find((s) => s.meaning === 'clockReport');
      const time = { time: new Date().toISOString() };
      if (report !== undefined) this.send(report.name, time, {}, { cause: COT.ACTIVATION_CON });
      else this.link.sendAsdu(this.codec.encode(r.record.spec.name, valuesFor(r.record.spec, time), { cause: COT.ACTIVATION_CON }));
    }
  }

  private onStandard(a: Asdu): void {
    if (a.typeId === TI.C_CS_NA_1 || a.typeId === TI.C_IC_NA_1) this.link.sendAsdu(this.codec.encodeStandard({ ...a, cause: COT.ACTIVATION_CON }));
    if (a.typeId === TI.C_IC_NA_1) {
      this.o.onInterrogation?.(this);
      this.link.sendAsdu(this.codec.encodeStandard({ ...a, cause: COT.ACTIVATION_TERMINATION }));
    }
  }
}
