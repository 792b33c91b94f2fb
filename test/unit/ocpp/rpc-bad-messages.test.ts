/** `RpcEndpoint` on frames it cannot use: their answers, the bad-message budget, and state logging. */
import { describe, expect, it, vi } from 'vitest';
import { OcppError } from '../../../src/ocpp/errors.js';
import { RpcEndpoint } from '../../../src/ocpp/rpc.js';
import { FakeClock } from '../../support/fake-clock.js';
import { MemoryTransport, attachedEndpoint as setup } from '../../support/rpc-endpoint.js';

describe('RpcEndpoint: invalid frames and the bad-message budget', () => {
  it('answers unreadable frames with id "-1" and never answers a malformed answer', () => {
    const { transport, receive, rpc } = setup();
    rpc.receive('not json');
    expect(transport.last).toEqual([4, '-1', 'RpcFrameworkError', expect.any(String), {}]);
    receive([7, 'x', 'Foo', {}]);
    expect(transport.last).toEqual([4, 'x', 'MessageTypeNotSupported', expect.any(String), {}]);
    receive([2, 'x', 'Heartbeat', null]);
    expect(transport.last).toEqual([4, 'x', 'FormatViolation', expect.any(String), {}]);
    receive([3, 'x']);
    receive([4, 'x', 'GenericError']);
    expect(transport.sent).toHaveLength(3);
    expect(rpc.counters.badMessages).toBe(5);
  });

  it('closes the transport with 1008 when the budget is spent within the window, then ignores input', () => {
    const onBadMessageLimit = vi.fn();
    const { transport, rpc, clock } = setup({ badMessageLimit: 3, badMessageWindowMs: 10_000, onBadMessageLimit });
    rpc.receive('x');
    clock.advance(1_000);
    rpc.receive('y');
    expect(transport.closed).toBeUndefined();
    clock.advance(1_000);
    rpc.receive('z');
    expect(transport.sent).toHaveLength(3); // the last bad frame is still answered
    expect(transport.closed).toEqual({ code: 1008, reason: 'Too many invalid messages' });
    expect(rpc.state).toBe('closing');
    expect(onBadMessageLimit).toHaveBeenCalledWith({ count: 3, windowMs: 10_000, lastError: expect.any(OcppError) });
    rpc.receive('[2,"a","Heartbeat",{}]');
    expect(transport.sent).toHaveLength(3);
    rpc.detach('closed by us');
    expect(rpc.state).toBe('detached');
  });

  it('forgets bad messages older than the window, and starts a fresh budget on each attach', () => {
    const { transport, rpc, clock } = setup({ badMessageLimit: 3, badMessageWindowMs: 10_000, badMessageCloseCode: 4000 });
    rpc.receive('x');
    rpc.receive('y');
    clock.advance(10_000);
    rpc.receive('z');
    expect(transport.closed).toBeUndefined();
    rpc.detach('reconnect');
    const next = new MemoryTransport();
    rpc.attach(next);
    rpc.receive('a');
    rpc.receive('b');
    expect(next.closed).toBeUndefined();
    rpc.receive('c');
    expect(next.closed).toEqual({ code: 4000, reason: 'Too many invalid messages' });
  });

  it('logs every connection state transition as "a -> b"', () => {
    const { rpc, logs } = setup();
    rpc.detach('bye');
    expect(logs.filter((l) => l.msg.startsWith('rpc ')).map((l) => l.msg)).toEqual(['rpc detached -> attached', 'rpc attached -> detached']);
  });

  it('ignores messages while detached', () => {
    const rpc = new RpcEndpoint({ clock: new FakeClock() });
    rpc.receive('garbage');
    expect(rpc.counters.badMessages).toBe(0);
  });
});
