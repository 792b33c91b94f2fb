/**
 * The full Gateway in-process for integration tests of connection hygiene, metrics and capture:
 * one IEC 104 listener (DC example mapping) on 127.0.0.1, the strict test CSMS, auto-provisioned
 * stations, pino output kept as parsed lines. Extra YAML sections (`connections`, `capture`) are
 * appended to the config text as given.
 */
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { parseGatewayConfig, type GatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import type { RPCClient } from 'ocpp-rpc';
import { afterEach, expect } from 'vitest';
import { buildAsdu, ControlledStation, siq, type CommandAnswerer } from './controlled-station.js';
import { startCsms, type TestCsms, type TestCsmsOptions } from './csms.js';
import { loadExampleMapping } from './iec104-points.js';
import { until } from './station.js';

export const HARNESS_PASSWORD = 'harness-secret-0123456789';
export const EXAMPLE_MAPPING = fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));

export interface GatewayHarness {
  readonly gateway: Gateway;
  readonly csms: TestCsms;
  readonly port: number;
  /** Every pino line so far, parsed. */
  lines(): Record<string, unknown>[];
  /** An IEC 104 charger simulator (common address → charger id `EXDC<ca>`). */
  charger(commonAddress: number): Promise<SimulatorHandle>;
  /** A raw TCP connection to the charger listener. */
  socket(): Promise<RawSocket>;
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export interface RawSocket {
  readonly socket: Socket;
  /** Resolves when the gateway (or anyone) closed it. */
  readonly closed: Promise<void>;
  readonly isClosed: () => boolean;
  /** Bytes the gateway sent, so far. */
  readonly received: () => Buffer;
}

/** The harness's gateway configuration against the CSMS at `csmsUrl`, with extra YAML sections. */
export function harnessConfig(csmsUrl: string, extraYaml: readonly string[] = [], mapping = EXAMPLE_MAPPING): GatewayConfig {
  const text = [
    'listeners:',
    `  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(mapping)} }`,
    `csms: { url: ${JSON.stringify(csmsUrl)}, securityProfile: 1 }`,
    'stations: { unknownChargers: provision }',
    'http: { port: 0, host: 127.0.0.1 }',
    'log: { level: debug }',
    ...extraYaml,
  ].join('\n');
  return parseGatewayConfig(text, '<harness>', { PILEGATE_CSMS_PASSWORD: HARNESS_PASSWORD });
}

/** A pino destination that keeps what it is given: the text, and its lines parsed. */
export function logLines(): { destination: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const lines = (): Record<string, unknown>[] =>
    out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  return { destination, lines, text: () => out };
}

export interface HarnessOptions {
  readonly csms?: TestCsmsOptions;
  /** Device-model presets for every new station (`Component.Variable` → value). */
  readonly stationDefaults?: Readonly<Record<string, string>>;
  /** The listener's mapping file (default: the DC example); `charger()` still simulates the DC example. */
  readonly mapping?: string;
}

export async function startGatewayHarness(extraYaml: readonly string[] = [], options: HarnessOptions = {}): Promise<GatewayHarness> {
  const csms = await startCsms(options.csms);
  const config = harnessConfig(csms.url, extraYaml, options.mapping);
  const { destination, lines } = logLines();
  const gateway = new Gateway(config, { destination, callTimeoutMs: 3_000, ...(options.stationDefaults !== undefined ? { stationDefaults: options.stationDefaults } : {}) });
  await gateway.start();
  const port = gateway.ports[0] ?? 0;
  const sims: SimulatorHandle[] = [];
  const sockets: Socket[] = [];
  return {
    gateway,
    csms,
    port,
    lines,
    async charger(commonAddress) {
      const sim = await connectSimulator({ host: '127.0.0.1', port, mapping: loadExampleMapping('example-dc-2gun'), commonAddress, meterIntervalMs: 200 });
      sims.push(sim);
      return sim;
    },
    async socket() {
      const socket = connect(port, '127.0.0.1');
      sockets.push(socket);
      let closed = false;
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', () => undefined);
      const done = new Promise<void>((resolve) =>
        socket.once('close', () => {
          closed = true;
          resolve();
        }),
      );
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      return { socket, closed: done, isClosed: () => closed, received: () => Buffer.concat(chunks) };
    },
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort ?? 0}/metrics`);
      return res.text();
    },
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(sims.map((s) => s.close()));
      await gateway.stop();
      await csms.close();
    },
  };
}

/** The value of one sample line (`name{labels} value`), or undefined when absent. */
export function sample(metrics: string, series: string): number | undefined {
  for (const line of metrics.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}

/** Polls the gateway's metrics until `pred` holds. */
export async function untilMetrics(h: GatewayHarness, pred: (text: string) => boolean, what: string, timeoutMs = 10_000): Promise<string> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const text = await h.metrics();
    if (pred(text)) return text;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${text}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export { until };

/** Element of M_ME_NB_1 (scaled value + QDS). */
export const scaledQds = (value: number, qds = 0): Uint8Array => {
  const b = Buffer.alloc(3);
  b.writeInt16LE(value, 0);
  b[2] = qds;
  return b;
};

/**
 * A controlled station (test/support/controlled-station.ts) dialling the harness as charger
 * `EXDC<ca>` of the DC example mapping: once it answered the general interrogation it reports both
 * guns idle (status code 0) and gun 1's emergency stop released, then resolves when its station is
 * booted and has reported EVSE 2, with the CSMS's client of that station.
 */
export async function controlledCharger(h: GatewayHarness, ca: number, commandAnswer?: CommandAnswerer): Promise<{ peer: ControlledStation; client: RPCClient; id: string }> {
  const id = `EXDC${ca}`;
  const peer = await ControlledStation.connect(h.port, { ca, ...(commandAnswer !== undefined ? { commandAnswer } : {}) });
  await peer.waitFor(() => peer.iFrames().some((f) => f.asdu?.[0] === 100), 'the general interrogation', 10_000);
  peer.sendAsdus([
    buildAsdu({ ti: 1, cot: 3, ca }, [{ ioa: 0x0001, element: siq(false) }]),
    buildAsdu({ ti: 11, cot: 3, ca }, [
      { ioa: 0x4001, element: scaledQds(0) },
      { ioa: 0x4011, element: scaledQds(0) },
    ]),
  ]);
  await h.csms.waitForCall((c) => c.identity === id && c.action === 'StatusNotification' && c.params.evseId === 2, 15_000);
  return { peer, client: await h.csms.client(id), id };
}

export interface ListenerGateway {
  readonly port: number;
  readonly csms: TestCsms;
  lines(): Record<string, unknown>[];
  /** The gateway's `/metrics` text. */
  metrics(): Promise<string>;
}

/**
 * A gateway a test with the listener a test gives (a YAML list item) and more config lines, the
 * strict test CSMS, unknown chargers provisioned. After each test what was pushed on `closers` is
 * closed, then the gateway and the CSMS, and the CSMS must have found nothing to refuse.
 */
export function listenerGatewayEachTest(configName: string): {
  start(listener: string, extra?: readonly string[], stations?: string): Promise<ListenerGateway>;
  closers: (() => unknown)[];
} {
  let csms: TestCsms | undefined;
  let gateway: Gateway | undefined;
  const closers: (() => unknown)[] = [];
  afterEach(async () => {
    const failures = csms?.strictFailures ?? [];
    for (const close of closers.splice(0)) await close();
    await gateway?.stop();
    await csms?.close();
    gateway = undefined;
    csms = undefined;
    expect(failures).toEqual([]);
  });
  return {
    closers,
    async start(listener, extra = [], stations = 'stations: { unknownChargers: provision }') {
      const c = (csms = await startCsms());
      const text = ['listeners:', listener, `csms: { url: ${JSON.stringify(c.url)}, securityProfile: 1 }`, stations, 'http: { port: 0, host: 127.0.0.1 }', 'log: { level: debug }', ...extra].join(
        '\n',
      );
      const config = parseGatewayConfig(text, configName, { PILEGATE_CSMS_PASSWORD: HARNESS_PASSWORD });
      const { destination, lines } = logLines();
      const g = (gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 }));
      await g.start();
      return { port: g.ports[0] ?? 0, csms: c, lines, metrics: async () => (await fetch(`http://127.0.0.1:${g.httpPort ?? 0}/metrics`)).text() };
    },
  };
}
