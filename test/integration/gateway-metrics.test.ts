/**
 * `/metrics` after a simulated IEC 104 session through the gateway to the strict test CSMS: frames
 * counted both ways, decode errors by code after garbage, the CALL latency histogram, the gauges,
 * the process metrics; and two gateways in one process keep their own figures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sample, startGatewayHarness, untilMetrics, type GatewayHarness } from '../support/gateway-harness.js';

const harnesses: GatewayHarness[] = [];

afterEach(async () => {
  await Promise.all(harnesses.splice(0).map((h) => h.close()));
});

async function harness(extra: readonly string[] = []): Promise<GatewayHarness> {
  const h = await startGatewayHarness(extra);
  harnesses.push(h);
  return h;
}

const IN = 'pilegate_frames_total{codec="iec104-points",direction="in"}';
const OUT = 'pilegate_frames_total{codec="iec104-points",direction="out"}';

describe('gateway /metrics', () => {
  it('counts frames, CALL latencies, decode errors by code and exposes the gauges after a simulated session', async () => {
    const h = await harness();
    const before = await h.metrics();
    expect(sample(before, IN)).toBe(0);
    expect(sample(before, OUT)).toBe(0);
    expect(sample(before, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(0);
    await h.charger(42);
    await h.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'BootNotification', 10_000);
    for (const evseId of [1, 2]) await h.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'StatusNotification' && c.params['evseId'] === evseId, 10_000);
    const text = await untilMetrics(h, (t) => (sample(t, 'pilegate_ocpp_call_duration_seconds_count{action="StatusNotification"}') ?? 0) >= 2, 'StatusNotification latencies');
    expect(sample(text, 'pilegate_ocpp_call_duration_seconds_count{action="BootNotification"}')).toBeGreaterThanOrEqual(1);
    const bootSum = sample(text, 'pilegate_ocpp_call_duration_seconds_sum{action="BootNotification"}') ?? -1;
    expect(bootSum).toBeGreaterThan(0);
    expect(bootSum).toBeLessThan(3);
    expect(sample(text, 'pilegate_ocpp_call_duration_seconds_bucket{le="+Inf",action="BootNotification"}')).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^# TYPE pilegate_ocpp_call_duration_seconds histogram$/m);
    // STARTDT, interrogation, the charger's identification and status points at least.
    expect(sample(text, IN)).toBeGreaterThanOrEqual(3);
    expect(sample(text, OUT)).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(1);
    expect(sample(text, 'pilegate_stations')).toBe(1);
    expect(sample(text, 'pilegate_ocpp_connections_open')).toBe(1);
    expect(sample(text, 'pilegate_stations_started_total')).toBe(1);
    expect(sample(text, 'pilegate_transaction_events_queued')).toBe(0);
    expect(text).toMatch(/^# TYPE pilegate_process_cpu_user_seconds_total counter$/m);
    expect(text).toMatch(/^pilegate_nodejs_heap_size_used_bytes \d+/m);
    expect(text).not.toMatch(/^process_cpu/m);

    // Garbage from another connection: a stretch without a start byte, then an impossible length.
    const s = await h.socket();
    s.socket.write(Buffer.from('0102030468020000', 'hex'));
    const after = await untilMetrics(h, (t) => sample(t, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}') === 1, 'decode errors');
    expect(sample(after, 'pilegate_decode_errors_total{code="IEC104_BAD_START"}')).toBe(1);
    expect(sample(after, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(2);
    expect(sample(after, IN)).toBeGreaterThanOrEqual(sample(text, IN) ?? 0);
  });

  it('keeps the figures of two gateways in one process apart', async () => {
    const a = await harness();
    const b = await harness();
    const s = await a.socket();
    s.socket.write(Buffer.from('68020000', 'hex'));
    await untilMetrics(a, (t) => sample(t, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}') === 1, 'the error on the first gateway');
    const other = await b.metrics();
    expect(sample(other, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}')).toBeUndefined();
    expect(sample(other, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(0);
    expect(other).toMatch(/^# TYPE pilegate_decode_errors_total counter$/m);
  });
});
