/**
 * Capture files as Wireshark and tshark read them: the bytes of a charger connection written as
 * the TCP segments of one connection, in Ethernet II + IPv4 (or IPv6) + TCP packets with the real
 * addresses and ports, sequence and acknowledgement numbers that follow the bytes, correct
 * checksums, a three-way handshake at the start of a connection's first file and FINs at its end.
 * The MAC addresses are made up (locally administered). Both libpcap (`.pcap`, microseconds, link
 * type 1) and pcapng (`.pcapng`, its section header's comment holding the capture header as JSON)
 * are written, little-endian.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { CaptureDirection, CaptureEndpoint, CaptureHeader } from './capture-header.js';

const LINKTYPE_ETHERNET = 1;
/** Largest payload of one written segment (well inside an IPv4 packet's 65 535 octets). */
const MAX_SEGMENT = 60_000;
const SYN = 0x02;
const FIN = 0x01;
const ACK = 0x10;
const PSH = 0x08;

/** An endpoint's address as 4 or 16 octets (IPv4-mapped IPv6 addresses as IPv4; anything unreadable as 0.0.0.0). */
export function addressBytes(address: string): Buffer {
  const v4 = address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
  if (isIPv4(v4)) return Buffer.from(v4.split('.').map(Number));
  if (isIPv6(address)) return ipv6Bytes(address);
  return Buffer.alloc(4);
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail] = address.split('::');
  const groups = (s: string): number[] =>
    s === ''
      ? []
      : s.split(':').flatMap((g) => {
          if (g.includes('.')) {
            const [a = 0, b = 0, c = 0, d = 0] = g.split('.').map(Number);
            return [(a << 8) | b, (c << 8) | d];
          }
          return [parseInt(g, 16)];
        });
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = [...h, ...new Array<number>(8 - h.length - t.length).fill(0), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(g & 0xffff, i * 2));
  return out;
}

/** The Internet checksum (RFC 1071) of `parts` taken as one run of bytes of even-length parts but the last. */
function checksum(parts: readonly Uint8Array[]): number {
  let sum = 0;
  for (const bytes of parts) {
    for (let i = 0; i < bytes.length; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** One Ethernet frame carrying a TCP segment from `src` to `dst`. */
function tcpPacket(src: Buffer, srcPort: number, dst: Buffer, dstPort: number, seq: number, ack: number, flags: number, payload: Uint8Array): Buffer {
  const v6 = src.length === 16 || dst.length === 16;
  const s = v6 && src.length === 4 ? Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), src]) : src;
  const d = v6 && dst.length === 4 ? Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]), dst]) : dst;
  const tcp = Buffer.alloc(20 + payload.length);
  tcp.writeUInt16BE(srcPort, 0);
  tcp.writeUInt16BE(dstPort, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(flags & ACK ? ack >>> 0 : 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(0xffff, 14);
  tcp.set(payload, 20);
  const pseudo = Buffer.alloc(v6 ? 40 : 12);
  let ip: Buffer;
  if (v6) {
    s.copy(pseudo, 0);
    d.copy(pseudo, 16);
    pseudo.writeUInt32BE(tcp.length, 32);
    pseudo[39] = 6;
    ip = Buffer.alloc(40);
    ip.writeUInt32BE(0x60000000, 0);
    ip.writeUInt16BE(tcp.length, 4);
    ip[6] = 6;
    ip[7] = 64;
    s.copy(ip, 8);
    d.copy(ip, 24);
  } else {
    s.copy(pseudo, 0);
    d.copy(pseudo, 4);
    pseudo[9] = 6;
    pseudo.writeUInt16BE(tcp.length, 10);
    ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + tcp.length, 2);
    ip.writeUInt16BE(0x4000, 6);
    ip[8] = 64;
    ip[9] = 6;
    s.copy(ip, 12);
    d.copy(ip, 16);
    ip.writeUInt16BE(checksum([ip]), 10);
  }
  tcp.writeUInt16BE(checksum([pseudo, tcp]), 16);
  const eth = Buffer.from([0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02, v6 ? 0x86 : 0x08, v6 ? 0xdd : 0x00]);
  return Buffer.concat([eth, ip, tcp]);
}

/** The TCP connection a capture writes, sequence numbers kept across its files. */
export class TcpFlow {
  private readonly charger: Buffer;
  private readonly gateway: Buffer;
  /** Next sequence number of each side (`in`: the charger's). */
  private readonly next: Record<CaptureDirection, number> = { in: 1_000, out: 500_000 };

