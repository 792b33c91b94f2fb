/**
 * `OcppConnection` configuration and its three security profiles against a real CSMS socket:
 * what it refuses to start with, the Basic header, the subprotocol and the certificates each
 * profile sends and checks.
 */
import type https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { OcppConfigError, OcppConnection, buildStationUrl, type OcppConnectionOptions, type SecurityProfileConfig } from '../../src/ocpp/client.js';
import { FAST, IDENTITY, PASSWORD, basic, expectSpacing, makeClient, pki, startCsms, useOcppClientHarness, waitFor } from '../support/ocpp-client.js';

useOcppClientHarness();

describe('configuration', () => {
  const ws = 'ws://csms.example.com/ocpp';
  const wss = 'wss://csms.example.com/ocpp';
  const p1: SecurityProfileConfig = { profile: 1, password: PASSWORD };
  const refuse = (options: Partial<OcppConnectionOptions>): OcppConfigError => {
    try {
      new OcppConnection({ identity: 'CS001', url: ws, security: p1, retryBackOff: FAST, log: () => {}, ...options });
    } catch (err) {
      expect(err).toBeInstanceOf(OcppConfigError);
      expect((err as Error).message).not.toContain(PASSWORD);
      return err as OcppConfigError;
    }
    throw new Error('constructor accepted the configuration');
  };

  it('appends the percent-encoded identity to the base URL, with or without a trailing slash', () => {
    expect(buildStationUrl('ws://csms.example.com/ocpp', 'CS001')).toBe('ws://csms.example.com/ocpp/CS001');
    expect(buildStationUrl('ws://csms.example.com/ocpp/', 'RDAM 123')).toBe('ws://csms.example.com/ocpp/RDAM%20123');
    expect(buildStationUrl('wss://csms.example.com:8443', 'a|b@c')).toBe('wss://csms.example.com:8443/a%7Cb%40c');
  });

  it('refuses a URL scheme that does not fit the security profile', () => {
    expect(refuse({ url: ws, security: { profile: 2, password: PASSWORD, ca: pki.ca.cert } }).code).toBe('OCPP_SCHEME_MISMATCH');
    expect(refuse({ url: ws, security: { profile: 3, ...pki.client, ca: pki.ca.cert } }).code).toBe('OCPP_SCHEME_MISMATCH');
    expect(refuse({ url: wss, security: p1 }).code).toBe('OCPP_SCHEME_MISMATCH');
  });

  it('refuses bad URLs, identities, profiles and missing or foreign credentials', () => {
    expect(refuse({ url: 'http://csms.example.com/ocpp' }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ url: `ws://CS001:${PASSWORD}@csms.example.com/ocpp` }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ url: 'ws://csms.example.com/ocpp?x=1' }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ url: 'not a url' }).code).toBe('OCPP_BAD_URL');
    expect(refuse({ identity: 'CS:001' }).code).toBe('OCPP_BAD_IDENTITY');
    expect(refuse({ identity: 'x'.repeat(49) }).code).toBe('OCPP_BAD_IDENTITY');
    expect(refuse({ identity: '' }).code).toBe('OCPP_BAD_IDENTITY');
    expect(refuse({ security: { profile: 4 } as unknown as SecurityProfileConfig }).code).toBe('OCPP_BAD_PROFILE');
    expect(refuse({ security: { profile: 1, password: '' } }).code).toBe('OCPP_MISSING_CREDENTIAL');
    expect(refuse({ url: wss, security: { profile: 2, password: PASSWORD, ca: 'not pem' } }).code).toBe('OCPP_MISSING_CREDENTIAL');
    expect(refuse({ url: wss, security: { profile: 3, cert: pki.client.cert, ca: pki.ca.cert } as SecurityProfileConfig }).code).toBe('OCPP_MISSING_CREDENTIAL');
    expect(refuse({ security: { ...p1, ca: pki.ca.cert } as SecurityProfileConfig }).code).toBe('OCPP_CREDENTIAL_NOT_FOR_PROFILE');
    expect(refuse({ pingIntervalS: -1 }).code).toBe('OCPP_BAD_OPTION');
    expect(refuse({ retryBackOff: { ...FAST, repeatTimes: -1 } }).code).toBe('OCPP_BAD_OPTION');
  });

  it('refuses TLS material that does not load, without echoing it', () => {
    const garbage = '-----BEGIN PRIVATE KEY-----\nQUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=\n-----END PRIVATE KEY-----\n';
    const wrongKey = refuse({ url: wss, security: { profile: 3, cert: pki.client.cert, key: pki.server.key, ca: pki.ca.cert } });
    expect(wrongKey.code).toBe('OCPP_BAD_CREDENTIAL');
    expect(wrongKey.message).not.toContain(pki.server.key.split('\n')[1] ?? 'unused');
    const badKey = refuse({ url: wss, security: { profile: 3, cert: pki.client.cert, key: garbage, ca: pki.ca.cert } });
    expect(badKey.code).toBe('OCPP_BAD_CREDENTIAL');
    expect(badKey.message).not.toContain('QUJDREVG');
  });

  it('has no way to turn certificate verification off', () => {
    const security = { profile: 2, password: PASSWORD, ca: pki.ca.cert, rejectUnauthorized: false };
    // @ts-expect-error rejectUnauthorized is not part of any profile
    const err = refuse({ url: wss, security });
    expect(err.code).toBe('OCPP_CREDENTIAL_NOT_FOR_PROFILE');
    expect(err.message).toContain('rejectUnauthorized');
  });

  it('refuses credentials that do not belong to the profile on update, naming no secret', () => {
    const c = makeClient({ url: ws, security: p1 });
    expect(() => c.conn.updateCredentials({ key: pki.client.key })).toThrow(OcppConfigError);
    expect(() => c.conn.updateCredentials({ password: '' })).toThrow(/non-empty password/);
    c.conn.updateCredentials({ password: 'new-Passw0rd-After-SetVariables' });
    const update = c.logs().find((l) => l.msg === 'credentials updated');
    expect(update).toMatchObject({ level: 'info', profile: 1, fields: ['password'] });
    expect(c.conn.state).toBe('idle');
  });
});

