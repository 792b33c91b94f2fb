/**
 * The decoded YKC frame: a discriminated union on `type` (the catalogue name, `constants.ts`), each
 * member the frame header fields plus the body of its type (`messages/*.ts`).
 */
import type { YkcTypeName } from './constants.js';
import type { CrcOrder } from './crc.js';
import type * as Billing from './messages/billing.js';
import type * as Bms from './messages/bms.js';
import type * as Cards from './messages/cards.js';
import type * as Maintenance from './messages/maintenance.js';
import type * as Realtime from './messages/realtime.js';
import type * as Record from './messages/record.js';
import type * as Session from './messages/session.js';
import type * as Settings from './messages/settings.js';
import type * as Start from './messages/start.js';

/** Body of every frame type, by name (the keys are exactly the catalogue names). */
export interface YkcBodies {
  login: Session.Login;
  loginAnswer: Session.LoginAnswer;
  heartbeat: Session.Heartbeat;
  heartbeatAnswer: Session.HeartbeatAnswer;
  billingModelVerify: Billing.BillingModelVerify;
  billingModelVerifyAnswer: Billing.BillingModelVerifyAnswer;
  billingModelRequest: Billing.BillingModelRequest;
  billingModelAnswer: Billing.BillingModel;
  readRealTimeData: Realtime.ReadRealTimeData;
  realTimeData: Realtime.RealTimeData;
  chargingHandshake: Bms.ChargingHandshake;
  parameterConfig: Bms.ParameterConfig;
  chargingEnd: Bms.ChargingEnd;
  errorReport: Bms.ErrorReport;
  bmsAbort: Bms.BmsAbort;
  chargerAbort: Bms.ChargerAbort;
  bmsDemand: Bms.BmsDemand;
  bmsInfo: Bms.BmsInfo;
  startRequest: Start.StartRequest;
  startConfirm: Start.StartConfirm;
  remoteStartResult: Start.RemoteStartResult;
  remoteStart: Start.RemoteStart;
  remoteStopResult: Start.RemoteStopResult;
  remoteStop: Start.RemoteStop;
  transactionRecord: Record.TransactionRecord;
  transactionRecordV17: Record.TransactionRecordV17;
  transactionRecordConfirm: Record.TransactionRecordConfirm;
  balanceUpdateAnswer: Cards.BalanceUpdateAnswer;
  balanceUpdate: Cards.BalanceUpdate;
  offlineCardSyncAnswer: Cards.OfflineCardSyncAnswer;
  offlineCardSync: Cards.OfflineCardSync;
  offlineCardClearAnswer: Cards.OfflineCardClearAnswer;
  offlineCardClear: Cards.OfflineCardList;
  offlineCardQueryAnswer: Cards.OfflineCardQueryAnswer;
  offlineCardQuery: Cards.OfflineCardList;
  workParamsAnswer: Settings.PileResult;
  workParams: Settings.WorkParams;
  timeSyncAnswer: Settings.TimeSync;
  timeSync: Settings.TimeSync;
  billingModelSetAnswer: Billing.BillingModelSetAnswer;
  billingModelSet: Billing.BillingModel;
  parkingLockStatus: Settings.ParkingLockStatus;
  parkingLockCommand: Settings.ParkingLockCommand;
  parkingLockAnswer: Settings.ParkingLockAnswer;
  rebootAnswer: Settings.PileResult;
  reboot: Maintenance.Reboot;
  firmwareUpdateAnswer: Maintenance.FirmwareUpdateAnswer;
  firmwareUpdate: Maintenance.FirmwareUpdate;
  parallelStartRequest: Start.ParallelStartRequest;
  parallelStartConfirm: Start.ParallelStartConfirm;
  parallelRemoteStartResult: Start.ParallelRemoteStartResult;
  parallelRemoteStart: Start.ParallelRemoteStart;
}

/** Header fields every frame carries, plus what the decoder observed about the received bytes. */
export interface YkcFrameCommon {
  /**
   * Sequence field read little-endian. Replies echo the request's value, which writes the
   * request's two bytes back verbatim whatever byte order the charger meant (docs/protocols/ykc.md §1, §9 #2).
   */
  readonly sequence: number;
  /**
   * Set by the decoder when the body arrived 3DES-encrypted (flag 0x01) and was decrypted. The
   * encoder encrypts only when given a cipher, whatever this says.
   */
  readonly encrypted?: boolean;
  /** Set by the decoder: the byte order the CRC arrived in. The encoder uses its own option. */
  readonly crcOrder?: CrcOrder;
  /**
   * Set by the decoder when the body is longer than its layout: the extra bytes as hex (ignored,
   * docs/protocols/ykc.md §7). The encoder appends them, so a received frame re-encodes to the same bytes.
   */
  readonly trailing?: string;
  /**
   * Set by the decoder when the body is shorter than its layout: how many bytes at the end were
   * missing and decoded as zero (docs/protocols/ykc.md §7). The encoder leaves them out again.
   */
  readonly missing?: number;
}

/** The frame of one type. */
export type YkcFrameOf<K extends YkcTypeName> = { readonly type: K } & YkcFrameCommon & YkcBodies[K];

/** Any YKC frame. */
export type YkcFrame = { [K in YkcTypeName]: YkcFrameOf<K> }[YkcTypeName];
