/**
 * The template codec (codecs/example/) end to end, the way a vendor's codec would be tested: the
 * real gateway with a listener of that codec, a charger on a real TCP socket, and ocpp-rpc in
 * strict mode as the CSMS. Nothing outside the codec's folder knows this protocol: the gateway finds
 * it in the registry by the name in its config.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeExampleFrame, decodeExampleFrame, type ExampleMessage } from '../../codecs/example/messages.js';
import { ExampleFramer } from '../../codecs/example/framer.js';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { logLines } from '../support/gateway-harness.js';
import { until } from '../support/station.js';

interface Rig {
  readonly csms: TestCsms;
  readonly gateway: Gateway;
  readonly port: number;
}

let rig: Rig | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  if (rig !== undefined) {
    await rig.gateway.stop();
    await rig.csms.close();
    expect(rig.csms.strictFailures).toEqual([]);
  }
  rig = undefined;
});

async function start(stations: string): Promise<Rig> {
  const csms = await startCsms();
  const text = [
    'listeners:',
    '  - { port: 0, host: 127.0.0.1, codec: example }',
    `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
    `stations: ${stations}`,
    'log: { level: debug }',
  ].join('\n');
  const config = parseGatewayConfig(text, '<example>', { PILEGATE_CSMS_PASSWORD: 'example-secret-0123456789' });
  const gateway = new Gateway(config, { destination: logLines().destination, callTimeoutMs: 3_000 });
  await gateway.start();
  rig = { csms, gateway, port: gateway.ports[0] ?? 0 };
  return rig;
}

/** A charger of the template protocol on a real socket: what it sent is encoded, what it got decoded. */
async function charger(port: number): Promise<{ send(m: ExampleMessage): void; received: ExampleMessage[]; closed: () => boolean }> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  const framer = new ExampleFramer();
  const received: ExampleMessage[] = [];
  let closed = false;
  socket.on('data', (chunk: Buffer) => {
    for (const item of framer.push(chunk)) {
      if (item.kind !== 'frame') continue;
      const r = decodeExampleFrame(item.frame);
      if (r.ok) received.push(r.value);
    }
  });
  socket.on('error', () => undefined);
  socket.on('close', () => {
    closed = true;
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { send: (m) => socket.write(encodeExampleFrame(m)), received, closed: () => closed };
}

const LOGIN: ExampleMessage = { type: 'login', chargerId: 'EX-0001', connectors: 2, currentType: 'DC' };

describe('the template codec behind the gateway', () => {
  it('boots a station from the login and reports a connector status the options map', async () => {
    const r = await start('{ unknownChargers: provision }');
    const c = await charger(r.port);
    c.send(LOGIN);
    await until(() => c.received.some((m) => m.type === 'loginAnswer'), 'the login answer');
    expect(c.received[0]).toEqual({ type: 'loginAnswer', accepted: true });
    const boot = await r.csms.waitForCall((call) => call.identity === 'EX-0001' && call.action === 'BootNotification');
    expect(boot.params).toMatchObject({ reason: 'PowerUp' });

    c.send({ type: 'status', connector: 1, code: 2 });
    const status = await r.csms.waitForCall((call) => call.identity === 'EX-0001' && call.action === 'StatusNotification' && (call.params as { evseId: number }).evseId === 1);
    expect(status.params).toMatchObject({ connectorStatus: 'Occupied', connectorId: 1 });

    c.send({ type: 'heartbeat' });
    await until(() => c.received.some((m) => m.type === 'heartbeatAnswer'), 'the heartbeat answer');
  });

  it('answers a Reset with what the charger did: Accepted once it confirmed, Rejected when it refused', async () => {
    const r = await start('{ unknownChargers: provision }');
    const c = await charger(r.port);
    c.send(LOGIN);
    await r.csms.waitForCall((call) => call.identity === 'EX-0001' && call.action === 'BootNotification');
    const client = await r.csms.client('EX-0001');

    const refused = client.call('Reset', { type: 'OnIdle' });
    await until(() => c.received.some((m) => m.type === 'reset'), 'the reset frame');
    const first = c.received.find((m): m is Extract<ExampleMessage, { type: 'reset' }> => m.type === 'reset');
    c.send({ type: 'resetAnswer', sequence: first?.sequence ?? -1, accepted: false });
    expect(await refused).toMatchObject({ status: 'Rejected' });

    const accepted = client.call('Reset', { type: 'OnIdle' });
    await until(() => c.received.filter((m) => m.type === 'reset').length === 2, 'the second reset frame');
    const second = c.received.filter((m): m is Extract<ExampleMessage, { type: 'reset' }> => m.type === 'reset')[1];
    c.send({ type: 'resetAnswer', sequence: second?.sequence ?? -1, accepted: true });
    expect(await accepted).toMatchObject({ status: 'Accepted' });
  });

  it('tells the CSMS plainly what the protocol cannot do', async () => {
    const r = await start('{ unknownChargers: provision }');
    const c = await charger(r.port);
    c.send(LOGIN);
    await r.csms.waitForCall((call) => call.identity === 'EX-0001' && call.action === 'BootNotification');
    const client = await r.csms.client('EX-0001');
    expect(await client.call('UnlockConnector', { evseId: 1, connectorId: 1 })).toMatchObject({ status: 'UnlockFailed' });
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'CARD01', type: 'ISO14443' }, evseId: 1, remoteStartId: 1 })).toMatchObject({ status: 'Rejected' });
  });

  it('refuses an unknown charger by default: the login is answered refused and the connection closed', async () => {
    const r = await start('{}');
    const c = await charger(r.port);
    c.send(LOGIN);
    await until(() => c.closed(), 'the connection to close');
    expect(c.received).toEqual([{ type: 'loginAnswer', accepted: false }]);
    expect(r.csms.calls.filter((call) => call.identity === 'EX-0001')).toEqual([]);
  });
});
