/** `RpcEndpoint` as the callee: CALLs from the CSMS, their handlers, guard and answers. */
import { describe, expect, it, vi } from 'vitest';
import { OcppError } from '../../../src/ocpp/errors.js';
import { BOOT, BOOT_ACCEPTED, MemoryTransport, attachedEndpoint as setup } from '../../support/rpc-endpoint.js';

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

/** Lets pending promise callbacks (handlers, awaited calls) run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

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
