/** Parsers of the start/stop frames 0x31-0x36 and 0xA1-0xA4 (docs/protocols/ykc.md §4, spec §8.1-8.6, §12). */
import type { Parser } from 'binary-parser';
import type {
  ParallelRemoteStart,
  ParallelRemoteStartResult,
  ParallelStartConfirm,
  ParallelStartRequest,
  RemoteStart,
  RemoteStartResult,
  RemoteStop,
  RemoteStopResult,
  StartConfirm,
  StartRequest,
} from '../messages/start.js';
import { ascii, asciiString, bcd, scaled, type FieldContext } from '../fields.js';
import { card, compile, fixed, le, pileGun, rawCard, txnPileGun, type BodyDecoder } from './common.js';

/** The VIN travels reversed in 0x31/0xA1 (spec §8.1). */
const reversedVin = function (this: unknown, b: Buffer): string {
  return asciiString(Buffer.from(b).reverse());
};

const requestFields = (p: Parser): Parser =>
  rawCard(pileGun(p).uint8('startMode').uint8('passwordRequired'), 'cardNo').buffer('passwordMd5', { length: 16, formatter: ascii }).buffer('vin', { length: 17, formatter: reversedVin });

const confirmFields = (p: Parser): Parser =>
  txnPileGun(p)
    .buffer('logicalCardNo', { length: 8, formatter: bcd })
    .uint32('balanceYuan', { formatter: scaled(100) })
    .uint8('authResult')
    .uint8('failReason');

const resultFields = (p: Parser): Parser => txnPileGun(p).uint8('result').uint8('failReason');

const remoteStartFields = (p: Parser): Parser =>
  rawCard(txnPileGun(p).buffer('logicalCardNo', { length: 8, formatter: bcd }), 'physicalCardNo').uint32('balanceYuan', {
    formatter: scaled(100),
  });

const parallelNo = (p: Parser): Parser => p.buffer('parallelNo', { length: 6, formatter: bcd });

const request = compile(requestFields(le()));
const confirm = compile(confirmFields(le()));
const startResult = compile(resultFields(le()));
const remoteStart = compile(remoteStartFields(le()));
const stopResult = compile(pileGun(le()).uint8('result').uint8('failReason'));
const stop = compile(pileGun(le()));
const parallelRequest = compile(parallelNo(requestFields(le()).uint8('gunRole')));
const parallelConfirm = compile(parallelNo(confirmFields(le())));
const parallelResult = compile(parallelNo(resultFields(le()).uint8('gunRole')));
const parallelStart = compile(parallelNo(remoteStartFields(le())));

/** Renders the raw card field `name` with the configured card format. */
const cardField =
  <T>(name: string) =>
  (r: Record<string, unknown>, ctx: FieldContext): T =>
    ({ ...r, [name]: card(r[name], ctx) }) as T;

export const decodeStartRequest = fixed<StartRequest>(request, 51, cardField('cardNo'));
export const decodeStartConfirm: BodyDecoder<StartConfirm> = fixed(confirm, 38);
export const decodeRemoteStartResult: BodyDecoder<RemoteStartResult> = fixed(startResult, 26);
export const decodeRemoteStart = fixed<RemoteStart>(remoteStart, 44, cardField('physicalCardNo'));
export const decodeRemoteStopResult: BodyDecoder<RemoteStopResult> = fixed(stopResult, 10);
export const decodeRemoteStop: BodyDecoder<RemoteStop> = fixed(stop, 8);
export const decodeParallelStartRequest = fixed<ParallelStartRequest>(parallelRequest, 58, cardField('cardNo'));
export const decodeParallelStartConfirm: BodyDecoder<ParallelStartConfirm> = fixed(parallelConfirm, 44);
export const decodeParallelRemoteStartResult: BodyDecoder<ParallelRemoteStartResult> = fixed(parallelResult, 33);
export const decodeParallelRemoteStart = fixed<ParallelRemoteStart>(parallelStart, 50, cardField('physicalCardNo'));
