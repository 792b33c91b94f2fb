/**
 * Certificates against ocpp-rpc's strict RPCServer over real TLS: CSMS roots installed with
 * InstallCertificate verify the next connection (and a CSMS certificate from the replaced root is
 * refused), GetInstalledCertificateIds / DeleteCertificate rules, the station's key and CSR for
 * SignCertificate, CertificateSigned checked and then presented on the next connection (profile 3),
 * the SignCertificate repeats, and roots kept across an engine restart over Redis.
 */
import { X509Certificate } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RedisStore } from '../../src/store/redis.js';
import { startCsms, type TestCsms, type TestCsmsOptions } from '../support/csms.js';
import { firmware, firmwareStation, makeSigning, MemoryFirmwareServer } from '../support/firmware-rig.js';
import { clientCertificate, foreignCsr, issuedHashData, makeRoot, rootHashData, serverCertificate, signCsr, x509, type TestCa } from '../support/pki.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { createStation, endStrict, PASSWORD, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
/** CSMSs a test already closed: their strict failures and CALLERRORs are checked at its end too. */
const closed: TestCsms[] = [];
const stations: TestStation[] = [];
let rootA: TestCa;
let rootB: TestCa;
let serverA: { cert: string; key: string };
let serverB: { cert: string; key: string };

beforeAll(async () => {
  rootA = await makeRoot('pilegate test operator root A');
  rootB = await makeRoot('pilegate test operator root B');
  serverA = await serverCertificate(rootA);
  serverB = await serverCertificate(rootB);
});

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  const earlier = closed.splice(0);
  await endStrict(ending, stations);
  expect(earlier.flatMap((c) => c.strictFailures)).toEqual([]);
  expect(earlier.flatMap((c) => c.errorsSent)).toEqual([]);
});

async function station(options: Parameters<typeof createStation>[0]): Promise<TestStation> {
  const s = await createStation(options);
  stations.push(s);
  return s;
}

/** Closes the current CSMS (kept for the end-of-test checks) and starts another on the same port. */
async function replaceCsms(options: TestCsmsOptions): Promise<TestCsms> {
  const old = csms as TestCsms;
  closed.push(old);
  await old.close();
  csms = await startCsms({ ...options, port: old.port });
  return csms;
}

const der = (pem: string): Buffer => new X509Certificate(pem).raw;

async function online(s: TestStation, c: TestCsms, id: string): Promise<Awaited<ReturnType<TestCsms['client']>>> {
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'accepted', 10_000);
  return c.client(id);
}

