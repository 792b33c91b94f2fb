/** GatewayMetrics on its own registry, and the per-address connection count. */
import { register as globalRegistry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AddressLimit } from '../../../src/gateway/address-limit.js';
import { GatewayMetrics, type GatewayState } from '../../../src/gateway/metrics.js';
import { sample } from '../../support/gateway-harness.js';

function state(over: Partial<GatewayState> = {}): GatewayState {
  return {
    chargersByCodec: () => new Map(),
    chargersByState: () => new Map(),
    held: () => new Map(),
    ocppConnectionsOpen: () => 0,
    stations: () => 0,
    queues: () => Promise.resolve([]),
    stationsStarted: () => 0,
    storeReachable: () => true,
    ready: () => true,
    now: () => Date.now(),
    ...over,
  };
}

describe('GatewayMetrics', () => {
  it('reads the gauges from the gateway at scrape time and counts what it is told', async () => {
    let queued = 3;
    const m = new GatewayMetrics(
      state({
        chargersByCodec: () => new Map([['ykc', 4]]),
        ocppConnectionsOpen: () => 2,
        stations: () => 4,
        queues: () => Promise.resolve([{ station: 'A', size: queued }]),
        stationsStarted: () => 7,
      }),
      ['ykc', 'iec104-points'],
    );
    m.frame('ykc', 'in', 3);
    m.frame('ykc', 'out');
    m.frame('ykc', 'in', 0);
    m.decodeError('YKC_BAD_CRC');
    m.decodeError('YKC_BAD_CRC');
    m.refused('address_limit');
    m.disconnected('idle_timeout');
    m.callDone('Heartbeat', 0.03);
    m.ignored('iec104-points', 'unknown_type');
    m.ignored('iec104-points', 'unknown_type');
    let text = await m.text();
    expect(sample(text, 'pilegate_frames_ignored_total{codec="iec104-points",reason="unknown_type"}')).toBe(2);
    expect(sample(text, 'pilegate_frames_ignored_total{codec="ykc",reason="test"}')).toBe(0);
    expect(sample(text, 'pilegate_chargers_connected{codec="ykc"}')).toBe(4);
    expect(sample(text, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(0);
    expect(sample(text, 'pilegate_ocpp_connections_open')).toBe(2);
    expect(sample(text, 'pilegate_stations')).toBe(4);
    expect(sample(text, 'pilegate_transaction_events_queued')).toBe(3);
    expect(sample(text, 'pilegate_stations_started_total')).toBe(7);
    expect(sample(text, 'pilegate_frames_total{codec="ykc",direction="in"}')).toBe(3);
    expect(sample(text, 'pilegate_frames_total{codec="ykc",direction="out"}')).toBe(1);
    expect(sample(text, 'pilegate_frames_total{codec="iec104-points",direction="in"}')).toBe(0);
    expect(sample(text, 'pilegate_decode_errors_total{code="YKC_BAD_CRC"}')).toBe(2);
    expect(sample(text, 'pilegate_chargers_refused_total{reason="address_limit"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_refused_total{reason="unknown_charger"}')).toBe(0);
    expect(sample(text, 'pilegate_charger_disconnects_total{reason="idle_timeout"}')).toBe(1);
    expect(sample(text, 'pilegate_ocpp_call_duration_seconds_bucket{le="0.05",action="Heartbeat"}')).toBe(1);
    expect(sample(text, 'pilegate_ocpp_call_duration_seconds_bucket{le="0.025",action="Heartbeat"}')).toBe(0);
    queued = 0;
    text = await m.text();
    expect(sample(text, 'pilegate_transaction_events_queued')).toBe(0);
    expect(m.contentType).toMatch(/^text\/plain/);
  });

  it('lets two instances live in one process, both apart from the global registry', async () => {
    const a = new GatewayMetrics(state(), ['ykc']);
    const b = new GatewayMetrics(state(), ['ykc']);
    a.decodeError('X');
    expect(sample(await a.text(), 'pilegate_decode_errors_total{code="X"}')).toBe(1);
    expect(sample(await b.text(), 'pilegate_decode_errors_total{code="X"}')).toBeUndefined();
    expect(await b.text()).toMatch(/^pilegate_process_cpu_user_seconds_total /m);
    expect(await globalRegistry.metrics()).not.toContain('pilegate_');
  });
});

describe('AddressLimit', () => {
  it('counts per address, refuses past the limit and frees a slot on release', () => {
    const l = new AddressLimit(2);
    expect([l.acquire('a'), l.acquire('a'), l.acquire('a'), l.acquire('b')]).toEqual([true, true, false, true]);
    expect(l.count('a')).toBe(2);
    l.release('a');
    expect(l.acquire('a')).toBe(true);
    l.release('b');
    expect(l.count('b')).toBe(0);
  });

  it('has no limit at 0', () => {
    const l = new AddressLimit(0);
    for (let i = 0; i < 1000; i++) expect(l.acquire('a')).toBe(true);
    expect(l.count('a')).toBe(1000);
  });
});
