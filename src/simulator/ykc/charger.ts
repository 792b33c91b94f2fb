/**
 * A YKC (云快充) charger, simulated: logs in (0x01), heartbeats (0x03),
 * verifies its billing model (0x05), answers time sync / work parameters / reboot / remote update, runs card
 * sessions (0x31 -> 0x32) and app sessions (0x34 -> 0x33), sends real-time data (0x13) while
 * charging, raises and clears hardware faults, reports its parking lock (0x61), and uploads the
 * transaction record (0x3B), resending it every `recordResendMs` until a 0x40 confirms it (`loseConfirms`
 * drops the first ones, as a lossy link would). Pure: bytes in through `receive`, out through the
 * line the host attaches, time from the injected clock; `simulator.ts` puts it on a TCP connection.
 */
import { DEFAULT_TIME_ZONE, decodeYkcFrame, encodeYkcFrame, YkcCipher, YkcFramer, type YkcCipherParams, type YkcFrame, type YkcFrameOf } from '../../../codecs/ykc/index.js';
import { every, systemSimulatorClock, type SimulatorClock } from '../clock.js';
import { gunCode, YkcSimGun } from './gun.js';
import { YkcRecordOutbox } from './records.js';

export interface YkcChargerOptions {
  /** 14-digit pile code. */
  readonly pileCode: string;
  readonly gunCount?: number;
  /** 0 DC (default), 1 AC. */
  readonly pileType?: number;
  /** Default 0x10 (v1.6). */
  readonly protocolVersion?: number;
  readonly firmwareVersion?: string;
  readonly iccid?: string;
  /** Default 10 000 ms. */
  readonly heartbeatIntervalMs?: number;
  /** Real-time data period while charging, default 15 000 ms. */
  readonly realTimeIntervalMs?: number;
  /** Resend an unconfirmed record this often, default 30 000 ms. */
  readonly recordResendMs?: number;
  /** Output while charging, default 7 040 W (220 V x 32 A). */
  readonly voltageV?: number;
  readonly currentA?: number;
  readonly timeZone?: string;
  /**
   * Ignore this many 0x40 confirmations (as if they were lost on the way), so that the record is
   * sent again after `recordResendMs`. Default 0.
   */
  readonly loseConfirms?: number;
  /**
   * Speak 3DES (encryption flag 0x01): every frame out is encrypted with `key` (48 hex digits) and
   * the parameters given (defaults as the gateway's: ECB, zero padding), encrypted frames in are
   * decrypted with it. The login goes encrypted too, so the gateway needs a listener-wide key.
   */
  readonly encryption?: YkcCipherParams & { readonly key: string };
  /** How many offline cards the pile can store (0x44 beyond it is refused: storage full). Default: no limit. */
  readonly offlineCardCapacity?: number;
  /** Every frame in and out, for logs. */
  readonly onFrame?: (direction: 'in' | 'out', frame: YkcFrame) => void;
  /** How platform commands are answered (default: every one is carried out); see `answers`. */
  readonly answers?: YkcAnswers;
  /** Answer 0x52, 0x92, 0x34, 0x36 and 0x94 this long after they arrive (a slow pile); default 0. See `answerDelayMs`. */
  readonly answerDelayMs?: number;
  /** Time and timers; default the real clock. */
  readonly clock?: SimulatorClock;
}

/** A platform command the simulator may refuse (answer failure) or leave unanswered. */
export type YkcCommandFrame = 'workParams' | 'reboot' | 'remoteStart' | 'remoteStop' | 'firmwareUpdate';
export type YkcAnswer = 'execute' | 'refuse' | 'silent';
export type YkcAnswers = Partial<Record<YkcCommandFrame, YkcAnswer>>;

/** One YKC charger pile: its guns, its records on their way out, and how it answers the platform. */
export class YkcCharger {
  /** Writes to the platform while a connection is up (see `attach`). */
  private out: ((bytes: Buffer) => void) | undefined;
  private readonly framer = new YkcFramer();
  private seq = 0;
  private stopHeartbeat?: () => void;
  private readonly guns = new Map<number, YkcSimGun>();
  private readonly records: YkcRecordOutbox;
  private readonly waiters: { pred: (f: YkcFrame) => boolean; resolve: (f: YkcFrame) => void }[] = [];
  /** Every frame received from the platform. */
  readonly received: YkcFrame[] = [];

