/**
 * A YKC pile we control byte by byte, over real TCP. Its frames are built here from the protocol's
 * field layouts (start 0x68, length = body + 4, sequence little-endian, encryption flag 0, type,
 * body, CRC-16/MODBUS over sequence..body, low byte first), with their own BCD, little-endian,
 * CP56Time2a and CRC code: nothing of the codec's encoder nor of the simulator, so a misreading the
 * codec and the simulator share cannot hide in both. Frames from the gateway are cut by their
 * length byte and kept as `{ type, body }`.
 *
 * Field layouts (body only): 0x01 login: pile BCD 7 | type 1 (0 DC, 1 AC) | guns 1 | version 1 |
 * firmware ASCII 8 | network 1 | SIM 10 | operator 1. 0x03 heartbeat: pile | gun | 0. 0x13 real-time
 * data: txn BCD 16 | pile | gun BCD 1 | status 1 (2 idle, 3 charging) | homed 1 | plugged 1 | V 2
 * (x10) | A 2 (x10) | cable temp 1 (+50) | cable code 8 | SOC 1 | battery temp 1 (+50) | charge min
 * 2 | remaining min 2 | energy 4 (kWh x10^4) | loss-adjusted energy 4 | amount 4 (CNY x10^4) |
 * faults 2. 0x3B record: txn | pile | gun | start CP56 7 | end CP56 7 | 4 x (unit price 4 (x10^5),
 * energy 4, loss-adjusted energy 4, amount 4) tip/peak/flat/valley | meter start 5 | meter end 5 |
 * total energy 4 | loss-adjusted total 4 | total amount 4 | VIN ASCII 17 | trade flag 1 | trade
 * time CP56 7 | stop reason 1 | physical card 8. 0x40 confirmation: txn | result 1 (0 accepted).
 * 0x94 remote update: pile | model 1 | power 2 | server ASCII 16 | port 2 | user ASCII 16 | password
 * ASCII 16 | path ASCII 32 | mode 1 | download timeout 1 (min). 0x93 answer: pile | status 1 (0 ok).
 */
import net from 'node:net';

/** Pile-local time of the frames: Asia/Shanghai, UTC+8 all year (no daylight saving). */
const LOCAL_OFFSET_MS = 8 * 3_600_000;

