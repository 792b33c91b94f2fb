/**
 * The full Gateway with a station registry file, for tests of who may claim a charger's identity:
 * one listener on 127.0.0.1 (YKC, or IEC 104 with the DC example mapping), the strict test CSMS,
 * pino output kept as text and parsed lines, `/metrics` read over HTTP. Chargers and impostors dial
 * from a chosen loopback address (`127.0.0.2` is another source address to the gateway; Linux
 * accepts the whole 127/8 as local). `rawYkc` is a YKC peer we control byte by byte.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { YkcCipher } from '../../codecs/ykc/cipher.js';
import { decodeYkcFrame, encodeYkcFrame, YkcFramer, type YkcFrame } from '../../codecs/ykc/index.js';
import { loadGatewayConfig, type Env } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startCsms, type TestCsms } from './csms.js';
import { EXAMPLE_MAPPING, logLines } from './gateway-harness.js';
import { until } from './station.js';

export const IDENTITY_PASSWORD = 'identity-secret-0123456789';

export interface IdentityRigOptions {
  readonly codec?: 'ykc' | 'iec104-points';
  /** The registry file's text (YAML); passwords may be `${IDENTITY_PASSWORD}`. */
  readonly registry: string;
  /** Keep the registry in the store's Redis hash `pg:stations` instead (the test fills it); needs a Redis `store` in `extra`. */
  readonly registryInRedis?: boolean;
  /** `stations.unknownChargers` (default `refuse`). */
  readonly unknownChargers?: 'refuse' | 'provision';
  /** `stations.refreshIntervalMs` of the Redis registry (default 200). */
  readonly refreshIntervalMs?: number;
  /** Extra keys of the `stations:` section, as YAML flow entries (`defaults: { ... }`). */
  readonly stations?: string;
  /** Extra top-level YAML sections (`store: ...`, `fleet: ...`). */
  readonly extra?: readonly string[];
  /** Extra environment for `${NAME}` references. */
  readonly env?: Env;
  /** A CSMS to share (several gateways); default: a new one, closed with the rig. */
  readonly csms?: TestCsms;
}

export interface IdentityRig {
  readonly gateway: Gateway;
  readonly csms: TestCsms;
  readonly port: number;
  readonly text: () => string;
  readonly lines: () => Record<string, unknown>[];
  metrics(): Promise<string>;
  close(): Promise<void>;
}

export async function startIdentityRig(options: IdentityRigOptions): Promise<IdentityRig> {
  const ownCsms = options.csms === undefined;
  const csms = options.csms ?? (await startCsms());
  const dir = mkdtempSync(join(tmpdir(), 'pilegate-identity-'));
  writeFileSync(join(dir, 'stations.yaml'), options.registry);
  const codec = options.codec ?? 'ykc';
  const listener = codec === 'ykc' ? '{ port: 0, host: 127.0.0.1, codec: ykc }' : `{ port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`;
  const file = join(dir, 'pilegate.yaml');
  writeFileSync(
    file,
    [
      'listeners:',
      `  - ${listener}`,
      `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
      `stations: { ${options.registryInRedis === true ? `redis: true, refreshIntervalMs: ${options.refreshIntervalMs ?? 200}` : 'file: stations.yaml'}, unknownChargers: ${options.unknownChargers ?? 'refuse'}${options.stations !== undefined ? `, ${options.stations}` : ''} }`,
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: debug }',
      ...(options.extra ?? []),
    ].join('\n'),
  );
  const config = loadGatewayConfig(file, { IDENTITY_PASSWORD, ...options.env });
  const { destination, lines, text } = logLines();
  const gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 });
  await gateway.start();
  return {
    gateway,
    csms,
    port: gateway.ports[0] ?? 0,
    text,
    lines,
    async metrics() {
      const res = await fetch(`http://127.0.0.1:${gateway.httpPort ?? 0}/metrics`);
      return res.text();
    },
    async close() {
      await gateway.stop();
      if (ownCsms) await csms.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A YKC peer under the test's control: frames out (optionally encrypted), frames in, the close. */
export interface RawYkc {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  isClosed(): boolean;
  send(frame: YkcFrame, cipher?: YkcCipher): void;
  /** The next frame from the gateway, decoded with `cipher` when given; rejects once the socket closed without one. */
  next(cipher?: YkcCipher, timeoutMs?: number): Promise<YkcFrame>;
}

/** Dials the gateway from `localAddress`. */
export async function rawYkc(port: number, localAddress = '127.0.0.1'): Promise<RawYkc> {
  const socket = connect({ host: '127.0.0.1', port, localAddress });
  socket.on('error', () => undefined);
  const framer = new YkcFramer();
  const frames: Buffer[] = [];
  let closed = false;
  const done = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true;
      resolve();
    }),
  );
  socket.on('data', (chunk: Buffer) => {
    for (const item of framer.push(chunk)) if (item.kind === 'frame') frames.push(Buffer.from(item.frame));
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return {
    socket,
    closed: done,
    isClosed: () => closed,
    send: (f, c) => {
      if (!socket.destroyed) socket.write(encodeYkcFrame(f, c !== undefined ? { cipher: c } : {}));
    },
    async next(c, timeoutMs = 5_000) {
      await until(() => frames.length > 0 || closed, 'a frame from the gateway', timeoutMs);
      const bytes = frames.shift();
      if (bytes === undefined) throw new Error('connection closed without a frame');
      const r = decodeYkcFrame(bytes, c !== undefined ? { cipher: c } : {});
      if (!r.ok) throw new Error(`undecodable frame from the gateway: ${r.error.code}`);
      return r.value;
    },
  };
}

/** A YKC login frame of `pileCode`. */
export function ykcLogin(pileCode: string, sequence = 0): YkcFrame {
  return { type: 'login', sequence, pileCode, pileType: 0, gunCount: 1, protocolVersion: 0x10, firmwareVersion: 'IMP-1.0', networkType: 0, sim: '0'.repeat(20), operator: 0 };
}

/** The value of the sample `series` (`name{labels}`) in a Prometheus text, or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  return undefined;
}
