/**
 * One YKC (云快充) charger connection (ykc.md §6): login -> `identified` + 0x02, heartbeats,
 * billing model, time sync, real-time data -> measurements / connector status / faults, card and
 * VIN starts -> `authorizationRequest`, remote start/stop, transaction records confirmed only on
 * `confirmRecord`, work parameters, reboot, BMS frames -> `evInfo`, link liveness.
 */
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, ChargerCommandType } from '../../src/model/commands.js';
import type {
  ChargingState,
  ConnectorStatus,
  CurrentType,
  IdToken,
  Measurement,
  Timestamp,
} from '../../src/model/events.js';
import type { Measurand } from '../../src/model/units.js';
import type { CodecSession, CommandOutcome, SessionContext } from '../codec.js';
import { HARDWARE_FAULT_BITS, START_FAIL_REASON, STOP_FAIL_REASON } from './constants.js';
import { DEFAULT_TIME_ZONE, timestampFromDate, type CardFormat } from './fields.js';
import { YkcFramer } from './framer.js';
import { encodeYkcFrame } from './generator.js';
import { decodeYkcFrame } from './parser.js';
import { defaultStopReasonMap, mapStopReason, type YkcStopReasonMap } from './stop-reason-map.js';
import type { YkcFrame, YkcFrameOf } from './types.js';
import type { YkcTypeName } from './constants.js';
import {
  authFailCode,
  DEFAULT_TARIFF,
  gunCode,
  gunNo,
  isDownlink,
  localStamp,
  reasonText,
  round,
  tariffFromPeriods,
  type YkcOptions,
  type YkcTariff,
} from './session-support.js';

export { DEFAULT_TARIFF, localStamp, tariffFromPeriods, type YkcOptions, type YkcTariff } from './session-support.js';

const DAY = 86_400_000;

interface Pending {
  readonly commandId: string;
  readonly kind: 'start' | 'stop' | 'workParams' | 'reboot' | 'clock' | 'tariff';
  readonly connector: number;
  readonly timer: unknown;
  readonly transactionNo?: string;
}

interface AuthRequest {
  readonly requestId: string;
  readonly sequence: number;
  readonly connector: number;
  readonly gun: string;
  readonly idToken: IdToken;
  readonly cardNo: string;
}

interface GunState {
  status?: ConnectorStatus;
  plugged?: boolean;
  chargingState?: ChargingState;
  faults: number;
}

interface Txn {
  readonly connector: number;
  readonly idToken?: IdToken;
  readonly commandId?: string;
  started: boolean;
  ended?: boolean;
}

const BASE_COMMANDS: readonly ChargerCommandType[] = [
  'startCharging',
  'stopCharging',
  'authorize',
  'setTariff',
  'confirmRecord',
  'setAvailability',
  'reset',
  'setClock',
  'interrogate',
];

export class YkcSession implements CodecSession {
  private readonly framer = new YkcFramer();
  private readonly timeZone: string;
  private readonly cardFormat: CardFormat;
  private readonly stopReasons: YkcStopReasonMap;
  private readonly heartbeatMs: number;
  private pileCode: string | undefined;
  private connectorCount = 1;
  private currentType: CurrentType = 'DC';
  private loggedIn = false;
  private stopped = false;
  private seq = 0;
  private counter = 0;
  private watchdog: unknown;
  private timeSyncTimer: unknown;
  private readonly pending: Pending[] = [];
  private readonly auths = new Map<string, AuthRequest>();
  private readonly guns = new Map<number, GunState>();
  private readonly txns = new Map<string, Txn>();
  /** Records waiting for `confirmRecord`: serial -> sequence of the last copy received. */
  private readonly records = new Map<string, number>();
  private workParams = { disabled: 0, maxPowerPercent: 100 };
  /** A billing model set by `setTariff` and accepted by the charger (0x57): used for later 0x05/0x09. */
  private tariffOverride: YkcTariff | undefined;
  private pendingTariff: YkcTariff | undefined;

