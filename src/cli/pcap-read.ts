/**
 * Reading packet captures (what tcpdump, Wireshark, tshark and the gateway's `capture.format`
 * write) into TCP segments for `pilegate replay`: libpcap files (either byte order, micro- or
 * nanosecond times) and pcapng files (any section byte order, several interfaces and their time
 * resolutions, enhanced, simple and obsolete packet blocks). Link types: Ethernet (with VLAN tags),
 * Linux cooked capture v1 and v2, raw IP, BSD loopback. Network layers: IPv4 (fragments skipped) and
 * IPv6 (extension headers followed). Anything else is counted as skipped, never fatal; a file that
 * is not a capture at all is a UsageError.
 */
import { UsageError } from './io.js';

export interface TcpSegment {
  /** 1-based packet number in the file (what Wireshark shows as the frame number). */
  readonly packet: number;
  /** Epoch milliseconds. */
  readonly time: number;
  readonly src: string;
  readonly srcPort: number;
  readonly dst: string;
  readonly dstPort: number;
  readonly seq: number;
  /** TCP flags octet (FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10). */
  readonly flags: number;
  readonly payload: Buffer;
}

export interface PacketCapture {
  readonly segments: TcpSegment[];
  /** Packets that are not TCP over IPv4/IPv6 on a known link type, or are cut short. */
  readonly skipped: number;
  /** pcapng section comments (the gateway's capture header is one). */
  readonly comments: string[];
}

