/**
 * One YKC (云快充) charger connection (docs/protocols/ykc.md §6): login -> `identified` + 0x02, heartbeats, time sync,
 * link liveness, and the dispatch of every frame and command to the part that handles it: gun status
 * and parking locks (`session-status.ts`), card and VIN starts (`session-auth.ts`), sessions
 * (`session-transactions.ts`) and their records (`session-records.ts`), billing model and pile
 * settings (`session-settings.ts`), the offline-card list (`session-cards.ts`), the remote update
 * (`session-firmware.ts`); BMS frames -> `evInfo` here. Commands go to those parts through
 * `session-commands.ts`, which also declares them (the capabilities).
 *
 * 3DES (options `encryption`, parameters unconfirmed, see `cipher.ts`): frames with the encryption
 * flag are decrypted with the connection's key. An encrypted login is opened by the key of the pile
 * it comes from, found by its first cipher block (`login-keys.ts`), else by the listener-wide key;
 * after login the pile's own key applies, else the listener-wide one. A pile with a key of its own
 * (the host's `ConnectionInfo.keys`, i.e. the station registry, or the options' `encryption.keys`)
 * proves its identity by it: a login in clear or under another key has the proof `missing`, which
 * the host refuses (`admit`), and an encrypted login that no key opens is refused as `bad_key` and
 * closed. Once the charger has sent one encrypted frame, every frame to it is encrypted too (with
 * the key of the moment: the login answer with the key that opened the login).
 *
 * A frame about a gun the pile does not have (number outside 1..gun count of the login, or not
 * decimal) is dropped as a `YKC_UNKNOWN_GUN` error; a record among them is still confirmed (0x40) so
 * that the pile stops resending it, its content logged. After login, a frame naming another pile
 * code is not this pile's: counted as ignored (`foreign_address`), never used (see `foreign`).
 */
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { CurrentType, Timestamp } from '../../src/model/events.js';
import type { CodecSession, LoginProof, SessionContext } from '../codec.js';
import type { YkcCipher } from './cipher.js';
import { DEFAULT_TIME_ZONE } from './fields.js';
import { YkcFramer } from './framer.js';
import { pileKeysFor, type YkcPileKeys } from './login-keys.js';
import { decodeYkcFrame } from './parser.js';
import { NO_STOP_REASONS } from './stop-reason-map.js';
import type { YkcFrame, YkcFrameOf } from './types.js';
import { YkcAuthorizations } from './session-auth.js';
import { YkcCards } from './session-cards.js';
import { ykcCapabilities, ykcCommand, type YkcCommandParts } from './session-commands.js';
import { YkcFirmware } from './session-firmware.js';
import { YkcOutbox } from './session-io.js';
import { YkcRecords } from './session-records.js';
import { YkcSettings } from './session-settings.js';
import { YkcGunStatus } from './session-status.js';
import { gunNo, isDownlink, round, type YkcOptions } from './session-support.js';
import { YkcTransactions } from './session-transactions.js';

export { DEFAULT_TARIFF, type YkcOptions, type YkcTariff } from './session-support.js';

const DAY = 86_400_000;
/** Offset of a frame's body: start, length, sequence (2), encryption flag, type (docs/protocols/ykc.md §1). */
const BODY = 6;

/** A login (0x01) with the encryption flag: its pile code is inside the encrypted body. */
function isEncryptedLogin(frame: Uint8Array): boolean {
  return frame[4] === 0x01 && frame[5] === 0x01;
}

/**
 * Answers to query, balance and parking-lock frames (no canonical command sends those, see
 * `session-commands.ts`), and offline-card answers no `setLocalList` waits for: only logged.
 */
const UNSOLICITED_ANSWERS = new Set<string>(['offlineCardSyncAnswer', 'offlineCardClearAnswer', 'offlineCardQueryAnswer', 'balanceUpdateAnswer', 'parkingLockAnswer']);

