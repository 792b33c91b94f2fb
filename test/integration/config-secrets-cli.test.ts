/**
 * The real `pilegate` binary on config that would leak or misplace a secret: a CSMS URL with a
 * password (in the file, from PILEGATE_CSMS_URL, in a registry entry given to `stations import`)
 * exits 2 without printing the password, and nothing reaches the Redis registry; a bad environment
 * override exits 2 naming the variable, not a line of the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { runCliProcess } from '../support/cli.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';

const SECRET = 'cli-url-secret-77d1';

let dir: string | undefined;
let redis: TestRedisServer | undefined;
afterEach(async () => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  await redis?.dispose();
  dir = redis = undefined;
});

function configFile(csmsUrl: string, extra = ''): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pilegate-secrets-'));
  const file = join(dir, 'pilegate.yaml');
  writeFileSync(file, `listeners:\n  - { port: 0, codec: ykc }\ncsms:\n  url: ${JSON.stringify(csmsUrl)}\nhttp: { port: 0, host: 127.0.0.1 }\n${extra}`);
  return file;
}

describe('config secrets and overrides, through the CLI', () => {
  it('serve refuses a CSMS URL with a password in the file or the environment, exit 2, the password never printed', async () => {
    const file = configFile(`ws://depot:${SECRET}@127.0.0.1:9/ocpp`);
    const fromFile = await runCliProcess(['serve', '--config', file], 30_000);
    expect(fromFile.code).toBe(2);
    expect(fromFile.stderr).toMatch(new RegExp(`error CONFIG_INVALID ${file.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}:4:3 /csms/url: must not carry a user name or password.*PILEGATE_CSMS_PASSWORD`));
    const fromEnv = await runCliProcess(['serve', '--config', configFile('ws://127.0.0.1:9/ocpp')], 30_000, { PILEGATE_CSMS_URL: `wss://depot:${SECRET}@csms.example/ocpp` });
    expect(fromEnv.code).toBe(2);
    expect(fromEnv.stderr).toContain('error CONFIG_INVALID PILEGATE_CSMS_URL=wss://[redacted]@csms.example/ocpp: /csms/url: must not carry a user name or password');
    for (const r of [fromFile, fromEnv]) expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
  });

  it('serve blames a bad override on its variable', async () => {
    const r = await runCliProcess(['serve', '--config', configFile('ws://127.0.0.1:9/ocpp')], 30_000, { PILEGATE_HTTP_PORT: 'abc' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error CONFIG_INVALID PILEGATE_HTTP_PORT=abc: /http/port: must be integer, got string "abc"');
  });

  it('stations import refuses an entry whose csmsUrl carries a password and writes nothing', async () => {
    redis = await startRedisServer();
    const file = configFile('ws://127.0.0.1:9/ocpp', `stations: { redis: true }\nstore: { redis: ${JSON.stringify(redis.url)} }\n`);
    const registry = join(dir ?? '', 'stations.yaml');
    writeFileSync(registry, `A1: { stationId: a-1 }\nB2:\n  stationId: b-2\n  csmsUrl: "ws://b-2:${SECRET}@csms.example/ocpp"\n`);
    const r = await runCliProcess(['stations', 'import', registry, '--config', file], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${registry}:4:3 /B2/csmsUrl: must not carry a user name or password`);
    expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
    const admin = new Redis(redis.url);
    try {
      expect(await admin.hlen('pg:stations')).toBe(0);
    } finally {
      admin.disconnect();
    }
  });
});
