/**
 * An `RpcEndpoint` on a fake clock attached to an in-memory transport, with its logs and call
 * latencies captured: for the RPC endpoint unit tests. Plus the BootNotification both directions use.
 */
import type { LogLevel } from '../../src/core/log.js';
import type { RequestOf } from '../../src/ocpp/actions.js';
import { RpcEndpoint, type RpcEndpointOptions, type RpcTransport } from '../../src/ocpp/rpc.js';
import { FakeClock } from './fake-clock.js';

export const NOW = '2024-01-01T10:00:00.000Z';

export const BOOT: RequestOf<'BootNotification'> = {
  reason: 'PowerUp',
  chargingStation: { model: 'DC60', vendorName: 'Acme' },
};
export const BOOT_ACCEPTED = { currentTime: NOW, interval: 300, status: 'Accepted' };

export class MemoryTransport implements RpcTransport {
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

/** An endpoint already attached to a `MemoryTransport`; `receive` hands it a frame as JSON. */
export function attachedEndpoint(options: Partial<RpcEndpointOptions> = {}) {
  const clock = new FakeClock(1_000);
  const transport = new MemoryTransport();
  const logs: { level: LogLevel; msg: string; data?: Record<string, unknown> }[] = [];
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
