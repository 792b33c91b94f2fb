/**
 * A charger that connects again while the engine of its previous connection is still stopping (the
 * CSMS is slow to answer the WebSocket close): the new engine starts only once the old one's OCPP
 * connection is closed, so the CSMS never sees two connections of one station; and a connection that
 * goes away while it waits is not logged as a refused charger.
 */
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { harnessConfig, logLines } from '../support/gateway-harness.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { until } from '../support/station.js';

/** A minimal CSMS: answers every CALL and hands out each connection's TCP socket (to stall it). */
interface LiteCsms {
  readonly url: string;
  readonly connections: { identity: string; socket: Socket; at: number }[];
  /** Called as each connection arrives. */
  onConnection: (identity: string) => void;
  close(): Promise<void>;
}

async function startLiteCsms(): Promise<LiteCsms> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1', handleProtocols: (p) => (p.has('ocpp2.0.1') ? 'ocpp2.0.1' : false) });
  await new Promise((resolve) => wss.once('listening', resolve));
  const lite: LiteCsms = {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/ocpp`,
    connections: [],
    onConnection: () => undefined,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
  wss.on('connection', (ws, req) => {
    const identity = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
    lite.connections.push({ identity, socket: req.socket, at: Date.now() });
    lite.onConnection(identity);
    ws.on('message', (data: Buffer) => {
      const m = JSON.parse(data.toString('utf8')) as unknown[];
      if (m[0] !== 2) return;
      const now = new Date().toISOString();
      const action = m[2];
      const result =
        action === 'BootNotification'
          ? { currentTime: now, interval: 300, status: 'Accepted' }
          : action === 'Heartbeat'
            ? { currentTime: now }
            : action === 'Authorize' || action === 'TransactionEvent'
              ? { idTokenInfo: { status: 'Accepted' } }
              : {};
      ws.send(JSON.stringify([3, m[1], result]));
    });
  });
  return lite;
}

let cleanup: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  cleanup = [];
});

async function setup(): Promise<{ gateway: Gateway; csms: LiteCsms; sim: () => Promise<SimulatorHandle>; lines: () => Record<string, unknown>[] }> {
  const csms = await startLiteCsms();
  cleanup.push(() => csms.close());
  const { destination, lines } = logLines();
  // The stalled CSMS never answers the CALL in flight: the old engine closes once it timed out (3 s).
  const gateway = new Gateway(harnessConfig(csms.url), { destination, callTimeoutMs: 3_000 });
  await gateway.start();
  cleanup.push(() => gateway.stop());
  const sims: SimulatorHandle[] = [];
  cleanup.push(() => Promise.all(sims.map((s) => s.close())).then(() => undefined));
  const sim = async (): Promise<SimulatorHandle> => {
    const s = await connectSimulator({ host: '127.0.0.1', port: gateway.ports[0] ?? 0, mapping: loadExampleMapping('example-dc-2gun'), commonAddress: 5, meterIntervalMs: 200 });
    sims.push(s);
    return s;
  };
  return { gateway, csms, sim, lines };
}

describe('gateway: a charger that connects again', () => {
  it('starts the new engine only once the previous engine has closed its OCPP connection', { timeout: 30_000 }, async () => {
    const { gateway, csms, sim } = await setup();
    const first = await sim();
    await until(() => gateway.station('EXDC5')?.connectionState === 'open', 'first OCPP connection', 10_000);
    const old = gateway.station('EXDC5');
    // The CSMS stops reading the first connection: its close handshake waits for the close timeout.
    for (const c of csms.connections) c.socket.pause();
    let oldStateAtSecond: string | undefined;
    csms.onConnection = () => (oldStateAtSecond ??= old?.connectionState);
    await first.close();
    await sim();
    await until(() => csms.connections.length === 2, 'second OCPP connection', 15_000);
    expect(oldStateAtSecond).toBe('closed');
    await until(() => gateway.station('EXDC5') !== undefined && gateway.station('EXDC5') !== old, 'new engine', 5_000);
    expect(gateway.stationIds).toEqual(['EXDC5']);
  });

  it('does not log a connection that goes away while it waits as a refused charger', { timeout: 30_000 }, async () => {
    const { gateway, csms, sim, lines } = await setup();
    const first = await sim();
    await until(() => gateway.station('EXDC5')?.connectionState === 'open', 'first OCPP connection', 10_000);
    const old = gateway.station('EXDC5');
    for (const c of csms.connections) c.socket.pause();
    await first.close();
    const identified = (): number => lines().filter((l) => l['msg'] === 'charger connected -> identified').length;
    const second = await sim();
    await until(() => identified() === 2, 'second connection identified', 5_000);
    await second.close();
    await until(() => old?.connectionState === 'closed', 'old engine stopped', 15_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(lines().filter((l) => /refused/.test(String(l['msg'])))).toEqual([]);
    expect(csms.connections).toHaveLength(1);
    expect(gateway.stationIds).toEqual([]);
  });
});
