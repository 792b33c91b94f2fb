import { generate } from 'selfsigned';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import { checkNetworkProfile, parseSlot, slotJson, slotSecurity, type ProfileCheckContext } from '../../../../src/station/provisioning/network-slots.js';

const PASSWORD = 'slot-test-password-0001';
let pem: { ca: string; cert: string; key: string };

beforeAll(async () => {
  const ca = await generate([{ name: 'commonName', value: 'slots root' }], { keyType: 'ec', algorithm: 'sha256', extensions: [{ name: 'basicConstraints', cA: true, critical: true }] });
  const leaf = await generate([{ name: 'commonName', value: 'CS-1' }], { keyType: 'ec', algorithm: 'sha256', ca: { cert: ca.cert, key: ca.private } });
  pem = { ca: ca.cert, cert: leaf.cert, key: leaf.private };
});

const req = (configurationSlot: number, over: Partial<RequestOf<'SetNetworkProfile'>['connectionData']> = {}): RequestOf<'SetNetworkProfile'> => ({
  configurationSlot,
  connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'ws://csms.example/ocpp', messageTimeout: 30, securityProfile: 1, ocppInterface: 'Wired0', ...over },
});

const ctx = (over: Partial<ProfileCheckContext> = {}): ProfileCheckContext => ({ identity: 'CS-1', slots: [1, 2, 3], activeSlot: 1, currentProfile: 1, password: PASSWORD, tls: {}, ...over });

describe('checkNetworkProfile', () => {
  it('accepts a free slot and returns what is stored', () => {
    expect(checkNetworkProfile(req(2), ctx())).toEqual({ slot: 2, url: 'ws://csms.example/ocpp', securityProfile: 1, messageTimeoutS: 30, ocppInterface: 'Wired0' });
  });

  it.each([
    ['a slot outside the valuesList', req(4), ctx(), 'InvalidConfSlot'],
    ['the registry slot', req(1), ctx({ activeSlot: 2 }), 'InvalidConfSlot'],
    ['the slot in use', req(2), ctx({ activeSlot: 2 }), 'InvalidConfSlot'],
    ['OCPP 1.6', req(2, { ocppVersion: 'OCPP16' }), ctx(), 'InvalidNetworkConf'],
    ['SOAP', req(2, { ocppTransport: 'SOAP' }), ctx(), 'InvalidNetworkConf'],
    ['security profile 0', req(2, { securityProfile: 0 }), ctx(), 'InvalidNetworkConf'],
    ['a lower security profile', req(2, { securityProfile: 1 }), ctx({ currentProfile: 2 }), 'NoSecurityDowngrade'],
    ['a VPN', req(2, { vpn: { server: 'vpn', user: 'u', password: 'p', key: 'k', type: 'IPSec' } }), ctx(), 'InvalidNetworkConf'],
    ['profile 1 on wss', req(2, { ocppCsmsUrl: 'wss://csms.example/ocpp' }), ctx(), 'InvalidNetworkConf'],
    ['a URL with a query', req(2, { ocppCsmsUrl: 'ws://csms.example/ocpp?x=1' }), ctx(), 'InvalidNetworkConf'],
    ['not a URL', req(2, { ocppCsmsUrl: 'csms' }), ctx(), 'InvalidNetworkConf'],
    ['profile 1 without a password', req(2), ctx({ password: undefined }), 'InvalidNetworkConf'],
  ])('refuses %s', (_what, r, c, reasonCode) => {
    expect(checkNetworkProfile(r, c)).toMatchObject({ reasonCode });
  });

  it('refuses plain ws:// and user info in the URL for profiles 2 and 3, whatever TLS material the station has', () => {
    const all = ctx({ tls: { ca: pem.ca, cert: pem.cert, key: pem.key } });
    for (const securityProfile of [2, 3]) {
      expect(checkNetworkProfile(req(2, { securityProfile }), all)).toMatchObject({ reasonCode: 'InvalidNetworkConf' });
      expect(checkNetworkProfile(req(2, { securityProfile, ocppCsmsUrl: 'wss://op:pw@csms.example/ocpp' }), all)).toMatchObject({ reasonCode: 'InvalidNetworkConf' });
      expect(checkNetworkProfile(req(2, { securityProfile, ocppCsmsUrl: 'wss://csms.example/ocpp' }), all)).toMatchObject({ slot: 2, securityProfile });
    }
  });

  it('accepts profiles 2 and 3 only with the TLS material they need', () => {
    const wss = { ocppCsmsUrl: 'wss://csms.example/ocpp' };
    expect(checkNetworkProfile(req(2, { ...wss, securityProfile: 2 }), ctx())).toMatchObject({ reasonCode: 'InvalidNetworkConf', info: expect.stringContaining('CSMS root') });
    expect(checkNetworkProfile(req(2, { ...wss, securityProfile: 2 }), ctx({ tls: { ca: pem.ca } }))).toMatchObject({ slot: 2, securityProfile: 2 });
    expect(checkNetworkProfile(req(3, { ...wss, securityProfile: 3 }), ctx({ tls: { ca: pem.ca } }))).toMatchObject({
      reasonCode: 'InvalidNetworkConf',
      info: expect.stringContaining('client certificate'),
    });
    expect(checkNetworkProfile(req(3, { ...wss, securityProfile: 3 }), ctx({ tls: pem, password: undefined }))).toMatchObject({ slot: 3, securityProfile: 3 });
    // A client key OpenSSL cannot load (one character changed) is refused too.
    const other = { ...pem, key: pem.key.replace(/[A-Za-z]/, (ch) => (ch === 'A' ? 'B' : 'A')) };
    expect(checkNetworkProfile(req(3, { ...wss, securityProfile: 3 }), ctx({ tls: other }))).toMatchObject({ reasonCode: 'InvalidNetworkConf' });
  });
});

describe('slot helpers', () => {
  it('builds the connection settings of each profile without leaking material into the refusal', () => {
    expect(slotSecurity(1, PASSWORD, pem)).toEqual({ profile: 1, password: PASSWORD });
    expect(slotSecurity(2, PASSWORD, pem)).toEqual({ profile: 2, password: PASSWORD, ca: pem.ca });
    expect(slotSecurity(3, undefined, pem)).toEqual({ profile: 3, ca: pem.ca, cert: pem.cert, key: pem.key });
    const refusal = slotSecurity(2, undefined, pem);
    expect(typeof refusal).toBe('string');
    expect(String(refusal)).not.toContain('BEGIN');
  });

  it('reads back what it stores and ignores anything else', () => {
    const stored = slotJson({ slot: 2, url: 'ws://csms.example/ocpp', securityProfile: 2, messageTimeoutS: 30 });
    expect(parseSlot(2, stored)).toEqual({ slot: 2, url: 'ws://csms.example/ocpp', securityProfile: 2, messageTimeoutS: 30 });
    expect(parseSlot(2, { url: 'ws://x', securityProfile: 4 })).toBeUndefined();
    expect(parseSlot(2, 'ws://x')).toBeUndefined();
    expect(parseSlot(2, null)).toBeUndefined();
  });
});
