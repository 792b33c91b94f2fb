/**
 * The packet-capture reader on hostile files (seeded properties): captures the gateway writes, in
 * pcap and pcapng, mutated (bits flipped, bytes set, inserted, deleted, the file cut short), with
 * huge or tiny block and record lengths and unknown link types. Reading and reassembling never
 * throws anything but a CAPTURE_INVALID usage error, and never hands out more bytes than the file
 * holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../src/cli/io.js';
import { readPacketCapture } from '../../../src/cli/pcap-read.js';
import { tcpStreams } from '../../../src/cli/tcp-streams.js';
import { pcapFileHeader, pcapngHead, pcapngPacket, pcapRecord, TcpFlow } from '../../../src/gateway/capture-pcap.js';
import { mutate, mutation } from '../../support/mutations.js';
import { testSeed } from '../../support/seed.js';

const seed = testSeed('pcap reader fuzz');

function packets(v6: boolean): Buffer[] {
  const flow = new TcpFlow({ address: v6 ? '2001:db8::2' : '10.0.0.2', port: 40_000 }, { address: v6 ? '2001:db8::1' : '10.0.0.1', port: 2404 });
  return [...flow.handshake(), ...flow.data('in', Buffer.from('680407000000', 'hex')), ...flow.data('out', Buffer.from('68040b000000', 'hex')), ...flow.finish()];
}

function pcap(v6: boolean): Buffer {
  return Buffer.concat([pcapFileHeader(), ...packets(v6).map((p, i) => pcapRecord(1_700_000_000_000 + i, p))]);
}

function pcapng(v6: boolean): Buffer {
  return Buffer.concat([pcapngHead({ pilegate: 'capture', format: 1, codec: 'iec104-points' }), ...packets(v6).map((p, i) => pcapngPacket(1_700_000_000_000 + i, p))]);
}

/** Reads and reassembles `bytes`; any throw but CAPTURE_INVALID fails the property. */
function survive(bytes: Buffer): void {
  let capture;
  try {
    capture = readPacketCapture(bytes, 'fuzz.pcap');
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).code).toBe('CAPTURE_INVALID');
    return;
  }
  for (const s of capture.segments) expect(s.payload.length).toBeLessThanOrEqual(bytes.length);
  const streams = tcpStreams(capture.segments);
  const delivered = streams.reduce((n, s) => n + s.entries.reduce((m, e) => m + e.bytes.length, 0), 0);
  expect(delivered).toBeLessThanOrEqual(bytes.length);
}

const u32 = fc.oneof(fc.constantFrom(0, 1, 4, 8, 11, 12, 13, 16, 20, 24, 0x7fffffff, 0xfffffffc, 0xffffffff), fc.nat());

describe('packet-capture reader on malformed files', () => {
  const originals = { 'pcap v4': pcap(false), 'pcap v6': pcap(true), 'pcapng v4': pcapng(false), 'pcapng v6': pcapng(true) };

  it('originals read back whole (the property starts from valid files)', () => {
    for (const bytes of Object.values(originals)) expect(tcpStreams(readPacketCapture(bytes, 'ok.pcap').segments)).toHaveLength(1);
  });

  for (const [name, bytes] of Object.entries(originals)) {
    it(`${name}: mutated bytes never crash the reader`, () => {
      fc.assert(
        fc.property(fc.array(mutation, { minLength: 1, maxLength: 12 }), (ms) => survive(mutate(bytes, ms))),
        { seed, numRuns: 400 },
      );
    });

    it(`${name}: any 32-bit value at any 4-byte boundary (lengths, link types, magic) never crashes the reader`, () => {
      fc.assert(
        fc.property(fc.nat(), u32, fc.boolean(), (at, value, le) => {
          const copy = Buffer.from(bytes);
          const o = (at % (copy.length >> 2)) * 4;
          if (le) copy.writeUInt32LE(value >>> 0, o);
          else copy.writeUInt32BE(value >>> 0, o);
          survive(copy);
          survive(copy.subarray(0, o + 4));
        }),
        { seed, numRuns: 400 },
      );
    });

    it(`${name}: cut at every byte, it never crashes the reader`, () => {
      for (let n = 0; n <= bytes.length; n += 1) survive(bytes.subarray(0, n));
    });
  }

  it('a pcapng whose last block is a 12-byte packet block is read without a crash', () => {
    const last = Buffer.alloc(12);
    last.writeUInt32LE(6, 0);
    last.writeUInt32LE(12, 4);
    last.writeUInt32LE(12, 8);
    survive(Buffer.concat([pcapngHead({ pilegate: 'capture', format: 1, codec: 'ykc' }), last]));
  });
});
