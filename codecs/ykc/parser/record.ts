/** Parsers of the transaction record 0x3B / 0x3D and its confirmation 0x40 (docs/protocols/ykc.md §4, spec §8.7-8.8). */
import type { Parser } from 'binary-parser';
import type { TransactionRecord, TransactionRecordConfirm, TransactionRecordV17 } from '../messages/record.js';
import { ascii, bcd, hex, scaled, uintLEScaled, type FieldContext } from '../fields.js';
import { card, compile, fixed, le, rawCard, rawTime, time, txnPileGun, type BodyDecoder } from './common.js';

const energy = scaled(10_000);

const usage = le()
  .uint32('unitPrice', { formatter: scaled(100_000) })
  .uint32('energyKwh', { formatter: energy })
  .uint32('lossEnergyKwh', { formatter: energy })
  .uint32('amountYuan', { formatter: energy });

const times = (p: Parser): Parser => rawTime(rawTime(txnPileGun(p), 'startTime'), 'endTime');

/** 0x3D inserts the meter data after the end time. */
const meter = (p: Parser): Parser =>
  p.buffer('meterSerial', { length: 6, formatter: bcd }).buffer('meterCiphertext', { length: 34, formatter: hex }).uint16('meterProtocolVersion').uint8('meterEncryption');

const rest = (p: Parser): Parser =>
  rawCard(
    rawTime(
      p
        .nest('tip', { type: usage })
        .nest('peak', { type: usage })
        .nest('flat', { type: usage })
        .nest('valley', { type: usage })
        .buffer('meterStartKwh', { length: 5, formatter: uintLEScaled(10_000) })
        .buffer('meterEndKwh', { length: 5, formatter: uintLEScaled(10_000) })
        .uint32('totalEnergyKwh', { formatter: energy })
        .uint32('totalLossEnergyKwh', { formatter: energy })
        .uint32('totalAmountYuan', { formatter: energy })
        .buffer('vin', { length: 17, formatter: ascii })
        .uint8('tradeFlag'),
      'tradeTime',
    ).uint8('stopReason'),
    'physicalCardNo',
  );

const record = compile(rest(times(le())));
const recordV17 = compile(rest(meter(times(le()))));
const confirm = compile(le().buffer('transactionNo', { length: 16, formatter: bcd }).uint8('result'));

function finish<T>(r: Record<string, unknown>, ctx: FieldContext): T {
  return {
    ...r,
    startTime: time(r.startTime, ctx),
    endTime: time(r.endTime, ctx),
    tradeTime: time(r.tradeTime, ctx),
    physicalCardNo: card(r.physicalCardNo, ctx),
  } as T;
}

export const decodeTransactionRecord = fixed<TransactionRecord>(record, 158, finish);
export const decodeTransactionRecordV17 = fixed<TransactionRecordV17>(recordV17, 201, finish);
export const decodeTransactionRecordConfirm: BodyDecoder<TransactionRecordConfirm> = fixed(confirm, 17);
