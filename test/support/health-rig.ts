/**
 * A gateway for health and metrics tests: one YKC listener on 127.0.0.1, auto-provisioned stations
 * with fast OCPP reconnects, the given `store` and `http` sections, pino lines kept parsed; and the
 * HTTP side read as a probe or a scraper would (`/readyz` status and body, `/metrics` text).
 */
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { logLines } from './gateway-harness.js';
import { FAST_RETRY } from './station.js';

export const RIG_PASSWORD = 'health-rig-secret-0123456789';

export interface HealthRig {
  readonly gateway: Gateway;
  /** The YKC charger port. */
  readonly port: number;
  lines(): Record<string, unknown>[];
  readyz(): Promise<{ status: number; body: string }>;
  metrics(): Promise<string>;
}

export interface HealthRigOptions {
  /** The `store:` section; default memory. */
  readonly store?: string;
  /** The inside of the `http:` section after `port: 0, host: 127.0.0.1`. */
  readonly http?: string;
  /** The `stations:` section; default unknown chargers provisioned. */
  readonly stations?: string;
  /** More sections, as given. */
  readonly extra?: readonly string[];
}

export async function startHealthRig(csmsUrl: string, options: HealthRigOptions = {}): Promise<HealthRig> {
  const { store = 'memory', http = '', stations = '{ unknownChargers: provision }', extra = [] } = options;
  const text = [
    'listeners:',
    '  - { port: 0, host: 127.0.0.1, codec: ykc }',
    `csms: { url: ${JSON.stringify(csmsUrl)}, securityProfile: 1 }`,
    `stations: ${stations}`,
    `store: ${store}`,
    `http: { port: 0, host: 127.0.0.1${http !== '' ? `, ${http}` : ''} }`,
    'log: { level: debug }',
    'fleet: { leaseTtlMs: 2000 }',
    'shutdown: { drainTimeoutMs: 2000 }',
    ...extra,
  ].join('\n');
  const config = parseGatewayConfig(text, '<health-rig>', { PILEGATE_CSMS_PASSWORD: RIG_PASSWORD });
  const { destination, lines } = logLines();
  const gateway = new Gateway(config, { destination, callTimeoutMs: 3_000, stationDefaults: FAST_RETRY });
  await gateway.start();
  const url = (path: string): string => `http://127.0.0.1:${gateway.httpPort ?? 0}${path}`;
  return {
    gateway,
    port: gateway.ports[0] ?? 0,
    lines,
    async readyz() {
      const res = await fetch(url('/readyz'));
      return { status: res.status, body: await res.text() };
    },
    metrics: async () => (await fetch(url('/metrics'))).text(),
  };
}

/** Polls `probe` until `pred` holds of its result; returns that result. */
export async function poll<T>(probe: () => Promise<T>, pred: (value: T) => boolean, what: string, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (pred(value)) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
