/**
 * What the YKC session stands on besides its state: the tariff and option types, and pure helpers
 * (gun numbering, the 0x32 fail codes, tariffs from canonical price periods, local time stamps).
 */
import type { IdToken } from '../../src/model/events.js';
import type { YkcEncryption } from './cipher.js';
import type { CardFormat, YkcCodecOptions } from './fields.js';
import type { RatePrice, YkcTariff } from './messages/billing.js';
import type { RecordCheckOptions } from './record-checks.js';
import type { YkcStopReasonMap } from './stop-reason-map.js';
import type { YkcFrame } from './types.js';

export type { YkcTariff };

export interface YkcOptions extends YkcCodecOptions {
  /** Billing model for every pile without its own entry in `tariffs`. */
  readonly tariff?: YkcTariff;
  /** Billing model per pile code. */
  readonly tariffs?: Readonly<Record<string, YkcTariff>>;
  /** Answer 0x31 start requests at once (accepted) instead of waiting for an `authorize` command. */
  readonly authorizeLocally?: boolean;
  /** Login check (besides the host's `admit`): false answers 0x02 failure and closes. Default: accept every pile. */
  readonly accept?: (pileCode: string) => boolean;
  /** Heartbeat interval of the chargers (default 10 s); 3 intervals without a frame close the link. */
  readonly heartbeatIntervalMs?: number;
  /** Time-sync period (default 24 h). */
  readonly timeSyncIntervalMs?: number;
  /**
   * How long a command waits for its answer frame (default 8 s, `DEFAULT_COMMAND_TIMEOUT_MS`).
   * Keep it below the station's wait (OCPPCommCtrlr.ChargerCommandTimeout, default 10 s).
   */
  readonly commandTimeoutMs?: number;
  /** Rated power of the piles in W, to turn a `setLimit` in W into 0x52 max-power %; the records' energy ceiling too. */
  readonly ratedPowerW?: number;
  /**
   * How long a gun whose next session started waits for the previous session's record before that
   * one ends on its last real-time figures (default 60 000 ms, `DEFAULT_RECORD_WAIT_MS`; 0: no wait).
   */
  readonly recordWaitMs?: number;
  /** Plausibility checks of transaction records (see `record-checks.ts`). */
  readonly recordChecks?: RecordCheckOptions;
  /** Balance (CNY) sent in 0x32 / 0x34 (default 1000). */
  readonly balanceYuan?: number;
  /**
   * Stop-reason mapping: `loadOptions` loads the shipped `mappings/ykc/stop-reasons.yaml` unless the
   * options name another; without one (options built by hand) every code is `other`. The session reads no file.
   */
  readonly stopReasons?: YkcStopReasonMap;
  /**
   * 3DES keys and parameters (unconfirmed by the reference, see `cipher.ts`). Without it a frame
   * with the encryption flag is `YKC_ENCRYPTED`.
   */
  readonly encryption?: YkcEncryption;
}

export const DEFAULT_TARIFF: YkcTariff = {
  billingModelId: '0001',
  tip: { electricity: 1, service: 0.4 },
  peak: { electricity: 1, service: 0.4 },
  flat: { electricity: 1, service: 0.4 },
  valley: { electricity: 1, service: 0.4 },
  periods: Array.from({ length: 48 }, () => 2),
};

/** Gun number of a BCD gun field (0xF right padding allowed: `1F` -> 1); 0 when it is not decimal. */
export function gunNo(gun: string): number {
  const digits = gun.replace(/[Ff]+$/, '');
  return /^[0-9]+$/.test(digits) ? Number(digits) : 0;
}

export function gunCode(connector: number): string {
  return String(connector).padStart(2, '0');
}

export function round(v: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}

/** Card number as an id token: hex rendering without its zero padding (`00000000D14B0A54` -> `D14B0A54`). */
export function cardId(cardNo: string, format: CardFormat): string {
  return format === 'hex' ? cardNo.replace(/^0+(?=.)/, '') : cardNo;
}

