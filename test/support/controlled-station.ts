/**
 * A small IEC 104 *controlled* station written for the tests: it dials the gateway like a charger
 * does, answers STARTDT act and TESTFR act, acknowledges I-frames after w frames or t2 (or withholds
 * acks on demand), answers a general interrogation, and can write several APDUs in one TCP write.
 * ASDUs are built by hand with `buildAsdu` so the link tests do not depend on the ASDU codec.
 */
import net from 'node:net';
import { decodeApci, encodeIFrame, encodeSFrame, encodeUFrame, seqNext, type Apci } from '../../src/iec104/apci.js';
import { ApduFramer } from '../../src/iec104/framer.js';

/** One information object: IOA and the element bytes after it. */
export interface RawObject {
  readonly ioa: number;
  readonly element: Uint8Array;
}

export interface AsduHeader {
  readonly ti: number;
  readonly cot: number;
  readonly ca?: number;
  readonly negative?: boolean;
  /** T bit: test ASDU (IEC 60870-5-101 §7.2.3). */
  readonly test?: boolean;
  readonly originator?: number;
}

/**
 * Builds an ASDU with the 104 field widths: TI, VSQ (SQ = 0), COT 2 octets, CA 2 octets LE, then
 * per object IOA 3 octets LE + element.
 */
export function buildAsdu(header: AsduHeader, objects: readonly RawObject[]): Buffer {
  const bytes: number[] = [
    header.ti,
    objects.length, // VSQ: SQ = 0, N objects
    (header.cot & 0x3f) | (header.negative === true ? 0x40 : 0) | (header.test === true ? 0x80 : 0),
    header.originator ?? 0,
    (header.ca ?? 1) & 0xff,
    ((header.ca ?? 1) >> 8) & 0xff,
  ];
  for (const o of objects) bytes.push(o.ioa & 0xff, (o.ioa >> 8) & 0xff, (o.ioa >> 16) & 0xff, ...o.element);
  return Buffer.from(bytes);
}

export interface ParsedAsdu {
  readonly ti: number;
  readonly count: number;
  readonly cot: number;
  readonly negative: boolean;
  readonly ca: number;
  readonly objects: RawObject[];
}

/** Splits an SQ = 0 ASDU into its header and objects of `elementSize` octets each. */
export function parseAsdu(asdu: Uint8Array, elementSize: number): ParsedAsdu {
  const b = Buffer.from(asdu);
  const count = b.readUInt8(1) & 0x7f;
  const objects: RawObject[] = [];
  for (let i = 0, at = 6; i < count; i++, at += 3 + elementSize) {
    objects.push({ ioa: b.readUIntLE(at, 3), element: b.subarray(at + 3, at + 3 + elementSize) });
  }
  return { ti: b.readUInt8(0), count, cot: b.readUInt8(2) & 0x3f, negative: (b.readUInt8(2) & 0x40) !== 0, ca: b.readUInt16LE(4), objects };
}

/** SIQ element of M_SP_NA_1. */
export const siq = (on: boolean, quality = 0): Uint8Array => Uint8Array.of((on ? 1 : 0) | quality);

/** Scaled value (int16) + QDS, element of M_ME_NB_1. */
export function svaQds(value: number, qds = 0): Uint8Array {
  const b = Buffer.alloc(3);
  b.writeInt16LE(value, 0);
  b[2] = qds;
  return b;
}

/** Binary counter reading (int32) + sequence octet with IV in bit 7, element of M_IT_NA_1. */
export function bcr(value: number, invalid = false, sequence = 0): Uint8Array {
  const b = Buffer.alloc(5);
  b.writeInt32LE(value, 0);
  b[4] = (sequence & 0x1f) | (invalid ? 0x80 : 0);
  return b;
}

/** CP56Time2a of a UTC instant as the wall clock of a zone `offsetHours` east of UTC (no DST). */
function cp56(at: Date, offsetHours = 8): Uint8Array {
  const d = new Date(at.getTime() + offsetHours * 3_600_000);
  const ms = d.getUTCSeconds() * 1000 + d.getUTCMilliseconds();
  const weekday = d.getUTCDay() === 0 ? 7 : d.getUTCDay();
  return Uint8Array.of(ms & 0xff, ms >> 8, d.getUTCMinutes(), d.getUTCHours(), (weekday << 5) | d.getUTCDate(), d.getUTCMonth() + 1, d.getUTCFullYear() % 100);
}

