/**
 * YKC frame encoder: a typed `YkcFrame` in, the whole frame out (start byte, length, sequence
 * little-endian, encryption flag 0, type, body, CRC-16/MODBUS low byte first unless told
 * otherwise). With a `cipher` the body is 3DES-encrypted, the flag is 0x01, L counts the encrypted
 * length and the CRC covers the encrypted bytes (docs/protocols/ykc.md §1). Bodies are written by the hand-written generator of their type; a value its field
 * cannot carry throws `YkcEncodeError`. A decoded frame's `trailing` bytes are appended and its
 * `missing` bytes left out, so a received frame re-encodes to the bytes it came from.
 */
import { frameInfoByName, HEADER_SIZE, LENGTH_OVERHEAD, MAX_LENGTH, START_BYTE, type YkcTypeName } from './constants.js';
import type { YkcCipher } from './cipher.js';
import { writeCrc, type CrcOrder } from './crc.js';
import { YkcEncodeError } from './errors.js';
import { fieldContext, type FieldContext, type YkcCodecOptions } from './fields.js';
import * as billing from './generator/billing.js';
import * as bms from './generator/bms.js';
import * as cards from './generator/cards.js';
import * as realtime from './generator/realtime.js';
import * as record from './generator/record.js';
import * as session from './generator/session.js';
import * as settings from './generator/settings.js';
import * as start from './generator/start.js';
import type { YkcBodies, YkcFrame, YkcFrameOf } from './types.js';

export interface YkcEncodeOptions extends YkcCodecOptions {
  /** CRC byte order on the wire (default `le`, low byte first, as the spec says). */
  readonly crcOrder?: CrcOrder;
  /** Encrypts the body (flag 0x01); without it the body goes in clear (flag 0x00). */
  readonly cipher?: YkcCipher;
}

type BodyEncoder<T> = (value: T, ctx: FieldContext) => Buffer;

const ENCODERS: { readonly [K in YkcTypeName]: BodyEncoder<YkcBodies[K]> } = {
  login: session.encodeLogin,
  loginAnswer: session.encodeLoginAnswer,
  heartbeat: session.encodeHeartbeat,
  heartbeatAnswer: session.encodeHeartbeatAnswer,
  billingModelVerify: billing.encodeBillingModelVerify,
  billingModelVerifyAnswer: billing.encodeBillingModelVerifyAnswer,
  billingModelRequest: billing.encodeBillingModelRequest,
  billingModelAnswer: billing.encodeBillingModel,
  readRealTimeData: realtime.encodeReadRealTimeData,
  realTimeData: realtime.encodeRealTimeData,
  chargingHandshake: bms.encodeChargingHandshake,
  parameterConfig: bms.encodeParameterConfig,
  chargingEnd: bms.encodeChargingEnd,
  errorReport: bms.encodeErrorReport,
  bmsAbort: bms.encodeBmsAbort,
  chargerAbort: bms.encodeChargerAbort,
  bmsDemand: bms.encodeBmsDemand,
  bmsInfo: bms.encodeBmsInfo,
  startRequest: start.encodeStartRequest,
  startConfirm: start.encodeStartConfirm,
  remoteStartResult: start.encodeRemoteStartResult,
  remoteStart: start.encodeRemoteStart,
  remoteStopResult: start.encodeRemoteStopResult,
  remoteStop: start.encodeRemoteStop,
  transactionRecord: record.encodeTransactionRecord,
  transactionRecordV17: record.encodeTransactionRecordV17,
  transactionRecordConfirm: record.encodeTransactionRecordConfirm,
  balanceUpdateAnswer: cards.encodeBalanceUpdateAnswer,
  balanceUpdate: cards.encodeBalanceUpdate,
  offlineCardSyncAnswer: cards.encodeOfflineCardSyncAnswer,
  offlineCardSync: cards.encodeOfflineCardSync,
  offlineCardClearAnswer: cards.encodeOfflineCardClearAnswer,
  offlineCardClear: cards.encodeOfflineCardClear,
  offlineCardQueryAnswer: cards.encodeOfflineCardQueryAnswer,
  offlineCardQuery: cards.encodeOfflineCardQuery,
  workParamsAnswer: settings.encodePileResult,
  workParams: settings.encodeWorkParams,
  timeSyncAnswer: settings.encodeTimeSync,
  timeSync: settings.encodeTimeSync,
  billingModelSetAnswer: billing.encodeBillingModelSetAnswer,
  billingModelSet: billing.encodeBillingModel,
  parkingLockStatus: settings.encodeParkingLockStatus,
  parkingLockCommand: settings.encodeParkingLockCommand,
  parkingLockAnswer: settings.encodeParkingLockAnswer,
  rebootAnswer: settings.encodePileResult,
  reboot: settings.encodeReboot,
  firmwareUpdateAnswer: settings.encodeFirmwareUpdateAnswer,
  firmwareUpdate: settings.encodeFirmwareUpdate,
  parallelStartRequest: start.encodeParallelStartRequest,
  parallelStartConfirm: start.encodeParallelStartConfirm,
  parallelRemoteStartResult: start.encodeParallelRemoteStartResult,
  parallelRemoteStart: start.encodeParallelRemoteStart,
};

