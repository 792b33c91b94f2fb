/**
 * `pilegate stations import|list|remove` against a real redis-server: a registry file imported
 * into the configured hash (passwords from the environment), listed without passwords, an entry
 * removed; bad input exits 2 with a pointed message, an unreachable Redis exits 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';

const KEY = 'pg:test-stations';
const ENV_NAME = 'PILEGATE_TEST_STATIONS_CLI_PASSWORD';
const SECRET = 'cli-station-secret-5b2e';

let redis: TestRedisServer;
let admin: Redis;
let dir: string;

beforeAll(async () => {
  redis = await startRedisServer();
  admin = new Redis(redis.url);
});

afterAll(async () => {
  admin.disconnect();
  await redis.dispose();
});

afterEach(async () => {
  delete process.env[ENV_NAME];
  rmSync(dir, { recursive: true, force: true });
  await admin.del(KEY);
});

/** Writes `files` into a fresh dir and returns the path of its pilegate.yaml (`storeYaml` as store). */
function setup(files: Record<string, string>, stations = `{ redis: { key: ${JSON.stringify(KEY)} } }`, storeYaml = `{ redis: ${JSON.stringify(redis.url)} }`): string {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-stations-cli-'));
  const config = join(dir, 'pilegate.yaml');
  writeFileSync(config, ['listeners:', '  - { port: 0, codec: ykc }', 'csms: { url: "ws://127.0.0.1:9000/ocpp" }', `stations: ${stations}`, `store: ${storeYaml}`].join('\n'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return config;
}

describe('pilegate stations', () => {
  it('imports a registry file, lists it without passwords and removes an entry', async () => {
    const config = setup({ 'stations.yaml': `"32010200000031":\n  stationId: depot-31\n  password: \${${ENV_NAME}}\n  timeZone: UTC\n"32010200000032": {}\n` });
    process.env[ENV_NAME] = SECRET;
    const imported = await runCli(['stations', 'import', join(dir, 'stations.yaml'), '--config', config]);
    expect(imported).toMatchObject({ code: 0, stdout: `imported 2 station(s) into ${KEY}\n` });
    expect(JSON.parse((await admin.hget(KEY, '32010200000031')) ?? '')).toEqual({ stationId: 'depot-31', password: SECRET, timeZone: 'UTC' });
    expect(JSON.parse((await admin.hget(KEY, '32010200000032')) ?? '')).toEqual({});

    // An entry written by hand that the gateway would ignore is listed as such.
    await admin.hset(KEY, 'BROKEN', JSON.stringify({ password: SECRET, timeZone: 'Nowhere/Land' }));
    const listed = await runCli(['stations', 'list', '--config', config]);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual(['32010200000031\tdepot-31', '32010200000032\t32010200000032']);
    expect(lines[2]).toMatch(/^BROKEN\t\(invalid, ignored by the gateway: \/timeZone: unknown time zone "Nowhere\/Land"/);
    expect(listed.stderr).toBe(`3 station(s) in ${KEY}, 1 invalid\n`);
    expect(listed.stdout + listed.stderr).not.toContain(SECRET);

    expect(await runCli(['stations', 'remove', '32010200000031', '--config', config])).toMatchObject({ code: 0, stdout: `removed 32010200000031 from ${KEY}\n` });
    expect(await admin.hexists(KEY, '32010200000031')).toBe(0);
    const again = await runCli(['stations', 'remove', '32010200000031', '--config', config]);
    expect(again.code).toBe(2);
    expect(again.stderr).toBe(`error STATION_UNKNOWN: charger "32010200000031" is not in the registry ${KEY}\n`);
  });

  it('imports the identity settings (allowedSources, duplicateLogin, ykcKey) and never lists a key; a bad network exits 2 with its line', async () => {
    const key = 'A1B2C3D4E5F60718293A4B5C6D7E8F900112233445566778';
    const config = setup({
      'stations.yaml': `"32010200000041":\n  allowedSources: [10.1.0.0/16, "2001:db8::/32"]\n  duplicateLogin: replace\n  ykcKey: \${${ENV_NAME}}\n`,
      'bad.yaml': `"32010200000042":\n  allowedSources:\n    - 10.1.0.0/16\n    - 10.1.0.0/99\n`,
    });
    process.env[ENV_NAME] = key;
    expect(await runCli(['stations', 'import', join(dir, 'stations.yaml'), '--config', config])).toMatchObject({ code: 0 });
    expect(JSON.parse((await admin.hget(KEY, '32010200000041')) ?? '')).toEqual({ allowedSources: ['10.1.0.0/16', '2001:db8::/32'], duplicateLogin: 'replace', ykcKey: key });
    const listed = await runCli(['stations', 'list', '--config', config]);
    expect(listed.stdout).toBe('32010200000041\t32010200000041\n');
    expect(listed.stdout + listed.stderr).not.toContain(key);
    const bad = await runCli(['stations', 'import', join(dir, 'bad.yaml'), '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error CONFIG_INVALID .*bad\.yaml:4:\d+ \/32010200000042\/allowedSources\/1: prefix length must be 0\.\.32/);
    expect(await admin.hexists(KEY, '32010200000042')).toBe(0);
  });

  it('exits 2 with the file, position and pointer for an invalid registry file, writing nothing', async () => {
    const config = setup({ 'bad.yaml': `A1:\n  stationId: ok\nA2:\n  timeZone: Moon/Base\n`, 'env.yaml': `B1:\n  password: \${${ENV_NAME}}\n`, 'tls.yaml': `C1:\n  securityProfile: 2\n` });
    const bad = await runCli(['stations', 'import', join(dir, 'bad.yaml'), '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error CONFIG_INVALID .*bad\.yaml:4:3 \/A2\/timeZone: unknown time zone "Moon\/Base"/);
    const env = await runCli(['stations', 'import', join(dir, 'env.yaml'), '--config', config]);
    expect(env.code).toBe(2);
    expect(env.stderr).toContain(`/B1/password: environment variable ${ENV_NAME} is not set`);
    const tls = await runCli(['stations', 'import', join(dir, 'tls.yaml'), '--config', config]);
    expect(tls.code).toBe(2);
    expect(tls.stderr).toContain('/C1/securityProfile: security profile 2 needs csms.ca in the gateway config');
    const missing = await runCli(['stations', 'import', join(dir, 'none.yaml'), '--config', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error CONFIG_READ .*none\.yaml: cannot read file: no such file/);
    expect(await admin.exists(KEY)).toBe(0);
  });

  it('exits 2 when the config keeps no registry in Redis, and 1 when Redis does not answer', async () => {
    const fileConfig = setup({ 'stations.yaml': 'A1: {}\n' }, '{ file: stations.yaml }');
    const notRedis = await runCli(['stations', 'list', '--config', fileConfig]);
    expect(notRedis.code).toBe(2);
    expect(notRedis.stderr).toMatch(/^error REGISTRY_NOT_REDIS: .*set stations: \{ redis: true \}/);
    rmSync(dir, { recursive: true, force: true });

    const memoryConfig = setup({}, '{ redis: true }', 'memory');
    const memory = await runCli(['stations', 'list', '--config', memoryConfig]);
    expect(memory.code).toBe(2);
    expect(memory.stderr).toMatch(/^error CONFIG_INVALID .*pilegate\.yaml:4:\d+ \/stations\/redis: the Redis registry lives on the store's Redis/);
    rmSync(dir, { recursive: true, force: true });

    const down = await startRedisServer();
    await down.stop();
    try {
      const config = setup({}, '{ redis: true }', `{ redis: ${JSON.stringify(down.url)} }`);
      const unreachable = await runCli(['stations', 'list', '--config', config]);
      expect(unreachable.code).toBe(1);
      expect(unreachable.stderr).toMatch(/^error REDIS_FAILED: /);
    } finally {
      await down.dispose();
    }
    // A missing argument is a usage error.
    expect((await runCli(['stations', 'remove'])).code).toBe(2);
  });
});