/** An element followed by its CP56Time2a time tag (the *_TB_1 / *_TF_1 types). */
export const timed = (element: Uint8Array, at: Date, offsetHours = 8): Uint8Array => Uint8Array.from([...element, ...cp56(at, offsetHours)]);

/** IEEE 754 short float + QDS, element of M_ME_NC_1. */
export function floatQds(value: number, qds = 0): Uint8Array {
  const b = Buffer.alloc(5);
  b.writeFloatLE(value, 0);
  b[4] = qds;
  return b;
}

/** C_IC_NA_1 (TI 100) with QOI 20 at IOA 0. */
export const interrogation = (cot: number, ca = 1): Buffer => buildAsdu({ ti: 100, cot, ca }, [{ ioa: 0, element: Uint8Array.of(20) }]);

export interface ControlledStationOptions {
  /** Acknowledge after this many received I-frames (default 8). */
  readonly w?: number;
  /**
   * Send at most this many I-frames the gateway has not acknowledged (IEC 60870-5-104 §5.5); the
   * others wait for its ack. Applies to `sendAsdus` and the station's own answers. Default: no limit.
   */
  readonly k?: number;
  /** Acknowledge this long after the first unacknowledged I-frame when fewer than w arrived (default 50 ms). */
  readonly t2?: number;
  /** Send no acknowledgement at all (S-frame or N(R) in I-frames) until cleared; default false. */
  readonly withholdAcks?: boolean;
  /** Answer STARTDT act with con (default true). */
  readonly answerStartdt?: boolean;
  /** Answer TESTFR act with con (default true). */
  readonly answerTestfr?: boolean;
  /** Common address used in GI replies (default 1). */
  readonly ca?: number;
  /** Local address to dial from (default: the system's choice, 127.0.0.1). */
  readonly localAddress?: string;
  /** How control commands (TI 45..64) are answered, at once or after a delay; default: not at all. See `commandAnswer`. */
  readonly commandAnswer?: CommandAnswerer;
  /** How a general interrogation is answered (default `confirm`); see `interrogationAnswer`. */
  readonly interrogationAnswer?: SystemReply;
  /** The ASDUs of a general interrogation's answer, between ACT_CON and ACT_TERM (default GI_SINGLE_POINTS and GI_MEASURANDS). */
  readonly interrogationData?: (ca: number) => readonly Buffer[];
  /** How a clock synchronisation (C_CS_NA_1) is answered (default `silent`); see `clockSyncAnswer`. */
  readonly clockSyncAnswer?: SystemReply;
}

/**
 * The station's answer to a system command (general interrogation, clock sync): `confirm` =
 * positive ACT_CON (and, for an interrogation, its data and ACT_TERM); `confirm-only` = positive
 * ACT_CON and, for an interrogation, its data without ACT_TERM; `refuse` = negative ACT_CON;
 * `silent` = nothing.
 */
export type SystemReply = 'confirm' | 'confirm-only' | 'refuse' | 'silent';

/** A control-direction ASDU from the gateway (C_SC_NA_1, C_DC_NA_1, C_SE_*...), as received. */
export interface ControlCommand {
  readonly ti: number;
  readonly cot: number;
  readonly ioa: number;
  /** The S/E bit of a command or setpoint qualifier (select of select-before-operate). */
  readonly select: boolean;
  /** The whole ASDU as received. */
  readonly asdu: Buffer;
}

/**
 * The station's answer to a control command: `confirm` = positive ACT_CON, then ACT_TERM for an
 * execute; `confirm-only` = positive ACT_CON without ACT_TERM; `refuse` = negative ACT_CON
 * (P/N = 1, IEC 60870-5-101 §7.2.3); `silent` = nothing.
 */