  constructor(private readonly ctx: SessionContext<YkcOptions>) {
    const o = ctx.options;
    this.timeZone = ctx.connection.timeZone ?? o.timeZone ?? DEFAULT_TIME_ZONE;
    this.cardFormat = o.cardFormat ?? 'hex';
    this.stopReasons = o.stopReasons ?? defaultStopReasonMap();
    this.heartbeatMs = o.heartbeatIntervalMs ?? 10_000;
    if (ctx.connection.chargerId !== undefined) this.pileCode = ctx.connection.chargerId;
  }

  get capabilities(): Capabilities {
    const commands = new Set<ChargerCommandType>(BASE_COMMANDS);
    if (this.ctx.options.ratedPowerW !== undefined) commands.add('setLimit');
    const measurands: Measurand[] = ['energy', 'power', 'voltage', 'current', 'temperature'];
    if (this.currentType === 'DC') measurands.push('soc');
    return {
      connectorCount: this.connectorCount,
      currentType: this.currentType,
      commands,
      measurands: new Set(measurands),
      limitUnits: new Set(this.ctx.options.ratedPowerW !== undefined ? (['W'] as const) : []),
      ...(this.ctx.options.ratedPowerW !== undefined ? { maxPowerW: this.ctx.options.ratedPowerW } : {}),
      evInfo: this.currentType === 'DC',
      localAuthorization: true,
      transactionRecords: true,
    };
  }

  start(): void {
    this.armWatchdog();
  }