describe('security profile 1 (ws:// + Basic auth)', () => {
  it('sends the percent-encoded identity, the subprotocol and the exact Basic header, then moves text frames', async () => {
    const csms = await startCsms();
    const c = makeClient({ url: `${csms.base}/`, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1 && csms.accepted.length === 1, 'open');

    const up = csms.upgrades[0];
    expect(up?.url).toBe('/ocpp/RDAM%20123');
    expect(decodeURIComponent(up?.url.split('/').pop() ?? '')).toBe(IDENTITY);
    expect(up?.headers.authorization).toBe(basic(IDENTITY, PASSWORD));
    expect(up?.headers['sec-websocket-protocol']).toBe('ocpp2.0.1');
    expect(csms.accepted[0]?.ws.protocol).toBe('ocpp2.0.1');
    expect(c.conn.state).toBe('open');
    expect(c.transitions()).toEqual(['idle -> connecting', 'connecting -> open']);

    c.transports[0]?.send('[2,"a1","Heartbeat",{}]');
    csms.accepted[0]?.ws.send('[3,"a1",{"currentTime":"2026-01-01T00:00:00.000Z"}]');
    await waitFor(() => c.messages.length === 1 && csms.accepted[0]?.messages.length === 1, 'frames');
    expect(csms.accepted[0]?.messages).toEqual(['[2,"a1","Heartbeat",{}]']);
    expect(c.messages).toEqual(['[3,"a1",{"currentTime":"2026-01-01T00:00:00.000Z"}]']);
  });

  it('retries a 401 (wrong password) with back-off, then connects after updateCredentials + reconnectNow', async () => {
    const good = 'new-Passw0rd-After-SetVariables';
    const csms = await startCsms({ refuse: (req) => (req.headers.authorization === basic(IDENTITY, good) ? undefined : 401) });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => csms.upgrades.length >= 3, 'three attempts');

    expect(c.delays().slice(0, 2)).toEqual([150, 250]);
    expectSpacing(csms.upgrades, [150, 250]);
    expect(c.conn.lastFailure).toMatchObject({ kind: 'http', status: 401 });
    expect(c.logs().filter((l) => l.msg === 'connection failure' && l.status === 401).length).toBeGreaterThanOrEqual(2);
    expect(c.transports).toHaveLength(0);

    await waitFor(() => c.conn.state === 'waiting', 'waiting');
    c.conn.updateCredentials({ password: good });
    const before = csms.upgrades.length;
    const t = performance.now();
    c.conn.reconnectNow();
    await waitFor(() => c.transports.length === 1, 'open with the new password');
    expect(performance.now() - t).toBeLessThan(100); // no back-off wait
    expect(csms.upgrades.length).toBe(before + 1);
    expect(csms.upgrades.at(-1)?.headers.authorization).toBe(basic(IDENTITY, good));
  });

  it.each([403, 404])('retries a %i answer with back-off and reports the status', async (status) => {
    const csms = await startCsms({ refuse: () => status });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => csms.upgrades.length >= 2, 'two attempts');
    expectSpacing(csms.upgrades, [150]);
    expect(c.conn.lastFailure).toEqual({ kind: 'http', status, message: `CSMS answered the handshake with HTTP ${status}` });
  });

  it.each([
    ['agrees on no subprotocol', (): false => false, 'Server sent no subprotocol'],
    ['picks one that was not offered', (): string => 'ocpp1.6', 'Server sent an invalid subprotocol'],
  ])('treats a CSMS that %s as a failed attempt', async (_label, handleProtocols, message) => {
    const csms = await startCsms({ handleProtocols });
    const c = makeClient({ url: csms.base, security: { profile: 1, password: PASSWORD } });
    c.conn.start();
    await waitFor(() => csms.upgrades.length >= 2, 'a retry');
    expect(c.transports).toHaveLength(0);
    expect(c.conn.lastFailure).toEqual({ kind: 'subprotocol', message });
    expect(c.transitions().slice(0, 2)).toEqual(['idle -> connecting', 'connecting -> waiting']);
    expect(c.logs().find((l) => l.to === 'waiting')).toMatchObject({ reason: 'handshake-failed', failure: 'subprotocol' });
    expectSpacing(csms.upgrades, [150]);
  });
});