export type CommandReply = 'confirm' | 'confirm-only' | 'refuse' | 'silent';
/** A reply sent `afterMs` after the command arrived (a charger answering late). */
export interface DelayedReply {
  readonly reply: CommandReply;
  readonly afterMs: number;
}
export type CommandAnswerer = (command: ControlCommand) => CommandReply | DelayedReply;

/** Control types C_SC_NA_1 (45) .. C_BO_TA_1 (64): the commands a controlled station answers. */
const isControl = (ti: number): boolean => ti >= 45 && ti <= 64;

/** A frame as received by the station, in order. */
export interface ReceivedFrame {
  readonly apci: Apci;
  /** The ASDU of an I-frame. */
  readonly asdu?: Buffer;
}

/** General interrogation reply data: two single points and one short float measurand. */
export const GI_SINGLE_POINTS: readonly RawObject[] = [
  { ioa: 1, element: siq(true) },
  { ioa: 2, element: siq(false) },
];
export const GI_MEASURANDS: readonly RawObject[] = [{ ioa: 0x4001, element: floatQds(230.5) }];

export class ControlledStation {
  /** Every frame received from the gateway, in order. */
  readonly frames: ReceivedFrame[] = [];
  /** Frames that failed to decode (should stay empty). */
  readonly decodeErrors: string[] = [];
  withholdAcks: boolean;
  /** How control commands are answered from now on (undefined: not at all). */
  commandAnswer: CommandAnswerer | undefined;
  /** How general interrogations are answered from now on. */
  interrogationAnswer: SystemReply;
  /** How clock synchronisations are answered from now on. */
  clockSyncAnswer: SystemReply;
  private readonly framer = new ApduFramer();
  /** ASDUs waiting for the k window to open. */
  private readonly waiting: Uint8Array[] = [];
  private readonly w: number;
  private readonly t2: number;
  private readonly options: ControlledStationOptions;
  private sendSeq = 0;
  private recvSeq = 0;
  private lastNr: number | undefined;
  private iCount = 0;
  /** Received I-frames not yet acknowledged. */
  private pendingAcks = 0;
  private ackTimer: NodeJS.Timeout | undefined;
  private ended = false;
  private readonly closedPromise: Promise<void>;
  /** Answers to commands waiting for their delay (`DelayedReply`). */
  private readonly delayed = new Set<NodeJS.Timeout>();
  /** Checks run after every chunk received and on close (see `waitFor`). */
  private readonly watchers = new Set<() => void>();

  private constructor(
    private readonly socket: net.Socket,
    options: ControlledStationOptions,
  ) {
    this.options = options;
    this.w = options.w ?? 8;
    this.t2 = options.t2 ?? 50;
    this.withholdAcks = options.withholdAcks ?? false;
    this.commandAnswer = options.commandAnswer;
    this.interrogationAnswer = options.interrogationAnswer ?? 'confirm';
    this.clockSyncAnswer = options.clockSyncAnswer ?? 'silent';
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', () => undefined); // resets from the gateway closing are expected in close tests
    this.closedPromise = new Promise((resolve) => {
      socket.once('close', () => {
        this.ended = true;
        clearTimeout(this.ackTimer);
        for (const t of this.delayed) clearTimeout(t);
        resolve();
        for (const check of [...this.watchers]) check();
      });
    });
  }