/** Frames from the charger about one gun: dropped when the pile has no such gun. */
const GUN_FRAMES = new Set<string>([
  'realTimeData',
  'parkingLockStatus',
  'startRequest',
  'remoteStartResult',
  'remoteStopResult',
  'transactionRecord',
  'transactionRecordV17',
  'chargingHandshake',
  'parameterConfig',
  'bmsDemand',
  'chargingEnd',
]);

export class YkcSession implements CodecSession {
  private readonly framer = new YkcFramer();
  private readonly io: YkcOutbox;
  private readonly status: YkcGunStatus;
  private readonly transactions: YkcTransactions;
  private readonly records: YkcRecords;
  private readonly authorizations: YkcAuthorizations;
  private readonly settings: YkcSettings;
  private readonly cards: YkcCards;
  private readonly firmware: YkcFirmware;
  /** The parts above that carry out commands (`session-commands.ts`). */
  private readonly commandParts: YkcCommandParts;
  private readonly heartbeatMs: number;
  private pileCode: string | undefined;
  private connectorCount = 1;
  private currentType: CurrentType = 'DC';
  private loggedIn = false;
  /** A frame naming another pile has been logged (they are counted, and logged once). */
  private foreignLogged = false;
  private stopped = false;
  private watchdog: unknown;
  private timeSyncTimer: unknown;
  /** Key for frames from the charger (see the file comment). */
  private cipher: YkcCipher | undefined;
  /** The key that opened the frame being handled (undefined: it came in clear). */
  private frameCipher: YkcCipher | undefined;
  /** The login was opened by the pile's own key: every later frame must be encrypted too. */
  private keyProven = false;
  private readonly keys: YkcPileKeys;

  constructor(private readonly ctx: SessionContext<YkcOptions>) {
    const o = ctx.options;
    this.io = new YkcOutbox(ctx, ctx.connection.timeZone ?? o.timeZone ?? DEFAULT_TIME_ZONE, o.cardFormat ?? 'hex');
    this.status = new YkcGunStatus(this.io);
    this.transactions = new YkcTransactions(
      this.io,
      () => this.pileCode,
      (f, at) => this.realTime(f, at),
    );
    this.authorizations = new YkcAuthorizations(this.io, this.transactions, () => this.pileCode);
    this.settings = new YkcSettings(this.io);
    this.records = new YkcRecords(
      this.io,
      this.transactions,
      o.stopReasons ?? NO_STOP_REASONS,
      () => ({ ...(o.ratedPowerW !== undefined ? { ratedPowerW: o.ratedPowerW } : {}), currentType: this.currentType, tariffs: this.settings.tariffsGiven(this.pileCode ?? '') }),
      () => this.pileCode,
    );
    this.cards = new YkcCards(this.io);
    this.firmware = new YkcFirmware(this.io);
    const { io, authorizations, records, transactions, cards, firmware, settings } = this;
    this.commandParts = { io, authorizations, records, transactions, cards, firmware, settings, ratedPowerW: o.ratedPowerW };
    this.heartbeatMs = o.heartbeatIntervalMs ?? 10_000;
    if (ctx.connection.chargerId !== undefined) this.pileCode = ctx.connection.chargerId;
    this.keys = pileKeysFor(o.encryption, ctx.connection.keys);
    this.cipher = (this.pileCode !== undefined ? this.keys.ownCipher(this.pileCode) : undefined) ?? o.encryption?.listenerCipher;
  }

  get capabilities(): Capabilities {
    return ykcCapabilities(this.ctx.options.ratedPowerW, this.connectorCount, this.currentType);
  }

  start(): void {
    this.armWatchdog();
  }

