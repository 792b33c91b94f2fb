/**
 * The bad-frame budget as a security event: a YKC charger that logged in and then sends frames
 * with a broken CRC until the gateway's per-connection budget is spent is disconnected, and its
 * station reports SecurityEventNotification `InvalidMessages` — stored before the engine stops (so
 * a later engine would deliver it), and answered before it stops (so none sends it twice).
 * Real TCP into the gateway's charger session, ocpp-rpc's strict CSMS.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { fixturePath, loadHexFixture } from '../support/fixtures.js';
import { startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { until } from '../support/station.js';

/** The pile code of the login fixture. */
const PILE = '55031412782305';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  for (const s of sockets.splice(0)) s.destroy();
  await gateway?.close();
  await csms?.close();
  csms = gateway = undefined;
  expect(failures).toEqual([]);
});

const login = loadHexFixture(fixturePath('ykc', 'frames', '01-login-spec-v15.hex')).bytes;
const heartbeat = loadHexFixture(fixturePath('ykc', 'frames', '03-heartbeat-spec.hex')).bytes;

async function charger(port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => undefined);
  socket.resume(); // read (and drop) the gateway's answers, so its close is seen
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  socket.write(login);
  return socket;
}

describe('bad-frame budget', () => {
  it('disconnects the charger and reports InvalidMessages once, stored before the engine stops, nothing left for the next engine', async () => {
    const c = (csms = await startCsms());
    gateway = await startLiteGateway({ csmsUrl: c.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } });
    const g = gateway;
    const first = await charger(g.port);
    await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 10_000);
    expect(g.sessions[0]?.station).toBeDefined();

    const broken = Buffer.from(heartbeat);
    broken.writeUInt8((broken.at(-1) ?? 0) ^ 0xff, broken.length - 1); // CRC no longer matches
    const closed = new Promise<void>((resolve) => first.once('close', () => resolve()));
    for (let i = 0; i < 20; i++) first.write(broken);
    await closed;
    expect(g.sessions[0]?.closeReason).toMatch(/bad-frame budget/);

    // The first engine waits for the answer before it stops: the next one finds nothing to resend.
    await charger(g.port);
    const event = await c.waitForCall((x) => x.identity === PILE && x.action === 'SecurityEventNotification' && x.params.type === 'InvalidMessages', 10_000);
    expect(String(event.params.techInfo)).toMatch(/^bad-frame budget spent: 20 bad frames/);
    await until(() => g.sessions[1]?.station !== undefined, 'second engine');
    const securityEvents = (): unknown[] => c.calls.filter((x) => x.action === 'SecurityEventNotification').map((x) => x.params.type);
    await until(() => securityEvents().length >= 3 && c.calls.filter((x) => x.action === 'StatusNotification').length >= 4, 'the second boot', 10_000);
    await expect.poll(() => g.store.size(PILE, 'security'), { timeout: 5_000, interval: 20 }).toBe(0);
    expect(securityEvents()).toEqual(['StartupOfTheDevice', 'InvalidMessages', 'StartupOfTheDevice']);
  }, 30_000);
});
