/** The shared simulator socket: bytes both ways, a redial after a drop, and a close that stops for good. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { LineOutput } from '../../../src/simulator/factory.js';
import { connectCharger } from '../../../src/simulator/socket.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

async function listen(onSocket: (s: net.Socket) => void): Promise<number> {
  const server = net.createServer((s) => {
    // The simulator drops its end abruptly (that is what is tested): a reset here is expected.
    s.on('error', () => undefined);
    onSocket(s);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as net.AddressInfo).port;
}

const until = async (cond: () => boolean): Promise<void> => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(cond()).toBe(true);
};

describe('connectCharger', () => {
  it('feeds the line, writes its bytes, dials again after a drop and stops on close', async () => {
    const peers: net.Socket[] = [];
    const heard: string[] = [];
    const port = await listen((s) => {
      peers.push(s);
      s.on('data', (b) => heard.push(b.toString()));
      s.write('hello');
    });
    const events: string[] = [];
    let output: LineOutput | undefined;
    const socket = await connectCharger(
      { host: '127.0.0.1', port, reconnectDelayMs: 20 },
      {
        connected: (o) => {
          output = o;
          events.push('connected');
        },
        receive: (chunk) => events.push(`receive ${chunk.toString()}`),
        dropped: (again, by) => events.push(`dropped ${again} by ${by ?? '?'}`),
      },
    );
    await until(() => events.includes('receive hello'));
    output?.write(Buffer.from('ping'));
    await until(() => heard.includes('ping'));
    expect(socket.connected).toBe(true);

    peers[0]?.destroy();
    await until(() => events.filter((e) => e === 'connected').length === 2);
    expect(events).toContain('dropped true by peer');

    output?.drop();
    await until(() => events.filter((e) => e === 'connected').length === 3);
    expect(events.filter((e) => e.startsWith('dropped'))).toEqual(['dropped true by peer', 'dropped true by charger']);

    await socket.close();
    expect(socket.connected).toBe(false);
    expect(events.at(-1)).toBe('dropped false by charger');
  });

  it('rejects when the first dial fails, without calling the line', async () => {
    const port = await listen(() => undefined);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const events: string[] = [];
    await expect(connectCharger({ host: '127.0.0.1', port }, { connected: () => events.push('connected'), receive: () => undefined, dropped: () => events.push('dropped') })).rejects.toThrow();
    expect(events).toEqual([]);
  });
});