/** CRC-16/MODBUS bit by bit (reflected polynomial 0xA001, initial 0xFFFF, no final XOR). */
export function crc16Modbus(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = (crc & 1) !== 0 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** Packed BCD, most significant digit first, left-padded with zeros to `size` bytes. */
export function bcd(digits: string, size: number): Buffer {
  const d = digits.padStart(size * 2, '0');
  const out = Buffer.alloc(size);
  for (let i = 0; i < size; i++) out[i] = (Number(d[2 * i]) << 4) | Number(d[2 * i + 1]);
  return out;
}

/** Unsigned little-endian integer of `size` bytes. */
function le(value: number, size: number): Buffer {
  const out = Buffer.alloc(size);
  let v = Math.round(value);
  for (let i = 0; i < size; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

/** CP56Time2a of a UTC instant in pile-local time: ms of the minute 2 LE, minute, hour, day | weekday << 5, month, year - 2000. */
export function cp56(utcMs: number): Buffer {
  const t = new Date(utcMs + LOCAL_OFFSET_MS);
  const ms = t.getUTCSeconds() * 1000 + t.getUTCMilliseconds();
  const weekday = t.getUTCDay() === 0 ? 7 : t.getUTCDay();
  return Buffer.from([ms & 0xff, ms >> 8, t.getUTCMinutes(), t.getUTCHours(), t.getUTCDate() | (weekday << 5), t.getUTCMonth() + 1, t.getUTCFullYear() - 2000]);
}

function ascii(text: string, size: number): Buffer {
  const out = Buffer.alloc(size);
  out.write(text.slice(0, size), 'ascii');
  return out;
}

/** A whole frame: 0x68, length, sequence LE, encryption 0, type, body, CRC low byte first. */
function ykcFrame(sequence: number, type: number, body: Buffer): Buffer {
  const inner = Buffer.concat([le(sequence, 2), Buffer.from([0, type]), body]);
  return Buffer.concat([Buffer.from([0x68, body.length + 4]), inner, le(crc16Modbus(inner), 2)]);
}

/** One period of a record (tip, peak, flat, valley). */
export interface RawPeriod {
  readonly unitPriceYuan: number;
  readonly energyKwh: number;
  readonly amountYuan: number;
}

export interface RawRecord {
  readonly transactionNo: string;
  readonly gun?: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Default: everything in the flat period at 1.4 CNY/kWh (the gateway's default billing model). */
  readonly periods?: readonly [RawPeriod, RawPeriod, RawPeriod, RawPeriod];
  readonly totalEnergyKwh: number;
  readonly totalAmountYuan: number;
  readonly meterStartKwh?: number;
  readonly meterEndKwh?: number;
  /** Trade flag: 1 app, 2 card, 4 offline card, 5 VIN. Default 1. */
  readonly tradeFlag?: number;
  readonly stopReason: number;
}

export interface RawRealTime {
  readonly transactionNo: string;
  readonly gun?: number;
  /** 2 idle, 3 charging. */
  readonly status: number;
  readonly plugged?: boolean;
  readonly energyKwh: number;
  readonly voltageV?: number;
  readonly currentA?: number;
}

/** A 0x94 remote update from the gateway, read field by field (ASCII fields end at their first zero). */
export interface RawFirmwareUpdate {
  readonly sequence: number;
  readonly pileCode: string;
  readonly model: number;
  readonly power: number;
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly path: string;
  readonly mode: number;
  readonly downloadTimeoutMin: number;
}

function text(body: Buffer, offset: number, size: number): string {
  const field = body.subarray(offset, offset + size);
  const end = field.indexOf(0);
  return field.subarray(0, end < 0 ? size : end).toString('latin1');
}

/** A frame from the gateway. */
export interface ReceivedFrame {
  readonly type: number;
  readonly sequence: number;
  readonly body: Buffer;
  /** When it arrived (epoch ms). */
  readonly at: number;
}

export class YkcRawPeer {
  readonly received: ReceivedFrame[] = [];
  private seq = 0;
  private buffer = Buffer.alloc(0);
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  private constructor(
    private readonly socket: net.Socket,
    readonly pileCode: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined);
  }

  /** Dials the gateway, logs in as a DC pile with `guns` guns and `firmware` (8 ASCII), resolves on the 0x02 success answer. */
  static async login(port: number, pileCode: string, guns = 1, firmware = 'RAW-1.00'): Promise<YkcRawPeer> {
    const socket = net.connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const peer = new YkcRawPeer(socket, pileCode);
    const body = Buffer.concat([bcd(pileCode, 7), Buffer.from([0, guns, 0x10]), ascii(firmware, 8), Buffer.from([1]), Buffer.alloc(10), Buffer.from([4])]);
    peer.send(0x01, body);
    const answer = await peer.waitFor((f) => f.type === 0x02, 5_000);
    if (answer.body[7] !== 0) throw new Error('login refused');
    peer.heartbeat = setInterval(() => peer.send(0x03, Buffer.concat([bcd(pileCode, 7), bcd('1', 1), Buffer.from([0])])), 3_000);
    return peer;
  }

  /** Writes one frame of `type` with `body`; returns its sequence. */
  send(type: number, body: Buffer): number {
    const sequence = this.seq++ & 0xffff;
    if (!this.socket.destroyed) this.socket.write(ykcFrame(sequence, type, body));
    return sequence;
  }

  /** 0x13 real-time data. */
  realTime(r: RawRealTime): void {
    const charging = r.status === 3;
    const body = Buffer.concat([
      bcd(r.transactionNo, 16),
      bcd(this.pileCode, 7),
      bcd(String(r.gun ?? 1), 1),
      Buffer.from([r.status, 0, (r.plugged ?? charging) ? 1 : 0]),
      le((r.voltageV ?? (charging ? 380 : 0)) * 10, 2),
      le((r.currentA ?? (charging ? 20 : 0)) * 10, 2),
      Buffer.from([25 + 50]),
      Buffer.alloc(8),
      Buffer.from([charging ? 50 : 0, 25 + 50]),
      le(0, 2),
      le(0, 2),
      le(r.energyKwh * 10_000, 4),
      le(r.energyKwh * 10_000, 4),
      le(0, 4),
      le(0, 2),
    ]);
    this.send(0x13, body);
  }

  /** 0x3B transaction record; returns its sequence. */
  record(r: RawRecord): number {
    const zero: RawPeriod = { unitPriceYuan: 1.4, energyKwh: 0, amountYuan: 0 };
    const periods = r.periods ?? [zero, zero, { unitPriceYuan: 1.4, energyKwh: r.totalEnergyKwh, amountYuan: r.totalAmountYuan }, zero];
    const body = Buffer.concat([
      bcd(r.transactionNo, 16),
      bcd(this.pileCode, 7),
      bcd(String(r.gun ?? 1), 1),
      cp56(r.startMs),
      cp56(r.endMs),
      ...periods.flatMap((p) => [le(p.unitPriceYuan * 100_000, 4), le(p.energyKwh * 10_000, 4), le(p.energyKwh * 10_000, 4), le(p.amountYuan * 10_000, 4)]),
      le((r.meterStartKwh ?? 0) * 10_000, 5),
      le((r.meterEndKwh ?? 0) * 10_000, 5),
      le(r.totalEnergyKwh * 10_000, 4),
      le(r.totalEnergyKwh * 10_000, 4),
      le(r.totalAmountYuan * 10_000, 4),
      Buffer.alloc(17),
      Buffer.from([r.tradeFlag ?? 1]),
      cp56(r.endMs),
      Buffer.from([r.stopReason]),
      Buffer.alloc(8),
    ]);
    return this.send(0x3b, body);
  }

  /** Waits for the next 0x94 remote update and reads it. */
  async firmwareUpdate(timeoutMs: number): Promise<RawFirmwareUpdate> {
    const f = await this.waitFor((x) => x.type === 0x94, timeoutMs);
    const b = f.body;
    return {
      sequence: f.sequence,
      pileCode: b.subarray(0, 7).toString('hex'),
      model: b[7] ?? -1,
      power: b.readUInt16LE(8),
      host: text(b, 10, 16),
      port: b.readUInt16LE(26),
      user: text(b, 28, 16),
      password: text(b, 44, 16),
      path: text(b, 60, 32),
      mode: b[92] ?? -1,
      downloadTimeoutMin: b[93] ?? -1,
    };
  }

  /** 0x93 with `status` (0 ok, 1 wrong pile, 2 model mismatch, 3 download timeout), echoing `sequence`. */
  firmwareAnswer(sequence: number, status: number): void {
    if (!this.socket.destroyed) this.socket.write(ykcFrame(sequence, 0x93, Buffer.concat([bcd(this.pileCode, 7), Buffer.from([status])])));
  }

  /** Transaction numbers of the 0x40 confirmations received, in order, with their result byte. */
  confirmations(): { transactionNo: string; result: number; at: number }[] {
    return this.received.filter((f) => f.type === 0x40).map((f) => ({ transactionNo: f.body.subarray(0, 16).toString('hex'), result: f.body[16] ?? -1, at: f.at }));
  }

  /** Resolves with the first frame (received so far or later) matching `pred`. */
  async waitFor(pred: (f: ReceivedFrame) => boolean, timeoutMs: number): Promise<ReceivedFrame> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(pred);
      if (found !== undefined) return found;
      if (Date.now() > end) throw new Error('timed out waiting for a frame from the gateway');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    clearInterval(this.heartbeat);
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      const start = this.buffer.indexOf(0x68);
      if (start < 0) {
        this.buffer = Buffer.alloc(0);
        return;
      }
      if (this.buffer.length < start + 2) return;
      const total = (this.buffer[start + 1] ?? 0) + 4;
      if (this.buffer.length < start + total) return;
      const f = this.buffer.subarray(start, start + total);
      this.buffer = this.buffer.subarray(start + total);
      this.received.push({ type: f[5] ?? -1, sequence: (f[2] ?? 0) | ((f[3] ?? 0) << 8), body: Buffer.from(f.subarray(6, total - 2)), at: Date.now() });
    }
  }
}
