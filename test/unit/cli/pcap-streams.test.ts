/**
 * Packet captures as `pilegate replay` reads them: pcap in both byte orders and both time units,
 * pcapng, Ethernet (VLAN), Linux cooked v1 and v2 and raw IP link types; TCP streams reassembled
 * out of order and through retransmissions, sides told apart by port, SYN or a guess; several
 * connections kept apart.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCliProcess } from '../../support/cli.js';
import { readPacketCapture, type TcpSegment } from '../../../src/cli/pcap-read.js';
import { tcpStreams } from '../../../src/cli/tcp-streams.js';
import { pcapngHead, pcapngPacket, TcpFlow } from '../../../src/gateway/capture-pcap.js';

const T0 = Date.parse('2026-01-31T08:00:00.000Z');

/** IP packets (no link header) of a connection: handshake, then `data`. */
function ipPackets(data: readonly { dir: 'in' | 'out'; hex: string }[], v6 = false): Buffer[] {
  const flow = new TcpFlow({ address: v6 ? 'fd00::2' : '10.0.0.2', port: 40001 }, { address: v6 ? 'fd00::1' : '10.0.0.1', port: 5555 });
  return [...flow.handshake(), ...data.flatMap((d) => flow.data(d.dir, Buffer.from(d.hex, 'hex')))].map((p) => p.subarray(14));
}

/** A pcap file of `packets` with link type `linkType`, big- or little-endian, micro- or nanoseconds. */
function pcap(packets: readonly Buffer[], linkType: number, be: boolean, nano: boolean): Buffer {
  const u32 = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    if (be) b.writeUInt32BE(n >>> 0);
    else b.writeUInt32LE(n >>> 0);
    return b;
  };
  const u16 = (n: number): Buffer => {
    const b = Buffer.alloc(2);
    if (be) b.writeUInt16BE(n);
    else b.writeUInt16LE(n);
    return b;
  };
  const head = Buffer.concat([u32(nano ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(65535), u32(linkType)]);
  const records = packets.map((p, i) => Buffer.concat([u32(T0 / 1000 + i), u32(nano ? 250_000_000 : 250_000), u32(p.length), u32(p.length), p]));
  return Buffer.concat([head, ...records]);
}

const SLL = (proto: number): Buffer => Buffer.from([0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0, proto >> 8, proto & 0xff]);
const SLL2 = (proto: number): Buffer => Buffer.from([proto >> 8, proto & 0xff, 0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0]);
const VLAN_ETH = (proto: number): Buffer => Buffer.from([2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0, 0, 7, proto >> 8, proto & 0xff]);

const DATA = [
  { dir: 'out' as const, hex: '680407000000' },
  { dir: 'in' as const, hex: '68040b000000' },
  { dir: 'in' as const, hex: '680443000000' },
];

describe('packet capture files', () => {
  for (const v6 of [false, true]) {
    const proto = v6 ? 0x86dd : 0x0800;
    for (const [name, linkType, wrap] of [
      ['Ethernet with a VLAN tag', 1, VLAN_ETH(proto)],
      ['Linux cooked v1', 113, SLL(proto)],
      ['Linux cooked v2', 276, SLL2(proto)],
      ['raw IP', 101, Buffer.alloc(0)],
    ] as const) {
      for (const [be, nano] of [
        [false, false],
        [true, true],
      ] as const) {
        it(`reads ${name}, IPv${v6 ? 6 : 4}, ${be ? 'big' : 'little'}-endian pcap in ${nano ? 'nano' : 'micro'}seconds`, () => {
          const file = pcap(
            ipPackets(DATA, v6).map((p) => Buffer.concat([wrap, p])),
            linkType,
            be,
            nano,
          );
          const read = readPacketCapture(file, 'x.pcap');
          expect(read.skipped).toBe(0);
          const [stream, ...more] = tcpStreams(read.segments);
          expect(more).toEqual([]);
          expect(stream).toMatchObject({ charger: { address: v6 ? 'fd00::2' : '10.0.0.2', port: 40001 }, gateway: { port: 5555 }, sidesBy: 'syn' });
          expect(stream?.entries.map((e) => ({ dir: e.dir, hex: e.bytes.toString('hex') }))).toEqual(DATA);
          expect(stream?.entries[0]?.time).toBe(T0 + 3000 + 250);
        });
      }
    }
  }

  it('reads pcapng: the section comment and the packets', () => {
    const flow = new TcpFlow({ address: '10.0.0.2', port: 40001 }, { address: '10.0.0.1', port: 2404 });
    const file = Buffer.concat([
      pcapngHead({ pilegate: 'capture', format: 1, codec: 'ykc' }),
      ...[...flow.handshake(), ...flow.data('in', Buffer.from('6801', 'hex'))].map((p) => pcapngPacket(T0, p)),
    ]);
    const read = readPacketCapture(file, 'x.pcapng');
    expect(read.comments.map((c) => JSON.parse(c) as unknown)).toEqual([{ pilegate: 'capture', format: 1, codec: 'ykc' }]);
    expect(tcpStreams(read.segments)[0]?.entries.map((e) => e.bytes.toString('hex'))).toEqual(['6801']);
  });

  it('refuses a file that is no capture with a typed error', () => {
    expect(() => readPacketCapture(Buffer.from('not a pcap at all, really not'), 'x.pcap')).toThrow(expect.objectContaining({ code: 'CAPTURE_INVALID' }) as Error);
  });
});

