/**
 * The gateway on a Redis Cluster (`store: { cluster: { nodes: [...] } }`): a one-node cluster
 * spawned by the test; the gateway builds its Cluster client from the config, a YKC charger's
 * session runs through it and its keys land in the station's one slot.
 */
import { Cluster } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { TX_QUEUE } from '../../src/station/transactions/tx-queue.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';

const PILE = '32010200000071';

let server: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let sim: YkcChargerSimulator | undefined;
let raw: Cluster | undefined;

afterEach(async () => {
  sim?.close();
  await gw?.gateway.stop();
  await csms?.close();
  raw?.disconnect();
  await server?.dispose();
  sim = gw = csms = server = raw = undefined;
});

const ended = (c: TestCsms): boolean => c.calls.some((x) => x.identity === PILE && x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended');

describe('gateway on Redis Cluster', () => {
  it('builds its Cluster client from the config and keeps a station in one slot', async () => {
    server = await startRedisServer({ cluster: true });
    csms = await startCsms({ passwords: { [PILE]: YKC_PASSWORD } });
    gw = await startYkcGateway(csms.url, `{ cluster: { nodes: ["redis://127.0.0.1:${server.port}"] } }`);
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: gw.port, pileCode: PILE, realTimeIntervalMs: 200, recordResendMs: 500 });
    await csms.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 20_000);
    const confirm = await sim.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    await csms.waitForCall((x) => x.identity === PILE && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 15_000);
    const s = sim;
    const txn = s.stopCharging(1, 0x45) ?? '';
    await until(() => s.confirmed.includes(txn), 'the record confirmed', 15_000);
    const c = csms;
    await until(() => ended(c), 'Ended at the CSMS', 15_000);

    raw = new Cluster([{ host: '127.0.0.1', port: server.port }]);
    const tag = `pg:{${PILE}}`;
    const keys = [`${tag}:q:${TX_QUEUE}`, `${tag}:kv`, `${tag}:lease`];
    for (const key of keys) expect(await raw.exists(key)).toBe(1);
    // The record is done: its id was written with the Ended event.
    expect(JSON.parse((await raw.hget(`${tag}:kv`, 'records.done')) ?? '[]')).toEqual([txn]);
    const slots = await Promise.all(keys.map((k) => raw?.call('CLUSTER', 'KEYSLOT', k)));
    expect(new Set(slots).size).toBe(1);
    expect(gw.lines().some((l) => l['store'] === 'cluster' && l['msg'] === 'state store is Redis (cluster)')).toBe(true);
    expect(c.strictFailures).toEqual([]);
  }, 60_000);
});
