import { describe, expect, it, vi } from 'vitest';
import type { RequestOf } from '../../../src/ocpp/actions.js';
import {
  OcppError,
  RpcAbortedError,
  RpcCallError,
  RpcDisconnectedError,
  RpcRequestInvalidError,
  RpcResponseInvalidError,
  RpcTimeoutError,
} from '../../../src/ocpp/errors.js';
import { RpcEndpoint, type RpcEndpointOptions, type RpcLogLevel, type RpcTransport } from '../../../src/ocpp/rpc.js';
import { FakeClock } from '../../support/fake-clock.js';

const NOW = '2024-01-01T10:00:00.000Z';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const BOOT: RequestOf<'BootNotification'> = {
  reason: 'PowerUp',
  chargingStation: { model: 'DC60', vendorName: 'Acme' },
};
const BOOT_ACCEPTED = { currentTime: NOW, interval: 300, status: 'Accepted' };
const GET_VARIABLES = { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] };
const GET_VARIABLES_RESULT = {
  getVariableResult: [
    {
      attributeStatus: 'Accepted' as const,
      attributeValue: '300',
      component: { name: 'OCPPCommCtrlr' },
      variable: { name: 'HeartbeatInterval' },
    },
  ],
};

class MemoryTransport implements RpcTransport {
  readonly sent: unknown[][] = [];
  closed: { code: number; reason: string } | undefined;
  send(text: string): void {
    this.sent.push(JSON.parse(text) as unknown[]);
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
  /** The last frame written. */
  get last(): unknown[] {
    const frame = this.sent.at(-1);
    if (frame === undefined) throw new Error('nothing sent');
    return frame;
  }
}

function setup(options: Partial<RpcEndpointOptions> = {}) {
  const clock = new FakeClock(1_000);
  const transport = new MemoryTransport();
  const logs: { level: RpcLogLevel; msg: string; data?: Record<string, unknown> }[] = [];
  const latencies: [string, number][] = [];
  const rpc = new RpcEndpoint({
    clock,
    log: (level, msg, data) => logs.push({ level, msg, ...(data === undefined ? {} : { data }) }),
    onCallLatency: (action, ms) => latencies.push([action, ms]),
    ...options,
  });
  rpc.attach(transport);
  const receive = (frame: unknown[]): void => rpc.receive(JSON.stringify(frame));
  return { clock, transport, rpc, logs, latencies, receive };
}

/** Lets pending promise callbacks (handlers, awaited calls) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

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

describe('RpcEndpoint: inbound CALLs', () => {
  it('answers a CALL with the handler response, giving it the validated payload and the message id', async () => {
    const { transport, rpc, receive } = setup();
    const handler = vi.fn(() => GET_VARIABLES_RESULT);
    rpc.handle('GetVariables', handler);
    receive([2, 'm1', 'GetVariables', GET_VARIABLES]);
    await flush();
    expect(handler).toHaveBeenCalledWith(GET_VARIABLES, { action: 'GetVariables', messageId: 'm1' });
    expect(transport.last).toEqual([3, 'm1', GET_VARIABLES_RESULT]);
    expect(rpc.counters).toMatchObject({ callsReceived: 1, resultsSent: 1 });
  });

  it('runs after() only once the CALLRESULT is written, so a consequent CALL follows it', async () => {
    const { transport, rpc, receive } = setup();
    const order: string[] = [];
    rpc.handle('RequestStopTransaction', async () => {
      await Promise.resolve();
      return {
        response: { status: 'Accepted' as const },
        after: () => {
          order.push(`after: ${transport.sent.length} frame(s) written`);
          void rpc.call('Heartbeat', {});
        },
      };
    });
    receive([2, 'stop', 'RequestStopTransaction', { transactionId: 'tx1' }]);
    await flush();
    expect(order).toEqual(['after: 1 frame(s) written']);
    expect(transport.sent.map((f) => f[0])).toEqual([3, 2]);
    expect(transport.sent[0]).toEqual([3, 'stop', { status: 'Accepted' }]);
  });

  it('turns a thrown OcppError into that CALLERROR and anything else into InternalError', async () => {
    const { transport, rpc, receive, logs } = setup();
    rpc.handle('Reset', () => {
      throw new OcppError('SecurityError', 'not now', { why: 'boot' });
    });
    rpc.handle('ClearCache', () => {
      throw new TypeError('boom');
    });
    receive([2, 'r', 'Reset', { type: 'Immediate' }]);
    await flush();
    expect(transport.last).toEqual([4, 'r', 'SecurityError', 'not now', { why: 'boot' }]);
    receive([2, 'c', 'ClearCache', {}]);
    await flush();
    expect(transport.last).toEqual([4, 'c', 'InternalError', '', {}]);
    expect(logs.some((l) => l.level === 'error' && l.msg === 'handler threw')).toBe(true);
    expect(rpc.counters.errorsSent).toBe(2);
  });

  it('never sends a handler response that fails its schema, and then skips after()', async () => {
    const { transport, rpc, receive } = setup();
    const after = vi.fn();
    rpc.handle('Reset', () => ({ response: { status: 'OK' } as never, after }));
    receive([2, 'r', 'Reset', { type: 'Immediate' }]);
    await flush();
    expect(transport.last).toEqual([4, 'r', 'InternalError', '', {}]);
    expect(after).not.toHaveBeenCalled();
  });

  it('survives an after() that throws or rejects', async () => {
    const { transport, rpc, receive, logs } = setup();
    rpc.handle('ClearCache', () => ({
      response: { status: 'Accepted' as const },
      after: () => Promise.reject(new Error('later')),
    }));
    rpc.handle('Reset', () => ({
      response: { status: 'Accepted' as const },
      after: () => {
        throw new Error('now');
      },
    }));
    receive([2, 'a', 'ClearCache', {}]);
    receive([2, 'b', 'Reset', { type: 'OnIdle' }]);
    await flush();
    expect(transport.sent).toEqual([
      [3, 'a', { status: 'Accepted' }],
      [3, 'b', { status: 'Accepted' }],
    ]);
    expect(logs.filter((l) => l.msg === 'after() failed')).toHaveLength(2);
  });

  it('answers NotImplemented for an unknown action and NotSupported for a known one without handler', async () => {
    const { transport, rpc, receive } = setup();
    receive([2, 'u', 'StartTransaction', {}]);
    expect(transport.last).toEqual([4, 'u', 'NotImplemented', expect.any(String), {}]);
    receive([2, 'd', 'SetDisplayMessage', {}]);
    expect(transport.last).toEqual([4, 'd', 'NotSupported', expect.any(String), {}]);
    receive([2, 'b', 'BootNotification', BOOT]); // a station-initiated action sent to us
    expect(transport.last).toEqual([4, 'b', 'NotSupported', expect.any(String), {}]);
    expect(rpc.counters.badMessages).toBe(0);
  });

  it('answers a schema-invalid CALL with the mapped code and counts it', async () => {
    const { transport, rpc, receive } = setup();
    const handler = vi.fn(() => ({ status: 'Accepted' as const }));
    rpc.handle('Reset', handler);
    receive([2, 'a', 'Reset', {}]);
    expect(transport.last).toEqual([4, 'a', 'OccurrenceConstraintViolation', expect.stringContaining('type'), expect.any(Object)]);
    receive([2, 'b', 'Reset', { type: 'immediate' }]);
    expect(transport.last[2]).toBe('FormatViolation');
    receive([2, 'c', 'Reset', { type: 'Immediate', evseId: '1' }]);
    expect(transport.last[2]).toBe('TypeConstraintViolation');
    receive([2, 'd', 'Reset', { type: 'Immediate', force: true }]);
    expect(transport.last[2]).toBe('PropertyConstraintViolation');
    await flush();
    expect(handler).not.toHaveBeenCalled();
    expect(rpc.counters.badMessages).toBe(4);
  });

  it('lets the guard refuse a CALL before validation and handler', async () => {
    const { transport, rpc, receive } = setup();
    const handler = vi.fn(() => ({ status: 'Accepted' as const }));
    rpc.handle('Reset', handler);
    rpc.setGuard(() => new OcppError('SecurityError', 'boot rejected'));
    receive([2, 'a', 'Reset', { type: 'Immediate' }]);
    receive([2, 'b', 'Reset', { type: 'bogus' }]);
    expect(transport.sent).toEqual([
      [4, 'a', 'SecurityError', 'boot rejected', {}],
      [4, 'b', 'SecurityError', 'boot rejected', {}],
    ]);
    rpc.setGuard((action) => (action === 'Reset' ? undefined : new OcppError('SecurityError')));
    receive([2, 'c', 'Reset', { type: 'Immediate' }]);
    await flush();
    expect(transport.last).toEqual([3, 'c', { status: 'Accepted' }]);
    expect(handler).toHaveBeenCalledTimes(1);
    expect(rpc.counters.badMessages).toBe(0);
  });

  it('answers CSMS CALLs while its own CALL is pending (the directions cross)', async () => {
    const { transport, rpc, receive } = setup();
    rpc.handle('GetVariables', () => GET_VARIABLES_RESULT);
    const boot = rpc.call('BootNotification', BOOT);
    const bootId = transport.last[1];
    receive([2, 'g', 'GetVariables', GET_VARIABLES]);
    await flush();
    expect(transport.last).toEqual([3, 'g', GET_VARIABLES_RESULT]);
    receive([3, bootId, BOOT_ACCEPTED]);
    await expect(boot).resolves.toEqual(BOOT_ACCEPTED);
  });

  it('drops an answer computed for a connection that has gone, without running after()', async () => {
    const { transport, rpc, receive } = setup();
    let release: () => void = () => {};
    const after = vi.fn();
    rpc.handle('ClearCache', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { response: { status: 'Accepted' as const }, after };
    });
    receive([2, 'slow', 'ClearCache', {}]);
    rpc.detach('socket closed');
    const next = new MemoryTransport();
    rpc.attach(next);
    release();
    await flush();
    expect(transport.sent).toHaveLength(0);
    expect(next.sent).toHaveLength(0);
    expect(after).not.toHaveBeenCalled();
  });

  it('refuses a CALL reusing the id of one still being answered', async () => {
    const { transport, rpc, receive } = setup();
    let release: () => void = () => {};
    rpc.handle('ClearCache', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      return { status: 'Accepted' as const };
    });
    receive([2, 'same', 'ClearCache', {}]);
    await flush();
    receive([2, 'same', 'ClearCache', {}]);
    expect(transport.last).toEqual([4, 'same', 'RpcFrameworkError', expect.any(String), {}]);
    release();
    await flush();
    expect(transport.last).toEqual([3, 'same', { status: 'Accepted' }]);
  });

  it('unregisters a handler with the function handle() returns', () => {
    const { transport, rpc, receive } = setup();
    const off = rpc.handle('ClearCache', () => ({ status: 'Accepted' as const }));
    off();
    receive([2, 'x', 'ClearCache', {}]);
    expect(transport.last[2]).toBe('NotSupported');
  });
});

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
    expect(logs.filter((l) => l.msg.startsWith('rpc ')).map((l) => l.msg)).toEqual([
      'rpc detached -> attached',
      'rpc attached -> detached',
    ]);
  });

  it('ignores messages while detached', () => {
    const rpc = new RpcEndpoint({ clock: new FakeClock() });
    rpc.receive('garbage');
    expect(rpc.counters.badMessages).toBe(0);
  });
});
