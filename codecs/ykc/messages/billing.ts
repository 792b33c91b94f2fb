/** Bodies of the billing-model frames 0x05, 0x06, 0x09, 0x0A, 0x57, 0x58 (docs/protocols/ykc.md §4, spec §6.5-6.8, §9.5-9.6). */

/** 0x05 charger -> platform: is my billing model current? */
export interface BillingModelVerify {
  readonly pileCode: string;
  /** Billing model id, 4 BCD digits; `0000` on first connection. */
  readonly billingModelId: string;
}

/** 0x06 platform -> charger. */
export interface BillingModelVerifyAnswer {
  readonly pileCode: string;
  readonly billingModelId: string;
  /** 0 same as the platform's, 1 different (the charger then sends 0x09). */
  readonly result: number;
}

/** 0x09 charger -> platform: send me the billing model. */
export interface BillingModelRequest {
  readonly pileCode: string;
}

/** Electricity and service price of one rate, CNY/kWh with 5 decimals. */
export interface RatePrice {
  readonly electricity: number;
  readonly service: number;
}

/** 0x0A (answer to 0x09) and 0x58 (set, unsolicited) platform -> charger: the billing model. */
export interface BillingModel {
  readonly pileCode: string;
  readonly billingModelId: string;
  /** Rates 0 tip (尖), 1 peak (峰), 2 flat (平), 3 valley (谷). */
  readonly tip: RatePrice;
  readonly peak: RatePrice;
  readonly flat: RatePrice;
  readonly valley: RatePrice;
  /** Loss ratio (计损比例); the platform sets 0. */
  readonly lossRatio: number;
  /** 48 rate numbers (0..3), one per half hour from 00:00-00:30 to 23:30-24:00. */
  readonly periods: readonly number[];
}

/** 0x57 charger -> platform: answer to 0x58. */
export interface BillingModelSetAnswer {
  readonly pileCode: string;
  /** 0 failure, 1 success. */
  readonly result: number;
}

/** A billing model (计费模型) as sent in 0x0A: four rates and 48 half-hour rate indexes. */
export interface YkcTariff {
  /** 4 BCD digits, not `0000` (the charger's "none yet"). */
  readonly billingModelId: string;
  readonly tip: RatePrice;
  readonly peak: RatePrice;
  readonly flat: RatePrice;
  readonly valley: RatePrice;
  /** 48 rate indexes (0 tip, 1 peak, 2 flat, 3 valley), 00:00-00:30 first. */
  readonly periods: readonly number[];
  readonly lossRatio?: number;
}
