/** Generators of 0x51/0x52, 0x55/0x56, 0x57, 0x61-0x63 and the maintenance frames 0x91-0x94 (docs/protocols/ykc.md §4). */
import type { FirmwareUpdate, FirmwareUpdateAnswer, Reboot } from '../messages/maintenance.js';
import type { ParkingLockAnswer, ParkingLockCommand, ParkingLockStatus, PileResult, TimeSync, WorkParams } from '../messages/settings.js';
import type { FieldContext } from '../fields.js';
import { withPile, withPileGun } from './common.js';

export function encodeWorkParams(v: WorkParams, ctx: FieldContext): Buffer {
  return withPile(9, v, ctx).u8(v.disabled, 'disabled').u8(v.maxPowerPercent, 'maxPowerPercent').done();
}

export function encodePileResult(v: PileResult, ctx: FieldContext): Buffer {
  return withPile(8, v, ctx).u8(v.result, 'result').done();
}

export function encodeTimeSync(v: TimeSync, ctx: FieldContext): Buffer {
  return withPile(14, v, ctx).time(v.time, 'time').done();
}

export function encodeParkingLockStatus(v: ParkingLockStatus, ctx: FieldContext): Buffer {
  return withPileGun(16, v, ctx).u8(v.lockState, 'lockState').u8(v.spaceState, 'spaceState').u8(v.batteryPercent, 'batteryPercent').u8(v.alarm, 'alarm').hex(v.reserved, 4, 'reserved').done();
}

export function encodeParkingLockCommand(v: ParkingLockCommand, ctx: FieldContext): Buffer {
  return withPileGun(13, v, ctx).u8(v.action, 'action').hex(v.reserved, 4, 'reserved').done();
}

export function encodeParkingLockAnswer(v: ParkingLockAnswer, ctx: FieldContext): Buffer {
  return withPileGun(13, v, ctx).u8(v.result, 'result').hex(v.reserved, 4, 'reserved').done();
}

export function encodeReboot(v: Reboot, ctx: FieldContext): Buffer {
  return withPile(8, v, ctx).u8(v.mode, 'mode').done();
}

export function encodeFirmwareUpdate(v: FirmwareUpdate, ctx: FieldContext): Buffer {
  return withPile(94, v, ctx)
    .u8(v.pileModel, 'pileModel')
    .u16(v.pilePower, 'pilePower')
    .ascii(v.serverAddress, 16, 'serverAddress')
    .u16(v.serverPort, 'serverPort')
    .ascii(v.username, 16, 'username')
    .ascii(v.password, 16, 'password')
    .ascii(v.filePath, 32, 'filePath')
    .u8(v.mode, 'mode')
    .u8(v.downloadTimeoutMin, 'downloadTimeoutMin')
    .done();
}

export function encodeFirmwareUpdateAnswer(v: FirmwareUpdateAnswer, ctx: FieldContext): Buffer {
  return withPile(8, v, ctx).u8(v.status, 'status').done();
}
