/**
 * `OcppConnection` over time against a real CSMS socket: reconnecting with back-off, the ping
 * keep-alive, and stopping; plus owner callbacks that throw and binary frames; and the endpoint
 * moved between attempts (network configuration slots).
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { RetryBackOff } from '../../src/ocpp/backoff.js';
import { OcppConfigError, TransportClosedError, type ConnectionFailure } from '../../src/ocpp/client.js';
import { EARLY_MS, FAST, LATE_MS, PASSWORD, makeClient, sleep, startCsms, useOcppClientHarness, waitFor } from '../support/ocpp-client.js';

useOcppClientHarness();

describe('reconnecting', () => {
  it('reconnects after the CSMS closes the socket, starting again at the minimum after a success (TC_B_57)', async () => {
    // Attempts 1 and 2 refused, 3 accepted then closed by the CSMS, 4 accepted.
    const csms = await startCsms({
      refuse: (_req, n) => (n <= 2 ? 503 : undefined),
      onConnection: (s, n) => {
        if (n === 1) setTimeout(() => s.ws.close(1001, 'going away'), 20);
      },
    });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 2, 'second open');

    expect(c.delays()).toEqual([150, 250, 150]);
    expect(c.closes).toEqual([{ code: 1001, reason: 'going away' }]);
    expect(c.conn.lastFailure).toMatchObject({ kind: 'connection-lost', code: 1001, reason: 'going away' });
    const closedAt = csms.accepted[0]?.closed?.at ?? Number.NaN;
    const reopened = (csms.upgrades[3]?.at ?? Number.NaN) - closedAt;
    expect(reopened).toBeGreaterThanOrEqual(150 - EARLY_MS);
    expect(reopened).toBeLessThan(150 + LATE_MS);
    expect(() => c.transports[0]?.send('late')).toThrow(TransportClosedError);
    c.transports[1]?.send('[2,"b1","Heartbeat",{}]');
    await waitFor(() => csms.accepted[1]?.messages.length === 1, 'frame on the new socket');
  });

  it('reads the RetryBackOff parameters through the getter before every retry', async () => {
    let params: RetryBackOff = FAST;
    const csms = await startCsms({ refuse: () => 503 });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, retryBackOff: () => params });
    c.conn.start();
    await waitFor(() => c.delays().length === 1, 'first wait');
    params = { waitMinimumS: 0.02, randomRangeS: 0, repeatTimes: 0 };
    await waitFor(() => csms.upgrades.length >= 4, 'retries with new parameters');
    expect(c.delays().slice(0, 3)).toEqual([150, 20, 20]);
  });

  it('reconnectNow on an open socket closes it gracefully first, then reconnects at once', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    c.conn.reconnectNow(1000, 'new password');
    await waitFor(() => c.transports.length === 2, 'reopened');
    const first = csms.accepted[0]?.closed;
    expect(first).toMatchObject({ code: 1000, reason: 'new password' });
    expect(csms.upgrades[1]?.at ?? 0).toBeGreaterThanOrEqual(first?.at ?? Number.POSITIVE_INFINITY);
    expect(c.delays()).toEqual([]);
    expect(c.transitions()).toEqual(['idle -> connecting', 'connecting -> open', 'open -> closing', 'closing -> connecting', 'connecting -> open']);
  });

  it('closing through the transport reconnects with back-off from the minimum', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    c.transports[0]?.close(4000, 'too many bad frames');
    await waitFor(() => c.transports.length === 2, 'reopened');
    expect(csms.accepted[0]?.closed).toMatchObject({ code: 4000, reason: 'too many bad frames' });
    expect(c.delays()).toEqual([150]);
    expect(c.conn.lastFailure).toBeUndefined(); // our own close is not a failure
    expect(() => c.transports[1]?.close(1006, '')).toThrow(RangeError);
  });

  it('times out a handshake the server never answers, and stop() ends a pending attempt', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const c = makeClient({
        url: `ws://127.0.0.1:${port}/ocpp`,
        security: { profile: 1, password: PASSWORD },
        handshakeTimeoutMs: 100,
      });
      c.conn.start();
      await waitFor(() => c.conn.lastFailure !== undefined, 'handshake time-out');
      expect(c.conn.lastFailure).toEqual({ kind: 'handshake-timeout', message: 'Opening handshake has timed out' });
      await waitFor(() => c.conn.state === 'connecting' && sockets.length === 2, 'second attempt');
      await c.conn.stop();
      expect(c.conn.state).toBe('closed');
      await sleep(300);
      expect(sockets).toHaveLength(2);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});

describe('keep-alive', () => {
  it('pings every pingIntervalS and stays open while pongs come back', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: 0.05 });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    await waitFor(() => (csms.accepted[0]?.pings ?? 0) >= 4, 'four pings');
    expect(c.conn.state).toBe('open');
    expect(c.transports).toHaveLength(1);
    expect(c.conn.lastFailure).toBeUndefined();
  });

  it('terminates and reconnects when pongs stop', async () => {
    const csms = await startCsms({ autoPong: false });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: 0.05 });
    c.conn.start();
    await waitFor(() => c.transports.length === 2, 'reconnected');
    expect(csms.accepted[0]?.pings).toBe(1); // the second tick found the first ping unanswered
    expect(c.conn.lastFailure).toEqual({ kind: 'pong-timeout', message: 'no pong within 0.05 s' });
    expect(c.closes[0]?.code).toBe(1006);
    expect(c.logs().find((l) => l.reason === 'pong-timeout')?.msg).toBe('open -> closing');
    expect(c.delays()[0]).toBe(150);
  });

  it('restartKeepAlive applies a changed pingIntervalS to the open socket', async () => {
    let intervalS = 0;
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: () => intervalS });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    await sleep(100);
    expect(csms.accepted[0]?.pings).toBe(0);
    intervalS = 0.03;
    c.conn.restartKeepAlive();
    await waitFor(() => (csms.accepted[0]?.pings ?? 0) >= 3, 'pings after the change');
    expect(c.transports).toHaveLength(1);
  });

  it('sends no pings with pingIntervalS 0 and still answers the CSMS pings', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD }, pingIntervalS: 0 });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    let pongs = 0;
    csms.accepted[0]?.ws.on('pong', () => pongs++);
    csms.accepted[0]?.ws.ping();
    await waitFor(() => pongs === 1, 'pong from the station');
    await sleep(150);
    expect(csms.accepted[0]?.pings).toBe(0);
  });
});

describe('stopping and owner errors', () => {
  it('stop() closes gracefully and never reconnects', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    await c.conn.stop(1000, 'bye');
    expect(c.conn.state).toBe('closed');
    expect(c.closes).toEqual([{ code: 1000, reason: 'bye' }]);
    await waitFor(() => csms.accepted[0]?.closed !== undefined, 'server saw the close');
    expect(csms.accepted[0]?.closed).toMatchObject({ code: 1000, reason: 'bye' });
    c.conn.reconnectNow();
    await sleep(400); // longer than any back-off step in use
    expect(csms.upgrades).toHaveLength(1);
    expect(c.transitions().at(-1)).toBe('closing -> closed');
    expect(c.conn.lastFailure).toBeUndefined();
  });

  it('stop() while waiting cancels the retry', async () => {
    const csms = await startCsms({ refuse: () => 401 });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.conn.state === 'waiting', 'waiting');
    await c.conn.stop();
    await sleep(300);
    expect(csms.upgrades).toHaveLength(1);
    expect(c.transitions()).toEqual(['idle -> connecting', 'connecting -> waiting', 'waiting -> closed']);
  });

  it('drops binary frames and survives an owner callback that throws', async () => {
    const csms = await startCsms();
    const c = makeClient({
      url: csms.base,
      security: { profile: 1, password: PASSWORD },
      onOpen: () => {
        throw new Error('owner bug');
      },
    });
    c.conn.start();
    await waitFor(() => csms.accepted.length === 1 && c.conn.state === 'open', 'open');
    csms.accepted[0]?.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    csms.accepted[0]?.ws.send('[2,"c1","Reset",{"type":"Immediate"}]');
    await waitFor(() => c.messages.length === 1, 'text frame');
    expect(c.messages).toEqual(['[2,"c1","Reset",{"type":"Immediate"}]']);
    const levels = c.logs().map((l) => `${l.level}:${l.msg}`);
    expect(levels).toContain('error:onOpen callback threw');
    expect(levels).toContain('warn:binary frame dropped (OCPP-J uses text frames)');
    expect(c.conn.state).toBe('open');
  });
});

describe('endpoint changes', () => {
  it('reports each failed attempt to the owner, who moves the next attempt to another CSMS', async () => {
    const down = await startCsms({ refuse: () => 503 });
    const up = await startCsms();
    const failed: { failure: ConnectionFailure | undefined; wasOpen: boolean }[] = [];
    const ref: { c?: ReturnType<typeof makeClient> } = {};
    const c = makeClient({
      url: down.base,
      security: { profile: 1, password: PASSWORD },
      onAttemptFailed: (info) => {
        failed.push(info);
        if (failed.length === 2) ref.c?.conn.setEndpoint(up.base, { profile: 1, password: PASSWORD });
      },
    });
    ref.c = c;
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open on the second CSMS');
    expect(down.upgrades).toHaveLength(2);
    expect(up.upgrades).toHaveLength(1);
    expect(failed.map((f) => [f.failure?.kind, f.wasOpen])).toEqual([
      ['http', false],
      ['http', false],
    ]);
    expect(c.conn.url).toBe(`${up.base}/RDAM%20123`);
    // The back-off starts again at the minimum on the new endpoint.
    expect(c.delays()).toEqual([150, 150]);
  });

  it('refuses an endpoint whose scheme does not fit its profile, keeping the one it has', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    expect(() => c.conn.setEndpoint('wss://127.0.0.1:1/ocpp', { profile: 1, password: PASSWORD })).toThrow(OcppConfigError);
    expect(c.conn.url).toBe(`${csms.base}/RDAM%20123`);
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
  });
});
