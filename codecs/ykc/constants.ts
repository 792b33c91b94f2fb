/**
 * The YKC frame-type catalogue (docs/protocols/ykc.md §3, spec [S4] §4) built from one list, plus the code tables
 * the decoded values refer to. Odd codes travel charger -> platform ("up"), even codes platform ->
 * charger ("down").
 *
 * Protocol versions: every row exists from v1.5 on unless `since` says otherwise (0xA1-0xA4 came
 * with v1.6, 0x3D with v1.7). Layouts are the same in every version that has the type, so the
 * decoder needs no version switch. Records of the versions before 1.5 (type 0x39 / 0x3F with
 * 4-byte meter readings, spec revision notes V1.2-V1.4) are not in the catalogue and decode as
 * YKC_UNKNOWN_TYPE.
 */

export const START_BYTE = 0x68;
/** Bytes before the body: start, length, sequence (2), encryption flag, type. */
export const HEADER_SIZE = 6;
/** Length field L counts sequence + encryption flag + type + body, so L = N + 4. */
export const LENGTH_OVERHEAD = 4;
/**
 * Largest value a one-byte length field can hold; the default framer limit. The spec caps the data
 * field at 200 bytes, but the v1.7 record (0x3D) already has L = 205.
 */
export const MAX_LENGTH = 255;

/** Protocol generation that introduced a frame: 1.5 is the baseline of this codec. */
export type YkcSince = '1.5' | '1.6' | '1.7';

interface FrameRow {
  readonly code: number;
  readonly name: string;
  readonly dir: 'up' | 'down';
  /** Body length N of the layout; for list frames the fixed part before the entries. */
  readonly body: number;
  /** List frames: size of one entry, and the most entries the spec allows. */
  readonly entry?: number;
  readonly maxEntries?: number;
  /**
   * Bytes a body needs before anything is decoded: the identifying fields (pile code, transaction
   * number, gun). A shorter body is YKC_TRUNCATED; a body between this and `body` is zero-filled.
   */
  readonly min: number;
  readonly since?: YkcSince;
  readonly title: string;
}

