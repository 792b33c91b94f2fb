/**
 * A signed firmware update end to end through the whole gateway: the CSMS (ocpp-rpc strict) sends
 * UpdateFirmware for an image on a real HTTP server; the gateway downloads it, checks its
 * signature, publishes it on its own FTP server and sends a raw YKC pile (real TCP) the remote
 * update 0x94. The pile fetches the image over FTP (basic-ftp), checks the bytes, answers 0x93,
 * hangs up and logs in again with its new firmware version: a new charger connection, a new
 * station engine, which must still know the update (memory store, and Redis) and report Installed.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms, type TestCsmsOptions } from '../support/csms.js';
import { makeSigning, statuses } from '../support/firmware-rig.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { startFileHttpServer, type FileHttpServer } from '../support/firmware-servers.js';
import { ftpFetch } from '../support/ftp-fetch.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';
import { YkcRawPeer, type RawFirmwareUpdate } from '../support/ykc-raw-peer.js';

const PILE = '32010200000091';
const FIRMWARE_SECTIONS = ['firmware: { host: 127.0.0.1, port: 0, publicHost: 127.0.0.1 }', 'downloads: { timeoutMs: 10000, maxBytes: 4000000 }'];

let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let http: FileHttpServer | undefined;
const peers: YkcRawPeer[] = [];
let redis: TestRedisServer | undefined;

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  await gw?.gateway.stop();
  await csms?.close();
  await http?.close();
  await redis?.stop();
  csms = gw = http = redis = undefined;
});

interface Rig {
  readonly csms: TestCsms;
  readonly gw: YkcGateway;
  readonly image: Buffer;
  readonly update: Record<string, unknown>;
}

async function rig(storeYaml = 'memory', csmsOptions: TestCsmsOptions = {}): Promise<Rig> {
  const signing = await makeSigning('Pile');
  const image = randomBytes(200 * 1024);
  http = await startFileHttpServer({ '/pile-2.0.bin': image });
  csms = await startCsms({ passwords: { [PILE]: YKC_PASSWORD }, ...csmsOptions });
  gw = await startYkcGateway(csms.url, storeYaml, {}, undefined, FIRMWARE_SECTIONS);
  const update = {
    requestId: 77,
    firmware: { location: `${http.url}/pile-2.0.bin`, retrieveDateTime: new Date().toISOString(), signingCertificate: signing.certificatePem, signature: signing.sign(image) },
  };
  return { csms, gw, image, update };
}

async function login(g: YkcGateway, c: TestCsms, firmware: string): Promise<YkcRawPeer> {
  const before = c.calls.filter((x) => x.identity === PILE && x.action === 'BootNotification').length;
  const peer = await YkcRawPeer.login(g.port, PILE, 1, firmware);
  peers.push(peer);
  await until(() => c.calls.filter((x) => x.identity === PILE && x.action === 'BootNotification').length > before, 'a BootNotification', 15_000);
  return peer;
}

/** The pile's side of 0x94: fetch what it names over FTP, check the bytes. */
async function fetchAsPile(u: RawFirmwareUpdate, image: Buffer): Promise<void> {
  const fetched = await ftpFetch({ host: u.host, port: u.port, user: u.user, password: u.password }, u.path);
  expect(fetched.equals(image)).toBe(true);
}

function noErrors(c: TestCsms): void {
  expect(c.strictFailures).toEqual([]);
  expect(c.errorsSent).toEqual([]);
  expect(c.replies.filter((r) => r.frame[0] === 4)).toEqual([]);
}

