/** Generators of the start/stop frames 0x31-0x36 and 0xA1-0xA4 (docs/protocols/ykc.md §4, spec §8.1-8.6, §12). */
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
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';
import { head } from './common.js';

function request(size: number, v: StartRequest, ctx: FieldContext): BodyWriter {
  const w = new BodyWriter(size, ctx)
    .bcd(v.pileCode, 7, 'pileCode')
    .bcd(v.gun, 1, 'gun')
    .u8(v.startMode, 'startMode')
    .u8(v.passwordRequired, 'passwordRequired')
    .card(v.cardNo, 'cardNo')
    .ascii(v.passwordMd5, 16, 'passwordMd5');
  // The VIN is sent reversed (spec §8.1): padded in normal order, then the 17 bytes reversed.
  return w.asciiReversed(v.vin, 17, 'vin');
}

function confirm(size: number, v: StartConfirm, ctx: FieldContext): BodyWriter {
  return head(size, v, ctx).bcd(v.logicalCardNo, 8, 'logicalCardNo').scaled(v.balanceYuan, 100, 4, 'balanceYuan').u8(v.authResult, 'authResult').u8(v.failReason, 'failReason');
}

function result(size: number, v: RemoteStartResult, ctx: FieldContext): BodyWriter {
  return head(size, v, ctx).u8(v.result, 'result').u8(v.failReason, 'failReason');
}

function remoteStart(size: number, v: RemoteStart, ctx: FieldContext): BodyWriter {
  return head(size, v, ctx).bcd(v.logicalCardNo, 8, 'logicalCardNo').card(v.physicalCardNo, 'physicalCardNo').scaled(v.balanceYuan, 100, 4, 'balanceYuan');
}

export function encodeStartRequest(v: StartRequest, ctx: FieldContext): Buffer {
  return request(51, v, ctx).done();
}

export function encodeStartConfirm(v: StartConfirm, ctx: FieldContext): Buffer {
  return confirm(38, v, ctx).done();
}

export function encodeRemoteStartResult(v: RemoteStartResult, ctx: FieldContext): Buffer {
  return result(26, v, ctx).done();
}

export function encodeRemoteStart(v: RemoteStart, ctx: FieldContext): Buffer {
  return remoteStart(44, v, ctx).done();
}

export function encodeRemoteStopResult(v: RemoteStopResult, ctx: FieldContext): Buffer {
  return new BodyWriter(10, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.gun, 1, 'gun').u8(v.result, 'result').u8(v.failReason, 'failReason').done();
}

export function encodeRemoteStop(v: RemoteStop, ctx: FieldContext): Buffer {
  return new BodyWriter(8, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.gun, 1, 'gun').done();
}

export function encodeParallelStartRequest(v: ParallelStartRequest, ctx: FieldContext): Buffer {
  return request(58, v, ctx).u8(v.gunRole, 'gunRole').bcd(v.parallelNo, 6, 'parallelNo').done();
}

export function encodeParallelStartConfirm(v: ParallelStartConfirm, ctx: FieldContext): Buffer {
  return confirm(44, v, ctx).bcd(v.parallelNo, 6, 'parallelNo').done();
}

export function encodeParallelRemoteStartResult(v: ParallelRemoteStartResult, ctx: FieldContext): Buffer {
  return result(33, v, ctx).u8(v.gunRole, 'gunRole').bcd(v.parallelNo, 6, 'parallelNo').done();
}

export function encodeParallelRemoteStart(v: ParallelRemoteStart, ctx: FieldContext): Buffer {
  return remoteStart(50, v, ctx).bcd(v.parallelNo, 6, 'parallelNo').done();
}