/** Whether the bytes begin like a pcap or pcapng file. */
export function isPacketCapture(bytes: Buffer): boolean {
  if (bytes.length < 4) return false;
  const m = bytes.readUInt32BE(0);
  return [0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(m);
}

/** Reads a pcap or pcapng file; `file` names it in errors. */
export function readPacketCapture(bytes: Buffer, file: string): PacketCapture {
  const out = { segments: [] as TcpSegment[], skipped: 0, comments: [] as string[] };
  if (bytes.length >= 4 && bytes.readUInt32BE(0) === 0x0a0d0d0a) readPcapng(bytes, file, out);
  else readPcap(bytes, file, out);
  return out;
}

function bad(file: string, reason: string): UsageError {
  return new UsageError('CAPTURE_INVALID', `${file}: ${reason}`);
}

function readPcap(b: Buffer, file: string, out: PacketCapture & { skipped: number }): void {
  if (b.length < 24) throw bad(file, 'not a pcap file (shorter than its 24-byte header)');
  const magic = b.readUInt32LE(0);
  const le = magic === 0xa1b2c3d4 || magic === 0xa1b23c4d;
  if (!le && b.readUInt32BE(0) !== 0xa1b2c3d4 && b.readUInt32BE(0) !== 0xa1b23c4d) throw bad(file, 'not a pcap or pcapng file (unknown magic number)');
  const nano = (le ? magic : b.readUInt32BE(0)) === 0xa1b23c4d;
  const u32 = (at: number): number => (le ? b.readUInt32LE(at) : b.readUInt32BE(at));
  const linkType = u32(20) & 0xffff;
  let packet = 0;
  for (let at = 24; at + 16 <= b.length;) {
    packet += 1;
    const caplen = u32(at + 8);
    const time = u32(at) * 1000 + u32(at + 4) / (nano ? 1e6 : 1e3);
    const data = b.subarray(at + 16, at + 16 + caplen);
    at += 16 + caplen;
    if (data.length < caplen) {
      out.skipped += 1;
      break;
    }
    linkPacket(linkType, data, packet, time, out);
  }
}

/** The fixed fields of the blocks read, in octets after the block's type and length: a shorter block is skipped. */
const FIXED: Readonly<Record<number, number>> = { 1: 8, 2: 20, 3: 4, 6: 20 };

interface Interface {
  readonly linkType: number;
  /** Timestamp units per second. */
  readonly unitsPerSecond: number;
}

function readPcapng(b: Buffer, file: string, out: PacketCapture & { skipped: number }): void {
  let le = true;
  let interfaces: Interface[] = [];
  let packet = 0;
  for (let at = 0; at + 12 <= b.length;) {
    if (b.readUInt32BE(at) === 0x0a0d0d0a) {
      const order = b.readUInt32LE(at + 8);
      if (order === 0x1a2b3c4d) le = true;
      else if (order === 0x4d3c2b1a) le = false;
      else throw bad(file, `pcapng section at byte ${at} has no byte-order magic`);
      interfaces = [];
    }
    const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const type = u32(at);
    const total = u32(at + 4);
    if (total < 12 || total % 4 !== 0) throw bad(file, `pcapng block at byte ${at} has a bad length ${total}`);
    if (at + total > b.length) {
      out.skipped += 1;
      break;
    }
    const body = at + 8;
    const end = at + total - 4;
    if (end - body < (FIXED[type] ?? 0)) {
      if (type !== 1) out.skipped += 1;
      at += total;
      continue;
    }
    const options = (from: number): { code: number; value: Buffer }[] => {
      const list: { code: number; value: Buffer }[] = [];
      for (let o = from; o + 4 <= end;) {
        const code = u16(o);
        const len = u16(o + 2);
        if (code === 0) break;
        list.push({ code, value: b.subarray(o + 4, Math.min(o + 4 + len, end)) });
        o += 4 + len + ((4 - (len % 4)) % 4);
      }
      return list;
    };
    if (type === 0x0a0d0d0a) {
      for (const o of options(body + 16)) if (o.code === 1) out.comments.push(o.value.toString('utf8'));
    } else if (type === 1) {
      let unitsPerSecond = 1e6;
      for (const o of options(body + 8)) {
        const r = o.value[0];
        if (o.code === 9 && r !== undefined) unitsPerSecond = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
      }
      interfaces.push({ linkType: u16(body), unitsPerSecond });
    } else if (type === 6 || type === 2) {
      packet += 1;
      const iface = interfaces[type === 6 ? u32(body) : u16(body)];
      const ts = u32(body + 4) * 2 ** 32 + u32(body + 8);
      const caplen = u32(body + 12);
      const data = b.subarray(body + 20, Math.min(body + 20 + caplen, end));
      if (iface === undefined) out.skipped += 1;
      else linkPacket(iface.linkType, data, packet, (ts / iface.unitsPerSecond) * 1000, out);
    } else if (type === 3) {
      packet += 1;
      const iface = interfaces[0];
      const len = u32(body);
      if (iface === undefined) out.skipped += 1;
      else linkPacket(iface.linkType, b.subarray(body + 4, Math.min(body + 4 + len, end)), packet, 0, out);
    }
    at += total;
  }
}

/** The network-layer packet inside a link-layer frame, handed to `ipPacket`. */
function linkPacket(linkType: number, d: Buffer, packet: number, time: number, out: PacketCapture & { skipped: number }): void {
  let etherType: number | undefined;
  let at = 0;
  switch (linkType) {
    case 1: // Ethernet
      if (d.length < 14) break;
      etherType = d.readUInt16BE(12);
      at = 14;
      while ((etherType === 0x8100 || etherType === 0x88a8) && d.length >= at + 4) {
        etherType = d.readUInt16BE(at + 2);
        at += 4;
      }
      break;
    case 113: // Linux cooked capture (SLL)
      if (d.length >= 16) [etherType, at] = [d.readUInt16BE(14), 16];
      break;
    case 276: // Linux cooked capture v2 (SLL2)
      if (d.length >= 20) [etherType, at] = [d.readUInt16BE(0), 20];
      break;
    case 101: // raw IP
    case 12:
    case 14:
    case 228: // IPv4
    case 229: // IPv6
      etherType = d[0] !== undefined && d[0] >> 4 === 6 ? 0x86dd : 0x0800;
      break;
    case 0: // BSD loopback, family in host order
    case 108: {
      if (d.length < 4) break;
      const family = linkType === 0 ? (d.readUInt32LE(0) > 0xffff ? d.readUInt32BE(0) : d.readUInt32LE(0)) : d.readUInt32BE(0);
      etherType = family === 2 ? 0x0800 : [10, 24, 28, 30].includes(family) ? 0x86dd : undefined;
      at = 4;
      break;
    }
  }
  const segment = etherType === 0x0800 ? ipv4(d.subarray(at)) : etherType === 0x86dd ? ipv6(d.subarray(at)) : undefined;
  if (segment === undefined) {
    out.skipped += 1;
    return;
  }
  const tcp = tcpSegment(segment.payload);
  if (tcp === undefined) {
    out.skipped += 1;
    return;
  }
  out.segments.push({ packet, time, src: segment.src, dst: segment.dst, ...tcp });
}

interface IpPayload {
  readonly src: string;
  readonly dst: string;
  readonly payload: Buffer;
}

function ipv4(d: Buffer): IpPayload | undefined {
  if (d.length < 20 || d[0] === undefined || d[0] >> 4 !== 4) return undefined;
  const ihl = (d[0] & 0x0f) * 4;
  const total = d.readUInt16BE(2);
  const fragment = d.readUInt16BE(6);
  if (d[9] !== 6 || (fragment & 0x3fff) !== 0 || ihl < 20) return undefined;
  return { src: [...d.subarray(12, 16)].join('.'), dst: [...d.subarray(16, 20)].join('.'), payload: d.subarray(ihl, total === 0 ? d.length : Math.min(total, d.length)) };
}

/** An IPv6 address in its usual text form (RFC 5952: the longest run of zero groups as `::`). */
function ipv6Text(b: Buffer): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(b.readUInt16BE(i));
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const hex = (g: number[]): string => g.map((x) => x.toString(16)).join(':');
  if (best.len < 2) return hex(groups);
  return `${hex(groups.slice(0, best.at))}::${hex(groups.slice(best.at + best.len))}`;
}

function ipv6(d: Buffer): IpPayload | undefined {
  if (d.length < 40 || d[0] === undefined || d[0] >> 4 !== 6) return undefined;
  let next = d[6];
  let at = 40;
  const end = Math.min(40 + d.readUInt16BE(4), d.length);
  while (next === 0 || next === 43 || next === 60 || next === 51) {
    if (at + 2 > end) return undefined;
    const len = next === 51 ? ((d[at + 1] ?? 0) + 2) * 4 : ((d[at + 1] ?? 0) + 1) * 8;
    next = d[at];
    at += len;
  }
  if (next !== 6) return undefined;
  return { src: ipv6Text(d.subarray(8, 24)), dst: ipv6Text(d.subarray(24, 40)), payload: d.subarray(at, end) };
}

function tcpSegment(d: Buffer): Pick<TcpSegment, 'srcPort' | 'dstPort' | 'seq' | 'flags' | 'payload'> | undefined {
  if (d.length < 20) return undefined;
  const offset = ((d[12] ?? 0) >> 4) * 4;
  if (offset < 20 || offset > d.length) return undefined;
  return { srcPort: d.readUInt16BE(0), dstPort: d.readUInt16BE(2), seq: d.readUInt32BE(4), flags: d[13] ?? 0, payload: d.subarray(offset) };
}