/** The pile takes the update, reboots and logs in again with V2.0.0: the CSMS hears it all. */
async function installedAfterRelogin({ csms: c, gw: g, image, update }: Rig): Promise<void> {
  const first = await login(g, c, 'V1.0.0');
  const client = await c.client(PILE);
  expect(await client.call('UpdateFirmware', update)).toEqual({ status: 'Accepted' });
  const u = await first.firmwareUpdate(30_000);
  expect(u).toMatchObject({ pileCode: PILE, host: '127.0.0.1', port: g.gateway.firmwarePort, mode: 2 });
  await fetchAsPile(u, image);
  first.firmwareAnswer(u.sequence, 0);
  // The pile reboots into its new firmware.
  first.close();
  await until(() => (c.openConnections.get(PILE) ?? 0) === 0, 'the OCPP connection of the first engine closed', 15_000);
  await login(g, c, 'V2.0.0');
  await until(() => statuses(c, PILE).includes('Installed#77'), `Installed (saw ${statuses(c, PILE).join(', ')})`, 15_000);
  expect(statuses(c, PILE)).toEqual(['Downloading#77', 'Downloaded#77', 'SignatureVerified#77', 'Installing#77', 'Installed#77']);
  const boots = c.calls.filter((x) => x.identity === PILE && x.action === 'BootNotification');
  expect(boots.map((b) => b.params['reason'])).toEqual(['PowerUp', 'FirmwareUpdate']);
  expect(boots[1]?.params['chargingStation']).toMatchObject({ firmwareVersion: 'V2.0.0' });
  // Installed is reported on the connection after that boot.
  const installed = c.calls.find((x) => x.identity === PILE && x.action === 'FirmwareStatusNotification' && x.params['status'] === 'Installed');
  expect(installed?.connection).toBe(boots[1]?.connection);
  expect((installed?.at ?? 0) >= (boots[1]?.at ?? Infinity)).toBe(true);
  await until(() => c.calls.some((x) => x.identity === PILE && x.action === 'SecurityEventNotification' && x.params['type'] === 'FirmwareUpdated'), 'FirmwareUpdated', 10_000);
  // The image is gone once the update is over.
  await expect(ftpFetch({ host: u.host, port: u.port, user: u.user, password: u.password }, u.path)).rejects.toThrow(/530/);
  expect(g.text()).not.toContain(u.password);
  noErrors(c);
}

describe('signed firmware update of a YKC pile through the gateway', () => {
  it('reports the whole sequence, Installed after the pile logs in again with its new firmware, and takes the image down', { timeout: 90_000 }, async () => {
    await installedAfterRelogin(await rig());
  });

  it('does the same with the Redis store', { timeout: 90_000 }, async () => {
    redis = await startRedisServer();
    await installedAfterRelogin(await rig(`{ redis: ${JSON.stringify(redis.url)} }`));
  });

  it('a CSMS slow to answer still hears every status the first connection produced before the pile rebooted', { timeout: 90_000 }, async () => {
    await installedAfterRelogin(await rig('memory', { replyDelayMs: { FirmwareStatusNotification: 800 } }));
  });

  it('a pile that refuses the image (0x93 status 2) is InstallationFailed, and the image is taken down', { timeout: 90_000 }, async () => {
    const { csms: c, gw: g, image, update } = await rig();
    const pile = await login(g, c, 'V1.0.0');
    const client = await c.client(PILE);
    expect(await client.call('UpdateFirmware', update)).toEqual({ status: 'Accepted' });
    const u = await pile.firmwareUpdate(30_000);
    await fetchAsPile(u, image);
    pile.firmwareAnswer(u.sequence, 2);
    await until(() => statuses(c, PILE).includes('InstallationFailed#77'), `InstallationFailed (saw ${statuses(c, PILE).join(', ')})`, 15_000);
    expect(statuses(c, PILE)).toEqual(['Downloading#77', 'Downloaded#77', 'SignatureVerified#77', 'InstallationFailed#77']);
    await expect(ftpFetch({ host: u.host, port: u.port, user: u.user, password: u.password }, u.path)).rejects.toThrow(/530/);
    // Nothing awaits the pile any more: a trigger gets the last status.
    expect(await client.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'Accepted' });
    await until(() => statuses(c, PILE).length === 5, 'the triggered status', 10_000);
    expect(statuses(c, PILE)[4]).toBe('InstallationFailed#77');
    noErrors(c);
  });
});
