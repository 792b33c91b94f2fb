/**
 * `pilegate serve` as a real child process with one family-B listener per dialect (the shipped
 * catalogue as its mapping), on the memory store or Redis, for the family-B e2e tests.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/cli.js';
import type { StationCall } from '../support/csms.js';
import { until } from '../support/station.js';
import { servedPort } from '../support/serve-banner.js';
import { spawnServe } from './serve-process.js';

/** What the family-B e2e tests read of a TransactionEvent. */
export interface TxParams {
  eventType: 'Started' | 'Updated' | 'Ended';
  seqNo: number;
  triggerReason: string;
  idToken?: { idToken: string; type: string };
  transactionInfo: { transactionId: string; remoteStartId?: number; stoppedReason?: string; chargingState?: string };
  meterValue?: { sampledValue: { value: number; context?: string; measurand?: string }[] }[];
  customData?: { legacyTransactionId?: string; amount?: number; periods?: { period: string; energyWh: number; amount?: number }[] };
}

/** The simulator settings of the family-B e2e tests: 36 kW (10 Wh a second, whole meter steps) at 400 V, meter values every 0.4 s. */
export const SIMULATOR_PACE = { meterIntervalMs: 400, recordResendMs: 30_000, powerW: 36_000, voltageV: 400 } as const;

/** A TransactionEvent call's params. */
export const tx = (c: StationCall): TxParams => c.params as unknown as TxParams;

export interface Sgcc104ServeOptions {
  /** Where the config file goes. */
  readonly dir: string;
  readonly csmsUrl: string;
  readonly password: string;
  /** Dialects, one listener each: built-in names (`mappings/sgcc104/<name>.yaml`) or names of `files`. */
  readonly dialects: readonly string[];
  /** Catalogue (or options) files by dialect name, for dialects that are not built in. */
  readonly files?: Readonly<Record<string, string>>;
  readonly store: 'memory' | { readonly redis: string };
  /** Charger ports per dialect (0 or absent: any). */
  readonly ports?: Readonly<Record<string, number>>;
  readonly instanceId?: string;
}

export interface Sgcc104Serve {
  /** The charger port of each dialect's listener. */
  readonly ports: Readonly<Record<string, number>>;
  /** Parsed pino lines so far. */
  logs(): Record<string, unknown>[];
  /** SIGKILL: a crash, no shutdown work. Resolves once the process is gone. */
  kill9(): Promise<void>;
  /** SIGTERM, then SIGKILL after 10 s; resolves once gone. */
  stop(): Promise<void>;
}

export async function startSgcc104Serve(options: Sgcc104ServeOptions): Promise<Sgcc104Serve> {
  const file = join(options.dir, `pilegate-${options.instanceId ?? 'serve'}.yaml`);
  const mapping = (d: string): string => options.files?.[d] ?? join(repoRoot, 'mappings', 'sgcc104', `${d}.yaml`);
  const store = options.store === 'memory' ? 'store: memory' : `store: { redis: ${JSON.stringify(options.store.redis)} }`;
  writeFileSync(
    file,
    [
      'listeners:',
      ...options.dialects.map((d) => `  - { port: ${options.ports?.[d] ?? 0}, host: 127.0.0.1, codec: sgcc104, mapping: ${JSON.stringify(mapping(d))} }`),
      `csms: { url: ${JSON.stringify(options.csmsUrl)}, securityProfile: 1 }`,
      'stations: { unknownChargers: provision }',
      store,
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: info }',
      ...(options.store === 'memory' ? [] : [`fleet: { leaseTtlMs: 2000${options.instanceId !== undefined ? `, instanceId: ${options.instanceId}` : ''} }`]),
    ].join('\n'),
  );
  const serve = spawnServe(file, options.password);
  const ports: Record<string, number> = {};
  await until(
    () => {
      for (const d of options.dialects) {
        const port = servedPort(serve.stdout(), 'sgcc104', new RegExp(`${d}\\.(yaml|json)$`));
        if (port !== undefined) ports[d] = port;
      }
      if (serve.child.exitCode !== null) throw new Error(`pilegate serve exited ${serve.child.exitCode}\n${serve.stdout()}\n${serve.stderr()}`);
      return options.dialects.every((d) => ports[d] !== undefined);
    },
    'pilegate serve to listen',
    30_000,
  );
  return {
    ports,
    logs: () => serve.lines(),
    kill9: () => serve.kill9(),
    stop: () => serve.stop('SIGTERM'),
  };
}