  /** Serials of records the platform confirmed with 0x40. */
  readonly confirmed: string[];
  /** Serial of every 0x40 received, the lost ones (`loseConfirms`) and repeats included. */
  readonly confirmations: string[];
  /** The offline cards the platform stored with 0x44 (physical -> logical number), less those cleared with 0x46. */
  readonly offlineCards = new Map<string, string>();
  /** How 0x52, 0x92, 0x34 and 0x36 are answered (unlisted: carried out); may be changed while running. */
  answers: YkcAnswers;
  /** How long after 0x52, 0x92, 0x34 and 0x36 arrive they are carried out and answered; may be changed while running. */
  answerDelayMs: number;
  /** Answers waiting for `answerDelayMs`. */
  private readonly delayed = new Set<unknown>();
  /** See `offlineCardCapacity` in the options; may be changed while running. */
  offlineCardCapacity: number;
  /** How many times each record was sent. */
  readonly recordSends: Map<string, number>;
  readonly tz: string;
  readonly clock: SimulatorClock;

  private readonly cipher: YkcCipher | undefined;

  constructor(readonly options: YkcChargerOptions) {
    this.tz = options.timeZone ?? DEFAULT_TIME_ZONE;
    this.clock = options.clock ?? systemSimulatorClock;
    this.cipher = options.encryption !== undefined ? new YkcCipher(options.encryption.key, options.encryption) : undefined;
    this.records = new YkcRecordOutbox(this.clock, (frame) => this.send(frame), options.recordResendMs ?? 30_000, options.loseConfirms ?? 0);
    this.confirmed = this.records.confirmed;
    this.confirmations = this.records.confirmations;
    this.recordSends = this.records.recordSends;
    this.offlineCardCapacity = options.offlineCardCapacity ?? Number.POSITIVE_INFINITY;
    this.answers = { ...options.answers };
    this.answerDelayMs = options.answerDelayMs ?? 0;
    for (let g = 1; g <= (options.gunCount ?? 1); g++) {
      this.guns.set(g, new YkcSimGun({ pileCode: options.pileCode, gun: g, voltageV: options.voltageV ?? 220, currentA: options.currentA ?? 32, timeZone: this.tz, clock: this.clock }));
    }
  }

  /** A connection is up: frames go out through `write` until `detach`. */
  attach(write: (bytes: Buffer) => void): void {
    this.out = write;
  }

  /** The connection is gone: stops every timer; records not confirmed wait for the next login. */
  detach(): void {
    this.out = undefined;
    this.stopTimers();
  }

  /**
   * Logs in on the attached connection and resolves once the login answer arrives (rejects when it
   * refuses or times out). Without `onlyNew`, a login answer received on an earlier connection counts.
   */
  async login(options: { readonly onlyNew?: boolean } = {}): Promise<void> {
    const answer = this.waitFor((f) => f.type === 'loginAnswer', 5000, options.onlyNew === true ? this.received.length : 0);
    this.send({
      type: 'login',
      pileCode: this.options.pileCode,
      pileType: this.options.pileType ?? 0,
      gunCount: this.options.gunCount ?? 1,
      protocolVersion: this.options.protocolVersion ?? 0x10,
      firmwareVersion: this.options.firmwareVersion ?? 'SIM-1.0',
      networkType: 0,
      sim: this.options.iccid ?? '898604D11722D0348606',
      operator: 0,
    });
    const a = (await answer) as YkcFrameOf<'loginAnswer'>;
    if (a.result !== 0) throw new Error('login rejected');
    const hb = this.options.heartbeatIntervalMs ?? 10_000;
    this.stopHeartbeat?.();
    this.stopHeartbeat = every(this.clock, hb, () => {
      for (const s of this.guns.values()) this.send({ type: 'heartbeat', pileCode: this.options.pileCode, gun: s.code, gunState: s.faults !== 0 ? 1 : 0 });
    });
    this.send({ type: 'billingModelVerify', pileCode: this.options.pileCode, billingModelId: '0000' });
    for (const g of this.guns.keys()) this.sendRealTime(g);
    // Like a real pile: records not confirmed before the connection dropped are sent again after login.
    this.records.uploadPending();
  }

