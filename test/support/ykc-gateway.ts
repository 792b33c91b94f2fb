/**
 * The full Gateway in-process with one YKC listener on 127.0.0.1, auto-provisioned stations and a
 * given `store` section, for tests of the Redis store forms (Sentinel, Cluster) and of outages.
 * pino output is kept as text (to assert no secret is logged) and as parsed lines.
 */
import { Writable } from 'node:stream';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import type { Env } from '../../src/gateway/config.js';

export const YKC_PASSWORD = 'ykc-gateway-secret-0123456789';

export interface YkcGateway {
  readonly gateway: Gateway;
  /** The charger port. */
  readonly port: number;
  /** Everything logged so far. */
  text(): string;
  lines(): Record<string, unknown>[];
}

/**
 * Starts a gateway whose config has `store: <storeYaml>`; `env` adds to the CSMS password;
 * `ykcOptionsFile` is the listener's YKC options file (absolute path); `extraYaml` are more sections
 * (`firmware`, `downloads`...) appended as given.
 */
export async function startYkcGateway(csmsUrl: string, storeYaml: string, env: Env = {}, ykcOptionsFile?: string, extraYaml: readonly string[] = []): Promise<YkcGateway> {
  const text = [
    'listeners:',
    `  - { port: 0, host: 127.0.0.1, codec: ykc${ykcOptionsFile !== undefined ? `, mapping: ${JSON.stringify(ykcOptionsFile)}` : ''} }`,
    `csms: { url: ${JSON.stringify(csmsUrl)}, securityProfile: 1 }`,
    'stations: { unknownChargers: provision }',
    `store: ${storeYaml}`,
    'http: { port: 0, host: 127.0.0.1 }',
    'log: { level: debug }',
    'fleet: { leaseTtlMs: 2000 }',
    // Tests stop gateways while Redis or the CSMS is down: a short flush keeps stop() quick.
    'shutdown: { drainTimeoutMs: 3000 }',
    ...extraYaml,
  ].join('\n');
  const config = parseGatewayConfig(text, '<ykc-gateway>', { PILEGATE_CSMS_PASSWORD: YKC_PASSWORD, ...env });
  let out = '';
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      out += chunk.toString('utf8');
      done();
    },
  });
  const gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 });
  await gateway.start();
  return {
    gateway,
    port: gateway.ports[0] ?? 0,
    text: () => out,
    lines: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