/** The CSMS asks for a CSR (TriggerMessage SignChargingStationCertificate) and gets it: the CSR, PEM. */
async function requestCsr(client: Awaited<ReturnType<TestCsms['client']>>, c: TestCsms): Promise<string> {
  client.handle('SignCertificate', async () => ({ status: 'Accepted' }));
  expect(await client.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' })).toEqual({ status: 'Accepted' });
  const request = await c.waitForCall((x) => x.action === 'SignCertificate', 10_000);
  expect(request.params.certificateType).toBe('ChargingStationCertificate');
  return String(request.params.csr);
}

describe('CSMS roots (M03, M04, M05) and the TLS connection', () => {
  it('verifies the next connection against the installed CSMS root only, refuses the old root, and keeps the root in use', async () => {
    const id = 'CS-CERT-TLS';
    csms = await startCsms({ tls: serverA });
    const s = await station({ id, url: csms.url, security: { profile: 2, password: PASSWORD, ca: rootA.cert } });
    const client = await online(s, csms, id);
    expect(await client.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: rootB.cert })).toEqual({ status: 'Accepted' });
    expect(await client.call('GetInstalledCertificateIds', { certificateType: ['CSMSRootCertificate'] })).toEqual({
      status: 'Accepted',
      certificateHashDataChain: [{ certificateType: 'CSMSRootCertificate', certificateHashData: rootHashData(rootB) }],
    });
    const entries = (await client.call('GetVariables', { getVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'CertificateEntries' } }] })) as {
      getVariableResult: { attributeValue?: string }[];
    };
    expect(entries.getVariableResult[0]?.attributeValue).toBe('1');

    // The same CSMS, still with root A's certificate: refused now that root B replaced the configured CA.
    const refusing = await replaceCsms({ tls: serverA });
    await until(() => s.logs.some((l) => l.message === 'connection failure' && l.data?.['kind'] === 'tls' && l.data['certificateRejected'] === true), 'a refused CSMS certificate', 10_000);
    expect(refusing.calls).toEqual([]);

    const trusted = await replaceCsms({ tls: serverB });
    const event = await trusted.waitForCall((c) => c.action === 'SecurityEventNotification' && c.params.type === 'InvalidCsmsCertificate', 15_000);
    expect(String(event.params.techInfo)).toContain('CSMS TLS certificate refused');
    const again = await trusted.client(id);
    // Root B verified this connection: deleting it could strand the station.
    expect(await again.call('DeleteCertificate', { certificateHashData: rootHashData(rootB) })).toMatchObject({ status: 'Failed', statusInfo: { reasonCode: 'CertificateInUse' } });
  });

  it('installs, lists by type, and deletes roots by any hash algorithm; refuses expired, non-CA, garbage and ISO 15118 roots', async () => {
    const id = 'CS-CERT-IDS';
    const maker = await makeRoot('pilegate test manufacturer root');
    csms = await startCsms();
    const s = await station({ id, url: csms.url });
    const client = await online(s, csms, id);
    const install = (certificateType: string, certificate: string): Promise<unknown> => client.call('InstallCertificate', { certificateType, certificate });
    expect(await install('ManufacturerRootCertificate', maker.cert)).toEqual({ status: 'Accepted' });
    expect(await install('CSMSRootCertificate', rootB.cert)).toEqual({ status: 'Accepted' });
    expect(await install('CSMSRootCertificate', rootB.cert)).toEqual({ status: 'Accepted' });

    const expired = await makeRoot('expired root', { notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
    const notCa = await makeRoot('end entity', { ca: false });
    expect(await install('CSMSRootCertificate', expired.cert)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'CertificateExpired' } });
    expect(await install('CSMSRootCertificate', notCa.cert)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotARootCA' } });
    expect(await install('CSMSRootCertificate', '-----BEGIN CERTIFICATE-----\nZm9vYmFy\n-----END CERTIFICATE-----\n')).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'InvalidCertificate' },
    });
    expect(await install('V2GRootCertificate', maker.cert)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });
    expect(await install('MORootCertificate', maker.cert)).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'NotSupported' } });

    const all = (await client.call('GetInstalledCertificateIds', {})) as { status: string; certificateHashDataChain: { certificateType: string }[] };
    expect(all.status).toBe('Accepted');
    expect(all.certificateHashDataChain.map((c) => c.certificateType).sort()).toEqual(['CSMSRootCertificate', 'ManufacturerRootCertificate']);
    expect(await client.call('GetInstalledCertificateIds', { certificateType: ['ManufacturerRootCertificate'] })).toEqual({
      status: 'Accepted',
      certificateHashDataChain: [{ certificateType: 'ManufacturerRootCertificate', certificateHashData: rootHashData(maker) }],
    });
    expect(await client.call('GetInstalledCertificateIds', { certificateType: ['V2GRootCertificate', 'V2GCertificateChain', 'MORootCertificate'] })).toEqual({ status: 'NotFound' });

    expect(await client.call('DeleteCertificate', { certificateHashData: rootHashData(maker, 'SHA384') })).toEqual({ status: 'Accepted' });
    expect(await client.call('DeleteCertificate', { certificateHashData: rootHashData(maker, 'SHA384') })).toEqual({ status: 'NotFound' });
    expect(await client.call('GetInstalledCertificateIds', { certificateType: ['ManufacturerRootCertificate'] })).toEqual({ status: 'NotFound' });
    // Hex compared without regard to case; no root verified this ws:// connection, so B may go.
    const upper = Object.fromEntries(Object.entries(rootHashData(rootB, 'SHA512')).map(([k, v]) => [k, k === 'hashAlgorithm' ? v : v.toUpperCase()]));
    expect(await client.call('DeleteCertificate', { certificateHashData: upper })).toEqual({ status: 'Accepted' });
    expect(await client.call('GetInstalledCertificateIds', {})).toEqual({ status: 'NotFound' });
  });
});

describe('ManufacturerRootCertificates and signed firmware', () => {
  it('checks a firmware signing certificate against the manufacturer roots the CSMS installed', async () => {
    const id = 'CS-CERT-FW';
    const signing = await makeSigning('Example');
    csms = await startCsms();
    const s = await firmwareStation({ id, csms, server: new MemoryFirmwareServer() });
    stations.push(s);
    const client = await csms.client(id);
    const fw = firmware('http://127.0.0.1:9/fw.bin', { signingCertificate: signing.certificatePem, signature: signing.sign(Buffer.from('image')) });
    const someoneElse = await makeSigning('Someone else');
    expect(await client.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: someoneElse.rootPem })).toEqual({ status: 'Accepted' });
    expect(await client.call('UpdateFirmware', { requestId: 1, firmware: fw })).toMatchObject({ status: 'InvalidCertificate' });
    expect(await client.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: signing.rootPem })).toEqual({ status: 'Accepted' });
    expect(await client.call('UpdateFirmware', { requestId: 2, firmware: fw })).toEqual({ status: 'Accepted' });
  });
});

