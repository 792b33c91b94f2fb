/** Parsers of 0x51/0x52, 0x55/0x56, 0x57, 0x61-0x63 and the maintenance frames 0x91-0x94 (docs/protocols/ykc.md §4). */
import type { FirmwareUpdate, FirmwareUpdateAnswer, Reboot } from '../messages/maintenance.js';
import type { ParkingLockAnswer, ParkingLockCommand, ParkingLockStatus, PileResult, TimeSync, WorkParams } from '../messages/settings.js';
import { ascii, hex } from '../fields.js';
import { compile, fixed, le, pile, pileGun, rawTime, time, type BodyDecoder } from './common.js';

const workParams = compile(pile(le()).uint8('disabled').uint8('maxPowerPercent'));
const result = compile(pile(le()).uint8('result'));
const timeSync = compile(rawTime(pile(le()), 'time'));
const lockStatus = compile(pileGun(le()).uint8('lockState').uint8('spaceState').uint8('batteryPercent').uint8('alarm').buffer('reserved', { length: 4, formatter: hex }));
const lockCommand = compile(pileGun(le()).uint8('action').buffer('reserved', { length: 4, formatter: hex }));
const lockAnswer = compile(pileGun(le()).uint8('result').buffer('reserved', { length: 4, formatter: hex }));
const reboot = compile(pile(le()).uint8('mode'));
const update = compile(
  pile(le())
    .uint8('pileModel')
    .uint16('pilePower')
    .buffer('serverAddress', { length: 16, formatter: ascii })
    .uint16('serverPort')
    .buffer('username', { length: 16, formatter: ascii })
    .buffer('password', { length: 16, formatter: ascii })
    .buffer('filePath', { length: 32, formatter: ascii })
    .uint8('mode')
    .uint8('downloadTimeoutMin'),
);
const updateAnswer = compile(pile(le()).uint8('status'));

export const decodeWorkParams: BodyDecoder<WorkParams> = fixed(workParams, 9);
export const decodePileResult: BodyDecoder<PileResult> = fixed(result, 8);
export const decodeTimeSync: BodyDecoder<TimeSync> = fixed(timeSync, 14, (r, ctx) => ({
  pileCode: r.pileCode as string,
  time: time(r.time, ctx),
}));
export const decodeParkingLockStatus: BodyDecoder<ParkingLockStatus> = fixed(lockStatus, 16);
export const decodeParkingLockCommand: BodyDecoder<ParkingLockCommand> = fixed(lockCommand, 13);
export const decodeParkingLockAnswer: BodyDecoder<ParkingLockAnswer> = fixed(lockAnswer, 13);
export const decodeReboot: BodyDecoder<Reboot> = fixed(reboot, 8);
export const decodeFirmwareUpdate: BodyDecoder<FirmwareUpdate> = fixed(update, 94);
export const decodeFirmwareUpdateAnswer: BodyDecoder<FirmwareUpdateAnswer> = fixed(updateAnswer, 8);
