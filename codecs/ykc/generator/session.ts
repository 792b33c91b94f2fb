/** Generators of the registration and heartbeat frames 0x01-0x04 (docs/protocols/ykc.md §4). */
import type { Heartbeat, HeartbeatAnswer, Login, LoginAnswer } from '../messages/session.js';
import type { FieldContext } from '../fields.js';
import { BodyWriter } from '../writer.js';

export function encodeLogin(v: Login, ctx: FieldContext): Buffer {
  return new BodyWriter(30, ctx)
    .bcd(v.pileCode, 7, 'pileCode')
    .u8(v.pileType, 'pileType')
    .u8(v.gunCount, 'gunCount')
    .u8(v.protocolVersion, 'protocolVersion')
    .ascii(v.firmwareVersion, 8, 'firmwareVersion')
    .u8(v.networkType, 'networkType')
    .bcd(v.sim, 10, 'sim')
    .u8(v.operator, 'operator')
    .done();
}

export function encodeLoginAnswer(v: LoginAnswer, ctx: FieldContext): Buffer {
  return new BodyWriter(8, ctx).bcd(v.pileCode, 7, 'pileCode').u8(v.result, 'result').done();
}

export function encodeHeartbeat(v: Heartbeat, ctx: FieldContext): Buffer {
  return new BodyWriter(9, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.gun, 1, 'gun').u8(v.gunState, 'gunState').done();
}

export function encodeHeartbeatAnswer(v: HeartbeatAnswer, ctx: FieldContext): Buffer {
  return new BodyWriter(9, ctx).bcd(v.pileCode, 7, 'pileCode').bcd(v.gun, 1, 'gun').u8(v.answer, 'answer').done();
}