  receive(chunk: Uint8Array): void {
    if (this.stopped) return;
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'error') {
        this.ctx.sink.error({ code: item.error.code, message: item.error.message, offset: item.error.offset });
        continue;
      }
      const r = decodeYkcFrame(item.frame, { timeZone: this.timeZone, cardFormat: this.cardFormat });
      if (!r.ok) {
        this.ctx.sink.error({ code: r.error.code, message: r.error.message, offset: r.error.offset + item.offset });
        continue;
      }
      this.armWatchdog();
      try {
        this.onFrame(r.value);
      } catch (e) {
        this.ctx.sink.error({ code: 'YKC_SESSION', message: `handling ${r.value.type}: ${(e as Error).message}`, offset: item.offset });
      }
      if (this.stopped) return;
    }
  }

  command(command: ChargerCommand): CommandOutcome {
    if (this.stopped) return { status: 'rejected', reason: 'connection closed' };
    try {
      return this.doCommand(command);
    } catch (e) {
      return { status: 'rejected', reason: (e as Error).message };
    }
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    this.ctx.clock.clearTimeout(this.watchdog);
    this.ctx.clock.clearTimeout(this.timeSyncTimer);
    for (const p of this.pending.splice(0)) {
      this.ctx.clock.clearTimeout(p.timer);
      this.ctx.sink.event({ type: 'commandResult', commandId: p.commandId, status: 'failed', reason });
    }
  }

  // --- frames from the charger -------------------------------------------------------------

  private onFrame(f: YkcFrame): void {
    switch (f.type) {
      case 'login':
        return this.onLogin(f);
      case 'heartbeat':
        this.reply(f, { type: 'heartbeatAnswer', pileCode: f.pileCode, gun: f.gun, answer: 0 });
        return;
      case 'billingModelVerify': {
        const t = this.tariff(f.pileCode);
        this.reply(f, { type: 'billingModelVerifyAnswer', pileCode: f.pileCode, billingModelId: t.billingModelId, result: f.billingModelId === t.billingModelId ? 0 : 1 });
        return;
      }
      case 'billingModelRequest': {
        const t = this.tariff(f.pileCode);
        this.reply(f, {
          type: 'billingModelAnswer',
          pileCode: f.pileCode,
          billingModelId: t.billingModelId,
          tip: t.tip,
          peak: t.peak,
          flat: t.flat,
          valley: t.valley,
          lossRatio: t.lossRatio ?? 0,
          periods: t.periods,
        });
        return;
      }
      case 'realTimeData':
        return this.onRealTime(f);
      case 'startRequest':
        return this.onStartRequest(f);
      case 'remoteStartResult':
        return this.onRemoteStartResult(f);
      case 'remoteStopResult': {
        const p = this.take('stop', gunNo(f.gun));
        if (p !== undefined) {
          this.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', f.result === 1 ? undefined : reasonText(STOP_FAIL_REASON, f.failReason), f.failReason);
        }
        return;
      }
      case 'transactionRecord':
      case 'transactionRecordV17':
        return this.onRecord(f);
      case 'workParamsAnswer':
        return this.simpleResult('workParams', f.result);
      case 'rebootAnswer':
        return this.simpleResult('reboot', f.result);
      case 'billingModelSetAnswer': {
        const p = this.take('tariff');
        if (p === undefined) return;
        if (f.result === 1 && this.pendingTariff !== undefined) this.tariffOverride = this.pendingTariff;
        this.pendingTariff = undefined;
        this.result(p.commandId, f.result === 1 ? 'accepted' : 'rejected', undefined, f.result);
        return;
      }
      case 'timeSyncAnswer': {
        if (f.time.utc !== null) this.ctx.sink.event({ type: 'clockReport', chargerTime: f.time.utc, at: this.now() });
        this.simpleResult('clock', 1);
        return;
      }
      case 'chargingHandshake':
        this.ctx.sink.event({
          type: 'evInfo',
          connector: gunNo(f.gun),
          ...(f.vin !== '' && !/^0+$/.test(f.vin) ? { vin: f.vin } : {}),
          ...(f.ratedCapacityAh > 0 && f.ratedVoltageV > 0 ? { batteryCapacityWh: Math.round(f.ratedCapacityAh * f.ratedVoltageV) } : {}),
        });
        return;
      case 'parameterConfig':
        this.ctx.sink.event({ type: 'evInfo', connector: gunNo(f.gun), socPercent: f.socPercent, maxVoltageV: f.maxTotalVoltageV, maxCurrentA: f.maxChargeCurrentA });
        return;
      case 'bmsDemand':
        this.ctx.sink.event({ type: 'evInfo', connector: gunNo(f.gun), socPercent: f.socPercent });
        return;
      case 'chargingEnd':
        this.ctx.sink.event({ type: 'evInfo', connector: gunNo(f.gun), socPercent: f.endSocPercent });
        return;
      default:
        if (isDownlink(f)) {
          this.ctx.sink.error({ code: 'YKC_UNEXPECTED', message: `platform->charger frame ${f.type} received from the charger` });
        } else {
          this.ctx.sink.log('debug', 'ykc frame ignored', { type: f.type });
        }
    }
  }

  private onLogin(f: YkcFrameOf<'login'>): void {
    const accept = this.ctx.options.accept?.(f.pileCode) ?? true;
    this.reply(f, { type: 'loginAnswer', pileCode: f.pileCode, result: accept ? 0 : 1 });
    if (!accept) {
      this.ctx.sink.close(`login rejected for pile ${f.pileCode}`);
      return;
    }
    this.pileCode = f.pileCode;
    this.connectorCount = Math.max(1, f.gunCount);
    this.currentType = f.pileType === 1 ? 'AC' : 'DC';
    const iccid = f.sim.replace(/^0+$/, '');
    this.ctx.sink.event({
      type: 'identified',
      chargerId: f.pileCode,
      firmware: f.firmwareVersion,
      ...(iccid !== '' ? { iccid } : {}),
      connectorCount: this.connectorCount,
      currentType: this.currentType,
      protocol: { name: 'ykc', version: (f.protocolVersion / 10).toFixed(1) },
    });
    if (!this.loggedIn) {
      this.loggedIn = true;
      this.ctx.sink.event({ type: 'link', state: 'up' });
    }
    this.syncTime();
  }

  private onRealTime(f: YkcFrameOf<'realTimeData'>): void {
    const connector = gunNo(f.gun);
    const at = this.now();
    const charging = f.status === 3;
    const values: Measurement[] = [
      { measurand: 'voltage', value: f.outputVoltageV },
      { measurand: 'current', value: f.outputCurrentA },
      { measurand: 'power', value: round(f.outputVoltageV * f.outputCurrentA, 1) },
      { measurand: 'energy', value: round(f.energyKwh * 1000, 1), raw: f.energyKwh },
      { measurand: 'temperature', value: f.gunCableTempC },
    ];
    if (charging && this.currentType === 'DC') values.push({ measurand: 'soc', value: f.socPercent });
    this.ctx.sink.event({ type: 'measurements', connector, at, values });

    const state = this.gun(connector);
    const plugged = f.plugged === 1;
    const status: ConnectorStatus = f.status === 0 ? 'unavailable' : f.status === 1 ? 'faulted' : charging || plugged ? 'occupied' : 'available';
    const chargingState: ChargingState = charging ? 'charging' : plugged ? 'evConnected' : 'idle';
    if (state.status !== status || state.plugged !== plugged || state.chargingState !== chargingState) {
      state.status = status;
      state.plugged = plugged;
      state.chargingState = chargingState;
      this.ctx.sink.event({ type: 'connectorStatus', connector, status, plugged, chargingState, at, raw: f.status });
    }

    const changed = state.faults ^ f.hardwareFaults;
    for (let bit = 0; bit < 16; bit++) {
      if ((changed & (1 << bit)) === 0) continue;
      const active = (f.hardwareFaults & (1 << bit)) !== 0;
      const name = HARDWARE_FAULT_BITS[bit] ?? `bit${bit}`;
      this.ctx.sink.event({
        type: 'fault',
        connector,
        code: `ykc.hw.${name}`,
        name,
        severity: bit === 0 ? 'critical' : 'error',
        active,
        at,
        raw: bit,
      });
    }
    state.faults = f.hardwareFaults;

    if (charging && !/^0+$/.test(f.transactionNo)) {
      const txn = this.txns.get(f.transactionNo);
      if (txn === undefined) {
        this.txns.set(f.transactionNo, { connector, started: true });
        this.sessionStarted(f.transactionNo, { connector, started: true }, at);
      } else if (!txn.started) {
        txn.started = true;
        this.sessionStarted(f.transactionNo, txn, at);
      }
    }
  }

  private onStartRequest(f: YkcFrameOf<'startRequest'>): void {
    const connector = gunNo(f.gun);
    const card = this.cardId(f.cardNo);
    const idToken: IdToken =
      f.startMode === 3 ? { id: f.vin, type: 'vin' } : f.startMode === 2 && f.passwordRequired === 1 ? { id: card, type: 'password' } : { id: card, type: 'card' };
    const requestId = `${f.gun}-${f.sequence}-${this.ctx.clock.now()}`;
    const req: AuthRequest = { requestId, sequence: f.sequence, connector, gun: f.gun, idToken, cardNo: f.cardNo };
    this.ctx.sink.event({ type: 'authorizationRequest', connector, idToken, requestId });
    if (this.ctx.options.authorizeLocally === true) {
      this.answerAuth(req, true, undefined);
    } else {
      this.auths.set(requestId, req);
    }
  }

  private onRemoteStartResult(f: YkcFrameOf<'remoteStartResult'>): void {
    const p = this.take('start', gunNo(f.gun), f.transactionNo);
    const ok = f.result === 1;
    if (p !== undefined) this.result(p.commandId, ok ? 'accepted' : 'rejected', ok ? undefined : reasonText(START_FAIL_REASON, f.failReason), f.failReason);
    const txn = this.txns.get(f.transactionNo);
    if (ok && txn !== undefined && !txn.started) {
      txn.started = true;
      this.sessionStarted(f.transactionNo, txn, this.now());
    }
  }

  private onRecord(f: YkcFrameOf<'transactionRecord'> | YkcFrameOf<'transactionRecordV17'>): void {
    const connector = gunNo(f.gun);
    const txn = this.txns.get(f.transactionNo);
    const card = /^0*$/.test(f.physicalCardNo) ? '' : this.cardId(f.physicalCardNo);
    const idToken: IdToken | undefined =
      txn?.idToken ??
      (f.tradeFlag === 5 && f.vin !== '' ? { id: f.vin, type: 'vin' } : (f.tradeFlag === 2 || f.tradeFlag === 4) && card !== '' ? { id: card, type: 'card' } : undefined);
    this.records.set(f.transactionNo, f.sequence);
    const now = this.now();
    const reason = mapStopReason(this.stopReasons, f.stopReason);
    const endedAt = f.endTime.utc ?? now;
    const meterStopWh = round(f.meterEndKwh * 1000, 1);
    this.ctx.sink.event({
      type: 'transactionRecord',
      connector,
      legacyTransactionId: f.transactionNo,
      ...(idToken !== undefined ? { idToken } : {}),
      startedAt: f.startTime.utc ?? now,
      endedAt,
      meterStartWh: round(f.meterStartKwh * 1000, 1),
      meterStopWh,
      energyWh: round(f.totalEnergyKwh * 1000, 1),
      amount: round(f.totalAmountYuan * 100, 2),
      reason,
      rawReason: f.stopReason,
    });
    // A session this connection saw start also ends here (after the record, which carries the bill:
    // the engine ends the transaction on the record and treats this as the end of the running session).
    if (txn !== undefined && txn.started && txn.ended !== true) {
      txn.ended = true;
      this.ctx.sink.event({
        type: 'sessionEnded',
        connector,
        legacyTransactionId: f.transactionNo,
        ...(idToken !== undefined ? { idToken } : {}),
        meterStopWh,
        at: endedAt,
        reason,
        rawReason: f.stopReason,
      });
    }
  }

  // --- commands ----------------------------------------------------------------------------

  private doCommand(c: ChargerCommand): CommandOutcome {
    const pile = this.pileCode;
    const needPile = (): CommandOutcome | undefined => (pile === undefined ? { status: 'rejected', reason: 'charger has not logged in' } : undefined);
    switch (c.type) {
      case 'authorize': {
        const req = c.requestId !== undefined ? this.auths.get(c.requestId) : [...this.auths.values()].find((a) => a.connector === c.connector);
        if (req === undefined) return { status: 'rejected', reason: 'no open authorization request' };
        this.auths.delete(req.requestId);
        this.answerAuth(req, c.accepted, c.reason);
        this.result(c.id, 'completed');
        return { status: 'sent' };
      }
      case 'startCharging': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        if (!this.validConnector(c.connector)) return { status: 'rejected', reason: `no connector ${c.connector}` };
        const gun = gunCode(c.connector);
        const transactionNo = this.serial(pile, gun);
        const card = c.idToken?.id ?? '';
        this.txns.set(transactionNo, { connector: c.connector, ...(c.idToken !== undefined ? { idToken: c.idToken } : {}), commandId: c.id, started: false });
        this.send({
          type: 'remoteStart',
          transactionNo,
          pileCode: pile,
          gun,
          logicalCardNo: /^[0-9]{1,16}$/.test(card) ? card : '0',
          physicalCardNo: this.cardFormat === 'hex' ? (/^[0-9A-Fa-f]{1,16}$/.test(card) ? card : '0') : /^[0-9]{1,18}$/.test(card) ? card : '0',
          balanceYuan: this.ctx.options.balanceYuan ?? 1000,
        });
        this.expect(c.id, 'start', c.connector, transactionNo);
        return { status: 'sent' };
      }
      case 'stopCharging': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        if (!this.validConnector(c.connector)) return { status: 'rejected', reason: `no connector ${c.connector}` };
        this.send({ type: 'remoteStop', pileCode: pile, gun: gunCode(c.connector) });
        this.expect(c.id, 'stop', c.connector);
        return { status: 'sent' };
      }
      case 'confirmRecord': {
        const sequence = this.records.get(c.legacyTransactionId);
        this.records.delete(c.legacyTransactionId);
        const frame = { type: 'transactionRecordConfirm', transactionNo: c.legacyTransactionId, result: c.accepted ? 0 : 1 } as const;
        if (sequence !== undefined) this.ctx.sink.send(this.encode({ ...frame, sequence }));
        else this.send(frame);
        this.txns.delete(c.legacyTransactionId);
        this.result(c.id, 'completed');
        return { status: 'sent' };
      }
      case 'setAvailability': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        if (c.connector !== 0) return { status: 'notSupported', reason: 'YKC work parameters (0x52) apply to the whole pile only' };
        this.workParams = { ...this.workParams, disabled: c.available ? 0 : 1 };
        this.send({ type: 'workParams', pileCode: pile, ...this.workParams });
        this.expect(c.id, 'workParams', 0);
        return { status: 'sent' };
      }
      case 'setLimit': {
        const rated = this.ctx.options.ratedPowerW;
        if (rated === undefined) return { status: 'notSupported', reason: 'rated power unknown: cannot express a limit as a percentage' };
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        if (c.limit.unit !== 'W') return { status: 'notSupported', reason: 'YKC limits power (0x52 max power %), not current' };
        if (c.connector !== 0) return { status: 'notSupported', reason: 'YKC work parameters (0x52) apply to the whole pile only' };
        const percent = Math.min(100, Math.max(30, Math.round((c.limit.value / rated) * 100)));
        this.workParams = { ...this.workParams, maxPowerPercent: percent };
        this.send({ type: 'workParams', pileCode: pile, ...this.workParams });
        this.expect(c.id, 'workParams', 0);
        return { status: 'sent' };
      }
      case 'reset': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        this.send({ type: 'reboot', pileCode: pile, mode: c.kind === 'hard' ? 1 : 2 });
        this.expect(c.id, 'reboot', 0);
        return { status: 'sent' };
      }
      case 'setClock': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        this.send({ type: 'timeSync', pileCode: pile, time: timestampFromDate(new Date(c.time), this.timeZone) });
        this.expect(c.id, 'clock', 0);
        return { status: 'sent' };
      }
      case 'interrogate': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        for (let g = 1; g <= this.connectorCount; g++) this.send({ type: 'readRealTimeData', pileCode: pile, gun: gunCode(g) });
        this.result(c.id, 'completed');
        return { status: 'sent' };
      }
      case 'setTariff': {
        const no = needPile();
        if (no !== undefined || pile === undefined) return no ?? { status: 'rejected', reason: 'no pile' };
        const t = tariffFromPeriods(c.tariffId, c.periods, this.tariff(pile).billingModelId);
        if (typeof t === 'string') return { status: 'rejected', reason: t };
        this.pendingTariff = t;
        this.send({ type: 'billingModelSet', pileCode: pile, ...t, lossRatio: t.lossRatio ?? 0 });
        this.expect(c.id, 'tariff', 0);
        return { status: 'sent' };
      }
      case 'unlock':
      case 'updateFirmware':
        return { status: 'notSupported', reason: `YKC session does not carry ${c.type}` };
    }
  }

  private answerAuth(req: AuthRequest, accepted: boolean, reason: string | undefined): void {
    const pile = this.pileCode ?? '0';
    const transactionNo = accepted ? this.serial(pile, req.gun) : '0';
    if (accepted) this.txns.set(transactionNo, { connector: req.connector, idToken: req.idToken, started: false });
    this.ctx.sink.send(
      this.encode({
        type: 'startConfirm',
        sequence: req.sequence,
        transactionNo,
        pileCode: pile,
        gun: req.gun,
        logicalCardNo: /^[0-9]{1,16}$/.test(req.cardNo) ? req.cardNo : '0',
        balanceYuan: this.ctx.options.balanceYuan ?? 1000,
        authResult: accepted ? 1 : 0,
        failReason: accepted ? 0 : authFailCode(reason, req.idToken),
      }),
    );
  }

  // --- helpers -----------------------------------------------------------------------------

  /** Gateway-generated transaction serial: pile (14) + gun (2) + yyMMddHHmmss (12) + counter (4), ykc.md §2. */
  private serial(pile: string, gun: string): string {
    this.counter = (this.counter + 1) % 10_000;
    return `${pile.padStart(14, '0')}${gun.padStart(2, '0')}${localStamp(this.ctx.clock.now(), this.timeZone)}${String(this.counter).padStart(4, '0')}`;
  }

  /** Card number as an id token: hex rendering without its zero padding (`00000000D14B0A54` -> `D14B0A54`). */
  private cardId(cardNo: string): string {
    return this.cardFormat === 'hex' ? cardNo.replace(/^0+(?=.)/, '') : cardNo;
  }

  private sessionStarted(transactionNo: string, txn: Txn, at: Timestamp): void {
    this.ctx.sink.event({
      type: 'sessionStarted',
      connector: txn.connector,
      legacyTransactionId: transactionNo,
      ...(txn.idToken !== undefined ? { idToken: txn.idToken } : {}),
      ...(txn.commandId !== undefined ? { commandId: txn.commandId } : {}),
      at,
    });
  }

  private syncTime(): void {
    this.ctx.clock.clearTimeout(this.timeSyncTimer);
    if (this.pileCode !== undefined) {
      this.send({ type: 'timeSync', pileCode: this.pileCode, time: timestampFromDate(new Date(this.ctx.clock.now()), this.timeZone) });
    }
    this.timeSyncTimer = this.ctx.clock.setTimeout(() => this.syncTime(), this.ctx.options.timeSyncIntervalMs ?? DAY);
  }

  private armWatchdog(): void {
    this.ctx.clock.clearTimeout(this.watchdog);
    this.watchdog = this.ctx.clock.setTimeout(() => {
      if (this.stopped) return;
      this.ctx.sink.event({ type: 'link', state: 'down', reason: 'heartbeat timeout' });
      this.ctx.sink.close('heartbeat timeout');
    }, 3 * this.heartbeatMs);
  }

  private expect(commandId: string, kind: Pending['kind'], connector: number, transactionNo?: string): void {
    const timer = this.ctx.clock.setTimeout(() => {
      const i = this.pending.findIndex((p) => p.commandId === commandId);
      if (i < 0) return;
      this.pending.splice(i, 1);
      this.result(commandId, 'timeout', `no answer within ${this.ctx.options.commandTimeoutMs ?? 60_000} ms`);
    }, this.ctx.options.commandTimeoutMs ?? 60_000);
    this.pending.push({ commandId, kind, connector, timer, ...(transactionNo !== undefined ? { transactionNo } : {}) });
  }

  private take(kind: Pending['kind'], connector?: number, transactionNo?: string): Pending | undefined {
    let i = transactionNo === undefined ? -1 : this.pending.findIndex((p) => p.kind === kind && p.transactionNo === transactionNo);
    if (i < 0) i = this.pending.findIndex((p) => p.kind === kind && (connector === undefined || p.connector === connector));
    if (i < 0) return undefined;
    const [p] = this.pending.splice(i, 1);
    if (p !== undefined) this.ctx.clock.clearTimeout(p.timer);
    return p;
  }

  private simpleResult(kind: Pending['kind'], result: number): void {
    const p = this.take(kind);
    if (p !== undefined) this.result(p.commandId, result === 1 ? 'accepted' : 'rejected', undefined, result);
  }

  private result(commandId: string, status: 'accepted' | 'completed' | 'rejected' | 'timeout' | 'failed', reason?: string, raw?: number): void {
    this.ctx.sink.event({ type: 'commandResult', commandId, status, ...(reason !== undefined ? { reason } : {}), ...(raw !== undefined ? { raw } : {}) });
  }

  private tariff(pileCode: string): YkcTariff {
    return this.tariffOverride ?? this.ctx.options.tariffs?.[pileCode] ?? this.ctx.options.tariff ?? DEFAULT_TARIFF;
  }

  private gun(connector: number): GunState {
    let g = this.guns.get(connector);
    if (g === undefined) {
      g = { faults: 0 };
      this.guns.set(connector, g);
    }
    return g;
  }

  private validConnector(connector: number): boolean {
    return Number.isInteger(connector) && connector >= 1 && connector <= Math.max(this.connectorCount, 1) && connector <= 99;
  }

  private reply<K extends YkcTypeName>(request: { readonly sequence: number }, frame: { readonly type: K } & Omit<YkcFrameOf<K>, 'sequence' | 'type'>): void {
    this.ctx.sink.send(this.encode({ ...frame, sequence: request.sequence } as unknown as YkcFrame));
  }

  /** A platform-originated frame with the next sequence number (LE counter, ykc.md §1). */
  private send<K extends YkcTypeName>(frame: { readonly type: K } & Omit<YkcFrameOf<K>, 'sequence' | 'type'>): void {
    const sequence = this.seq;
    this.seq = (this.seq + 1) & 0xffff;
    this.ctx.sink.send(this.encode({ ...frame, sequence } as unknown as YkcFrame));
  }

  private encode(frame: YkcFrame): Buffer {
    return encodeYkcFrame(frame, { timeZone: this.timeZone, cardFormat: this.cardFormat });
  }

  private now(): Timestamp {
    return new Date(this.ctx.clock.now()).toISOString();
  }
}