/** The body bytes of a frame, as sent (trailing bytes appended, missing bytes dropped). */
function encodeYkcBody(frame: YkcFrame, options: YkcCodecOptions = {}): Buffer {
  const info = frameInfoByName(frame.type);
  if (info === undefined) throw new YkcEncodeError('type', `unknown frame type ${JSON.stringify(frame.type)}`);
  const encode = ENCODERS[frame.type] as BodyEncoder<YkcFrame>;
  let body = encode(frame, fieldContext(options));
  const missing = frame.missing ?? 0;
  if (missing !== 0) {
    if (!Number.isInteger(missing) || missing < 0 || body.length - missing < info.min) {
      throw new YkcEncodeError('missing', `${missing} cannot be dropped from a ${body.length}-byte ${frame.type} body`);
    }
    body = body.subarray(0, body.length - missing);
  }
  if (frame.trailing !== undefined && frame.trailing !== '') {
    if (!/^(?:[0-9A-Fa-f]{2})+$/.test(frame.trailing)) throw new YkcEncodeError('trailing', 'expected hex bytes');
    body = Buffer.concat([body, Buffer.from(frame.trailing, 'hex')]);
  }
  return body;
}

/** Encodes a whole frame. Throws `YkcEncodeError` for a value its field cannot carry. */
export function encodeYkcFrame(frame: YkcFrame, options: YkcEncodeOptions = {}): Buffer {
  const { sequence } = frame;
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 0xffff) {
    throw new YkcEncodeError('sequence', `${sequence} is not a 16-bit sequence number`);
  }
  const plain = encodeYkcBody(frame, options);
  const body = options.cipher !== undefined ? options.cipher.encrypt(plain) : plain;
  const length = body.length + LENGTH_OVERHEAD;
  if (length > MAX_LENGTH) throw new YkcEncodeError('body', `${body.length} bytes${options.cipher !== undefined ? ' (encrypted)' : ''} do not fit a one-byte length field`);
  const out = Buffer.alloc(length + LENGTH_OVERHEAD);
  out[0] = START_BYTE;
  out[1] = length;
  out.writeUInt16LE(sequence, 2);
  out[4] = options.cipher !== undefined ? 0x01 : 0x00;
  out[5] = frameInfoByName(frame.type).code;
  body.copy(out, HEADER_SIZE);
  writeCrc(out, out.length - 2, options.crcOrder ?? 'le');
  return out;
}

/**
 * Encodes the reply to `request`: the reply carries the request's sequence field, so its two
 * bytes go back verbatim (docs/protocols/ykc.md §1).
 */
export function encodeYkcReply<K extends YkcTypeName>(request: { readonly sequence: number }, reply: Omit<YkcFrameOf<K>, 'sequence'>, options: YkcEncodeOptions = {}): Buffer {
  return encodeYkcFrame({ ...reply, sequence: request.sequence } as unknown as YkcFrame, options);
}
