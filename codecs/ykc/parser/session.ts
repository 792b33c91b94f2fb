/** Parsers of the registration and heartbeat frames 0x01-0x04 (docs/protocols/ykc.md §4). */
import type { Heartbeat, HeartbeatAnswer, Login, LoginAnswer } from '../messages/session.js';
import { ascii, hex } from '../fields.js';
import { compile, fixed, le, pile, pileGun, type BodyDecoder } from './common.js';

const login = compile(
  pile(le())
    .uint8('pileType')
    .uint8('gunCount')
    .uint8('protocolVersion')
    .buffer('firmwareVersion', { length: 8, formatter: ascii })
    .uint8('networkType')
    .buffer('sim', { length: 10, formatter: hex })
    .uint8('operator'),
);

const loginAnswer = compile(pile(le()).uint8('result'));
const heartbeat = compile(pileGun(le()).uint8('gunState'));
const heartbeatAnswer = compile(pileGun(le()).uint8('answer'));

export const decodeLogin: BodyDecoder<Login> = fixed(login, 30);
export const decodeLoginAnswer: BodyDecoder<LoginAnswer> = fixed(loginAnswer, 8);
export const decodeHeartbeat: BodyDecoder<Heartbeat> = fixed(heartbeat, 9);
export const decodeHeartbeatAnswer: BodyDecoder<HeartbeatAnswer> = fixed(heartbeatAnswer, 9);