describe('the station certificate (A02, security profile 3)', () => {
  it('makes a key and a CSR (CN = identity, O = OrganizationName), refuses a certificate for another key, presents the signed one on the next connection, and never logs the key', async () => {
    const id = 'CS-CERT-SIGN';
    const configured = await clientCertificate(rootA, id);
    csms = await startCsms({ tls: { ...serverA, ca: rootA.cert, requestCert: true } });
    const c = csms;
    const s = await station({
      id,
      url: c.url,
      security: { profile: 3, cert: configured.cert, key: configured.key, ca: rootA.cert },
      preset: { 'SecurityCtrlr.OrganizationName': 'Pilegate Test Org' },
    });
    const client = await online(s, c, id);
    expect(c.clientCertificates.at(-1)?.equals(der(configured.cert))).toBe(true);
    const csrPem = await requestCsr(client, c);
    const csr = new x509.Pkcs10CertificateRequest(csrPem);
    expect(csr.subjectName.getField('CN')).toEqual([id]);
    expect(csr.subjectName.getField('O')).toEqual(['Pilegate Test Org']);
    expect(await csr.verify()).toBe(true);
    expect(csr.publicKey.algorithm).toMatchObject({ name: 'ECDSA', namedCurve: 'P-256' });

    const foreign = await signCsr(rootA, await foreignCsr(id));
    expect(await client.call('CertificateSigned', { certificateChain: foreign, certificateType: 'ChargingStationCertificate' })).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'KeyMismatch' },
    });
    await c.waitForCall((x) => x.action === 'SecurityEventNotification' && x.params.type === 'InvalidChargingStationCertificate', 10_000);

    const signed = await signCsr(rootA, csrPem);
    const connections = c.clientCertificates.length;
    expect(await client.call('CertificateSigned', { certificateChain: signed, certificateType: 'ChargingStationCertificate' })).toEqual({ status: 'Accepted' });
    await until(() => c.clientCertificates.length > connections, 'a new TLS connection', 10_000);
    expect(c.clientCertificates.at(-1)?.equals(der(signed))).toBe(true);
    await until(() => s.engine.connectionState === 'open' && (c.openConnections.get(id) ?? 0) === 1, 'the station back online', 10_000);

    const again = await c.client(id);
    expect(await again.call('DeleteCertificate', { certificateHashData: issuedHashData(signed, rootA) })).toMatchObject({ status: 'Failed', statusInfo: { reasonCode: 'NotDeletable' } });

    const stored = (await s.store.get(id, 'cert:client')) as { keyPem: string };
    const keyLines = stored.keyPem.split('\n').filter((l) => l.length > 0 && !l.startsWith('-----'));
    expect(keyLines.length).toBeGreaterThan(0);
    const logged = s.logs.map((l) => JSON.stringify(l));
    expect(logged.filter((l) => l.includes('PRIVATE KEY') || keyLines.some((k) => l.includes(k)))).toEqual([]);
  });

  it('falls back to the previous certificate when the CSMS refuses the renewed one, keeps it, and says so', async () => {
    const id = 'CS-CERT-FALLBACK';
    const configured = await clientCertificate(rootA, id);
    const refused: { der?: Buffer } = {};
    csms = await startCsms({ tls: { ...serverA, ca: rootA.cert, requestCert: true, refuseClient: (cert) => refused.der?.equals(cert) === true } });
    const c = csms;
    const s = await station({ id, url: c.url, security: { profile: 3, cert: configured.cert, key: configured.key, ca: rootA.cert } });
    const client = await online(s, c, id);
    const signed = await signCsr(rootA, await requestCsr(client, c));
    refused.der = der(signed);
    expect(await client.call('CertificateSigned', { certificateChain: signed })).toEqual({ status: 'Accepted' });

    const event = await c.waitForCall((x) => x.action === 'SecurityEventNotification' && x.params.type === 'DiscardedRenewedClientCertificate', 15_000);
    expect(event.connection).toBeGreaterThan(1);
    const presented = c.clientCertificates.map((d) => (d.equals(der(signed)) ? 'renewed' : d.equals(der(configured.cert)) ? 'configured' : 'other'));
    expect(presented).toEqual(['configured', 'renewed', 'configured']);
    expect(await s.store.get(id, 'cert:client-new')).toBeUndefined();
    expect(await s.store.get(id, 'cert:client')).toBeUndefined();
  });

  it('sends the same CSR again after CertSigningWaitMinimum, doubling the wait, CertSigningRepeatTimes times', async () => {
    const id = 'CS-CERT-RETRY';
    csms = await startCsms();
    const c = csms;
    const s = await station({ id, url: c.url, preset: { 'SecurityCtrlr.CertSigningWaitMinimum': '1', 'SecurityCtrlr.CertSigningRepeatTimes': '2' } });
    const client = await online(s, c, id);
    client.handle('SignCertificate', async () => ({ status: 'Accepted' }));
    expect(await client.call('TriggerMessage', { requestedMessage: 'SignChargingStationCertificate' })).toEqual({ status: 'Accepted' });
    const sent = (): typeof c.calls => c.calls.filter((x) => x.action === 'SignCertificate');
    await until(() => sent().length === 3, 'three SignCertificate requests', 10_000);
    const [first, second, third] = sent();
    expect(new Set(sent().map((x) => x.params.csr)).size).toBe(1);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect((third?.at ?? 0) - (second?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    await new Promise((r) => setTimeout(r, 4_500));
    expect(sent()).toHaveLength(3);
  });
});

