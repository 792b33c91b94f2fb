/**
 * Family-B chargers on shared and foreign ports, over real TCP: a listener with
 * `codecs: [ykc, sgcc104 (b3)]` serves a YKC charger and a B3 charger (recognised by its login; its
 * gun count gives its station two EVSEs), both reaching the strict test CSMS; a B3 charger dialling
 * an iec104-points port is named in one warning and counted, and served as configured.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { connectSgcc104Simulator, Sgcc104ChargerSimulator } from '../../src/simulator/sgcc104/simulator.js';
import { connectYkcSimulator } from '../../src/simulator/ykc/simulator.js';
import { EXAMPLE_MAPPING, HARNESS_PASSWORD, listenerGatewayEachTest, sample } from '../support/gateway-harness.js';
import { repoFile } from '../support/sgcc104-gateway.js';
import { until } from '../support/station.js';

const PILE = '32010200000077';
const B3_ID = '3100000000010019';
const b3 = loadDialect('b3');

const { start, closers } = listenerGatewayEachTest('<detect-sgcc104>');

describe('a listener with codecs [ykc, sgcc104]', () => {
  it('serves a YKC charger and a two-gun B3 charger on one port, both reaching the CSMS', async () => {
    const g = await start(
      `  - { port: 0, host: 127.0.0.1, codecs: [{ codec: ykc }, { codec: sgcc104, mapping: ${JSON.stringify(repoFile('mappings/sgcc104/b3.yaml'))} }], detect: { timeoutMs: 400 } }`,
    );
    const ykc = await connectYkcSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE, realTimeIntervalMs: 200 });
    closers.push(() => ykc.close());
    const sg = await connectSgcc104Simulator({ host: '127.0.0.1', port: g.port, dialect: b3, chargerId: B3_ID, connectors: 2, monitoringIntervalMs: 200 });
    closers.push(() => sg.close());
    const c = g.csms;
    await c.waitForCall((x) => x.identity === PILE && x.action === 'BootNotification', 10_000);
    await c.waitForCall((x) => x.identity === B3_ID && x.action === 'BootNotification', 10_000);
    // The login's gun count: the station has a second EVSE.
    await c.waitForCall((x) => x.identity === B3_ID && x.action === 'StatusNotification' && x.params['evseId'] === 2, 10_000);
    const text = await g.metrics();
    expect(sample(text, 'pilegate_protocol_detections_total{codec="ykc",by="sniff"}')).toBe(1);
    expect(sample(text, 'pilegate_protocol_detections_total{codec="sgcc104",by="sniff"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_connected{codec="ykc"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_connected{codec="sgcc104"}')).toBe(1);
    const said = g.lines().map((l) => l['msg']);
    expect(said).toContain('charger at 127.0.0.1 speaks ykc');
    expect(said).toContain('charger at 127.0.0.1 speaks sgcc104');
    expect(said.filter((m) => typeof m === 'string' && / but listener /.test(m))).toEqual([]);
    expect(c.calls.filter((x) => x.identity === B3_ID && x.action === 'StatusNotification').every((x) => [1, 2].includes(x.params['evseId'] as number))).toBe(true);
  }, 30_000);
});

describe('a family-B charger on an iec104-points port', () => {
  it('is named in one warning and a metric, and served as configured', async () => {
    const g = await start(`  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`, ['connections: { loginTimeoutMs: 1500 }']);
    const sg = new Sgcc104ChargerSimulator({ host: '127.0.0.1', port: g.port, dialect: b3, chargerId: B3_ID });
    closers.push(() => sg.close());
    void sg.connect(5_000).catch(() => undefined);
    const warning = `charger at 127.0.0.1 speaks sgcc104 but listener :${g.port} is configured for iec104-points`;
    await until(() => g.lines().some((l) => l['msg'] === warning), 'the mismatch warning', 10_000);
    expect(sample(await g.metrics(), 'pilegate_protocol_mismatches_total{configured="iec104-points",detected="sgcc104"}')).toBe(1);
    expect(g.lines().find((l) => l['msg'] === warning)).toMatchObject({ level: 40, configured: 'iec104-points', detected: ['sgcc104'], port: g.port });
    // Served as configured: the IEC 104 session never takes the login for a station.
    for (const end = Date.now() + 10_000; (sample(await g.metrics(), 'pilegate_chargers_connected{codec="iec104-points"}') ?? 1) !== 0;) {
      if (Date.now() > end) throw new Error('timed out waiting for the connection to close');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(g.csms.calls.filter((x) => x.identity === B3_ID)).toEqual([]);
    expect(g.lines().filter((l) => l['msg'] === warning)).toHaveLength(1);
  }, 30_000);
});

describe('a charger id whose registry entry has a ykcKey', () => {
  it('is refused (bad_key) when a family-B login on a shared [ykc, sgcc104] port claims it: that login proves no key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilegate-detect-key-'));
    closers.push(() => rmSync(dir, { recursive: true, force: true }));
    const registry = join(dir, 'stations.yaml');
    writeFileSync(registry, `"${B3_ID}":\n  stationId: keyed-b3\n  password: ${HARNESS_PASSWORD}\n  ykcKey: 0123456789ABCDEF1032547698BADCFE0F1E2D3C4B5A6978\n`);
    const g = await start(
      `  - { port: 0, host: 127.0.0.1, codecs: [{ codec: ykc }, { codec: sgcc104, mapping: ${JSON.stringify(repoFile('mappings/sgcc104/b3.yaml'))} }], detect: { timeoutMs: 400 } }`,
      [],
      `stations: { file: ${JSON.stringify(registry)}, unknownChargers: refuse }`,
    );
    const sg = new Sgcc104ChargerSimulator({ host: '127.0.0.1', port: g.port, dialect: b3, chargerId: B3_ID });
    closers.push(() => sg.close());
    void sg.connect(5_000).catch(() => undefined);
    const series = 'pilegate_logins_refused_total{codec="sgcc104",reason="bad_key"}';
    for (const end = Date.now() + 10_000; (sample(await g.metrics(), series) ?? 0) === 0;) {
      if (Date.now() > end) throw new Error('timed out waiting for the refusal');
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(sample(await g.metrics(), series)).toBe(1);
    expect(g.csms.calls.filter((x) => x.identity === 'keyed-b3')).toEqual([]);
    expect(g.lines().some((l) => JSON.stringify(l).includes('0123456789ABCDEF'))).toBe(false);
  }, 30_000);
});
