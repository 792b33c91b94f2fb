/**
 * `pilegate stations import|list|remove`: the Redis station registry (`stations: { redis: ... }` in
 * the gateway config) kept from the command line. `import <file.yaml>` checks a registry file like
 * `stations.file` (`${ENV}` passwords read from the environment) and writes each entry into the
 * hash (HSET, merging with what is there); `list` prints charger and station ids, never a password;
 * `remove <chargerId>` deletes one entry. Running gateways see the change at their next refresh (or
 * at once for a charger they do not know yet). Bad input exits 2; an unreachable Redis exits 1.
 */
import { boundedWait } from '../core/bounded-wait.js';
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { loadCheckedRegistry, loadGatewayConfig, type GatewayConfig } from '../gateway/config.js';
import { decodeRegistryEntry, describeIssues, encodeRegistryEntry, scanRegistryHash, type RegistryClient } from '../gateway/registry-hash.js';
import { REGISTRY_CLIENT_OPTIONS } from '../gateway/registry.js';
import { createRedisClient } from '../gateway/store.js';
import { ConfigError } from '../config/errors.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface StationsOptions {
  readonly config?: string;
}

/** HSETs sent per pipeline round trip during an import. */
const IMPORT_BATCH = 1_000;
/** How long a command waits for Redis before the CLI gives up. */
const COMMAND_TIMEOUT_MS = 10_000;

/** The gateway config and its Redis registry; a config without one is a UsageError. */
function registryConfig(options: StationsOptions): { config: GatewayConfig; key: string; store: Exclude<GatewayConfig['store'], 'memory'> } {
  const file = options.config ?? (existsSync('pilegate.yaml') ? 'pilegate.yaml' : undefined);
  if (file === undefined) throw new UsageError('CONFIG_MISSING', 'no gateway config: pass --config <file> (or run where pilegate.yaml is)');
  const config = loadGatewayConfig(file);
  const redis = config.stations.redis;
  if (redis === undefined || config.store === 'memory') {
    throw new UsageError('REGISTRY_NOT_REDIS', `${file} keeps no station registry in Redis: set stations: { redis: true } (with a Redis store) to use these commands`);
  }
  return { config, key: redis.key, store: config.store };
}

/** Runs `work` with a registry client; Redis failures become exit 1 with a message. */
async function withClient(options: StationsOptions, io: CliIo, work: (client: RegistryClient, key: string, config: GatewayConfig) => Promise<number>): Promise<number> {
  const { config, key, store } = registryConfig(options);
  const client = createRedisClient(store, REGISTRY_CLIENT_OPTIONS);
  // ioredis reports each failed reconnect; the command's own error says it once.
  client.on('error', () => undefined);
  try {
    return await bounded(work(client, key, config));
  } catch (e) {
    if (e instanceof ConfigError || e instanceof UsageError) throw e;
    io.err(`error REDIS_FAILED: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.FAILURE;
  } finally {
    client.disconnect();
  }
}

async function runImport(file: string, options: StationsOptions, io: CliIo): Promise<number> {
  return withClient(options, io, async (client, key, config) => {
    const list = [...loadCheckedRegistry(file, config.csms)];
    for (let i = 0; i < list.length; i += IMPORT_BATCH) {
      const pipeline = client.pipeline();
      for (const [id, entry] of list.slice(i, i + IMPORT_BATCH)) pipeline.hset(key, id, encodeRegistryEntry(entry));
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err !== null)?.[0];
      if (failed !== undefined && failed !== null) throw failed;
    }
    io.out(`imported ${list.length} station(s) into ${key}`);
    return EXIT.OK;
  });
}

async function runList(options: StationsOptions, io: CliIo): Promise<number> {
  return withClient(options, io, async (client, key, config) => {
    const raw = await scanRegistryHash(client, key);
    const ids = [...raw.keys()].sort();
    let invalid = 0;
    for (const id of ids) {
      const decoded = decodeRegistryEntry(raw.get(id) ?? '', process.env, config.csms);
      if ('entry' in decoded) {
        io.out(`${id}\t${decoded.entry.stationId ?? id}`);
      } else {
        invalid += 1;
        io.out(`${id}\t(invalid, ignored by the gateway: ${describeIssues(decoded.issues)})`);
      }
    }
    io.err(`${ids.length} station(s) in ${key}${invalid > 0 ? `, ${invalid} invalid` : ''}`);
    return EXIT.OK;
  });
}

async function runRemove(chargerId: string, options: StationsOptions, io: CliIo): Promise<number> {
  return withClient(options, io, async (client, key) => {
    const removed = await client.hdel(key, chargerId);
    if (removed === 0) throw new UsageError('STATION_UNKNOWN', `charger ${JSON.stringify(chargerId)} is not in the registry ${key}`);
    io.out(`removed ${chargerId} from ${key}`);
    return EXIT.OK;
  });
}

function bounded<T>(work: Promise<T>): Promise<T> {
  return boundedWait(work, COMMAND_TIMEOUT_MS, () => {
    throw new Error(`no answer from Redis within ${COMMAND_TIMEOUT_MS} ms`);
  });
}

export function registerStations(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const stations = program.command('stations').description('the station registry kept in Redis (stations: { redis: ... } in the gateway config)');
  const configOption = ['-c, --config <file>', 'gateway config (YAML); default ./pilegate.yaml'] as const;
  stations
    .command('import')
    .description('write the entries of a registry file (YAML, ${ENV} passwords) into the Redis registry')
    .argument('<file>', 'station registry file, as for stations.file')
    .option(...configOption)
    .action(async (file: string, options: StationsOptions) => setExit(await runImport(file, options, io)));
  stations
    .command('list')
    .description('print the charger ids and station ids of the Redis registry (never passwords)')
    .option(...configOption)
    .action(async (options: StationsOptions) => setExit(await runList(options, io)));
  stations
    .command('remove')
    .description('delete one charger from the Redis registry')
    .argument('<chargerId>', 'the charger id (the hash field)')
    .option(...configOption)
    .action(async (chargerId: string, options: StationsOptions) => setExit(await runRemove(chargerId, options, io)));
}
