/**
 * Several protocols on one port, over real TCP: a listener with `codecs: [ykc, iec104-points]`
 * serves a YKC charger (recognised by its login) and an IEC 104 charger (silent until STARTDT, so
 * given to the codec whose chargers wait for the gateway), both reaching the strict test CSMS;
 * bytes no codec claims are refused with a log line and a metric. On a single-codec listener, a
 * charger speaking another protocol is named in one warning and counted, and served as configured.
 */
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { connectYkcSimulator, YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { EXAMPLE_MAPPING, listenerGatewayEachTest, sample } from '../support/gateway-harness.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { until } from '../support/station.js';

const PILE = '32010200000077';

const { start, closers } = listenerGatewayEachTest('<detect>');

function rawSocket(port: number): Promise<{ socket: Socket; closed: Promise<void> }> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  closers.push(() => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, closed }));
    socket.once('error', reject);
  });
}

const mixed = `  - { port: 0, host: 127.0.0.1, codecs: [{ codec: ykc }, { codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }], detect: { timeoutMs: 400 } }`;

describe('a listener with several codecs', () => {
  it('serves a YKC charger and an IEC 104 charger on one port, both reaching the CSMS', async () => {
    const g = await start(mixed);
    const ykc = await connectYkcSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE, realTimeIntervalMs: 200 });
    closers.push(() => ykc.close());
    const iec: SimulatorHandle = await connectSimulator({ host: '127.0.0.1', port: g.port, mapping: loadExampleMapping('example-dc-2gun'), commonAddress: 42, meterIntervalMs: 200 });
    closers.push(() => iec.close());
    const c = g.csms;
    await c.waitForCall((x) => x.identity === PILE && x.action === 'BootNotification', 10_000);
    await c.waitForCall((x) => x.identity === 'EXDC42' && x.action === 'BootNotification', 10_000);
    await c.waitForCall((x) => x.identity === 'EXDC42' && x.action === 'StatusNotification', 10_000);
    const text = await g.metrics();
    expect(sample(text, 'pilegate_protocol_detections_total{codec="ykc",by="sniff"}')).toBe(1);
    expect(sample(text, 'pilegate_protocol_detections_total{codec="iec104-points",by="silence"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_connected{codec="ykc"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(1);
    const said = g.lines().map((l) => l['msg']);
    expect(said).toContain('charger at 127.0.0.1 speaks ykc');
    expect(said).toContain('charger at 127.0.0.1 speaks iec104-points');
    // Neither is taken for the other protocol once it is served.
    expect(said.filter((m) => typeof m === 'string' && / but listener /.test(m))).toEqual([]);
  }, 30_000);

  it('refuses bytes no codec claims at once, and a frame that never completes at the time limit, each with a log line and a metric', async () => {
    const g = await start(mixed);
    const garbage = await rawSocket(g.port);
    garbage.socket.write(Buffer.from('GET / HTTP/1.1\r\n\r\n'));
    await garbage.closed;
    const partial = await rawSocket(g.port);
    // The first 10 bytes of a YKC login: it could be either protocol's until it completes.
    partial.socket.write(Buffer.from('6822000000015503141278', 'hex'));
    const sent = Date.now();
    await partial.closed;
    expect(Date.now() - sent).toBeGreaterThanOrEqual(300);
    const text = await g.metrics();
    expect(sample(text, 'pilegate_chargers_refused_total{reason="protocol_unknown"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_refused_total{reason="protocol_timeout"}')).toBe(1);
    expect(sample(text, 'pilegate_protocol_detections_total{codec="ykc",by="sniff"}')).toBe(0);
    const refusals = g.lines().filter((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('charger at 127.0.0.1 refused'));
    expect(refusals.map((l) => [l['level'], l['reason'], l['port']])).toEqual([
      [40, 'protocol_unknown', g.port],
      [40, 'protocol_timeout', g.port],
    ]);
    expect(String(refusals[0]?.['msg'])).toBe(`charger at 127.0.0.1 refused: listener :${g.port} could not tell its protocol (its first 18 byte(s) are none of ykc, iec104-points)`);
  }, 30_000);
});

describe('a listener with one codec', () => {
  it('names a charger that speaks another protocol in one warning and a metric, and serves it as configured', async () => {
    const g = await start(`  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`, ['connections: { loginTimeoutMs: 1500 }']);
    const ykc = new YkcChargerSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE });
    closers.push(() => ykc.close());
    void ykc.connect().catch(() => undefined);
    const warning = `charger at 127.0.0.1 speaks ykc but listener :${g.port} is configured for iec104-points`;
    await until(() => g.lines().some((l) => l['msg'] === warning), 'the mismatch warning', 10_000);
    const text = await g.metrics();
    expect(sample(text, 'pilegate_protocol_mismatches_total{configured="iec104-points",detected="ykc"}')).toBe(1);
    const line = g.lines().find((l) => l['msg'] === warning);
    expect(line).toMatchObject({ level: 40, configured: 'iec104-points', detected: ['ykc'], port: g.port });
    // Served as configured: the IEC 104 session closes it (login timeout or bad frames); the pile never boots.
    for (const end = Date.now() + 10_000; (sample(await g.metrics(), 'pilegate_chargers_connected{codec="iec104-points"}') ?? 1) !== 0;) {
      if (Date.now() > end) throw new Error('timed out waiting for the connection to close');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(g.csms.calls.filter((x) => x.identity === PILE)).toEqual([]);
    expect(g.lines().filter((l) => l['msg'] === warning)).toHaveLength(1);
  }, 30_000);

  it('says nothing of a charger that speaks the configured protocol', async () => {
    const g = await start(`  - { port: 0, host: 127.0.0.1, codec: ykc }`);
    const ykc = await connectYkcSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE });
    closers.push(() => ykc.close());
    await g.csms.waitForCall((x) => x.identity === PILE && x.action === 'BootNotification', 10_000);
    const text = await g.metrics();
    expect(text).not.toMatch(/pilegate_protocol_mismatches_total\{/);
    expect(g.lines().filter((l) => typeof l['msg'] === 'string' && / but listener /.test(l['msg']))).toEqual([]);
  }, 30_000);
});
