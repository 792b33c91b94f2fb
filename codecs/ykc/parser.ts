/**
 * YKC frame decoder: one whole frame (as the framer delivers it) in, a typed `YkcFrame` or a typed
 * error out; never throws. The header is checked by hand (start byte, length field against the
 * frame size, CRC in either byte order, encryption flag, catalogue type); the body goes to the
 * binary-parser decoder of its type. The CRC covers the body as transmitted, so a 3DES body
 * (flag 0x01) is checked first and decrypted afterwards with the `cipher` option (`cipher.ts`). Per docs/protocols/ykc.md §7 the body is decoded by its declared length:
 * bytes beyond the layout are kept as `trailing`, a short body is zero-filled and counted as
 * `missing`, and only a body shorter than its identifying fields is rejected.
 */
import { HEADER_SIZE, LENGTH_OVERHEAD, MAX_LENGTH, START_BYTE, frameInfo, type YkcTypeName } from './constants.js';
import type { YkcCipher } from './cipher.js';
import { checkCrc } from './crc.js';
import { YkcDecodeError, type YkcDecodeResult } from './errors.js';
import { fieldContext, hexString, type YkcCodecOptions } from './fields.js';
import type { BodyDecoder } from './parser/common.js';
import * as billing from './parser/billing.js';
import * as bms from './parser/bms.js';
import * as cards from './parser/cards.js';
import * as realtime from './parser/realtime.js';
import * as record from './parser/record.js';
import * as session from './parser/session.js';
import * as settings from './parser/settings.js';
import * as start from './parser/start.js';
import type { YkcBodies, YkcFrame } from './types.js';

export interface YkcDecodeOptions extends YkcCodecOptions {
  /** Largest accepted length field L (default 255). */
  readonly maxLength?: number;
  /**
   * Decrypts bodies with the encryption flag 0x01; without it such a frame is `YKC_ENCRYPTED`.
   * Decoded frames then carry `encrypted: true`.
   */
  readonly cipher?: YkcCipher;
}

const DECODERS: { readonly [K in YkcTypeName]: BodyDecoder<YkcBodies[K]> } = {
  login: session.decodeLogin,
  loginAnswer: session.decodeLoginAnswer,
  heartbeat: session.decodeHeartbeat,
  heartbeatAnswer: session.decodeHeartbeatAnswer,
  billingModelVerify: billing.decodeBillingModelVerify,
  billingModelVerifyAnswer: billing.decodeBillingModelVerifyAnswer,
  billingModelRequest: billing.decodeBillingModelRequest,
  billingModelAnswer: billing.decodeBillingModel,
  readRealTimeData: realtime.decodeReadRealTimeData,
  realTimeData: realtime.decodeRealTimeData,
  chargingHandshake: bms.decodeChargingHandshake,
  parameterConfig: bms.decodeParameterConfig,
  chargingEnd: bms.decodeChargingEnd,
  errorReport: bms.decodeErrorReport,
  bmsAbort: bms.decodeBmsAbort,
  chargerAbort: bms.decodeChargerAbort,
  bmsDemand: bms.decodeBmsDemand,
  bmsInfo: bms.decodeBmsInfo,
  startRequest: start.decodeStartRequest,
  startConfirm: start.decodeStartConfirm,
  remoteStartResult: start.decodeRemoteStartResult,
  remoteStart: start.decodeRemoteStart,
  remoteStopResult: start.decodeRemoteStopResult,
  remoteStop: start.decodeRemoteStop,
  transactionRecord: record.decodeTransactionRecord,
  transactionRecordV17: record.decodeTransactionRecordV17,
  transactionRecordConfirm: record.decodeTransactionRecordConfirm,
  balanceUpdateAnswer: cards.decodeBalanceUpdateAnswer,
  balanceUpdate: cards.decodeBalanceUpdate,
  offlineCardSyncAnswer: cards.decodeOfflineCardSyncAnswer,
  offlineCardSync: cards.decodeOfflineCardSync,
  offlineCardClearAnswer: cards.decodeOfflineCardClearAnswer,
  offlineCardClear: cards.decodeOfflineCardClear,
  offlineCardQueryAnswer: cards.decodeOfflineCardQueryAnswer,
  offlineCardQuery: cards.decodeOfflineCardQuery,
  workParamsAnswer: settings.decodePileResult,
  workParams: settings.decodeWorkParams,
  timeSyncAnswer: settings.decodeTimeSync,
  timeSync: settings.decodeTimeSync,
  billingModelSetAnswer: billing.decodeBillingModelSetAnswer,
  billingModelSet: billing.decodeBillingModel,
  parkingLockStatus: settings.decodeParkingLockStatus,
  parkingLockCommand: settings.decodeParkingLockCommand,
  parkingLockAnswer: settings.decodeParkingLockAnswer,
  rebootAnswer: settings.decodePileResult,
  reboot: settings.decodeReboot,
  firmwareUpdateAnswer: settings.decodeFirmwareUpdateAnswer,
  firmwareUpdate: settings.decodeFirmwareUpdate,
  parallelStartRequest: start.decodeParallelStartRequest,
  parallelStartConfirm: start.decodeParallelStartConfirm,
  parallelRemoteStartResult: start.decodeParallelRemoteStartResult,
  parallelRemoteStart: start.decodeParallelRemoteStart,
};

