/**
 * `pilegate serve [--config <file>]`: runs the gateway from a config file (default `pilegate.yaml`
 * in the working directory when present, else a built-in config: port 2404, the DC example
 * mapping, unknown chargers refused). SIGINT/SIGTERM stop it gracefully; SIGHUP reads the station
 * registry again (`Gateway.reloadStations`). A bad config file is
 * printed as `error CONFIG_INVALID <file>:<line>:<col> <pointer>: <reason>` with exit code 2.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { defaultGatewayConfig, loadGatewayConfig, type GatewayConfig } from '../gateway/config.js';
import { Gateway } from '../gateway/gateway.js';
import { storeKind } from '../gateway/store-config.js';
import { EXIT, UsageError, type CliIo } from './io.js';

export interface ServeOptions {
  readonly config?: string;
  /** Station ids (or `all`) whose OCPP messages are traced, over `log.ocppTrace`. */
  readonly traceOcpp?: string[];
}

/** Resolves when `signal` fires (SIGINT/SIGTERM by default). */
export function waitForSignal(signals: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM']): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (s: NodeJS.Signals): void => {
      for (const x of signals) process.off(x, on);
      resolve(s);
    };
    for (const s of signals) process.once(s, on);
  });
}

/** What the gateway serves, as one log line's fields (the JSON form of the banner). */
function gatewayFacts(gateway: Gateway): Record<string, unknown> {
  const c = gateway.config;
  return {
    config: c.file,
    listeners: c.listeners.map((l, i) => ({
      host: l.host ?? '0.0.0.0',
      port: gateway.ports[i] ?? l.port,
      codecs: l.codecs.map((x) => ({ codec: x.codec, ...(x.mapping !== undefined ? { mapping: x.mapping } : {}) })),
    })),
    csms: { url: c.csms.url, securityProfile: c.csms.securityProfile },
    unknownChargers: c.stations.unknownChargers,
    registry: c.stations.redis !== undefined ? { redis: c.stations.redis.key } : { file: c.stations.file ?? null },
    registryStations: gateway.stationRegistry.size,
    store: c.store === 'memory' ? 'memory' : storeKind(c.store),
    durable: c.store !== 'memory',
    http: `http://${c.http.host}:${gateway.httpPort ?? c.http.port}`,
    ...(c.log.ocppTrace !== undefined ? { ocppTrace: c.log.ocppTrace } : {}),
  };
}

/** The banner for a person: the same facts, as a few readable lines. */
function describeGateway(gateway: Gateway): string[] {
  const c = gateway.config;
  const lines = [`pilegate serving (${c.file})`];
  c.listeners.forEach((l, i) => {
    const codecs = l.codecs.map((x) => `${x.codec}${x.mapping !== undefined ? ` mapping ${x.mapping}` : ''}`);
    lines.push(`  chargers: ${l.host ?? '0.0.0.0'}:${gateway.ports[i] ?? l.port} codec ${codecs.join(l.codecs.length > 1 ? ' | codec ' : '')}`);
  });
  lines.push(`  csms: ${c.csms.url} (security profile ${c.csms.securityProfile})`);
  const registry = c.stations.redis !== undefined ? `Redis hash ${c.stations.redis.key}` : (c.stations.file ?? 'none');
  lines.push(`  unknown chargers: ${c.stations.unknownChargers}; registry: ${registry} (${gateway.stationRegistry.size} station(s))`);
  lines.push(`  store: ${c.store === 'memory' ? 'memory (not durable)' : storeKind(c.store)}`);
  lines.push(`  http: http://${c.http.host}:${gateway.httpPort ?? c.http.port}/metrics /healthz /readyz`);
  if (c.log.ocppTrace !== undefined) lines.push(`  OCPP trace: ${c.log.ocppTrace === 'all' ? 'all stations' : c.log.ocppTrace.join(', ')}`);
  return lines;
}

/** `--trace-ocpp` given (repeatable, comma-separated): it replaces the config's `log.ocppTrace`. */
function withOcppTrace(config: GatewayConfig, given: readonly string[]): GatewayConfig {
  const ids = given.flatMap((g) => g.split(',')).map((s) => s.trim());
  if (ids.some((id) => id === '')) throw new UsageError('SERVE_ARG', `--trace-ocpp takes a station id, a comma-separated list of them, or "all"`);
  return { ...config, log: { ...config.log, ocppTrace: ids.includes('all') ? 'all' : [...new Set(ids)] } };
}

async function runServe(options: ServeOptions, io: CliIo): Promise<number> {
  const file = options.config ?? (existsSync('pilegate.yaml') ? 'pilegate.yaml' : undefined);
  const loaded: GatewayConfig = file !== undefined ? loadGatewayConfig(file) : defaultGatewayConfig();
  const config = options.traceOcpp === undefined ? loaded : withOcppTrace(loaded, options.traceOcpp);
  const gateway = new Gateway(config);
  // Listening for the signals before anything starts: a Ctrl-C during start-up stops the gateway
  // once it is up instead of killing it half-started.
  const signalled = waitForSignal();
  // SIGHUP reads the station registry again instead of ending the process (Node's default).
  const reload = (): void => void gateway.reloadStations('SIGHUP');
  process.on('SIGHUP', reload);
  try {
    await gateway.start();
  } catch (e) {
    await gateway.stop();
    process.off('SIGHUP', reload);
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && e.code.startsWith('CONFIG_')) throw e;
    io.err(`error GATEWAY_START: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.FAILURE;
  }
  // One JSON line for log shippers; the readable banner in a terminal (`log.format`).
  if (gateway.logFormat === 'json') gateway.log.info(gatewayFacts(gateway), 'pilegate serving');
  else gateway.log.info(describeGateway(gateway).join('\n'));
  const signal = await signalled;
  gateway.log.info({ signal }, 'stopping');
  await gateway.stop();
  process.off('SIGHUP', reload);
  return EXIT.OK;
}

/** Commander's reducer of a repeatable option. */
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('run the gateway: accept chargers and connect them to the CSMS as OCPP 2.0.1 stations')
    .option('-c, --config <file>', 'gateway config (YAML); default ./pilegate.yaml, else a built-in config')
    .option('--trace-ocpp <station>', 'log every OCPP message of this station (repeatable, comma-separated, or "all") at level trace; overrides log.ocppTrace', collect)
    .action(async (options: ServeOptions) => setExit(await runServe(options, io)));
}
