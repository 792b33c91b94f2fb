/** `stations.redis` in the gateway config, and one registry entry decoded as the Redis registry does. */
import { describe, expect, it } from 'vitest';
import { configErrorLines } from '../../../src/config/errors.js';
import { DEFAULT_REGISTRY_KEY, parseGatewayConfig } from '../../../src/gateway/config.js';
import { decodeRegistryEntry, encodeRegistryEntry } from '../../../src/gateway/registry-hash.js';
import { configError } from '../../support/config-error.js';

const head = 'listeners:\n  - { port: 0, codec: ykc }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('stations.redis config', () => {
  it('takes the default hash and refresh interval with `redis: true`', () => {
    const c = parseGatewayConfig(`${head}stations: { redis: true }\nstore: { redis: "redis://127.0.0.1:6399" }\n`, 'g.yaml', {});
    expect(c.stations.redis).toEqual({ key: DEFAULT_REGISTRY_KEY });
    expect(c.stations.refreshIntervalMs).toBe(30_000);
    expect(c.stations.registry.size).toBe(0);
    expect(c.stations.file).toBeUndefined();
  });

  it('names the hash and the refresh interval, with any Redis store form', () => {
    const c = parseGatewayConfig(`${head}stations: { redis: { key: "fleet:stations" }, refreshIntervalMs: 500 }\nstore:\n  cluster: { nodes: ["redis://10.0.0.1:7000"] }\n`, 'g.yaml', {});
    expect(c.stations.redis).toEqual({ key: 'fleet:stations' });
    expect(c.stations.refreshIntervalMs).toBe(500);
    const off = parseGatewayConfig(`${head}stations: { redis: false }\n`, 'g.yaml', {});
    expect(off.stations.redis).toBeUndefined();
  });

  it('refuses the Redis registry on the memory store, pointing at stations.redis', () => {
    const e = configError(() => parseGatewayConfig(`${head}stations: { redis: true }\nstore: memory\n`, 'g.yaml', {}));
    expect(e.issues).toEqual([expect.objectContaining({ pointer: '/stations/redis', line: 5, reason: expect.stringContaining('set store to a Redis form') as string })]);
    // No store section at all is the memory store too.
    const none = configError(() => parseGatewayConfig(`${head}stations: { redis: { key: k } }\n`, 'g.yaml', {}));
    expect(none.issues.map((i) => i.pointer)).toEqual(['/stations/redis']);
  });

  it('refuses a registry file and a Redis registry together', () => {
    const e = configError(() => parseGatewayConfig(`${head}stations: { file: stations.yaml, redis: true }\nstore: { redis: "redis://127.0.0.1:6399" }\n`, 'g.yaml', {}));
    expect(configErrorLines(e)).toEqual([expect.stringMatching(/^error CONFIG_INVALID g\.yaml:5:\d+ \/stations\/redis: stations\.file and stations\.redis are exclusive/) as string]);
  });

  it('checks the shape of stations.redis and refreshIntervalMs with pointers', () => {
    const e = configError(() => parseGatewayConfig(`${head}stations: { redis: { hash: x }, refreshIntervalMs: 0 }\nstore: { redis: "redis://127.0.0.1:6399" }\n`, 'g.yaml', {}));
    expect(e.issues.map((i) => i.pointer).sort()).toEqual(['/stations/redis/hash', '/stations/refreshIntervalMs']);
    const s = configError(() => parseGatewayConfig(`${head}stations: { redis: "yes" }\nstore: { redis: "redis://127.0.0.1:6399" }\n`, 'g.yaml', {}));
    expect(s.issues.map((i) => i.pointer)).toEqual(['/stations/redis']);
  });
});

describe('registry entry in a Redis hash', () => {
  const csms = { url: 'ws://127.0.0.1:9000/ocpp', securityProfile: 1 as const };

  it('decodes the JSON of an entry with the registry file rules and ${ENV} passwords', () => {
    const raw = encodeRegistryEntry({ stationId: 'depot-1', password: '${P1}', timeZone: 'UTC' });
    expect(JSON.parse(raw)).toEqual({ stationId: 'depot-1', password: '${P1}', timeZone: 'UTC' });
    expect(decodeRegistryEntry(raw, { P1: 'secret-1' }, csms)).toEqual({ entry: { stationId: 'depot-1', password: 'secret-1', timeZone: 'UTC' } });
    expect(decodeRegistryEntry('null', {}, csms)).toEqual({ entry: {} });
  });

  it('reports invalid entries with pointers and never quotes a password', () => {
    const cases: [string, string][] = [
      ['{"password":"hunter2-secret","stationId":"a:b"}', '/stationId'],
      ['{"password":424242,"stationId":"x"}', '/password'],
      ['{"password":"hunter2-secret","timeZone":"Mars/Olympus"}', '/timeZone'],
      ['{"password":"hunter2-secret","securityProfile":2}', '/securityProfile'],
      ['{"password":"hunter2-secret","passwd":"x"}', '/passwd'],
      ['{"password":"hunter2-secret"', ''],
      ['"hunter2-secret"', ''],
    ];
    for (const [raw, pointer] of cases) {
      const decoded = decodeRegistryEntry(raw, {}, csms);
      expect('issues' in decoded ? decoded.issues.map((i) => i.pointer) : decoded, raw).toEqual([pointer]);
      expect(JSON.stringify(decoded)).not.toMatch(/hunter2|424242/);
    }
    const missing = decodeRegistryEntry('{"password":"${NOT_SET}"}', {}, csms);
    expect(missing).toEqual({ issues: [{ pointer: '/password', reason: 'environment variable NOT_SET is not set' }] });
  });
});
