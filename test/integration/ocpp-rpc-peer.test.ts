/**
 * `RpcEndpoint` over a real WebSocket against an independent OCPP-J implementation: ocpp-rpc's
 * `RPCServer` in strict mode as the CSMS (its own ajv 8.14 and its own edited 2.0.1 schema bundle),
 * a plain `ws` client as the station's socket. Every exchange our side produces must pass
 * ocpp-rpc's strict validation: the test ends by asserting it reported no failure.
 */
import type { AddressInfo } from 'node:net';
import { RPCServer, type RPCClient } from 'ocpp-rpc';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { RpcCallError } from '../../src/ocpp/errors.js';
import { RpcEndpoint } from '../../src/ocpp/rpc.js';
import { ocppTimestamp } from '../../src/ocpp/schemas.js';

interface Peer {
  readonly server: RPCServer;
  readonly client: RPCClient;
  readonly ws: WebSocket;
  readonly rpc: RpcEndpoint;
  /** Text messages the server received from us, in order. */
  readonly inbound: string[];
  readonly strictFailures: unknown[];
}

async function connect(): Promise<Peer> {
  const server = new RPCServer({ protocols: ['ocpp2.0.1'], strictMode: true });
  const http = await server.listen(0, '127.0.0.1');
  const { port } = http.address() as AddressInfo;
  const inbound: string[] = [];
  const strictFailures: unknown[] = [];
  const clientReady = new Promise<RPCClient>((resolve) => {
    server.on('client', (client: RPCClient) => {
      client.on('message', ({ message, outbound }: { message: string; outbound: boolean }) => {
        if (!outbound) inbound.push(message);
      });
      client.on('strictValidationFailure', (event: unknown) => strictFailures.push(event));
      client.handle('BootNotification', async () => ({ currentTime: ocppTimestamp(Date.now()), interval: 300, status: 'Accepted' }));
      resolve(client);
    });
  });

  const rpc = new RpcEndpoint({ callTimeoutMs: 5_000 });
  const ws = new WebSocket(`ws://127.0.0.1:${port}/TEST1`, 'ocpp2.0.1');
  ws.on('message', (data, isBinary) => {
    if (!isBinary) rpc.receive(data.toString());
  });
  ws.on('close', (code) => rpc.detach(`socket closed ${code}`));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  expect(ws.protocol).toBe('ocpp2.0.1');
  rpc.attach({ send: (text) => ws.send(text), close: (code, reason) => ws.close(code, reason) });
  const client = await clientReady;
  return { server, client, ws, rpc, inbound, strictFailures };
}

/** Waits until the server has received `count` messages from us. */
async function received(peer: Peer, count: number): Promise<string[]> {
  for (let i = 0; i < 200 && peer.inbound.length < count; i++) await new Promise((r) => setTimeout(r, 5));
  expect(peer.inbound.length).toBeGreaterThanOrEqual(count);
  return peer.inbound.slice(0, count);
}