function seg(packet: number, from: 'c' | 'g', seq: number, hex: string, flags = 0x18): TcpSegment {
  const c = { address: '10.0.0.2', port: 40001 };
  const g = { address: '10.0.0.1', port: 2404 };
  const [s, d] = from === 'c' ? [c, g] : [g, c];
  return { packet, time: T0 + packet, src: s.address, srcPort: s.port, dst: d.address, dstPort: d.port, seq, flags, payload: Buffer.from(hex, 'hex') };
}

describe('TCP stream reassembly', () => {
  it('puts out-of-order segments in order and keeps retransmitted bytes once', () => {
    const segments = [seg(1, 'c', 100, '0102'), seg(2, 'c', 104, '0506'), seg(3, 'c', 102, '0304'), seg(4, 'c', 100, '010203'), seg(5, 'c', 105, '0607'), seg(6, 'g', 900, 'aa')];
    const [s] = tcpStreams(segments);
    expect(s?.sidesBy).toBe('guess');
    expect(s?.entries.map((e) => [e.line, e.dir, e.bytes.toString('hex')])).toEqual([
      [1, 'in', '0102'],
      [3, 'in', '03040506'],
      [5, 'in', '07'],
      [6, 'out', 'aa'],
    ]);
    expect(s?.missing).toEqual({ in: 0, out: 0 });
  });

  it('delivers bytes after a gap the capture missed, counting the gap', () => {
    const [s] = tcpStreams([seg(1, 'c', 100, '0102'), seg(2, 'c', 110, '0b')]);
    expect(s?.entries.map((e) => e.bytes.toString('hex'))).toEqual(['0102', '0b']);
    expect(s?.missing.in).toBe(8);
  });

  it('waits behind a gap for a bounded number of segments, then counts it missing and goes on (no quadratic wait)', () => {
    const after = Array.from({ length: 40_000 }, (_, i) => seg(i + 2, 'c', 110 + i * 2, '0a0b'));
    const started = Date.now();
    const [s] = tcpStreams([seg(1, 'c', 100, '0102'), ...after]);
    const took = Date.now() - started;
    expect(s?.missing.in).toBe(8);
    expect(Buffer.concat(s?.entries.map((e) => e.bytes) ?? []).length).toBe(2 + 40_000 * 2);
    // Bytes after the gap come at the packets that brought them, not all at once at the end of the file.
    expect(s?.entries.length).toBeGreaterThan(39_000);
    expect(took).toBeLessThan(5_000);
  });

  it('takes the side that sent SYN for the charger whatever the ports, and --port over it', () => {
    const syn = { ...seg(1, 'g', 899, ''), flags: 0x02 };
    const segments = [syn, seg(2, 'g', 900, 'aa'), seg(3, 'c', 100, 'bb')];
    expect(tcpStreams(segments)[0]).toMatchObject({ charger: { port: 2404 }, gateway: { port: 40001 }, sidesBy: 'syn' });
    expect(tcpStreams(segments, { port: 2404 })[0]).toMatchObject({ charger: { port: 40001 }, gateway: { port: 2404 }, sidesBy: 'port' });
    expect(tcpStreams(segments, { port: 9999 })).toEqual([]);
  });

  it('keeps connections apart, a new SYN on a used port pair beginning a new stream', () => {
    const other = { ...seg(3, 'c', 5, '77'), srcPort: 40002 };
    const again = { ...seg(4, 'c', 7000, ''), flags: 0x02 };
    const streams = tcpStreams([seg(1, 'c', 100, '01'), seg(2, 'g', 900, '02'), other, again, seg(5, 'c', 7001, '03')]);
    expect(streams.map((s) => [s.index, s.charger.port, s.entries.map((e) => e.bytes.toString('hex')).join(',')])).toEqual([
      [1, 40001, '01,02'],
      [2, 40002, '77'],
      [3, 40001, '03'],
    ]);
  });
});

describe('pilegate replay of a packet capture with several connections', () => {
  it('prints each stream with its endpoints, plays one with --stream n, and refuses a stream that is not there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilegate-streams-'));
    try {
      const a = new TcpFlow({ address: '10.0.0.2', port: 40001 }, { address: '10.0.0.1', port: 2404 });
      const b = new TcpFlow({ address: '10.0.0.3', port: 40002 }, { address: '10.0.0.1', port: 2404 });
      const packets = [...a.handshake(), ...b.handshake(), ...a.data('in', Buffer.from('68040b000000', 'hex')), ...b.data('in', Buffer.from('680443000000', 'hex')), ...a.finish()];
      const file = join(dir, 'two.pcapng');
      writeFileSync(file, Buffer.concat([pcapngHead({ pilegate: 'capture', format: 1, codec: 'iec104-points' }), ...packets.map((p, i) => pcapngPacket(T0 + i, p))]));
      const all = await runCliProcess(['replay', file], 30_000);
      expect(all.stdout).toMatch(/^stream 1: charger 10\.0\.0\.2:40001 -> gateway 10\.0\.0\.1:2404 \(the charger sent SYN\)$/m);
      expect(all.stdout).toMatch(/^stream 2: charger 10\.0\.0\.3:40002 -> gateway 10\.0\.0\.1:2404 \(the charger sent SYN\)$/m);
      const second = await runCliProcess(['replay', file, '--stream', '2'], 30_000);
      expect(second.code).toBe(0);
      expect(second.stdout).not.toContain('stream 1:');
      expect(second.stdout).toMatch(/^packet 8 \S+ charger -> gateway \(6 bytes\): 68 04 43 00 00 00$/m);
      const missing = await runCliProcess(['replay', file, '--stream', '3'], 30_000);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain('STREAM_INVALID');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
