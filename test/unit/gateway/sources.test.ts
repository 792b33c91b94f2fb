/** Allowed source networks: parsing with reasons, and matching IPv4, IPv6 and IPv4-mapped IPv6 addresses. */
import { describe, expect, it } from 'vitest';
import { parseSource, SourceFilter, sameSource } from '../../../src/gateway/sources.js';

describe('parseSource', () => {
  it('accepts networks and single addresses of both families', () => {
    expect(parseSource('10.1.0.0/16')).toEqual({ ok: true, network: { family: 'ipv4', address: '10.1.0.0', prefix: 16 } });
    expect(parseSource('192.0.2.7')).toEqual({ ok: true, network: { family: 'ipv4', address: '192.0.2.7', prefix: 32 } });
    expect(parseSource('2001:db8::/32')).toEqual({ ok: true, network: { family: 'ipv6', address: '2001:db8::', prefix: 32 } });
    expect(parseSource('fe80::1')).toEqual({ ok: true, network: { family: 'ipv6', address: 'fe80::1', prefix: 128 } });
    expect(parseSource('0.0.0.0/0')).toMatchObject({ ok: true });
    expect(parseSource('::/0')).toMatchObject({ ok: true });
  });

  it('says what is wrong', () => {
    expect(parseSource('10.0.0.0/33')).toEqual({ ok: false, reason: expect.stringMatching(/prefix length must be 0\.\.32/) as string });
    expect(parseSource('2001:db8::/129')).toEqual({ ok: false, reason: expect.stringMatching(/prefix length must be 0\.\.128/) as string });
    expect(parseSource('10.0.0.0/')).toEqual({ ok: false, reason: expect.stringMatching(/prefix length/) as string });
    expect(parseSource('10.0.0.0/08x')).toEqual({ ok: false, reason: expect.stringMatching(/prefix length/) as string });
    expect(parseSource('host.example')).toEqual({ ok: false, reason: expect.stringMatching(/not an IPv4 or IPv6 address/) as string });
    expect(parseSource('300.1.2.3')).toEqual({ ok: false, reason: expect.stringMatching(/not an IPv4 or IPv6 address/) as string });
    expect(parseSource('10.1.2.3/16')).toEqual({ ok: false, reason: expect.stringMatching(/host bits set.*10\.1\.0\.0\/16/) as string });
    expect(parseSource('2001:db8::1/32')).toEqual({ ok: false, reason: expect.stringMatching(/host bits set.*2001:db8::\/32/) as string });
  });
});

describe('SourceFilter', () => {
  const f = new SourceFilter(['10.1.0.0/16', '2001:db8::/32', '192.0.2.7']);

  it('matches IPv4 and IPv6 addresses against their networks', () => {
    expect(f.allows('10.1.255.1')).toBe(true);
    expect(f.allows('10.2.0.1')).toBe(false);
    expect(f.allows('192.0.2.7')).toBe(true);
    expect(f.allows('192.0.2.8')).toBe(false);
    expect(f.allows('2001:db8:ffff::1')).toBe(true);
    expect(f.allows('2001:db9::1')).toBe(false);
  });

  it('matches an IPv4-mapped IPv6 address (a dual-stack listener) as its IPv4 address, and the reverse', () => {
    expect(f.allows('::ffff:10.1.2.3')).toBe(true);
    expect(f.allows('::ffff:10.9.2.3')).toBe(false);
    const mapped = new SourceFilter(['::ffff:127.0.0.0/104']);
    expect(mapped.allows('127.0.0.1')).toBe(true);
    expect(mapped.allows('::ffff:127.0.0.2')).toBe(true);
    expect(mapped.allows('128.0.0.1')).toBe(false);
  });

  it('refuses what is not an address', () => {
    expect(f.allows('')).toBe(false);
    expect(f.allows('unknown')).toBe(false);
  });

  it('throws on a network that does not parse (config validation comes first)', () => {
    expect(() => new SourceFilter(['10.0.0.0/40'])).toThrow(/prefix length/);
  });
});

describe('sameSource', () => {
  it('compares addresses across the IPv4-mapped form', () => {
    expect(sameSource('127.0.0.1', '::ffff:127.0.0.1')).toBe(true);
    expect(sameSource('2001:db8::1', '2001:DB8:0::1')).toBe(true);
    expect(sameSource('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(sameSource(undefined, '127.0.0.1')).toBe(false);
  });
});