describe('RpcEndpoint against ocpp-rpc RPCServer (strict mode, ocpp2.0.1)', () => {
  let peer: Peer;

  beforeEach(async () => {
    peer = await connect();
  });

  afterEach(async () => {
    // Whatever the test did, nothing we wrote may have failed ocpp-rpc's strict validation.
    expect(peer.strictFailures).toEqual([]);
    peer.rpc.dispose();
    peer.ws.terminate();
    await peer.server.close({ force: true });
  });

  it('station CALL BootNotification is answered by the server handler', async () => {
    const response = await peer.rpc.call('BootNotification', {
      reason: 'PowerUp',
      chargingStation: { model: 'DC60', vendorName: 'Acme', serialNumber: 'SN-1' },
    });
    expect(response.status).toBe('Accepted');
    expect(response.interval).toBe(300);
    expect(peer.strictFailures).toEqual([]);
  });

  it('a CALL the server has no handler for rejects with RpcCallError (ocpp-rpc answers NotImplemented)', async () => {
    const error = await peer.rpc.call('Heartbeat', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcCallError);
    expect((error as RpcCallError).code).toBe('NotImplemented');
  });

  it('CSMS CALL GetVariables is answered by our handler and passes ocpp-rpc strict validation', async () => {
    peer.rpc.handle('GetVariables', (request) => ({
      getVariableResult: request.getVariableData.map((d) => ({
        attributeStatus: 'Accepted' as const,
        attributeValue: '300',
        component: d.component,
        variable: d.variable,
      })),
    }));
    const result = await peer.client.call('GetVariables', {
      getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
    });
    expect(result).toEqual({
      getVariableResult: [{ attributeStatus: 'Accepted', attributeValue: '300', component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }],
    });
    expect(peer.strictFailures).toEqual([]);
  });

  it('CSMS CALL with a schema-invalid payload is refused by us with the mapped code', async () => {
    peer.rpc.handle('Reset', () => ({ status: 'Accepted' as const }));
    // ocpp-rpc validates its own outbound CALLs in strict mode, so the invalid ones go out raw.
    peer.client.sendRaw(JSON.stringify([2, 'bad-1', 'Reset', {}]));
    peer.client.sendRaw(JSON.stringify([2, 'bad-2', 'Reset', { type: 'Now' }]));
    peer.client.sendRaw(JSON.stringify([2, 'bad-3', 'Reset', { type: 'Immediate', evseId: '1' }]));
    const replies = (await received(peer, 3)).map((m) => JSON.parse(m) as unknown[]);
    expect(replies.map((r) => [r[0], r[1], r[2]])).toEqual([
      [4, 'bad-1', 'OccurrenceConstraintViolation'],
      [4, 'bad-2', 'FormatViolation'],
      [4, 'bad-3', 'TypeConstraintViolation'],
    ]);
  });

  it('unknown action → NotImplemented; known action without handler → NotSupported', async () => {
    peer.client.sendRaw(JSON.stringify([2, 'u-1', 'StartTransaction', {}]));
    peer.client.sendRaw(JSON.stringify([2, 'u-2', 'SetDisplayMessage', {}]));
    const replies = (await received(peer, 2)).map((m) => JSON.parse(m) as unknown[]);
    expect(replies.map((r) => r.slice(0, 3))).toEqual([
      [4, 'u-1', 'NotImplemented'],
      [4, 'u-2', 'NotSupported'],
    ]);
  });

  it('non-JSON and unknown message types get RpcFrameworkError / MessageTypeNotSupported', async () => {
    peer.client.sendRaw('this is not json');
    peer.client.sendRaw(JSON.stringify([6, 'send-1', 'NotifyPeriodicEventStream', {}]));
    const replies = (await received(peer, 2)).map((m) => JSON.parse(m) as unknown[]);
    expect(replies.map((r) => r.slice(0, 3))).toEqual([
      [4, '-1', 'RpcFrameworkError'],
      [4, 'send-1', 'MessageTypeNotSupported'],
    ]);
    for (const reply of replies) expect(reply).toHaveLength(5);
  });

  it('closes the socket with 1008 once the bad-message budget is spent', async () => {
    const serverSaw = new Promise<{ code: number; reason: string }>((resolve) => peer.client.once('close', (event: { code: number; reason: string }) => resolve(event)));
    const closed = new Promise<number>((resolve) => peer.ws.once('close', (code) => resolve(code)));
    for (let i = 0; i < 10; i++) peer.client.sendRaw(`garbage ${i}`);
    await expect(serverSaw).resolves.toEqual({ code: 1008, reason: 'Too many invalid messages' });
    await closed;
    expect(peer.rpc.state).toBe('detached');
    expect(peer.rpc.counters.badMessages).toBe(10);
    expect(peer.inbound.filter((m) => m.startsWith('[4,"-1","RpcFrameworkError"'))).toHaveLength(10);
  });

  it('both directions interleave: a CSMS CALL is answered while our BootNotification is pending', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    peer.client.handle('BootNotification', async () => {
      await gate;
      return { currentTime: ocppTimestamp(Date.now()), interval: 60, status: 'Accepted' };
    });
    peer.rpc.handle('GetVariables', () => ({
      getVariableResult: [{ attributeStatus: 'UnknownComponent' as const, component: { name: 'X' }, variable: { name: 'Y' } }],
    }));
    const boot = peer.rpc.call('BootNotification', { reason: 'PowerUp', chargingStation: { model: 'm', vendorName: 'v' } });
    const answer = await peer.client.call('GetVariables', { getVariableData: [{ component: { name: 'X' }, variable: { name: 'Y' } }] });
    expect(answer).toMatchObject({ getVariableResult: [{ attributeStatus: 'UnknownComponent' }] });
    release();
    await expect(boot).resolves.toMatchObject({ interval: 60 });
    expect(peer.strictFailures).toEqual([]);
  });
});