function fail(code: YkcDecodeError['code'], message: string, offset: number, raw?: Uint8Array): YkcDecodeResult<never> {
  return { ok: false, error: new YkcDecodeError(code, message, offset, raw) };
}

/**
 * Decodes one whole frame (start byte through CRC). Error offsets are relative to the frame start;
 * `YkcDecodeError.shifted` moves them into the stream.
 */
export function decodeYkcFrame(bytes: Uint8Array, options: YkcDecodeOptions = {}): YkcDecodeResult<YkcFrame> {
  const frame = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (frame.length === 0) return fail('YKC_TRUNCATED', 'empty frame', 0);
  if (frame[0] !== START_BYTE) return fail('YKC_BAD_START', `start byte 0x${hex2(frame[0] as number)}, expected 0x68`, 0);
  if (frame.length < 2) return fail('YKC_TRUNCATED', 'frame ends before its length field', 1);
  const length = frame[1] as number;
  const max = options.maxLength ?? MAX_LENGTH;
  if (length < LENGTH_OVERHEAD || length > max) {
    return fail('YKC_LENGTH', `length field ${length}, expected ${LENGTH_OVERHEAD}..${max}`, 1);
  }
  const total = length + LENGTH_OVERHEAD;
  if (frame.length < total) return fail('YKC_TRUNCATED', `frame has ${frame.length} of ${total} bytes`, frame.length);
  if (frame.length > total) {
    return fail('YKC_LENGTH', `length field ${length} says ${total} bytes, frame has ${frame.length}`, 1);
  }
  const crcOrder = checkCrc(frame, 0, total);
  if (crcOrder === undefined) return fail('YKC_CRC', 'CRC matches in neither byte order', total - 2, frame);
  const flag = frame[4] as number;
  const code = frame[5] as number;
  if (flag !== 0x00 && flag !== 0x01) return fail('YKC_FIELD', `encryption flag 0x${hex2(flag)}, expected 0x00 or 0x01`, 4, frame);
  const info = frameInfo(code);
  if (info === undefined) return fail('YKC_UNKNOWN_TYPE', `frame type 0x${hex2(code)} is not in the catalogue`, 5, frame);
  let body = frame.subarray(HEADER_SIZE, total - 2);
  if (flag === 0x01) {
    if (options.cipher === undefined) {
      return fail('YKC_ENCRYPTED', `type 0x${hex2(code)} has a 3DES-encrypted body and no key is configured for this charger`, 4, frame);
    }
    const plain = options.cipher.decrypt(body);
    if (plain instanceof YkcDecodeError) return fail(plain.code, `type 0x${hex2(code)}: ${plain.message}`, HEADER_SIZE + plain.offset, frame);
    body = plain;
  }
  if (body.length < info.min) {
    const message = `${info.name} body has ${body.length} bytes${flag === 0x01 ? ' after decryption' : ''}, needs at least ${info.min}`;
    return fail('YKC_TRUNCATED', message, HEADER_SIZE + Math.min(body.length, total - 2 - HEADER_SIZE));
  }
  const decode = DECODERS[info.name] as BodyDecoder<object>;
  const decoded = decode(body, fieldContext(options));
  if (decoded instanceof YkcDecodeError) return { ok: false, error: decoded.shifted(HEADER_SIZE) };
  if (flag === 0x01 && !plausiblePileCode(decoded.value)) {
    // Zero padding has no check of its own: a wrong key shows as a pile code that is no number.
    return fail('YKC_DECRYPT_FAILED', `type 0x${hex2(code)}: the decrypted pile code is not BCD digits (wrong key, mode or IV?)`, HEADER_SIZE, frame);
  }
  const value: Record<string, unknown> = { type: info.name, sequence: frame.readUInt16LE(2), crcOrder, ...(flag === 0x01 ? { encrypted: true } : {}), ...decoded.value };
  if (decoded.size < body.length) value.trailing = hexString(body.subarray(decoded.size));
  if (decoded.size > body.length) value.missing = decoded.size - body.length;
  return { ok: true, value: value as unknown as YkcFrame };
}

/** Digits, possibly followed by the 0xF filler some devices pad with (bcd.ts); true without a pile code. */
function plausiblePileCode(body: object): boolean {
  const pile = (body as { pileCode?: unknown }).pileCode;
  return typeof pile !== 'string' || /^[0-9]+F*$/.test(pile);
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0').toUpperCase();
}
