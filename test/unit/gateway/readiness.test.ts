/**
 * What `/readyz` decides from the gateway's parts, on a fake clock: the CSMS counts as unreachable
 * only when no station has its connection for the grace period (counted from the last connection
 * or the longest-waiting station's start), and held chargers are reported once per reason.
 */
import { describe, expect, it } from 'vitest';
import { CsmsReachability } from '../../../src/gateway/csms-health.js';
import { HeldChargers, type HoldReason } from '../../../src/gateway/held.js';
import { readiness } from '../../../src/gateway/readiness.js';
import { FakeClock } from '../../support/fake-clock.js';

const T0 = Date.parse('2026-12-07T22:00:00Z');

describe('CsmsReachability', () => {
  it('counts the grace period from the last open connection, or from the longest-waiting station', () => {
    let now = T0;
    const csms = new CsmsReachability(() => now);
    expect(csms.status([], 1000)).toEqual({ stations: 0, connected: 0, unreachable: false });
    // Two stations that never connected: the first one's start counts, a newcomer does not reset it.
    now = T0 + 5000;
    expect(csms.status([{ startedAt: T0, open: false }], 1000)).toMatchObject({ offlineSince: T0, unreachable: true });
    expect(
      csms.status(
        [
          { startedAt: T0, open: false },
          { startedAt: T0 + 4900, open: false },
        ],
        1000,
      ),
    ).toMatchObject({ offlineSince: T0, unreachable: true });
    // A connection that closed a moment ago: reachable then, within the grace period now.
    csms.connection();
    csms.failed('A', { kind: 'network', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9000' });
    now += 500;
    const within = csms.status([{ startedAt: T0, open: false }], 1000);
    expect(within).toMatchObject({ offlineSince: T0 + 5000, unreachable: false, lastFailure: { stationId: 'A', reason: 'refused' } });
    now += 600;
    expect(csms.status([{ startedAt: T0, open: false }], 1000).unreachable).toBe(true);
    expect(
      csms.status(
        [
          { startedAt: T0, open: false },
          { startedAt: T0, open: true },
        ],
        1000,
      ),
    ).toMatchObject({ connected: 1, unreachable: false });
  });
});

describe('readiness', () => {
  const store = { kind: 'redis', reachable: true, since: T0, lastError: undefined };
  const csms = { stations: 2, connected: 2, unreachable: false };

  it('is ready with every check passing, and says so line by line', () => {
    const r = readiness({ listening: true, stopping: false, store, csms, held: new Map(), now: T0 });
    expect(r).toEqual({ ready: true, body: 'ready\n[+] gateway: listening\n[+] store: redis reachable\n[+] csms: 2 of 2 stations connected\n' });
  });

  it('is not ready while the store is unreachable, stopping, or the CSMS is unreachable; held chargers only warn', () => {
    const down = { ...store, reachable: false, since: T0, lastError: 'connect ECONNREFUSED 127.0.0.1:6379' };
    const held = new Map<HoldReason, number>([['store_unreachable', 2]]);
    const r = readiness({ listening: true, stopping: false, store: down, csms, held, now: T0 + 41_000 });
    expect(r.ready).toBe(false);
    expect(r.body.split('\n')).toEqual([
      'not ready',
      '[+] gateway: listening',
      '[-] store: redis unreachable since 2026-12-07T22:00:00.000Z (41 s): connect ECONNREFUSED 127.0.0.1:6379',
      '[+] csms: 2 of 2 stations connected',
      '[!] chargers: 2 held back (store_unreachable 2)',
      '',
    ]);
    expect(readiness({ listening: true, stopping: false, store, csms, held, now: T0 }).ready).toBe(true);
    expect(readiness({ listening: false, stopping: true, store, csms, held: new Map(), now: T0 }).body).toContain('[-] gateway: stopping');
    const unreachable = {
      stations: 2,
      connected: 0,
      offlineSince: T0,
      unreachable: true,
      lastFailure: { stationId: 'A', reason: 'http_5xx' as const, message: 'CSMS answered the handshake with HTTP 503', at: T0 },
    };
    const c = readiness({ listening: true, stopping: false, store, csms: unreachable, held: new Map(), now: T0 + 90_000 });
    expect(c.ready).toBe(false);
    expect(c.body).toContain(
      '[-] csms: unreachable for 2 of 2 stations since 2026-12-07T22:00:00.000Z (90 s); last error at 2026-12-07T22:00:00.000Z (90 s): http_5xx (CSMS answered the handshake with HTTP 503)',
    );
  });
});

describe('readiness body', () => {
  it('keeps each check on one line and shows no URL credentials, whatever an error message holds', () => {
    const store = { kind: 'redis', reachable: false, since: T0, lastError: 'connect failed\n[+] store: redis reachable' };
    const csms = {
      stations: 1,
      connected: 0,
      offlineSince: T0,
      unreachable: true,
      lastFailure: { stationId: 'A', reason: 'refused' as const, message: 'cannot reach wss://cs-01:n3tw0rk-pw@csms.example/ocpp\r\n[+] csms: 1 of 1 stations connected', at: T0 },
    };
    const r = readiness({ listening: true, stopping: false, store, csms, held: new Map(), now: T0 });
    const lines = r.body.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.startsWith('[+]'))).toEqual(['[+] gateway: listening']);
    expect(r.body).not.toContain('n3tw0rk-pw');
    expect(r.body).not.toContain('\r');
  });
});

describe('HeldChargers', () => {
  it('holds a start back after a second, or at once with the store down; once per reason; and lets it go', () => {
    const clock = new FakeClock(T0);
    let storeUp = true;
    const counted: HoldReason[] = [];
    const lines: { level: string; msg: string; data?: Record<string, unknown> }[] = [];
    const held = new HeldChargers({ storeReachable: () => storeUp, counted: (r) => counted.push(r), clock });
    const log = (level: string, msg: string, data?: Record<string, unknown>): void => void lines.push({ level, msg, ...(data !== undefined ? { data } : {}) });

    const quick = held.watch(log, () => false);
    quick.end('started');
    const slow = held.watch(log, () => false);
    slow.phase('lease');
    clock.advance(999);
    expect(counted).toEqual([]);
    clock.advance(1);
    expect(counted).toEqual(['ownership_lease']);
    expect(held.counts()).toEqual(new Map([['ownership_lease', 1]]));
    clock.advance(5000);
    expect(counted).toEqual(['ownership_lease']);
    storeUp = false;
    clock.advance(1000);
    expect(counted).toEqual(['ownership_lease', 'store_unreachable']);
    const now = held.watch(log, () => false);
    expect(counted).toEqual(['ownership_lease', 'store_unreachable', 'store_unreachable']);
    now.end('refused');
    storeUp = true;
    clock.advance(1000);
    expect(counted, 'a reason that comes back is not counted twice for one start').toEqual(['ownership_lease', 'store_unreachable', 'store_unreachable']);
    slow.end('started');
    expect(held.counts()).toEqual(new Map());
    expect(lines.filter((l) => l.level === 'warn').map((l) => [l.msg, l.data?.['reason']])).toEqual([
      ['charger held back', 'ownership_lease'],
      ['charger held back', 'store_unreachable'],
      ['charger held back', 'store_unreachable'],
      ['charger held back', 'ownership_lease'],
    ]);
    expect(lines.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual(['charger no longer held back: refused', 'charger no longer held back: its station starts']);
  });
});
