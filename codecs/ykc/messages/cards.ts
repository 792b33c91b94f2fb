/** Bodies of the balance-update and offline-card frames 0x41-0x48 (docs/protocols/ykc.md §4, spec §8.9-8.16). */

/** 0x42 platform -> charger: the user's balance changed. */
export interface BalanceUpdate {
  readonly pileCode: string;
  readonly gun: string;
  /** Physical card to check against the running session; all zero = do not check. */
  readonly physicalCardNo: string;
  /** New balance, CNY with 2 decimals. */
  readonly balanceYuan: number;
}

/** 0x41 charger -> platform. */
export interface BalanceUpdateAnswer {
  readonly pileCode: string;
  readonly physicalCardNo: string;
  /** 0 updated, 1 wrong pile code, 2 wrong card. */
  readonly result: number;
}

/**
 * Where the entry count of 0x44/0x46/0x48 sits: `spec` one byte after the pile code; `jcpp` a
 * 4-byte little-endian count, after the pile code in 0x44/0x46 and before it in 0x48, as JCPP
 * writes these frames. The decoder picks the layout the body length fits exactly.
 */
export type CountLayout = 'spec' | 'jcpp';

export interface OfflineCard {
  /** Logical (printed) card number, 16 BCD digits. */
  readonly logicalCardNo: string;
  readonly physicalCardNo: string;
}

/** 0x44 platform -> charger: store these cards for offline authorisation (at most 15). */
export interface OfflineCardSync {
  readonly pileCode: string;
  readonly countLayout: CountLayout;
  readonly cards: readonly OfflineCard[];
}

/** 0x43 charger -> platform. */
export interface OfflineCardSyncAnswer {
  readonly pileCode: string;
  /** 0 failure, 1 saved. */
  readonly result: number;
  /** 1 bad card format, 2 storage full. */
  readonly failReason: number;
}

/** 0x46 (clear, at most 24) and 0x48 (query, at most 26) platform -> charger: physical card numbers. */
export interface OfflineCardList {
  readonly pileCode: string;
  readonly countLayout: CountLayout;
  readonly cards: readonly string[];
}

/** 0x45 charger -> platform: one result per card, as many as the body holds. */
export interface OfflineCardClearAnswer {
  readonly pileCode: string;
  readonly results: readonly {
    readonly physicalCardNo: string;
    /** 0 failure, 1 cleared. */
    readonly cleared: number;
    /** 1 bad card format. */
    readonly failReason: number;
  }[];
}

/** 0x47 charger -> platform: one result per card, as many as the body holds. */
export interface OfflineCardQueryAnswer {
  readonly pileCode: string;
  readonly results: readonly {
    readonly physicalCardNo: string;
    /** 0 not stored, 1 stored. */
    readonly exists: number;
  }[];
}
