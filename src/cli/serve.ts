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
import { EXIT, type CliIo } from './io.js';

export interface ServeOptions {
  readonly config?: string;
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
  return lines;
}

async function runServe(options: ServeOptions, io: CliIo): Promise<number> {
  const file = options.config ?? (existsSync('pilegate.yaml') ? 'pilegate.yaml' : undefined);
  const config: GatewayConfig = file !== undefined ? loadGatewayConfig(file) : defaultGatewayConfig();
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
  io.out(describeGateway(gateway).join('\n'));
  const signal = await signalled;
  io.out(`${signal}: stopping`);
  await gateway.stop();
  process.off('SIGHUP', reload);
  return EXIT.OK;
}

export function registerServe(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('serve')
    .description('run the gateway: accept chargers and connect them to the CSMS as OCPP 2.0.1 stations')
    .option('-c, --config <file>', 'gateway config (YAML); default ./pilegate.yaml, else a built-in config')
    .action(async (options: ServeOptions) => setExit(await runServe(options, io)));
}
