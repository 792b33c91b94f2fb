/**
 * The gateway's side of a family-B connection, pure, for the charger simulator's unit tests: the
 * dialect's framer and a controlling IEC 104 link on the dialect's wire, records decoded as the
 * gateway reads them (`RecordCodec`, reading uplink) and encoded for the charger. Bytes between the
 * two sides are delivered at once, but queued while either side is being fed, so that neither is
 * re-entered while it writes (timers firing on the fake clock exchange frames as they would on TCP).
 */
import type { Dialect } from '../../codecs/sgcc104/catalogue.js';
import type { FieldValues } from '../../codecs/sgcc104/fields.js';
import { RecordCodec, rolesOf, type DecodedRecord, type RecordHeader, type Roles } from '../../codecs/sgcc104/records.js';
import { decodeLogin, linkWire, loginAnswer, Sgcc104Framer } from '../../codecs/sgcc104/wire.js';
import { ControllingLink } from '../../src/iec104/link.js';
import type { Asdu } from '../../src/iec104/types.js';
import type { LineOutput } from '../../src/simulator/factory.js';
import type { FakeClock } from './fake-clock.js';

export interface PeerCharger {
  connected(output: LineOutput): void;
  receive(chunk: Buffer): void;
}

export class Sgcc104Peer {
  readonly codec: RecordCodec;
  readonly link: ControllingLink;
  private readonly framer: Sgcc104Framer;
  /** Charger ids of the login frames received. */
  readonly logins: string[] = [];
  readonly records: DecodedRecord[] = [];
  readonly standards: Asdu[] = [];
  /** U-frame functions received (TESTFR_ACT...), and framing errors. */
  readonly uFrames: string[] = [];
  readonly errors: string[] = [];
  /** Times the charger dropped the connection. */
  drops = 0;
  private readonly toPeer: Buffer[] = [];
  private readonly toCharger: Buffer[] = [];

  constructor(
    readonly dialect: Dialect,
    clock: FakeClock,
    readonly timeZone = 'Asia/Shanghai',
  ) {
    this.codec = new RecordCodec(dialect, timeZone, 'up');
    this.framer = new Sgcc104Framer(dialect);
    const wire = linkWire(dialect);
    this.link = new ControllingLink({
      clock,
      wire,
      send: (bytes) => this.queue(this.toCharger, bytes),
      close: (reason) => this.errors.push(`link closed: ${reason}`),
      onAsdu: (asdu) => this.onAsdu(Buffer.from(asdu)),
    });
  }

  /** Connects `charger` to this peer (its login goes out at once). */
  attach(charger: PeerCharger): void {
    this.charger = charger;
    charger.connected({ write: (bytes) => this.queue(this.toPeer, Buffer.from(bytes)), drop: () => (this.drops += 1) });
    this.settle();
  }

  private charger: PeerCharger | undefined;

  private pumping = false;

  private queue(to: Buffer[], bytes: Buffer): void {
    to.push(bytes);
    if (!this.pumping) this.settle();
  }

  /** Moves queued bytes both ways until none are left. */
  settle(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      this.pump();
    } finally {
      this.pumping = false;
    }
  }

  private pump(): void {
    for (let guard = 0; guard < 10_000 && (this.toPeer.length > 0 || this.toCharger.length > 0); guard++) {
      const up = this.toPeer.shift();
      if (up !== undefined) this.receive(up);
      const down = this.toCharger.shift();
      if (down !== undefined) this.charger?.receive(down);
    }
  }

  /** STARTDT act, as the gateway sends after the login. */
  start(): void {
    this.link.start();
    this.settle();
  }

  send(name: string, values: FieldValues, header: RecordHeader = {}): void {
    this.link.sendAsdu(this.codec.encode(name, values, header));
    this.settle();
  }

  sendStandard(asdu: Asdu): void {
    this.link.sendAsdu(this.codec.encodeStandard(asdu));
    this.settle();
  }

  /** Records received with this name. */
  named(name: string): DecodedRecord[] {
    return this.records.filter((r) => r.spec.name === name);
  }

  /** Records received with this meaning. */
  meaning(meaning: DecodedRecord['spec']['meaning']): DecodedRecord[] {
    return this.records.filter((r) => r.spec.meaning === meaning);
  }

  roles(r: DecodedRecord | undefined): Roles {
    return r === undefined ? {} : rolesOf(r.spec, r.values);
  }

  private receive(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'error') this.errors.push(item.error.message);
      else if (item.kind === 'login') {
        const l = decodeLogin(this.dialect, item.frame, this.timeZone);
        if (l.ok) this.logins.push(l.chargerId);
        else this.errors.push(l.message);
        // Answered as the gateway does (the echo, patched as the dialect says), before its STARTDT act.
        const answer = loginAnswer(this.dialect, item.frame);
        if (answer !== undefined) this.toCharger.push(answer);
      } else {
        const u = linkWire(this.dialect).apci(item.frame);
        if (u.ok && u.value.format === 'U') this.uFrames.push(u.value.fn);
        this.link.receiveFrame(item.frame, item.offset);
      }
    }
  }

  private onAsdu(asdu: Buffer): void {
    const d = this.codec.decode(asdu);
    if (!d.ok) this.errors.push(`${d.code}: ${d.message}`);
    else if (d.kind === 'standard') this.standards.push(d.asdu);
    else this.records.push(d.record);
  }
}
