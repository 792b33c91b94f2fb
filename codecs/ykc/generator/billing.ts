/** Generators of the billing-model frames 0x05, 0x06, 0x09, 0x0A/0x58, 0x57 (docs/protocols/ykc.md §4). */
import type { BillingModel, BillingModelRequest, BillingModelSetAnswer, BillingModelVerify, BillingModelVerifyAnswer, RatePrice } from '../messages/billing.js';
import { YkcEncodeError } from '../errors.js';
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';

export function encodeBillingModelVerify(v: BillingModelVerify, ctx: FieldContext): Buffer {
  return new BodyWriter(9, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.billingModelId, 2, 'billingModelId').done();
}

export function encodeBillingModelVerifyAnswer(v: BillingModelVerifyAnswer, ctx: FieldContext): Buffer {
  return new BodyWriter(10, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.billingModelId, 2, 'billingModelId').u8(v.result, 'result').done();
}

export function encodeBillingModelRequest(v: BillingModelRequest, ctx: FieldContext): Buffer {
  return new BodyWriter(7, ctx).bcd(v.pileCode, 7, 'pileCode').done();
}

function rate(w: BodyWriter, r: RatePrice, name: string): BodyWriter {
  return w.scaled(r.electricity, 100_000, 4, `${name}.electricity`).scaled(r.service, 100_000, 4, `${name}.service`);
}

export function encodeBillingModel(v: BillingModel, ctx: FieldContext): Buffer {
  if (v.periods.length !== 48) throw new YkcEncodeError('periods', `expected 48 half-hour rates, got ${v.periods.length}`);
  const w = new BodyWriter(90, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.billingModelId, 2, 'billingModelId');
  rate(rate(rate(rate(w, v.tip, 'tip'), v.peak, 'peak'), v.flat, 'flat'), v.valley, 'valley').u8(v.lossRatio, 'lossRatio');
  v.periods.forEach((p, i) => w.u8(p, `periods[${i}]`));
  return w.done();
}

export function encodeBillingModelSetAnswer(v: BillingModelSetAnswer, ctx: FieldContext): Buffer {
  return new BodyWriter(8, ctx).bcd(v.pileCode, 7, 'pileCode').u8(v.result, 'result').done();
}
