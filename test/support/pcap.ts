/**
 * A small libpcap file writer for tests that hand frames to an independent dissector (tshark):
 * Ethernet II + IPv4 + TCP packets with correct lengths and checksums, one packet per payload. The
 * format is the classic one ("libpcap" magic 0xA1B2C3D4, version 2.4, link type 1 = Ethernet).
 */

/** One TCP segment to write. */
export interface TcpSegment {
  readonly srcPort: number;
  readonly dstPort: number;
  /** Sequence number of the payload's first octet. */
  readonly seq: number;
  readonly ack?: number;
  readonly payload: Uint8Array;
  /** Capture time in milliseconds since the epoch; defaults to one millisecond per packet from 0. */
  readonly timeMs?: number;
  /** IPv4 addresses as four octets; default 10.0.0.2 -> 10.0.0.1. */
  readonly srcIp?: readonly [number, number, number, number];
  readonly dstIp?: readonly [number, number, number, number];
}

const LINKTYPE_ETHERNET = 1;
const ETHERNET_HEADER = 14;
const IPV4_HEADER = 20;
const TCP_HEADER = 20;

/** The bytes of a pcap file holding `segments` in order. */
export function pcapFile(segments: readonly TcpSegment[]): Buffer {
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeInt32LE(0, 8); // thiszone
  header.writeUInt32LE(0, 12); // sigfigs
  header.writeUInt32LE(65535, 16); // snaplen
  header.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  const records = segments.map((s, i) => {
    const packet = ethernetFrame(s);
    const record = Buffer.alloc(16);
    const ms = s.timeMs ?? i;
    record.writeUInt32LE(Math.floor(ms / 1000), 0);
    record.writeUInt32LE((ms % 1000) * 1000, 4);
    record.writeUInt32LE(packet.length, 8);
    record.writeUInt32LE(packet.length, 12);
    return Buffer.concat([record, packet]);
  });
  return Buffer.concat([header, ...records]);
}

function ethernetFrame(s: TcpSegment): Buffer {
  const src = s.srcIp ?? [10, 0, 0, 2];
  const dst = s.dstIp ?? [10, 0, 0, 1];
  const tcpLength = TCP_HEADER + s.payload.length;
  const out = Buffer.alloc(ETHERNET_HEADER + IPV4_HEADER + tcpLength);
  // Ethernet II: locally administered MAC addresses, EtherType IPv4.
  Buffer.from([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02]).copy(out, 0);
  out.writeUInt16BE(0x0800, 12);

  const ip = ETHERNET_HEADER;
  out[ip] = 0x45; // version 4, header of 5 words
  out.writeUInt16BE(IPV4_HEADER + tcpLength, ip + 2);
  out.writeUInt16BE(0x4000, ip + 6); // don't fragment
  out[ip + 8] = 64; // TTL
  out[ip + 9] = 6; // TCP
  out.set(src, ip + 12);
  out.set(dst, ip + 16);
  out.writeUInt16BE(checksum(out.subarray(ip, ip + IPV4_HEADER)), ip + 10);

  const tcp = ip + IPV4_HEADER;
  out.writeUInt16BE(s.srcPort, tcp);
  out.writeUInt16BE(s.dstPort, tcp + 2);
  out.writeUInt32BE(s.seq >>> 0, tcp + 4);
  out.writeUInt32BE((s.ack ?? 1) >>> 0, tcp + 8);
  out[tcp + 12] = (TCP_HEADER / 4) << 4;
  out[tcp + 13] = 0x18; // PSH, ACK
  out.writeUInt16BE(0xffff, tcp + 14); // window
  out.set(s.payload, tcp + TCP_HEADER);
  // TCP checksum over the IPv4 pseudo-header (RFC 793 §3.1) and the segment.
  const pseudo = Buffer.alloc(12);
  pseudo.set(src, 0);
  pseudo.set(dst, 4);
  pseudo[9] = 6;
  pseudo.writeUInt16BE(tcpLength, 10);
  out.writeUInt16BE(checksum(Buffer.concat([pseudo, out.subarray(tcp)])), tcp + 16);
  return out;
}

/** The Internet checksum (RFC 1071): one's complement of the one's-complement sum of 16-bit words. */
function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
