/**
 * Backpressure toward a charger over real TCP: a peer that floods TESTFR_ACT and never reads the
 * TESTFR_CON answers is disconnected once `connections.maxWriteBufferBytes` wait unsent, with a log
 * line and the `slow_reader` disconnect metric, instead of growing the gateway's memory.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sample, startGatewayHarness, untilMetrics, type GatewayHarness } from '../support/gateway-harness.js';

/** TESTFR_ACT: a valid U frame a charger may send in any link state (the gateway answers TESTFR_CON). */
const TESTFR_ACT = Buffer.from('680443000000', 'hex');

let h: GatewayHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('gateway: a charger that does not read', () => {
  it('is disconnected once maxWriteBufferBytes wait unsent', { timeout: 30_000 }, async () => {
    h = await startGatewayHarness(['connections: { loginTimeoutMs: 0, idleTimeoutMs: 0, maxWriteBufferBytes: 65536 }']);
    const s = await h.socket();
    s.socket.pause();
    const chunk = Buffer.concat(Array.from({ length: 10_000 }, () => TESTFR_ACT));
    // Enough for the kernel's buffers to fill and the gateway's own to pass the limit many times over.
    for (let i = 0; i < 1_000 && !s.isClosed(); i++) {
      s.socket.write(chunk);
      if (i % 10 === 0) await new Promise((r) => setTimeout(r, 20));
    }
    await s.closed;
    const line = h.lines().find((l) => l['msg'] === 'charger does not read what it is sent: disconnected');
    expect(line).toMatchObject({ level: 40, maxWriteBufferBytes: 65536 });
    expect(Number(line?.['unsentBytes'])).toBeGreaterThan(65536);
    const metrics = await untilMetrics(h, (t) => sample(t, 'pilegate_charger_disconnects_total{reason="slow_reader"}') === 1, 'the slow-reader disconnect metric');
    expect(sample(metrics, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(0);
  });
});
