/** Generators of the transaction record 0x3B / 0x3D and its confirmation 0x40 (docs/protocols/ykc.md §4, spec §8.7-8.8). */
import type { RateUsage, TransactionRecord, TransactionRecordConfirm, TransactionRecordV17 } from '../messages/record.js';
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';
import { head } from './common.js';

function usage(w: BodyWriter, u: RateUsage, name: string): BodyWriter {
  return w
    .scaled(u.unitPrice, 100_000, 4, `${name}.unitPrice`)
    .scaled(u.energyKwh, 10_000, 4, `${name}.energyKwh`)
    .scaled(u.lossEnergyKwh, 10_000, 4, `${name}.lossEnergyKwh`)
    .scaled(u.amountYuan, 10_000, 4, `${name}.amountYuan`);
}

function rest(w: BodyWriter, v: TransactionRecord): Buffer {
  usage(usage(usage(usage(w, v.tip, 'tip'), v.peak, 'peak'), v.flat, 'flat'), v.valley, 'valley');
  return w
    .scaled(v.meterStartKwh, 10_000, 5, 'meterStartKwh')
    .scaled(v.meterEndKwh, 10_000, 5, 'meterEndKwh')
    .scaled(v.totalEnergyKwh, 10_000, 4, 'totalEnergyKwh')
    .scaled(v.totalLossEnergyKwh, 10_000, 4, 'totalLossEnergyKwh')
    .scaled(v.totalAmountYuan, 10_000, 4, 'totalAmountYuan')
    .ascii(v.vin, 17, 'vin')
    .u8(v.tradeFlag, 'tradeFlag')
    .time(v.tradeTime, 'tradeTime')
    .u8(v.stopReason, 'stopReason')
    .card(v.physicalCardNo, 'physicalCardNo')
    .done();
}

export function encodeTransactionRecord(v: TransactionRecord, ctx: FieldContext): Buffer {
  return rest(head(158, v, ctx).time(v.startTime, 'startTime').time(v.endTime, 'endTime'), v);
}

export function encodeTransactionRecordV17(v: TransactionRecordV17, ctx: FieldContext): Buffer {
  const w = head(201, v, ctx)
    .time(v.startTime, 'startTime')
    .time(v.endTime, 'endTime')
    .bcd(v.meterSerial, 6, 'meterSerial')
    .hex(v.meterCiphertext, 34, 'meterCiphertext')
    .u16(v.meterProtocolVersion, 'meterProtocolVersion')
    .u8(v.meterEncryption, 'meterEncryption');
  return rest(w, v);
}

export function encodeTransactionRecordConfirm(v: TransactionRecordConfirm, ctx: FieldContext): Buffer {
  return new BodyWriter(17, ctx).bcd(v.transactionNo, 16, 'transactionNo').u8(v.result, 'result').done();
}