  constructor(
    private readonly chargerEnd: CaptureEndpoint,
    private readonly gatewayEnd: CaptureEndpoint,
  ) {
    this.charger = addressBytes(chargerEnd.address);
    this.gateway = addressBytes(gatewayEnd.address);
  }

  private packet(dir: CaptureDirection, flags: number, payload: Uint8Array): Buffer {
    const back: CaptureDirection = dir === 'in' ? 'out' : 'in';
    const [src, srcPort, dst, dstPort] =
      dir === 'in' ? [this.charger, this.chargerEnd.port, this.gateway, this.gatewayEnd.port] : [this.gateway, this.gatewayEnd.port, this.charger, this.chargerEnd.port];
    const out = tcpPacket(src, srcPort, dst, dstPort, this.next[dir], this.next[back], flags, payload);
    this.next[dir] = (this.next[dir] + payload.length + (flags & (SYN | FIN) ? 1 : 0)) >>> 0;
    return out;
  }

  /** The charger's SYN, the gateway's SYN-ACK and the charger's ACK. */
  handshake(): Buffer[] {
    return [this.packet('in', SYN, new Uint8Array(0)), this.packet('out', SYN | ACK, new Uint8Array(0)), this.packet('in', ACK, new Uint8Array(0))];
  }

  /** The packets of `bytes` sent in direction `dir`. */
  data(dir: CaptureDirection, bytes: Uint8Array): Buffer[] {
    const out: Buffer[] = [];
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT) out.push(this.packet(dir, PSH | ACK, bytes.subarray(at, at + MAX_SEGMENT)));
    return out;
  }

  /** Both sides' FIN. */
  finish(): Buffer[] {
    return [this.packet('out', FIN | ACK, new Uint8Array(0)), this.packet('in', FIN | ACK, new Uint8Array(0))];
  }
}

/** The libpcap file header: little-endian, version 2.4, microseconds, Ethernet. */
export function pcapFileHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2c3d4, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeUInt32LE(262_144, 16);
  h.writeUInt32LE(LINKTYPE_ETHERNET, 20);
  return h;
}

/** One libpcap packet record at epoch-milliseconds `ms`. */
export function pcapRecord(ms: number, packet: Buffer): Buffer {
  const r = Buffer.alloc(16);
  r.writeUInt32LE(Math.floor(ms / 1000), 0);
  r.writeUInt32LE(Math.round((ms % 1000) * 1000), 4);
  r.writeUInt32LE(packet.length, 8);
  r.writeUInt32LE(packet.length, 12);
  return Buffer.concat([r, packet]);
}

function pad4(b: Buffer): Buffer {
  return b.length % 4 === 0 ? b : Buffer.concat([b, Buffer.alloc(4 - (b.length % 4))]);
}

/** A pcapng option (code, value padded to 32 bits). */
function option(code: number, value: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h.writeUInt16LE(code, 0);
  h.writeUInt16LE(value.length, 2);
  return Buffer.concat([h, pad4(value)]);
}

function block(type: number, body: Buffer): Buffer {
  const total = 12 + body.length;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(total, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(total, 0);
  return Buffer.concat([head, body, tail]);
}

/** A pcapng section header (its comment: the capture header as JSON) and one Ethernet interface in microseconds. */
export function pcapngHead(header: CaptureHeader): Buffer {
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeUInt16LE(0, 6);
  shb.writeInt32LE(-1, 8);
  shb.writeInt32LE(-1, 12);
  const shbOptions = Buffer.concat([option(1, Buffer.from(JSON.stringify(header))), option(4, Buffer.from(`pilegate ${header.gatewayVersion ?? ''}`.trim())), Buffer.alloc(4)]);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(LINKTYPE_ETHERNET, 0);
  idb.writeUInt32LE(262_144, 4);
  return Buffer.concat([block(0x0a0d0d0a, Buffer.concat([shb, shbOptions])), block(1, idb)]);
}

/** One pcapng enhanced packet block of interface 0 at epoch-milliseconds `ms`. */
export function pcapngPacket(ms: number, packet: Buffer): Buffer {
  const us = BigInt(Math.round(ms * 1000));
  const h = Buffer.alloc(20);
  h.writeUInt32LE(0, 0);
  h.writeUInt32LE(Number(us >> 32n), 4);
  h.writeUInt32LE(Number(us & 0xffffffffn), 8);
  h.writeUInt32LE(packet.length, 12);
  h.writeUInt32LE(packet.length, 16);
  return block(6, Buffer.concat([h, pad4(packet)]));
}
