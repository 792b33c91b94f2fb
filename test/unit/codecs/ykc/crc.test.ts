/**
 * CRC-16/MODBUS (docs/protocols/ykc.md §1): the catalogue check value, the two spec samples that verify (§8.1),
 * both byte orders on receive and low byte first on send.
 */
import { describe, expect, it } from 'vitest';
import { checkCrc, crc16Modbus, writeCrc } from '../../../../codecs/ykc/index.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const frame = (h: string): Buffer => Buffer.from(h.replace(/\s+/g, ''), 'hex');

describe('crc16Modbus', () => {
  it('has the CRC-16/MODBUS check value for "123456789"', () => {
    expect(crc16Modbus(ascii('123456789'))).toBe(0x4b37);
  });

  it('is 0xFFFF (the initial value) for no bytes and honours start/end', () => {
    expect(crc16Modbus(Buffer.alloc(0))).toBe(0xffff);
    expect(crc16Modbus(ascii('xx123456789yy'), 2, 11)).toBe(0x4b37);
  });

  it('matches known single-byte values', () => {
    expect(crc16Modbus(Buffer.from([0x00]))).toBe(0x40bf);
    expect(crc16Modbus(Buffer.from([0x01]))).toBe(0x807e);
  });

  it('verifies the spec samples of 0x02 and 0x06 over sequence..body', () => {
    const ack = frame('68 0C 00 00 00 02 55 03 14 12 78 23 05 00 DA 4C');
    expect(crc16Modbus(ack, 2, ack.length - 2)).toBe(0x4cda);
    const verify = frame('68 0E CE 04 00 06 55 03 14 12 78 23 05 00 00 00 8E 2F');
    expect(crc16Modbus(verify, 2, verify.length - 2)).toBe(0x2f8e);
  });
});

describe('checkCrc / writeCrc', () => {
  const login = frame('68 22 00 19 00 01 20 23 12 12 00 00 10 01 01 10 47 56 2E 39 35 72 31 33 00 89 86 04 D1 17 22 D0 34 86 06 02 87 4E');
  const heartbeatBe = frame('68 0D 25 D3 00 03 20 23 12 12 00 00 10 01 00 D1 AC');

  it('reports the byte order the CRC arrived in', () => {
    expect(checkCrc(login, 0, login.length)).toBe('le');
    expect(checkCrc(heartbeatBe, 0, heartbeatBe.length)).toBe('be');
  });

  it('finds a frame inside a larger buffer', () => {
    const stream = Buffer.concat([Buffer.from([0xaa, 0xbb]), login, Buffer.from([0xcc])]);
    expect(checkCrc(stream, 2, login.length)).toBe('le');
  });

  it('rejects a CRC that matches in neither order', () => {
    const broken = Buffer.from(login);
    broken[broken.length - 1] = (broken[broken.length - 1] as number) ^ 0x01;
    expect(checkCrc(broken, 0, broken.length)).toBeUndefined();
    const body = Buffer.from(login);
    body[10] = (body[10] as number) ^ 0x80;
    expect(checkCrc(body, 0, body.length)).toBeUndefined();
  });

  it('writes low byte first by default and high byte first on request', () => {
    const out = Buffer.from(login);
    out.fill(0, out.length - 2);
    writeCrc(out, out.length - 2);
    expect(out.subarray(-2).toString('hex')).toBe('874e');
    writeCrc(out, out.length - 2, 'be');
    expect(out.subarray(-2).toString('hex')).toBe('4e87');
  });
});