const FRAME_LIST = [
  { code: 0x01, name: 'login', dir: 'up', body: 30, min: 7, title: 'Login (charger registration)' },
  { code: 0x02, name: 'loginAnswer', dir: 'down', body: 8, min: 7, title: 'Login answer' },
  { code: 0x03, name: 'heartbeat', dir: 'up', body: 9, min: 7, title: 'Heartbeat' },
  { code: 0x04, name: 'heartbeatAnswer', dir: 'down', body: 9, min: 7, title: 'Heartbeat answer' },
  { code: 0x05, name: 'billingModelVerify', dir: 'up', body: 9, min: 7, title: 'Billing-model verification request' },
  { code: 0x06, name: 'billingModelVerifyAnswer', dir: 'down', body: 10, min: 7, title: 'Billing-model verification answer' },
  { code: 0x09, name: 'billingModelRequest', dir: 'up', body: 7, min: 7, title: 'Billing-model request' },
  { code: 0x0a, name: 'billingModelAnswer', dir: 'down', body: 90, min: 7, title: 'Billing-model answer' },
  { code: 0x12, name: 'readRealTimeData', dir: 'down', body: 8, min: 7, title: 'Read real-time data' },
  { code: 0x13, name: 'realTimeData', dir: 'up', body: 60, min: 24, title: 'Real-time monitoring data' },
  { code: 0x15, name: 'chargingHandshake', dir: 'up', body: 73, min: 24, title: 'Charging handshake (BHM/BRM)' },
  { code: 0x17, name: 'parameterConfig', dir: 'up', body: 45, min: 24, title: 'Parameter configuration (BCP/CML)' },
  { code: 0x19, name: 'chargingEnd', dir: 'up', body: 39, min: 24, title: 'Charging end (BSD/CSD)' },
  { code: 0x1b, name: 'errorReport', dir: 'up', body: 32, min: 24, title: 'Error frame (BEM/CEM)' },
  { code: 0x1d, name: 'bmsAbort', dir: 'up', body: 28, min: 24, title: 'BMS abort (BST)' },
  { code: 0x21, name: 'chargerAbort', dir: 'up', body: 28, min: 24, title: 'Charger abort (CST)' },
  { code: 0x23, name: 'bmsDemand', dir: 'up', body: 44, min: 24, title: 'BMS demand and charger output (BCL/BCS/CCS)' },
  // N = 31 as specified; JCPP sends the eight flag fields as 2-byte words (N = 45, docs/protocols/ykc.md §9 #4).
  { code: 0x25, name: 'bmsInfo', dir: 'up', body: 31, min: 24, title: 'BMS information (BSM)' },
  { code: 0x31, name: 'startRequest', dir: 'up', body: 51, min: 8, title: 'Charger-initiated start request' },
  { code: 0x32, name: 'startConfirm', dir: 'down', body: 38, min: 24, title: 'Start confirmation (authorisation)' },
  { code: 0x33, name: 'remoteStartResult', dir: 'up', body: 26, min: 24, title: 'Remote-start result' },
  { code: 0x34, name: 'remoteStart', dir: 'down', body: 44, min: 24, title: 'Remote start' },
  { code: 0x35, name: 'remoteStopResult', dir: 'up', body: 10, min: 8, title: 'Remote-stop result' },
  { code: 0x36, name: 'remoteStop', dir: 'down', body: 8, min: 8, title: 'Remote stop' },
  { code: 0x3b, name: 'transactionRecord', dir: 'up', body: 158, min: 24, title: 'Transaction record (v1.5/1.6)' },
  {
    code: 0x3d,
    name: 'transactionRecordV17',
    dir: 'up',
    body: 201,
    min: 24,
    since: '1.7',
    title: 'Transaction record with meter data (v1.7)',
  },
  { code: 0x40, name: 'transactionRecordConfirm', dir: 'down', body: 17, min: 16, title: 'Transaction record confirmation' },
  { code: 0x41, name: 'balanceUpdateAnswer', dir: 'up', body: 16, min: 7, title: 'Balance update answer' },
  { code: 0x42, name: 'balanceUpdate', dir: 'down', body: 20, min: 7, title: 'Remote balance update' },
  { code: 0x43, name: 'offlineCardSyncAnswer', dir: 'up', body: 9, min: 7, title: 'Offline-card sync answer' },
  {
    code: 0x44,
    name: 'offlineCardSync',
    dir: 'down',
    body: 8,
    entry: 16,
    maxEntries: 15,
    min: 8,
    title: 'Offline-card sync',
  },
  { code: 0x45, name: 'offlineCardClearAnswer', dir: 'up', body: 7, entry: 10, min: 7, title: 'Offline-card clear answer' },
  {
    code: 0x46,
    name: 'offlineCardClear',
    dir: 'down',
    body: 8,
    entry: 8,
    maxEntries: 24,
    min: 8,
    title: 'Offline-card clear',
  },
  { code: 0x47, name: 'offlineCardQueryAnswer', dir: 'up', body: 7, entry: 9, min: 7, title: 'Offline-card query answer' },
  {
    code: 0x48,
    name: 'offlineCardQuery',
    dir: 'down',
    body: 8,
    entry: 8,
    maxEntries: 26,
    min: 8,
    title: 'Offline-card query',
  },
  { code: 0x51, name: 'workParamsAnswer', dir: 'up', body: 8, min: 7, title: 'Work-parameter set answer' },
  { code: 0x52, name: 'workParams', dir: 'down', body: 9, min: 7, title: 'Work-parameter set (enable, max power %)' },
  { code: 0x55, name: 'timeSyncAnswer', dir: 'up', body: 14, min: 7, title: 'Time-sync answer' },
  { code: 0x56, name: 'timeSync', dir: 'down', body: 14, min: 7, title: 'Time sync' },
  { code: 0x57, name: 'billingModelSetAnswer', dir: 'up', body: 8, min: 7, title: 'Billing-model set answer' },
  { code: 0x58, name: 'billingModelSet', dir: 'down', body: 90, min: 7, title: 'Billing-model set' },
  { code: 0x61, name: 'parkingLockStatus', dir: 'up', body: 16, min: 8, title: 'Parking-lock status' },
  { code: 0x62, name: 'parkingLockCommand', dir: 'down', body: 13, min: 8, title: 'Parking-lock raise/lower' },
  { code: 0x63, name: 'parkingLockAnswer', dir: 'up', body: 13, min: 8, title: 'Parking-lock command answer' },
  { code: 0x91, name: 'rebootAnswer', dir: 'up', body: 8, min: 7, title: 'Remote reboot answer' },
  { code: 0x92, name: 'reboot', dir: 'down', body: 8, min: 7, title: 'Remote reboot' },
  { code: 0x93, name: 'firmwareUpdateAnswer', dir: 'up', body: 8, min: 7, title: 'Remote update (OTA) answer' },
  { code: 0x94, name: 'firmwareUpdate', dir: 'down', body: 94, min: 7, title: 'Remote update (FTP)' },
  {
    code: 0xa1,
    name: 'parallelStartRequest',
    dir: 'up',
    body: 58,
    min: 8,
    since: '1.6',
    title: 'Parallel-charge start request',
  },
  {
    code: 0xa2,
    name: 'parallelStartConfirm',
    dir: 'down',
    body: 44,
    min: 24,
    since: '1.6',
    title: 'Parallel-charge start confirmation',
  },
  // The spec's catalogue table swaps the direction labels of A3/A4; the section text is followed.
  {
    code: 0xa3,
    name: 'parallelRemoteStartResult',
    dir: 'up',
    body: 33,
    min: 24,
    since: '1.6',
    title: 'Parallel remote-start result',
  },
  {
    code: 0xa4,
    name: 'parallelRemoteStart',
    dir: 'down',
    body: 50,
    min: 24,
    since: '1.6',
    title: 'Parallel remote start',
  },
] as const satisfies readonly FrameRow[];

