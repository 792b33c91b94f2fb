/** Parsers of the billing-model frames 0x05, 0x06, 0x09, 0x0A/0x58, 0x57 (docs/protocols/ykc.md §4). */
import type { Parser } from 'binary-parser';
import type { BillingModel, BillingModelRequest, BillingModelSetAnswer, BillingModelVerify, BillingModelVerifyAnswer } from '../messages/billing.js';
import { bcd, scaled } from '../fields.js';
import { compile, fixed, le, pile, type BodyDecoder } from './common.js';

/** Prices have 5 decimals (docs/protocols/ykc.md §2). */
const price = scaled(100_000);

const modelId = (p: Parser): Parser => p.buffer('billingModelId', { length: 2, formatter: bcd });

const rate = le().uint32('electricity', { formatter: price }).uint32('service', { formatter: price });

const verify = compile(modelId(pile(le())));
const verifyAnswer = compile(modelId(pile(le())).uint8('result'));
const request = compile(pile(le()));
const model = compile(
  modelId(pile(le()))
    .nest('tip', { type: rate })
    .nest('peak', { type: rate })
    .nest('flat', { type: rate })
    .nest('valley', { type: rate })
    .uint8('lossRatio')
    .array('periods', { type: 'uint8', length: 48 }),
);
const setAnswer = compile(pile(le()).uint8('result'));

export const decodeBillingModelVerify: BodyDecoder<BillingModelVerify> = fixed(verify, 9);
export const decodeBillingModelVerifyAnswer: BodyDecoder<BillingModelVerifyAnswer> = fixed(verifyAnswer, 10);
export const decodeBillingModelRequest: BodyDecoder<BillingModelRequest> = fixed(request, 7);
export const decodeBillingModel: BodyDecoder<BillingModel> = fixed(model, 90);
export const decodeBillingModelSetAnswer: BodyDecoder<BillingModelSetAnswer> = fixed(setAnswer, 8);
