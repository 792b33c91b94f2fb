/** `RpcEndpoint` as the caller: CALLs it sends, one at a time, and how each one settles. */
import { describe, expect, it } from 'vitest';
import type { RequestOf } from '../../../src/ocpp/actions.js';
import { RpcAbortedError, RpcCallError, RpcDisconnectedError, RpcRequestInvalidError, RpcResponseInvalidError, RpcTimeoutError } from '../../../src/ocpp/errors.js';
import { RpcEndpoint } from '../../../src/ocpp/rpc.js';
import { FakeClock } from '../../support/fake-clock.js';
import { BOOT, BOOT_ACCEPTED, MemoryTransport, NOW, attachedEndpoint as setup } from '../../support/rpc-endpoint.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('RpcEndpoint: outbound CALLs', () => {
  it('sends a CALL with a UUID and resolves with the validated response, measuring latency', async () => {
    const { transport, rpc, receive, clock, latencies } = setup();
    const result = rpc.call('BootNotification', BOOT);
    const [type, id, action, payload] = transport.last;
    expect([type, action, payload]).toEqual([2, 'BootNotification', BOOT]);
    expect(id).toMatch(UUID);
    clock.advance(42);
    receive([3, id, BOOT_ACCEPTED]);
    await expect(result).resolves.toEqual(BOOT_ACCEPTED);
    expect(latencies).toEqual([['BootNotification', 42]]);
    expect(rpc.counters).toMatchObject({ callsSent: 1, callResults: 1, callErrors: 0 });
  });

  it('keeps one CALL outstanding and sends the rest in FIFO order with fresh ids', async () => {
    const { transport, rpc, receive } = setup();
    const first = rpc.call('Heartbeat', {});
    const second = rpc.call('StatusNotification', { timestamp: NOW, connectorStatus: 'Available', evseId: 1, connectorId: 1 });
    const third = rpc.call('Heartbeat', {});
    expect(transport.sent).toHaveLength(1);
    expect(rpc.queued).toBe(2);
    expect(rpc.pendingAction).toBe('Heartbeat');
    receive([3, transport.last[1], { currentTime: NOW }]);
    expect(transport.sent).toHaveLength(2);
    expect(transport.last[2]).toBe('StatusNotification');
    receive([3, transport.last[1], {}]);
    receive([3, transport.last[1], { currentTime: NOW }]);
    await Promise.all([first, second, third]);
    const ids = transport.sent.map((f) => f[1]);
    expect(new Set(ids).size).toBe(3);
  });

  it('queues CALLs made while detached and sends them on attach', async () => {
    const rpc = new RpcEndpoint({ clock: new FakeClock() });
    const result = rpc.call('Heartbeat', {});
    expect(rpc.queued).toBe(1);
    const transport = new MemoryTransport();
    rpc.attach(transport);
    expect(transport.sent).toHaveLength(1);
    rpc.receive(JSON.stringify([3, transport.last[1], { currentTime: NOW }]));
    await expect(result).resolves.toEqual({ currentTime: NOW });
  });

  it('rejects a request that fails its schema without sending anything', async () => {
    const { transport, rpc } = setup();
    const bad = { ...BOOT, reason: 'Powerup' } as unknown as RequestOf<'BootNotification'>;
    const error = await rpc.call('BootNotification', bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcRequestInvalidError);
    expect((error as RpcRequestInvalidError).error.code).toBe('FormatViolation');
    expect(transport.sent).toHaveLength(0);
  });

  it('rejects with RpcCallError carrying the code on CALLERROR and frees the slot', async () => {
    const { transport, rpc, receive } = setup();
    const boot = rpc.call('BootNotification', BOOT);
    const next = rpc.call('Heartbeat', {});
    receive([4, transport.last[1], 'SecurityError', 'go away', { hint: 1 }]);
    const error = await boot.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcCallError);
    expect(error).toMatchObject({ code: 'SecurityError', knownCode: 'SecurityError', description: 'go away', details: { hint: 1 } });
    expect(transport.last[2]).toBe('Heartbeat');
    receive([3, transport.last[1], { currentTime: NOW }]);
    await next;
    expect(rpc.counters.callErrors).toBe(1);
  });

  it('keeps a non-2.0.1 code as received (ocpp-rpc sends the 1.6 spelling)', async () => {
    const { transport, rpc, receive } = setup();
    const boot = rpc.call('BootNotification', BOOT);
    receive([4, transport.last[1], 'OccurenceConstraintViolation', '', {}]);
    await expect(boot).rejects.toMatchObject({ code: 'OccurenceConstraintViolation', knownCode: undefined });
  });

  it('rejects an invalid response, counts it as a bad message and frees the slot', async () => {
    const { transport, rpc, receive } = setup();
    const boot = rpc.call('BootNotification', BOOT);
    receive([3, transport.last[1], { ...BOOT_ACCEPTED, currentTime: '2024-01-01 10:00:00' }]);
    const error = await boot.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcResponseInvalidError);
    expect((error as RpcResponseInvalidError).error.code).toBe('FormatViolation');
    expect(rpc.counters).toMatchObject({ invalidResponses: 1, badMessages: 1 });
    expect(rpc.pendingAction).toBeUndefined();
    expect(transport.sent).toHaveLength(1); // a CALLRESULT is never answered
  });

  it('settles the pending CALL at once when its answer frame is malformed', async () => {
    const { transport, rpc, receive } = setup();
    const boot = rpc.call('BootNotification', BOOT);
    receive([3, transport.last[1]]);
    const error = await boot.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcResponseInvalidError);
    expect((error as RpcResponseInvalidError).error.code).toBe('ProtocolError');
    expect(transport.sent).toHaveLength(1);
  });

  it('times out after callTimeoutMs, frees the slot and ignores the late reply', async () => {
    const { transport, rpc, receive, clock, logs } = setup({ callTimeoutMs: 5_000 });
    const boot = rpc.call('BootNotification', BOOT);
    const heartbeat = rpc.call('Heartbeat', {});
    const bootId = transport.last[1];
    clock.advance(4_999);
    expect(transport.sent).toHaveLength(1);
    clock.advance(1);
    const error = await boot.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RpcTimeoutError);
    expect(error).toMatchObject({ action: 'BootNotification', timeoutMs: 5_000 });
    expect(transport.last[2]).toBe('Heartbeat');
    receive([3, bootId, BOOT_ACCEPTED]);
    expect(logs.some((l) => l.msg === 'late CALLRESULT ignored')).toBe(true);
    expect(rpc.pendingAction).toBe('Heartbeat');
    receive([3, transport.last[1], { currentTime: NOW }]);
    await expect(heartbeat).resolves.toEqual({ currentTime: NOW });
    expect(rpc.counters).toMatchObject({ callTimeouts: 1, unmatchedReplies: 1, badMessages: 0 });
  });

  it('counts the timeout from the moment the CALL is written, and honours a per-call timeout', async () => {
    const { transport, rpc, receive, clock } = setup({ callTimeoutMs: 1_000 });
    const first = rpc.call('Heartbeat', {});
    const second = rpc.call('Heartbeat', {}, { timeoutMs: 300 });
    clock.advance(900);
    receive([3, transport.last[1], { currentTime: NOW }]);
    await first;
    clock.advance(299);
    expect(rpc.pendingAction).toBe('Heartbeat');
    clock.advance(1);
    await expect(second).rejects.toBeInstanceOf(RpcTimeoutError);
  });

  it('on detach rejects the CALL in flight and keeps queued CALLs for the next attach', async () => {
    const { transport, rpc, clock } = setup();
    const boot = rpc.call('BootNotification', BOOT);
    const heartbeat = rpc.call('Heartbeat', {});
    rpc.detach('socket closed 1006');
    await expect(boot).rejects.toEqual(expect.any(RpcDisconnectedError));
    await expect(boot).rejects.toMatchObject({ sent: true, reason: 'socket closed 1006' });
    expect(clock.pending).toBe(0); // the timeout timer is gone
    expect(rpc.state).toBe('detached');
    expect(rpc.queued).toBe(1);
    const again = new MemoryTransport();
    rpc.attach(again);
    expect(again.last[2]).toBe('Heartbeat');
    expect(again.last[1]).not.toBe(transport.last[1]);
    rpc.receive(JSON.stringify([3, again.last[1], { currentTime: NOW }]));
    await expect(heartbeat).resolves.toEqual({ currentTime: NOW });
  });

  it('keeps a CALL queued when the transport refuses to write it (socket closing)', async () => {
    const rpc = new RpcEndpoint({ clock: new FakeClock() });
    rpc.attach({
      send: () => {
        throw new Error('socket closing');
      },
      close: () => {},
    });
    const result = rpc.call('Heartbeat', {});
    expect(rpc.queued).toBe(1);
    expect(rpc.counters.callsSent).toBe(0);
    rpc.detach('closed');
    const transport = new MemoryTransport();
    rpc.attach(transport);
    expect(transport.last[2]).toBe('Heartbeat');
    rpc.receive(JSON.stringify([3, transport.last[1], { currentTime: NOW }]));
    await expect(result).resolves.toEqual({ currentTime: NOW });
  });

  it('drops queued CALLs on detach when asked, and refuses calls after dispose', async () => {
    const { rpc } = setup();
    const inFlight = rpc.call('Heartbeat', {});
    const queued = rpc.call('Heartbeat', {});
    rpc.detach('shutting down', { dropQueued: true });
    await expect(inFlight).rejects.toMatchObject({ sent: true });
    await expect(queued).rejects.toMatchObject({ name: 'RpcDisconnectedError', sent: false });
    rpc.dispose();
    await expect(rpc.call('Heartbeat', {})).rejects.toBeInstanceOf(RpcDisconnectedError);
    expect(() => rpc.attach(new MemoryTransport())).toThrow(/disposed/);
  });

  it('aborts a queued CALL (never sent) and an in-flight CALL (answer ignored)', async () => {
    const { transport, rpc, receive } = setup();
    const inFlight = new AbortController();
    const queued = new AbortController();
    const first = rpc.call('Heartbeat', {}, { signal: inFlight.signal });
    const second = rpc.call('BootNotification', BOOT, { signal: queued.signal });
    const third = rpc.call('Heartbeat', {});
    queued.abort();
    await expect(second).rejects.toMatchObject({ name: 'RpcAbortedError', sent: false });
    const firstId = transport.last[1];
    inFlight.abort();
    await expect(first).rejects.toEqual(expect.any(RpcAbortedError));
    expect(transport.sent.map((f) => f[2])).toEqual(['Heartbeat', 'Heartbeat']);
    receive([3, firstId, { currentTime: NOW }]); // late answer to the aborted CALL
    expect(rpc.pendingAction).toBe('Heartbeat');
    receive([3, transport.last[1], { currentTime: NOW }]);
    await expect(third).resolves.toEqual({ currentTime: NOW });
    await expect(rpc.call('Heartbeat', {}, { signal: AbortSignal.abort() })).rejects.toBeInstanceOf(RpcAbortedError);
  });

  it('logs an answer whose id matches nothing as a warning without counting it bad', () => {
    const { rpc, receive, logs } = setup();
    receive([3, 'nobody', {}]);
    receive([4, 'nobody', 'GenericError', '', {}]);
    expect(logs.filter((l) => l.level === 'warn' && /unknown id/.test(l.msg))).toHaveLength(2);
    expect(rpc.counters).toMatchObject({ unmatchedReplies: 2, badMessages: 0 });
  });
});
