/**
 * YKC remote update end to end over real TCP: the station's `updateFirmware` for an image the
 * gateway's FTP server publishes goes out as 0x94; a raw YKC pile reads the frame, downloads the
 * image with a real FTP client (basic-ftp) from what the frame says, and answers 0x93; the answer
 * reaches the station engine as the command's result (0 accepted, 2 rejected in the pile's words).
 */
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { GatewayFirmwareServer } from '../../src/gateway/firmware-server.js';
import type { CommandResultEvent } from '../../src/model/events.js';
import type { PublishedImage } from '../../src/station/firmware/ports.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { ftpFetch } from '../support/ftp-fetch.js';
import { startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { PASSWORD, until, type LogLine } from '../support/station.js';
import { YkcRawPeer } from '../support/ykc-raw-peer.js';

const PILE = '32010200000077';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let peer: YkcRawPeer | undefined;
let fw: GatewayFirmwareServer | undefined;
let sim: YkcChargerSimulator | undefined;
const fwLogs: LogLine[] = [];

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  peer?.close();
  sim?.close();
  await gateway?.close();
  await fw?.stop();
  await csms?.close();
  csms = gateway = peer = fw = sim = undefined;
  fwLogs.length = 0;
  expect(failures).toEqual([]);
});

async function start(): Promise<{ g: LiteGateway; p: YkcRawPeer; f: GatewayFirmwareServer }> {
  csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
  const f = (fw = new GatewayFirmwareServer({ host: '127.0.0.1', port: 0, publicHost: '127.0.0.1', passivePortMin: 0, passivePortMax: 0 }, (level, message, data) =>
    fwLogs.push({ level, message, ...(data !== undefined ? { data } : {}) }),
  ));
  await f.start();
  const g = (gateway = await startLiteGateway({
    csmsUrl: csms.url,
    codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: { ratedPowerW: 60_000 } }) },
    firmwareServer: f,
  }));
  const p = (peer = await YkcRawPeer.login(g.port, PILE));
  await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 10_000);
  return { g, p, f };
}

/** Sends `updateFirmware` for `published` as the station does, through the charger port it was given. */
function update(g: LiteGateway, id: string, published: PublishedImage): void {
  const charger = g.chargers.get(PILE);
  if (charger === undefined) throw new Error('no station for the pile');
  expect(charger.send({ type: 'updateFirmware', id, source: published.source, installWhen: 'idle', downloadTimeoutS: 120 })).toEqual({ status: 'sent' });
}

async function resultOf(g: LiteGateway, id: string): Promise<CommandResultEvent> {
  const find = (): CommandResultEvent | undefined => g.stationEvents.find((e): e is CommandResultEvent => e.type === 'commandResult' && e.commandId === id);
  await until(() => find() !== undefined, `command result ${id}`, 10_000);
  return find() as CommandResultEvent;
}

describe('YKC remote update through the gateway', () => {
  it('the pile fetches the published image from what 0x94 says; its 0x93 ok is the accepted result', async () => {
    const { g, p, f } = await start();
    const image = randomBytes(256 * 1024);
    const published = await f.publish(PILE, image, 'pile-2.0.bin');
    update(g, 'fw-1', published);
    const u = await p.firmwareUpdate(5_000);
    expect(u).toMatchObject({ pileCode: PILE, model: 1, power: 60, host: '127.0.0.1', port: f.port, mode: 2, downloadTimeoutMin: 2 });
    expect({ user: u.user, password: u.password, path: u.path }).toEqual({ user: published.source.user, password: published.source.password, path: published.source.path });
    const fetched = await ftpFetch({ host: u.host, port: u.port, user: u.user, password: u.password }, u.path);
    expect(fetched.equals(image)).toBe(true);
    p.firmwareAnswer(u.sequence, 0);
    expect(await resultOf(g, 'fw-1')).toMatchObject({ status: 'accepted', raw: 0 });
    expect(fwLogs).toContainEqual(expect.objectContaining({ message: 'firmware image fetched', data: expect.objectContaining({ stationId: PILE, bytes: image.length }) as unknown }));
    // Nothing the gateway logged carries the one-time password.
    expect(JSON.stringify([g.logs, fwLogs])).not.toContain(published.source.password);
    published.release();
    await expect(ftpFetch({ host: u.host, port: u.port, user: u.user, password: u.password }, u.path)).rejects.toThrow(/530/);
  });

  it('a pile that finds the image does not match its model answers 0x93 status 2: rejected in its words', async () => {
    const { g, p, f } = await start();
    const published = await f.publish(PILE, randomBytes(4096), 'other-model.bin');
    update(g, 'fw-2', published);
    const u = await p.firmwareUpdate(5_000);
    await ftpFetch({ host: u.host, port: u.port, user: u.user, password: u.password }, u.path);
    p.firmwareAnswer(u.sequence, 2);
    const r = await resultOf(g, 'fw-2');
    expect(r).toMatchObject({ status: 'rejected', raw: 2 });
    expect(r.reason).toMatch(/does not match its model/);
  });

  it('the simulator answers 0x94 for demos (here: refused as not matching its model)', async () => {
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    const g = (gateway = await startLiteGateway({ csmsUrl: csms.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } }));
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE, answers: { firmwareUpdate: 'refuse' } });
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 10_000);
    update(g, 'fw-3', { source: { protocol: 'ftp', host: '192.0.2.10', port: 2121, user: 'fwdemo', password: 'demo', path: '/fw/demo.bin' }, release: () => undefined });
    expect(await resultOf(g, 'fw-3')).toMatchObject({ status: 'rejected', raw: 2 });
  });
});
