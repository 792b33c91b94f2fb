/**
 * Allowed source networks of a charger (`allowedSources` in the station registry and in
 * `stations.defaults`): IPv4 and IPv6 networks in CIDR notation or single addresses. Matching goes
 * through node's `BlockList`, which also matches an IPv4-mapped IPv6 address (`::ffff:10.1.2.3`, as a
 * dual-stack listener reports IPv4 peers) against IPv4 networks and the reverse. A network whose
 * address has bits set beyond its prefix (`10.1.2.3/16`) is refused at load: it is most often a typo
 * for another network, and silently widening it would allow more than the operator wrote.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { PointerIssue } from '../config/document.js';

export interface SourceNetwork {
  readonly family: 'ipv4' | 'ipv6';
  readonly address: string;
  readonly prefix: number;
}

export type ParsedSource = { readonly ok: true; readonly network: SourceNetwork } | { readonly ok: false; readonly reason: string };

/** One `allowedSources` item: `<address>` or `<address>/<prefix>`. */
export function parseSource(text: string): ParsedSource {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const family = isIPv4(address) ? 'ipv4' : isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return { ok: false, reason: `${JSON.stringify(address)} is not an IPv4 or IPv6 address (expected e.g. 10.1.0.0/16, 2001:db8::/32 or 192.0.2.7)` };
  const bits = family === 'ipv4' ? 32 : 128;
  const prefixText = slash < 0 ? String(bits) : text.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN;
  if (!(prefix >= 0 && prefix <= bits)) return { ok: false, reason: `prefix length must be 0..${bits} for an ${family === 'ipv4' ? 'IPv4' : 'IPv6'} network, got ${JSON.stringify(prefixText)}` };
  const bytes = addressBytes(address, family);
  const base = masked(bytes, prefix);
  if (!base.equals(bytes)) return { ok: false, reason: `host bits set beyond /${prefix}: did you mean ${formatAddress(base, family)}/${prefix}?` };
  return { ok: true, network: { family, address, prefix } };
}

/** Issues (one per bad item, pointer `<pointer>/<index>`) of an `allowedSources` list. */
export function sourceIssues(list: readonly string[] | undefined, pointer: string): PointerIssue[] {
  const issues: PointerIssue[] = [];
  list?.forEach((text, i) => {
    const parsed = parseSource(text);
    if (!parsed.ok) issues.push({ pointer: `${pointer}/${i}`, reason: parsed.reason });
  });
  return issues;
}

/** A compiled `allowedSources` list. */
export class SourceFilter {
  private readonly list = new BlockList();

  /** @throws Error naming the item when one does not parse (config validation reports them first). */
  constructor(readonly sources: readonly string[]) {
    for (const text of sources) {
      const parsed = parseSource(text);
      if (!parsed.ok) throw new Error(`allowed source ${JSON.stringify(text)}: ${parsed.reason}`);
      const { address, prefix, family } = parsed.network;
      this.list.addSubnet(address, prefix, family);
    }
  }

  /** True when `address` (as a socket reports it) lies in one of the networks. */
  allows(address: string | undefined): boolean {
    if (address === undefined) return false;
    if (isIPv4(address)) return this.list.check(address, 'ipv4');
    if (isIPv6(address)) return this.list.check(address, 'ipv6');
    return false;
  }
}

/** True when two socket addresses are the same host (an IPv4 address and its IPv4-mapped IPv6 form are). */
export function sameSource(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const ka = canonical(a);
  return ka !== undefined && ka === canonical(b);
}

function canonical(address: string): string | undefined {
  if (isIPv4(address)) return address;
  if (!isIPv6(address)) return undefined;
  const bytes = addressBytes(address, 'ipv6');
  const mapped = bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  return mapped ? formatAddress(bytes.subarray(12), 'ipv4') : bytes.toString('hex');
}

/** The address's bytes (4 or 16); `address` is known valid for `family`. */
function addressBytes(address: string, family: 'ipv4' | 'ipv6'): Buffer {
  if (family === 'ipv4') return Buffer.from(address.split('.').map(Number));
  let text = address;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  // A trailing dotted quad (::ffff:10.1.2.3) is two groups.
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad !== null) {
    const b = addressBytes(quad[1] as string, 'ipv4');
    text = `${text.slice(0, quad.index)}${b.readUInt16BE(0).toString(16)}:${b.readUInt16BE(2).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const groups = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  all.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), 2 * i));
  return out;
}

function masked(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const keep = Math.max(0, Math.min(8, prefix - 8 * i));
    out[i] = (out[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return out;
}

function formatAddress(bytes: Buffer, family: 'ipv4' | 'ipv6'): string {
  if (family === 'ipv4') return [...bytes].join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  // The longest run of two or more zero groups becomes `::` (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}