describe('certificates over Redis', () => {
  let redis: TestRedisServer;
  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.dispose();
  });

  it('keeps the installed roots across an engine restart and verifies the CSMS against them', async () => {
    const id = 'CS-CERT-REDIS';
    const maker = await makeRoot('pilegate test manufacturer root (redis)');
    csms = await startCsms({ tls: serverA });
    const first = await station({ id, url: csms.url, security: { profile: 2, password: PASSWORD, ca: rootA.cert }, store: new RedisStore(redis.url) });
    const client = await online(first, csms, id);
    expect(await client.call('InstallCertificate', { certificateType: 'CSMSRootCertificate', certificate: rootB.cert })).toEqual({ status: 'Accepted' });
    expect(await client.call('InstallCertificate', { certificateType: 'ManufacturerRootCertificate', certificate: maker.cert })).toEqual({ status: 'Accepted' });
    await first.engine.stop();
    await first.store.close();

    const trusted = await replaceCsms({ tls: serverB });
    const second = await station({ id, url: trusted.url, security: { profile: 2, password: PASSWORD, ca: rootA.cert }, store: new RedisStore(redis.url) });
    const again = await online(second, trusted, id);
    const ids = (await again.call('GetInstalledCertificateIds', {})) as { certificateHashDataChain: { certificateType: string; certificateHashData: unknown }[] };
    expect(ids.certificateHashDataChain).toEqual(
      expect.arrayContaining([
        { certificateType: 'CSMSRootCertificate', certificateHashData: rootHashData(rootB) },
        { certificateType: 'ManufacturerRootCertificate', certificateHashData: rootHashData(maker) },
      ]),
    );
    await second.engine.stop();
    await second.store.close();
  });

  it('presents the renewed client certificate again after an engine restart', async () => {
    const id = 'CS-CERT-REDIS-3';
    const configured = await clientCertificate(rootA, id);
    csms = await startCsms({ tls: { ...serverA, ca: rootA.cert, requestCert: true } });
    const c = csms;
    const security = { profile: 3 as const, cert: configured.cert, key: configured.key, ca: rootA.cert };
    const first = await station({ id, url: c.url, security, store: new RedisStore(redis.url) });
    const client = await online(first, c, id);
    const signed = await signCsr(rootA, await requestCsr(client, c));
    expect(await client.call('CertificateSigned', { certificateChain: signed })).toEqual({ status: 'Accepted' });
    await until(() => c.clientCertificates.at(-1)?.equals(der(signed)) === true, 'the renewed certificate presented', 10_000);
    await expect.poll(() => first.store.get(id, 'cert:client'), { timeout: 5000, interval: 20 }).toMatchObject({ chainPem: signed });
    await first.engine.stop();
    await first.store.close();

    const second = await station({ id, url: c.url, security, store: new RedisStore(redis.url) });
    const connections = c.clientCertificates.length;
    await online(second, c, id);
    expect(c.clientCertificates.length).toBeGreaterThan(connections);
    expect(c.clientCertificates.at(-1)?.equals(der(signed))).toBe(true);
    await second.engine.stop();
    await second.store.close();
  });
});