  receive(chunk: Uint8Array): void {
    if (this.stopped) return;
    let closing = false;
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'frame') this.ctx.sink.frameReceived?.();
      // Closed part way through the chunk (a login no key opens, the host's decision): the rest is only counted.
      if (this.stopped || closing) continue;
      if (item.kind === 'error') {
        this.ctx.sink.error({ code: item.error.code, message: item.error.message, offset: item.error.offset });
        continue;
      }
      const login = !this.loggedIn && isEncryptedLogin(item.frame);
      const cipher = login ? (this.keys.openLogin(item.frame.subarray(BODY, BODY + 8))?.cipher ?? this.cipher) : this.cipher;
      const r = decodeYkcFrame(item.frame, { timeZone: this.io.timeZone, cardFormat: this.io.cardFormat, ...(cipher !== undefined ? { cipher } : {}) });
      if (!r.ok) {
        this.ctx.sink.error({ code: r.error.code, message: r.error.message, offset: r.error.offset + item.offset });
        if (login) {
          // Whose login it was cannot be told: it is refused without an answer (which names the pile).
          this.ctx.sink.loginRefused?.('bad_key', `encrypted login that no configured key opens (${r.error.code})`);
          this.ctx.sink.close('encrypted login that no configured key opens');
          closing = true;
          continue;
        }
        continue;
      }
      if (this.keyProven && r.value.encrypted !== true) {
        // A captured login replays byte for byte (no nonce); only frames under the key prove the pile.
        this.ctx.sink.error({ code: 'YKC_NOT_ENCRYPTED', message: `${r.value.type} in clear from a pile that logged in under its own key: dropped`, offset: item.offset });
        continue;
      }
      this.frameCipher = r.value.encrypted === true ? cipher : undefined;
      if (r.value.encrypted === true && this.loggedIn && 'pileCode' in r.value && r.value.pileCode !== this.pileCode) {
        // With zero padding a wrong key still "decrypts": the pile code inside is the tell.
        this.ctx.sink.error({ code: 'YKC_DECRYPT_FAILED', message: `decrypted ${r.value.type} names another pile than the logged-in one (wrong key, mode or IV?)`, offset: item.offset });
        continue;
      }
      if (r.value.encrypted === true && this.io.cipher === undefined) {
        this.io.cipher = cipher;
        this.ctx.sink.log('info', 'ykc charger sends 3DES-encrypted frames: frames to it are encrypted too', { mode: cipher?.mode, padding: cipher?.padding });
      }
      this.armWatchdog();
      try {
        this.onFrame(r.value);
      } catch (e) {
        this.ctx.sink.error({ code: 'YKC_SESSION', message: `handling ${r.value.type}: ${(e as Error).message}`, offset: item.offset });
      }
    }
  }

  command(command: ChargerCommand): CommandOutcome {
    if (this.stopped) return { status: 'rejected', reason: 'connection closed' };
    try {
      const { pileCode, loggedIn, connectorCount, currentType } = this;
      return ykcCommand(command, this.commandParts, { pileCode, loggedIn, connectorCount, currentType });
    } catch (e) {
      return { status: 'rejected', reason: (e as Error).message };
    }
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.watchdog);
    this.ctx.clock.clearTimeout(this.timeSyncTimer);
    this.settings.stop();
    this.transactions.stop();
    this.io.failAll(reason);
    this.cards.failAll(reason);
  }

  // --- frames from the charger -------------------------------------------------------------

  private onFrame(f: YkcFrame): void {
    if (this.loggedIn && 'pileCode' in f && f.pileCode !== this.pileCode) {
      this.foreign(f);
      return;
    }
    if (GUN_FRAMES.has(f.type) && 'gun' in f && !this.knownGun(f.gun)) {
      this.ctx.sink.error({ code: 'YKC_UNKNOWN_GUN', message: `${f.type} for gun ${f.gun}: the pile has guns 1..${this.loggedIn ? this.connectorCount : 99} only, frame dropped` });
      if (f.type === 'transactionRecord' || f.type === 'transactionRecordV17') this.records.acknowledgeOnly(f, `ykc record for unknown gun ${f.gun} confirmed and dropped`);
      return;
    }
    switch (f.type) {
      case 'login':
        return this.onLogin(f);
      case 'heartbeat':
        this.io.reply(f, { type: 'heartbeatAnswer', pileCode: f.pileCode, gun: f.gun, answer: 0 });
        return;
      case 'billingModelVerify':
        return this.settings.billingModelVerify(f);
      case 'billingModelRequest':
        return this.settings.billingModelRequest(f);
      case 'billingModelSetAnswer':
        return this.settings.billingModelSetAnswer(f);
      case 'realTimeData': {
        const at = this.io.now();
        // A gun waiting for a record: only its faults now, the rest once the wait is over.
        if (this.transactions.keptBack(f, at)) return this.status.faults(f, at);
        return this.realTime(f, at);
      }
      case 'parkingLockStatus':
        return this.status.parkingLock(f, this.io.now());
      case 'startRequest':
        return this.authorizations.startRequest(f);
      case 'remoteStartResult':
        return this.transactions.remoteStartResult(f);
      case 'remoteStopResult':
        return this.transactions.remoteStopResult(f);
      case 'transactionRecord':
      case 'transactionRecordV17':
        return this.records.record(f);
      case 'offlineCardSyncAnswer':
        if (!this.cards.syncAnswer(f)) this.ctx.sink.log('info', 'ykc answer without a command', { ...f });
        return;
      case 'offlineCardClearAnswer':
        if (!this.cards.clearAnswer(f)) this.ctx.sink.log('info', 'ykc answer without a command', { ...f });
        return;
      case 'workParamsAnswer':
        return this.settings.workParamsAnswer(f);
      case 'rebootAnswer':
        return this.io.simpleResult('reboot', f);
      case 'firmwareUpdateAnswer':
        return this.firmware.answer(f);
      case 'timeSyncAnswer': {
        if (f.time.utc !== null) this.io.event({ type: 'clockReport', chargerTime: f.time.utc, at: this.io.now() });
        return this.settings.timeSyncAnswer(f);
      }
      case 'chargingHandshake':
        this.io.event({
          type: 'evInfo',
          connector: gunNo(f.gun),
          ...(f.vin !== '' && !/^0+$/.test(f.vin) ? { vin: f.vin } : {}),
          ...(f.ratedCapacityAh > 0 && f.ratedVoltageV > 0 ? { batteryCapacityWh: Math.round(f.ratedCapacityAh * f.ratedVoltageV) } : {}),
        });
        return;
      case 'parameterConfig':
        this.io.event({ type: 'evInfo', connector: gunNo(f.gun), socPercent: f.socPercent, maxVoltageV: f.maxTotalVoltageV, maxCurrentA: f.maxChargeCurrentA });
        return;
      case 'bmsDemand':
        this.io.event({ type: 'evInfo', connector: gunNo(f.gun), socPercent: f.socPercent });
        return;
      case 'chargingEnd':
        this.io.event({ type: 'evInfo', connector: gunNo(f.gun), socPercent: f.endSocPercent });
        return;
      default:
        if (isDownlink(f)) {
          this.ctx.sink.error({ code: 'YKC_UNEXPECTED', message: `platform->charger frame ${f.type} received from the charger` });
        } else if (UNSOLICITED_ANSWERS.has(f.type)) {
          // Answers to frames only an operator tool sends (no canonical command maps onto them).
          this.ctx.sink.log('info', 'ykc answer without a command', { ...f });
        } else {
          this.ctx.sink.log('debug', 'ykc frame ignored', { type: f.type });
        }
    }
  }

  /** 0x13: measurements, status and faults of the gun, then what it says of the gun's session. */
  private realTime(f: YkcFrameOf<'realTimeData'>, at: Timestamp): void {
    this.status.realTime(f, this.currentType, at);
    this.transactions.realTime(f.transactionNo, gunNo(f.gun), f.status === 3, round(f.energyKwh * 1000, 1), at);
  }

  /**
   * One connection carries one pile, and every frame names its pile code (docs/protocols/ykc.md §2): once a pile
   * has logged in, a frame naming another is not its data (nor a second login, nor an answer to
   * its commands). Counted and ignored, the first one logged.
   */
  private foreign(f: YkcFrame & { readonly pileCode: string }): void {
    this.ctx.sink.ignored?.('foreign_address');
    if (this.foreignLogged) return;
    this.foreignLogged = true;
    this.ctx.sink.log('warn', 'ykc frames naming another pile than the logged-in one are ignored (logged once, counted)', {
      type: f.type,
      sequence: f.sequence,
      pileCode: f.pileCode,
      loggedIn: this.pileCode,
    });
  }

  private onLogin(f: YkcFrameOf<'login'>): void {
    const proof: LoginProof = { key: !this.keys.hasOwnKey(f.pileCode) ? 'none' : this.frameCipher !== undefined && this.frameCipher === this.keys.ownCipher(f.pileCode) ? 'verified' : 'missing' };
    const { admit } = this.ctx.connection;
    // Without a host to decide, a pile that did not use its own key is refused all the same.
    const accept = (this.ctx.options.accept?.(f.pileCode) ?? true) && (admit !== undefined ? admit(f.pileCode, proof) : proof.key !== 'missing');
    this.io.reply(f, { type: 'loginAnswer', pileCode: f.pileCode, result: accept ? 0 : 1 });
    if (!accept) {
      this.ctx.sink.close(`login rejected for pile ${f.pileCode}`);
      return;
    }
    this.pileCode = f.pileCode;
    if (proof.key === 'verified') this.keyProven = true;
    const zone = this.ctx.connection.timeZoneOf?.(f.pileCode);
    if (zone !== undefined) this.io.timeZone = zone;
    // From now on the pile's own key, if it has one (the answer above went with the login's key).
    this.cipher = this.keys.ownCipher(f.pileCode) ?? this.ctx.options.encryption?.listenerCipher;
    if (this.io.cipher !== undefined) this.io.cipher = this.cipher;
    this.connectorCount = Math.max(1, f.gunCount);
    this.currentType = f.pileType === 1 ? 'AC' : 'DC';
    const iccid = f.sim.replace(/^0+$/, '');
    const version = (f.protocolVersion / 10).toFixed(1);
    this.io.event({
      type: 'identified',
      chargerId: f.pileCode,
      // The login names no maker or model: the model says what it does carry (BootNotification allows 20 characters).
      model: `${this.currentType} ${f.gunCount}-gun YKC v${version}`,
      firmware: f.firmwareVersion,
      ...(iccid !== '' ? { iccid } : {}),
      connectorCount: this.connectorCount,
      currentType: this.currentType,
      protocol: { name: 'ykc', version },
    });
    if (!this.loggedIn) {
      this.loggedIn = true;
      this.io.event({ type: 'link', state: 'up' });
    }
    this.syncTime();
  }

  // --- link --------------------------------------------------------------------------------

  private syncTime(): void {
    this.ctx.clock.clearTimeout(this.timeSyncTimer);
    if (this.pileCode !== undefined) this.settings.syncClock(this.pileCode);
    this.timeSyncTimer = this.ctx.clock.setTimeout(() => this.syncTime(), this.ctx.options.timeSyncIntervalMs ?? DAY);
  }

  private armWatchdog(): void {
    this.ctx.clock.clearTimeout(this.watchdog);
    this.watchdog = this.ctx.clock.setTimeout(() => {
      if (this.stopped) return;
      this.io.event({ type: 'link', state: 'down', reason: 'heartbeat timeout' });
      this.ctx.sink.close('heartbeat timeout');
    }, 3 * this.heartbeatMs);
  }

  /** A gun number from the charger: 1..gun count of the login (1..99 before it). */
  private knownGun(gun: string): boolean {
    const n = gunNo(gun);
    return n >= 1 && n <= (this.loggedIn ? this.connectorCount : 99);
  }
}