  /** Resolves with the next received frame (or one already received, from index `from` on) matching `pred`. */
  waitFor(pred: (f: YkcFrame) => boolean, timeoutMs = 5000, from = 0): Promise<YkcFrame> {
    const seen = this.received.slice(from).find(pred);
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const w = {
        pred,
        resolve: (f: YkcFrame) => {
          this.clock.clearTimeout(timer);
          resolve(f);
        },
      };
      const timer = this.clock.setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        reject(new Error('ykc simulator: no matching frame in time'));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Plugs the gun in (or out) and reports it. */
  plug(gun: number, plugged = true): void {
    const s = this.gunSim(gun);
    s.plugged = plugged ? 1 : 0;
    this.sendRealTime(gun);
  }

  /** A card at the charger: 0x31, then charging if the platform authorises it. Resolves with the 0x32. */
  async swipeCard(gun: number, card: string, timeoutMs = 5000): Promise<YkcFrameOf<'startConfirm'>> {
    const s = this.gunSim(gun);
    s.plugged = 1;
    const confirm = this.waitFor((f) => f.type === 'startConfirm' && f.gun === gunCode(gun) && !this.usedConfirms.has(f), timeoutMs);
    this.send({ type: 'startRequest', pileCode: this.options.pileCode, gun: gunCode(gun), startMode: 1, passwordRequired: 0, cardNo: card, passwordMd5: '', vin: '' });
    const c = (await confirm) as YkcFrameOf<'startConfirm'>;
    this.usedConfirms.add(c);
    if (c.authResult === 1) this.startCharging(gun, c.transactionNo, 2, card);
    return c;
  }
  private readonly usedConfirms = new Set<YkcFrame>();

  /** A VIN start (plug and charge, 0x31 start mode 3): charging if the platform authorises it. */
  async startWithVin(gun: number, vin: string): Promise<YkcFrameOf<'startConfirm'>> {
    const s = this.gunSim(gun);
    s.plugged = 1;
    const confirm = this.waitFor((f) => f.type === 'startConfirm' && f.gun === gunCode(gun) && !this.usedConfirms.has(f));
    this.send({ type: 'startRequest', pileCode: this.options.pileCode, gun: gunCode(gun), startMode: 3, passwordRequired: 0, cardNo: '0', passwordMd5: '', vin });
    const c = (await confirm) as YkcFrameOf<'startConfirm'>;
    this.usedConfirms.add(c);
    if (c.authResult === 1) {
      this.startCharging(gun, c.transactionNo, 5, '0');
      this.gunSim(gun).vin = vin;
    }
    return c;
  }

  /** Sets or clears a hardware-fault bit (0x13 bitmask) and reports it. */
  setFault(gun: number, bit: number, active: boolean): void {
    const s = this.gunSim(gun);
    s.faults = active ? s.faults | (1 << bit) : s.faults & ~(1 << bit);
    this.sendRealTime(gun);
  }

  /** Ends the session on `gun` (stop reason code, docs/protocols/ykc.md §5) and uploads its record. Returns the serial. */
  stopCharging(gun: number, stopReason = 0x45): string | undefined {
    const s = this.gunSim(gun);
    if (!s.charging) return undefined;
    s.stop();
    const txn = s.transactionNo;
    this.sendRealTime(gun);
    this.records.upload(s.takeRecord(stopReason));
    return txn;
  }

  /** A parking-lock report (0x61) for `gun`: lock 0x55 raised / 0xFF lowered, bay 0 empty / 0xFF occupied, alarm 0 / 0xFF / 0x55. */
  reportParkingLock(gun: number, lock: { lockState: number; spaceState: number; batteryPercent?: number; alarm?: number }): void {
    this.send({
      type: 'parkingLockStatus',
      pileCode: this.options.pileCode,
      gun: gunCode(gun),
      lockState: lock.lockState,
      spaceState: lock.spaceState,
      batteryPercent: lock.batteryPercent ?? 100,
      alarm: lock.alarm ?? 0,
      reserved: '00000000',
    });
  }

  // ---------------------------------------------------------------------------------------------

  private startCharging(gun: number, transactionNo: string, tradeFlag: number, card: string): void {
    this.gunSim(gun).start(transactionNo, tradeFlag, card, this.options.realTimeIntervalMs ?? 15_000, () => this.sendRealTime(gun));
  }

  private sendRealTime(gun: number): void {
    this.send(this.gunSim(gun).realTime());
  }

  /** Bytes from the platform, in whatever chunks TCP delivered them. */
  receive(chunk: Buffer): void {
    for (const item of this.framer.push(chunk)) {
      if (item.kind !== 'frame') continue;
      const r = decodeYkcFrame(item.frame, { timeZone: this.tz, ...(this.cipher !== undefined ? { cipher: this.cipher } : {}) });
      if (!r.ok) continue;
      const f = r.value;
      this.received.push(f);
      this.options.onFrame?.('in', f);
      this.onFrame(f);
      for (const w of [...this.waiters]) {
        if (w.pred(f)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(f);
        }
      }
    }
  }

  private onFrame(f: YkcFrame): void {
    const pile = this.options.pileCode;
    switch (f.type) {
      case 'billingModelVerifyAnswer':
        if (f.result === 1) this.send({ type: 'billingModelRequest', pileCode: pile });
        return;
      case 'timeSync':
        this.reply(f, { type: 'timeSyncAnswer', pileCode: pile, time: f.time });
        return;
      case 'workParams':
      case 'reboot':
      case 'remoteStart':
      case 'remoteStop':
      case 'firmwareUpdate':
        this.afterDelay(() => this.onCommand(f));
        return;
      case 'readRealTimeData':
        this.sendRealTime(Number.parseInt(f.gun, 10));
        return;
      case 'offlineCardSync': {
        const fits = new Set([...this.offlineCards.keys(), ...f.cards.map((c) => c.physicalCardNo)]).size <= this.offlineCardCapacity;
        if (fits) for (const c of f.cards) this.offlineCards.set(c.physicalCardNo, c.logicalCardNo);
        this.reply(f, { type: 'offlineCardSyncAnswer', pileCode: pile, result: fits ? 1 : 0, failReason: fits ? 0 : 2 });
        return;
      }
      case 'offlineCardClear':
        for (const c of f.cards) this.offlineCards.delete(c);
        this.reply(f, { type: 'offlineCardClearAnswer', pileCode: pile, results: f.cards.map((physicalCardNo) => ({ physicalCardNo, cleared: 1, failReason: 0 })) });
        return;
      case 'transactionRecordConfirm':
        this.records.confirm(f.transactionNo);
        return;
      default:
        return;
    }
  }

  /** 0x52, 0x92, 0x34, 0x36 and 0x94: carried out, refused or ignored as `answers` says. */
  private onCommand(f: YkcFrame): void {
    const pile = this.options.pileCode;
    switch (f.type) {
      case 'workParams':
        if (this.answers.workParams !== 'silent') this.reply(f, { type: 'workParamsAnswer', pileCode: pile, result: this.answers.workParams === 'refuse' ? 0 : 1 });
        return;
      case 'reboot':
        if (this.answers.reboot !== 'silent') this.reply(f, { type: 'rebootAnswer', pileCode: pile, result: this.answers.reboot === 'refuse' ? 0 : 1 });
        return;
      case 'firmwareUpdate':
        // For demos: answered without fetching the image; refused as "does not match the model" (status 2).
        if (this.answers.firmwareUpdate !== 'silent') this.reply(f, { type: 'firmwareUpdateAnswer', pileCode: pile, status: this.answers.firmwareUpdate === 'refuse' ? 2 : 0 });
        return;
      case 'remoteStart': {
        if (this.answers.remoteStart === 'silent') return;
        const gun = Number.parseInt(f.gun, 10);
        const s = this.guns.get(gun);
        // Refused: failure reason 3, the pile reports a fault (docs/protocols/ykc.md §4).
        const fail = s === undefined ? 1 : s.status === 3 ? 2 : s.faults !== 0 || this.answers.remoteStart === 'refuse' ? 3 : 0;
        this.reply(f, { type: 'remoteStartResult', transactionNo: f.transactionNo, pileCode: pile, gun: f.gun, result: fail === 0 ? 1 : 0, failReason: fail });
        if (fail === 0) this.startCharging(gun, f.transactionNo, 1, f.physicalCardNo);
        return;
      }
      case 'remoteStop': {
        if (this.answers.remoteStop === 'silent') return;
        const gun = Number.parseInt(f.gun, 10);
        const charging = this.guns.get(gun)?.charging === true && this.answers.remoteStop !== 'refuse';
        // Refused while charging: failure reason 3 "other" (docs/protocols/ykc.md §4); not charging: 2.
        this.reply(f, { type: 'remoteStopResult', pileCode: pile, gun: f.gun, result: charging ? 1 : 0, failReason: charging ? 0 : this.answers.remoteStop === 'refuse' ? 3 : 2 });
        if (charging) this.stopCharging(gun, 0x40);
        return;
      }
      default:
        return;
    }
  }

  private afterDelay(fn: () => void): void {
    if (this.answerDelayMs <= 0) return fn();
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(timer);
      fn();
    }, this.answerDelayMs);
    this.delayed.add(timer);
  }

  private gunSim(gun: number): YkcSimGun {
    const s = this.guns.get(gun);
    if (s === undefined) throw new RangeError(`no gun ${gun}`);
    return s;
  }

  private reply<K extends YkcFrame['type']>(request: { readonly sequence: number }, frame: { readonly type: K } & Omit<YkcFrameOf<K>, 'sequence' | 'type'>): void {
    this.write({ ...frame, sequence: request.sequence } as unknown as YkcFrame);
  }

  private send<K extends YkcFrame['type']>(frame: { readonly type: K } & Omit<YkcFrameOf<K>, 'sequence' | 'type'>): void {
    const sequence = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    this.write({ ...frame, sequence } as unknown as YkcFrame);
  }

  private write(frame: YkcFrame): void {
    if (this.out === undefined) return;
    this.options.onFrame?.('out', frame);
    this.out(encodeYkcFrame(frame, { timeZone: this.tz, ...(this.cipher !== undefined ? { cipher: this.cipher } : {}) }));
  }

  /** Stops every timer (heartbeat, delayed answers, meters, record resends). */
  stopTimers(): void {
    this.stopHeartbeat?.();
    this.stopHeartbeat = undefined;
    for (const t of this.delayed) this.clock.clearTimeout(t);
    this.delayed.clear();
    for (const s of this.guns.values()) s.stopTimer();
    this.records.stopTimers();
  }
}