describe('security profile 2 (wss:// + Basic auth, CSMS certificate checked)', () => {
  it('connects when the server certificate chains to the configured CA', async () => {
    const csms = await startCsms({ tls: { cert: pki.server.cert, key: pki.server.key } });
    const c = makeClient({ url: csms.base, security: { profile: 2, password: PASSWORD, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    const req = csms.accepted[0]?.req;
    expect((req?.socket as { encrypted?: boolean }).encrypted).toBe(true);
    expect(req?.headers.authorization).toBe(basic(IDENTITY, PASSWORD));
    expect(req?.url).toBe('/ocpp/RDAM%20123');
  });

  it('refuses a server certificate from another CA and reports it as a certificate failure', async () => {
    const csms = await startCsms({ tls: { cert: pki.server.cert, key: pki.server.key } });
    const c = makeClient({ url: csms.base, security: { profile: 2, password: PASSWORD, ca: pki.otherCa.cert } });
    c.conn.start();
    await waitFor(() => c.logs().filter((l) => l.msg === 'connection failure').length >= 2, 'two refusals');
    expect(c.conn.lastFailure).toMatchObject({
      kind: 'tls',
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      certificateRejected: true,
    });
    expect(csms.upgrades).toHaveLength(0); // the password never left the client
    expect(c.transports).toHaveLength(0);
    expect(c.delays()[0]).toBe(150);
  });

  it('refuses a certificate whose names do not match the host', async () => {
    const csms = await startCsms({ tls: { cert: pki.serverWrongName.cert, key: pki.serverWrongName.key } });
    const c = makeClient({ url: csms.base, security: { profile: 2, password: PASSWORD, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => c.conn.lastFailure !== undefined, 'failure');
    expect(c.conn.lastFailure).toMatchObject({ kind: 'tls', code: 'ERR_TLS_CERT_ALTNAME_INVALID', certificateRejected: true });
    expect(csms.upgrades).toHaveLength(0);
  });
});

describe('security profile 3 (wss:// + client certificate)', () => {
  const tls = (): https.ServerOptions => ({
    cert: pki.server.cert,
    key: pki.server.key,
    ca: [pki.ca.cert],
    requestCert: true,
    rejectUnauthorized: true,
  });

  it('presents the client certificate, which the CSMS verifies; no Basic header', async () => {
    const csms = await startCsms({ tls: tls() });
    const c = makeClient({ url: csms.base, security: { profile: 3, ...pki.client, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => c.transports.length === 1, 'open');
    const socket = csms.accepted[0]?.req.socket as TLSSocket;
    expect(socket.authorized).toBe(true);
    expect(socket.getPeerCertificate().subject.CN).toBe('SN-0001');
    expect(csms.accepted[0]?.req.headers.authorization).toBeUndefined();
  });

  it('does not open when the CSMS rejects the client certificate', async () => {
    const csms = await startCsms({ tls: tls() });
    const c = makeClient({ url: csms.base, security: { profile: 3, ...pki.clientOtherCa, ca: pki.ca.cert } });
    c.conn.start();
    await waitFor(() => csms.tlsErrors.length >= 2, 'two TLS refusals');
    expect(csms.upgrades).toHaveLength(0);
    expect(c.transports).toHaveLength(0);
    // Under TLS 1.3 the client has finished its handshake before the CSMS checks the certificate;
    // the refusal then usually surfaces as ECONNRESET "socket hang up", sometimes as the TLS alert.
    expect(['tls', 'network']).toContain(c.conn.lastFailure?.kind);
  });
});
