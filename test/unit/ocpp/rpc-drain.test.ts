/**
 * `RpcEndpoint.drain`: before our side closes the socket, the CALL in flight is answered or times
 * out, and nothing queued is written meanwhile; `dropQueued` then rejects what was never sent.
 */
import { describe, expect, it } from 'vitest';
import { RpcDisconnectedError } from '../../../src/ocpp/errors.js';
import { MemoryTransport, NOW, attachedEndpoint as setup } from '../../support/rpc-endpoint.js';

const STATUS = { timestamp: NOW, connectorStatus: 'Available', evseId: 1, connectorId: 1 } as const;
const settled = async (p: Promise<unknown>): Promise<boolean> => Promise.race([p.then(() => true), new Promise<boolean>((resolve) => setImmediate(() => resolve(false)))]);

describe('RpcEndpoint: draining before a close', () => {
  it('resolves true once the CALL in flight is answered, writing nothing queued meanwhile', async () => {
    const { transport, rpc, receive } = setup();
    const first = rpc.call('StatusNotification', STATUS);
    const second = rpc.call('Heartbeat', {});
    const drained = rpc.drain(60_000);
    expect(await settled(drained)).toBe(false);
    receive([3, transport.last[1], {}]);
    await expect(drained).resolves.toBe(true);
    await expect(first).resolves.toEqual({});
    expect(transport.sent).toHaveLength(1);
    expect(rpc.dropQueued('closing')).toBe(1);
    const error = await second.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcDisconnectedError);
    expect((error as RpcDisconnectedError).sent).toBe(false);
  });

  it('is bounded: the call timeout settles the CALL in flight, and `maxMs` the wait itself', async () => {
    const { rpc, clock } = setup();
    const first = rpc.call('Heartbeat', {}, { timeoutMs: 1_000 }).catch((e: unknown) => e);
    const drained = rpc.drain(60_000);
    clock.advance(1_000);
    await expect(drained).resolves.toBe(true);
    expect(await first).toBeInstanceOf(Error);
    const again = rpc.call('Heartbeat', {}).catch((e: unknown) => e);
    expect(await settled(again)).toBe(false);
    // Paused by the drain: nothing is in flight, so a second drain is over at once.
    await expect(rpc.drain(500)).resolves.toBe(true);
  });

  it('gives up after `maxMs` with a CALL still in flight, and writing resumes on the next attach', async () => {
    const { transport, rpc, clock } = setup();
    void rpc.call('Heartbeat', {}, { timeoutMs: 60_000 }).catch(() => undefined);
    const queued = rpc.call('Heartbeat', {});
    const drained = rpc.drain(500);
    clock.advance(500);
    await expect(drained).resolves.toBe(false);
    expect(transport.sent).toHaveLength(1);
    rpc.detach('closed');
    const next = new MemoryTransport();
    rpc.attach(next);
    expect(next.sent).toHaveLength(1);
    rpc.receive(JSON.stringify([3, next.last[1], { currentTime: NOW }]));
    await expect(queued).resolves.toEqual({ currentTime: NOW });
  });
});