export function reasonText(table: Readonly<Record<number, string>>, code: number): string {
  return table[code] ?? `code ${code}`;
}

/** 0x32 fail reason from the CSMS's words (OCPP AuthorizationStatus names). */
export function authFailCode(reason: string | undefined, idToken: IdToken): number {
  switch (reason?.toLowerCase()) {
    case 'blocked':
    case 'expired':
      return 2;
    case 'nocredit':
      return 3;
    case 'notatthisstation':
    case 'notatthistime':
    case 'notallowedtypeevse':
      return 6;
    default:
      return idToken.type === 'vin' ? 9 : 1;
  }
}

/**
 * A canonical tariff as a YKC billing model: at most four distinct (energy, service) price pairs,
 * period starts on half hours; prices in minor units (fen) per kWh -> CNY per kWh. The model id is
 * `tariffId` when it is 1-4 digits, else the current id + 1. Returns a reason string when it cannot.
 */
export function tariffFromPeriods(tariffId: string, periods: readonly { from: string; energyPrice: number; servicePrice: number }[], currentId: string): YkcTariff | string {
  if (periods.length === 0) return 'tariff has no periods';
  const starts: { slot: number; rate: number }[] = [];
  const pairs: RatePrice[] = [];
  for (const p of periods) {
    const m = /^(\d{2}):(\d{2})$/.exec(p.from);
    const h = Number(m?.[1]);
    const min = Number(m?.[2]);
    if (m === null || h > 23 || (min !== 0 && min !== 30)) return `period start ${p.from} is not on a half hour`;
    const price = { electricity: p.energyPrice / 100, service: p.servicePrice / 100 };
    let rate = pairs.findIndex((x) => x.electricity === price.electricity && x.service === price.service);
    if (rate < 0) {
      if (pairs.length === 4) return 'YKC billing models carry at most 4 distinct prices';
      rate = pairs.push(price) - 1;
    }
    starts.push({ slot: h * 2 + min / 30, rate });
  }
  starts.sort((a, b) => a.slot - b.slot);
  const last = starts[starts.length - 1];
  const slots = Array.from({ length: 48 }, (_, i) => {
    let rate = last?.rate ?? 0;
    for (const s of starts) if (s.slot <= i) rate = s.rate;
    return rate;
  });
  const fallback = pairs[0] ?? { electricity: 0, service: 0 };
  const id = /^\d{1,4}$/.test(tariffId) && Number(tariffId) !== 0 ? tariffId.padStart(4, '0') : String((Number(currentId) % 9999) + 1).padStart(4, '0');
  return {
    billingModelId: id,
    tip: pairs[0] ?? fallback,
    peak: pairs[1] ?? fallback,
    flat: pairs[2] ?? fallback,
    valley: pairs[3] ?? fallback,
    periods: slots,
  };
}

/** yyMMddHHmmss of `ms` in `timeZone`. */
export function localStamp(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    year: '2-digit',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(ms));
  const get = (t: string): string => parts.find((p) => p.type === t)?.value ?? '00';
  return `${get('year')}${get('month')}${get('day')}${get('hour')}${get('minute')}${get('second')}`;
}

const DOWNLINK = new Set<string>([
  'loginAnswer',
  'heartbeatAnswer',
  'billingModelVerifyAnswer',
  'billingModelAnswer',
  'readRealTimeData',
  'startConfirm',
  'remoteStart',
  'remoteStop',
  'transactionRecordConfirm',
  'balanceUpdate',
  'offlineCardSync',
  'offlineCardClear',
  'offlineCardQuery',
  'workParams',
  'timeSync',
  'billingModelSet',
  'parkingLockCommand',
  'reboot',
  'firmwareUpdate',
  'parallelStartConfirm',
  'parallelRemoteStart',
]);

export function isDownlink(f: YkcFrame): boolean {
  return DOWNLINK.has(f.type);
}
