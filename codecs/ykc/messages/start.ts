/**
 * Bodies of the start/stop frames 0x31-0x36 and their parallel-charging (v1.6) variants 0xA1-0xA4
 * (docs/protocols/ykc.md §4, spec §8.1-8.6, §12).
 */

/** 0x31 charger -> platform: a user started at the charger with a card or the vehicle's VIN. */
export interface StartRequest {
  readonly pileCode: string;
  readonly gun: string;
  /** 1 card, 2 account (unsupported by the platform), 3 VIN. */
  readonly startMode: number;
  /** 0 no password, 1 password entered. */
  readonly passwordRequired: number;
  /** Account or physical card number (8 bytes, rendered as configured). */
  readonly cardNo: string;
  /**
   * The "16-digit MD5" of the password in lower case: 16 ASCII characters (all zero = none). The
   * spec types the field BIN; the lower-case rule only makes sense for characters.
   */
  readonly passwordMd5: string;
  /** VIN in normal order (the wire carries it reversed, spec §8.1); empty when not a VIN start. */
  readonly vin: string;
}

/** 0x32 platform -> charger: authorisation result with the transaction number. */
export interface StartConfirm {
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun: string;
  /** Logical (printed) card number, 16 BCD digits. */
  readonly logicalCardNo: string;
  /** Account balance, CNY with 2 decimals. */
  readonly balanceYuan: number;
  /** 0 failure, 1 success. */
  readonly authResult: number;
  /** `AUTH_FAIL_REASON`. */
  readonly failReason: number;
}

/** 0x33 charger -> platform: result of a remote start. */
export interface RemoteStartResult {
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun: string;
  /** 0 failure, 1 success. */
  readonly result: number;
  /** `START_FAIL_REASON`. */
  readonly failReason: number;
}

/** 0x34 platform -> charger: start charging. */
export interface RemoteStart {
  readonly transactionNo: string;
  readonly pileCode: string;
  readonly gun: string;
  readonly logicalCardNo: string;
  /** Physical card number (8 bytes, rendered as configured). */
  readonly physicalCardNo: string;
  /** CNY with 2 decimals. */
  readonly balanceYuan: number;
}

/** 0x35 charger -> platform: result of a remote stop. */
export interface RemoteStopResult {
  readonly pileCode: string;
  readonly gun: string;
  /** 0 failure, 1 success. */
  readonly result: number;
  /** `STOP_FAIL_REASON`. */
  readonly failReason: number;
}

/** 0x36 platform -> charger: stop charging. */
export interface RemoteStop {
  readonly pileCode: string;
  readonly gun: string;
}

/** Parallel charging (v1.6): the guns charging one vehicle share a parallel number. */
export interface ParallelTag {
  /** Parallel-charge number, 12 BCD digits (yyMMddHHmmss). */
  readonly parallelNo: string;
}

/** 0xA1 = 0x31 + main/auxiliary gun flag + parallel number. */
export interface ParallelStartRequest extends StartRequest, ParallelTag {
  /** 0 main gun, 1 auxiliary gun. */
  readonly gunRole: number;
}

/** 0xA2 = 0x32 + parallel number. */
export interface ParallelStartConfirm extends StartConfirm, ParallelTag {}

/** 0xA3 = 0x33 + main/auxiliary gun flag + parallel number. */
export interface ParallelRemoteStartResult extends RemoteStartResult, ParallelTag {
  readonly gunRole: number;
}

/** 0xA4 = 0x34 + parallel number. */
export interface ParallelRemoteStart extends RemoteStart, ParallelTag {}
