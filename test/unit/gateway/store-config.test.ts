import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { storeKind } from '../../../src/gateway/store-config.js';
import { configError } from '../../support/config-error.js';

const minimal = 'listeners:\n  - { port: 0, codec: iec104-points }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

const parse = (store: string, env: Record<string, string> = {}): ReturnType<typeof parseGatewayConfig> => parseGatewayConfig(`${minimal}store: ${store}\n`, 'gw.yaml', env);
const pointers = (store: string, env: Record<string, string> = {}): string[] => configError(() => parse(store, env)).issues.map((i) => i.pointer);

describe('gateway config: store', () => {
  it('reads a Sentinel store, secrets from ${ENV}', () => {
    const c = parse('{ sentinel: { sentinels: ["10.0.0.1:26379", "[::1]:26380"], name: mymaster, password: "${REDIS_PW}", sentinelPassword: "${SENTINEL_PW}", tls: true } }', {
      REDIS_PW: 'r-secret',
      SENTINEL_PW: 's-secret',
    });
    expect(c.store).toEqual({
      sentinel: {
        sentinels: [
          { host: '10.0.0.1', port: 26379 },
          { host: '::1', port: 26380 },
        ],
        name: 'mymaster',
        password: 'r-secret',
        sentinelPassword: 's-secret',
        tls: true,
      },
    });
    expect(storeKind(c.store)).toBe('sentinel');
  });

  it('takes the store passwords from PILEGATE_STORE_PASSWORD and PILEGATE_STORE_SENTINEL_PASSWORD over the file', () => {
    const c = parse('{ sentinel: { sentinels: ["h:1"], name: m, password: file-pw } }', { PILEGATE_STORE_PASSWORD: 'env-pw', PILEGATE_STORE_SENTINEL_PASSWORD: 'env-spw' });
    expect(c.store).toEqual({ sentinel: { sentinels: [{ host: 'h', port: 1 }], name: 'm', password: 'env-pw', sentinelPassword: 'env-spw', tls: false } });
    const r = parse('{ redis: "redis://127.0.0.1:6379" }', { PILEGATE_STORE_PASSWORD: 'env-pw' });
    expect(r.store).toEqual({ redis: 'redis://127.0.0.1:6379', password: 'env-pw' });
  });

  it('reads a Cluster store (default port 6379, rediss:// means TLS)', () => {
    const c = parse('{ cluster: { nodes: ["redis://10.0.0.1:7000", "redis://node-b"], password: "${PW}" } }', { PW: 'c-secret' });
    expect(c.store).toEqual({
      cluster: {
        nodes: [
          { host: '10.0.0.1', port: 7000 },
          { host: 'node-b', port: 6379 },
        ],
        password: 'c-secret',
        tls: false,
      },
    });
    expect(storeKind(c.store)).toBe('cluster');
    const t = parse('{ cluster: { nodes: ["rediss://a:7000/"] } }');
    expect(t.store).toEqual({ cluster: { nodes: [{ host: 'a', port: 7000 }], tls: true } });
  });

  it('interpolates ${ENV} in a Redis URL; PILEGATE_STORE still overrides the file', () => {
    expect(parse('{ redis: "redis://:${PW}@127.0.0.1:6379" }', { PW: 'u-secret' }).store).toEqual({ redis: 'redis://:u-secret@127.0.0.1:6379' });
    const c = parse('{ sentinel: { sentinels: ["h:1"], name: m } }', { PILEGATE_STORE: 'redis://127.0.0.1:7777' });
    expect(c.store).toEqual({ redis: 'redis://127.0.0.1:7777' });
    expect(parse('{ cluster: { nodes: ["redis://a:1"] } }', { PILEGATE_STORE: 'memory' }).store).toBe('memory');
  });

  it('points at every bad store value', () => {
    expect(pointers('{ sentinel: { sentinels: [], name: m } }')).toEqual(['/store/sentinel/sentinels']);
    expect(pointers('{ sentinel: { sentinels: ["h:1", "no-port"] } }').sort()).toEqual(['/store/sentinel', '/store/sentinel/sentinels/1']);
    expect(pointers('{ sentinel: { sentinels: ["h:70000"], name: m } }')).toEqual(['/store/sentinel/sentinels/0']);
    expect(pointers('{ sentinel: { sentinels: ["h:1"], name: m, tls: yes-please } }')).toEqual(['/store/sentinel/tls']);
    expect(pointers('{ sentinel: { sentinels: ["h:1"], name: m, password: "${NOPE}" } }')).toEqual(['/store/sentinel/password']);
    expect(pointers('{ cluster: { nodes: ["http://a:1"] } }')).toEqual(['/store/cluster/nodes/0']);
    expect(pointers('{ cluster: { nodes: ["redis://user:pw@a:1"] } }')).toEqual(['/store/cluster/nodes/0']);
    expect(pointers('{ cluster: { nodes: ["redis://a:0"] } }')).toEqual(['/store/cluster/nodes/0']);
    expect(pointers('{ cluster: { nodes: ["redis://a:1", "rediss://b:1"] } }')).toEqual(['/store/cluster/nodes']);
    expect(pointers('{ redis: "redis://a:1", cluster: { nodes: ["redis://a:1"] } }')).toEqual(['/store']);
    expect(pointers('{}')).toEqual(['/store']);
    expect(pointers('{ sentinal: {} }')).toEqual(['/store/sentinal']);
    expect(pointers('disk')).toEqual(['/store']);
  });
});