  /** Dials the gateway on 127.0.0.1:`port` (from `options.localAddress` when given). */
  static connect(port: number, options: ControlledStationOptions = {}): Promise<ControlledStation> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new ControlledStation(socket, options));
      });
    });
  }

  /** V(S): N(S) of the next I-frame this station sends. */
  get vs(): number {
    return this.sendSeq;
  }

  /** V(R): I-frames received from the gateway, modulo 32768. */
  get vr(): number {
    return this.recvSeq;
  }

  /** True once the TCP connection is closed (by either side). */
  get isClosed(): boolean {
    return this.ended;
  }

  /** Resolves when the TCP connection closes. */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  /** N(R) of the last S- or I-frame received: what the gateway has acknowledged. */
  get lastAck(): number | undefined {
    return this.lastNr;
  }

  /** I-frames received (not wrapped). */
  get iFrameCount(): number {
    return this.iCount;
  }

  iFrames(): ReceivedFrame[] {
    return this.frames.filter((f) => f.apci.format === 'I');
  }

  /** N(R) of every S-frame received. */
  sFrameNrs(): number[] {
    return this.frames.flatMap((f) => (f.apci.format === 'S' ? [f.apci.nr] : []));
  }

  uFunctions(): string[] {
    return this.frames.flatMap((f) => (f.apci.format === 'U' ? [f.apci.fn] : []));
  }

  /** Control commands received (TI 45..64), in order. */
  controlCommands(): ControlCommand[] {
    return this.iFrames().flatMap((f) => {
      const asdu = f.asdu;
      if (asdu === undefined || asdu.length < 10 || !isControl(asdu.readUInt8(0))) return [];
      // The qualifier (SCO, DCO, QOS...) is the element's last octet; S/E is its top bit.
      return [{ ti: asdu.readUInt8(0), cot: asdu.readUInt8(2) & 0x3f, ioa: asdu.readUIntLE(6, 3), select: ((asdu.at(-1) ?? 0) & 0x80) !== 0, asdu }];
    });
  }

  /**
   * Sends ASDUs as consecutive I-frames in ONE TCP write; with option `k`, those beyond the window
   * wait for the gateway's acknowledgement.
   */
  sendAsdus(asdus: readonly Uint8Array[]): void {
    this.waiting.push(...asdus);
    this.flushWaiting();
  }

  /** ASDUs held back by the k window. */
  get waitingCount(): number {
    return this.waiting.length;
  }

  private flushWaiting(): void {
    const k = this.options.k ?? Number.POSITIVE_INFINITY;
    const frames: Buffer[] = [];
    while (this.waiting.length > 0 && (this.sendSeq - (this.lastNr ?? 0) + 32768) % 32768 < k) {
      frames.push(this.nextIFrame(this.waiting.shift() as Uint8Array));
    }
    if (frames.length > 0) this.write(Buffer.concat(frames));
  }

  /** Encodes the next I-frame (advancing V(S)) without sending it, to combine with other bytes. */
  nextIFrame(asdu: Uint8Array): Buffer {
    const nr = this.withholdAcks ? this.recvSeq - this.pendingAcks : this.recvSeq;
    const frame = encodeIFrame(this.sendSeq, (nr + 32768) % 32768, asdu);
    this.sendSeq = seqNext(this.sendSeq);
    if (!this.withholdAcks) this.acked();
    return frame;
  }

  /** Sends an S-frame acknowledging everything received so far. */
  ack(): void {
    this.acked();
    this.write(encodeSFrame(this.recvSeq));
  }

  /** Writes raw bytes (hand-made or invalid frames). */
  write(bytes: Uint8Array): void {
    if (!this.ended) this.socket.write(bytes);
  }

  /**
   * Resolves once `condition` holds, checking after every chunk received and on close (no
   * polling, so tight request/ack loops stay fast); rejects naming `what` after `timeoutMs`.
   */
  waitFor(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.watchers.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const check = (): void => {
        if (!condition()) return;
        clearTimeout(timer);
        this.watchers.delete(check);
        resolve();
      };
      this.watchers.add(check);
    });
  }

  /** Closes the connection and waits for it to be gone. */
  async close(): Promise<void> {
    if (!this.ended) this.socket.destroy();
    await this.closedPromise;
  }

  private acked(): void {
    this.pendingAcks = 0;
    clearTimeout(this.ackTimer);
    this.ackTimer = undefined;
  }

  private onData(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'error') {
        this.decodeErrors.push(item.error.code);
        continue;
      }
      const r = decodeApci(item.frame);
      if (!r.ok) {
        this.decodeErrors.push(r.error.code);
        continue;
      }
      const apci = r.value;
      if (apci.format !== 'U') this.lastNr = apci.nr;
      if (apci.format !== 'I') {
        this.frames.push({ apci });
        if (apci.format === 'U') this.onU(apci.fn);
        continue;
      }
      const asdu = Buffer.from(item.frame.subarray(6));
      this.frames.push({ apci, asdu });
      this.recvSeq = seqNext(this.recvSeq);
      this.iCount += 1;
      this.pendingAcks += 1;
      if (asdu[0] === 100 && ((asdu[2] ?? 0) & 0x3f) === 6) this.answerInterrogation();
      else if (asdu[0] === 103 && ((asdu[2] ?? 0) & 0x3f) === 6) this.answerClockSync(asdu);
      else if (isControl(asdu[0] ?? 0) && ((asdu[2] ?? 0) & 0x3f) === 6) this.answerCommand(asdu);
      this.scheduleAck();
    }
    if (this.waiting.length > 0) this.flushWaiting();
    for (const check of [...this.watchers]) check();
  }

  private onU(fn: string): void {
    if (fn === 'STARTDT_ACT' && this.options.answerStartdt !== false) this.write(encodeUFrame('STARTDT_CON'));
    if (fn === 'STOPDT_ACT') this.write(encodeUFrame('STOPDT_CON'));
    if (fn === 'TESTFR_ACT' && this.options.answerTestfr !== false) this.write(encodeUFrame('TESTFR_CON'));
  }

  private scheduleAck(): void {
    if (this.withholdAcks || this.pendingAcks === 0) return;
    if (this.pendingAcks >= this.w) {
      this.ack();
    } else if (this.ackTimer === undefined) {
      this.ackTimer = setTimeout(() => {
        this.ackTimer = undefined;
        if (!this.withholdAcks && this.pendingAcks > 0) this.ack();
      }, this.t2);
    }
  }

  /** Echoes a command with ACT_CON (COT 7, P/N as answered) and, for a positive execute, ACT_TERM (COT 10). */
  private answerCommand(asdu: Buffer): void {
    const command = this.controlCommands().at(-1);
    const answer = command === undefined ? 'silent' : (this.commandAnswer?.(command) ?? 'silent');
    if (typeof answer !== 'string') {
      const timer = setTimeout(() => {
        this.delayed.delete(timer);
        if (!this.ended) this.replyTo(asdu, command, answer.reply);
      }, answer.afterMs);
      this.delayed.add(timer);
      return;
    }
    this.replyTo(asdu, command, answer);
  }

  private replyTo(asdu: Buffer, command: ControlCommand | undefined, reply: CommandReply): void {
    if (command === undefined || reply === 'silent') return;
    const echo = (cot: number, negative: boolean): Buffer => {
      const b = Buffer.from(asdu);
      b[2] = (cot & 0x3f) | (negative ? 0x40 : 0);
      return b;
    };
    if (reply === 'refuse') return this.sendAsdus([echo(7, true)]);
    this.sendAsdus(reply === 'confirm' && !command.select ? [echo(7, false), echo(10, false)] : [echo(7, false)]);
  }

  /** ACT_CON (COT 7), the data with COT 20, then ACT_TERM (COT 10), in one write (as `interrogationAnswer` says). */
  private answerInterrogation(): void {
    const ca = this.options.ca ?? 1;
    const reply = this.interrogationAnswer;
    if (reply === 'silent') return;
    if (reply === 'refuse') return this.sendAsdus([buildAsdu({ ti: 100, cot: 7, ca, negative: true }, [{ ioa: 0, element: Uint8Array.of(20) }])]);
    const data = this.options.interrogationData?.(ca) ?? [buildAsdu({ ti: 1, cot: 20, ca }, GI_SINGLE_POINTS), buildAsdu({ ti: 13, cot: 20, ca }, GI_MEASURANDS)];
    this.sendAsdus([interrogation(7, ca), ...data, ...(reply === 'confirm' ? [interrogation(10, ca)] : [])]);
  }

  /** C_CS_NA_1 echoed with ACT_CON, positive or negative; a clock sync has no ACT_TERM. */
  private answerClockSync(asdu: Buffer): void {
    const reply = this.clockSyncAnswer;
    if (reply === 'silent') return;
    const b = Buffer.from(asdu);
    b[2] = 7 | (reply === 'refuse' ? 0x40 : 0);
    this.sendAsdus([b]);
  }
}