/** Name of a frame type, the discriminant of `YkcFrame`. */
export type YkcTypeName = (typeof FRAME_LIST)[number]['name'];
export type YkcTypeCode = (typeof FRAME_LIST)[number]['code'];

export interface YkcFrameInfo extends FrameRow {
  readonly code: YkcTypeCode;
  readonly name: YkcTypeName;
}

/** Every frame type, in code order. */
export const YKC_FRAME_TYPES: readonly YkcFrameInfo[] = FRAME_LIST;

const BY_CODE = new Map<number, YkcFrameInfo>(YKC_FRAME_TYPES.map((t) => [t.code, t]));
const BY_NAME = new Map<string, YkcFrameInfo>(YKC_FRAME_TYPES.map((t) => [t.name, t]));

/** Catalogue row of a type code, or undefined for a code the catalogue does not list. */
export function frameInfo(code: number): YkcFrameInfo | undefined {
  return BY_CODE.get(code);
}

/** Catalogue row of a type name. */
export function frameInfoByName(name: YkcTypeName): YkcFrameInfo {
  return BY_NAME.get(name) as YkcFrameInfo;
}

/** 0x13 hardware-fault bitmask, bit 0 first (the spec's "Bit1" is bit 0, as JCPP maps it). */
export const HARDWARE_FAULT_BITS = [
  'emergencyStop',
  'noRectifierModule',
  'airOutletOverTemperature',
  'acSurgeProtector',
  'dc20ModuleCommLost',
  'fc08InsulationModuleCommLost',
  'meterCommLost',
  'cardReaderCommLost',
  'rc10CommLost',
  'fanBoardFault',
  'dcFuseFault',
  'hvContactorFault',
  'doorOpen',
] as const;

/** 0x33 / 0xA3 remote-start failure reasons. */
export const START_FAIL_REASON = {
  0: 'none',
  1: 'pileIdMismatch',
  2: 'gunAlreadyCharging',
  3: 'deviceFault',
  4: 'deviceOffline',
  5: 'gunNotPlugged',
} as const;

/** 0x35 remote-stop failure reasons. */
export const STOP_FAIL_REASON = { 0: 'none', 1: 'pileIdMismatch', 2: 'notCharging', 3: 'other' } as const;
