/**
 * The real gateway with one `codec: sgcc104` listener (its `mapping:` a dialect catalogue or an
 * options file), the strict ocpp-rpc CSMS, auto-provisioned stations, and scripted family-B
 * chargers on real sockets (`SgCharger`): what the end-to-end tests of each dialect share.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect } from 'vitest';
import type { Dialect } from '../../codecs/sgcc104/catalogue.js';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { startCsms, type StationCall, type TestCsms, type TestCsmsOptions } from './csms.js';
import { logLines } from './gateway-harness.js';
import { connectSgcc104Simulator, type Sgcc104ChargerSimulator, type Sgcc104SimulatorOptions } from '../../src/simulator/sgcc104/simulator.js';
import { SgCharger, type SgChargerOptions } from './sgcc104-charger.js';
import { until } from './station.js';

export const SG_PASSWORD = 'sgcc104-secret-0123456789';

/** A file of the repository (a built-in catalogue: `mappings/sgcc104/b1.yaml`). */
export const repoFile = (path: string): string => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Writes `text` to a fresh temporary directory as `name`; returns its path. */
export function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'pilegate-sgcc104-')), name);
  writeFileSync(file, text);
  return file;
}

export interface SgGateway {
  readonly gateway: Gateway;
  readonly csms: TestCsms;
  readonly port: number;
  lines(): Record<string, unknown>[];
  /** A charger of `dialect` named `chargerId`, connected (not logged in yet). */
  charger(dialect: Dialect, chargerId: string, onInterrogation?: (c: SgCharger) => void, onRecord?: SgChargerOptions['onRecord']): Promise<SgCharger>;
  /** The catalogue-driven charger simulator of `dialect` named `chargerId`, its link up. */
  simulator(dialect: Dialect, chargerId: string, extra?: Partial<Sgcc104SimulatorOptions>): Promise<Sgcc104ChargerSimulator>;
  /** The gateway's `/metrics` text. */
  metrics(): Promise<string>;
  /** The TransactionEvent calls of `identity` so far. */
  transactionEvents(identity: string): Record<string, unknown>[];
  /** Waits for the station's TransactionEvent of `eventType` (the `n`th). */
  transactionEvent(identity: string, eventType: 'Started' | 'Updated' | 'Ended', n?: number, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * `store`: the gateway's `store:` section (YAML flow), e.g. `{ redis: "redis://..." }`, default the
 * memory store; `stations`: its `stations:` section, default unknown chargers provisioned.
 */
export async function startSgGateway(mapping: string, o: { readonly csms?: TestCsmsOptions; readonly store?: string; readonly stations?: string } = {}): Promise<SgGateway> {
  const csms = await startCsms(o.csms);
  const text = [
    'listeners:',
    `  - { port: 0, host: 127.0.0.1, codec: sgcc104, mapping: ${JSON.stringify(mapping)} }`,
    `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
    `stations: ${o.stations ?? '{ unknownChargers: provision }'}`,
    'log: { level: debug }',
    'http: { port: 0, host: 127.0.0.1 }',
    ...(o.store !== undefined ? [`store: ${o.store}`] : []),
  ].join('\n');
  const config = parseGatewayConfig(text, '<sgcc104>', { PILEGATE_CSMS_PASSWORD: SG_PASSWORD });
  const { destination, lines } = logLines();
  const gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 });
  await gateway.start();
  const port = gateway.ports[0] ?? 0;
  const chargers: SgCharger[] = [];
  const sims: Sgcc104ChargerSimulator[] = [];
  const txOf = (identity: string): StationCall[] => csms.calls.filter((c) => c.identity === identity && c.action === 'TransactionEvent');
  return {
    gateway,
    csms,
    port,
    lines,
    async charger(dialect, chargerId, onInterrogation, onRecord) {
      const c = await SgCharger.connect({ port, dialect, chargerId, ...(onInterrogation !== undefined ? { onInterrogation } : {}), ...(onRecord !== undefined ? { onRecord } : {}) });
      chargers.push(c);
      return c;
    },
    async simulator(dialect, chargerId, extra = {}) {
      const sim = await connectSgcc104Simulator({ host: '127.0.0.1', port, dialect, chargerId, meterIntervalMs: 300, recordResendMs: 5_000, ...extra });
      sims.push(sim);
      return sim;
    },
    async metrics() {
      return (await fetch(`http://127.0.0.1:${gateway.httpPort ?? 0}/metrics`)).text();
    },
    transactionEvents: (identity) => txOf(identity).map((c) => c.params),
    async transactionEvent(identity, eventType, n = 1, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const found = txOf(identity).filter((c) => c.params['eventType'] === eventType);
        if (found.length >= n) return (found[n - 1] as StationCall).params;
        if (Date.now() > end) throw new Error(`timed out waiting for TransactionEvent ${eventType} #${n} of ${identity}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async close() {
      for (const c of chargers) c.close();
      await Promise.all(sims.map((s) => s.close()));
      await gateway.stop();
      await csms.close();
    },
  };
}

/** The ISO time `s` seconds ago (a record's start or end). */
export const ago = (s: number): string => new Date(Date.now() - s * 1000).toISOString();

/**
 * A gateway a test: `start` as `startSgGateway`. After each test the gateway is closed, then what
 * `after` was given in its order, and the strict CSMS must have found nothing to refuse.
 */
export function sgGatewayEachTest(): { start: typeof startSgGateway; after(...closers: (() => Promise<void>)[]): void } {
  let rig: SgGateway | undefined;
  const closers: (() => Promise<void>)[] = [];
  afterEach(async () => {
    const failures = rig?.csms.strictFailures ?? [];
    await rig?.close();
    rig = undefined;
    for (const f of closers.splice(0)) await f();
    expect(failures).toEqual([]);
  });
  return {
    async start(mapping, o) {
      rig = await startSgGateway(mapping, o);
      return rig;
    },
    after: (...fs) => {
      closers.push(...fs);
    },
  };
}

/** Sets the station's periodic meter values to every second, so that a test sees them. */
export async function fastMeterValues(csms: TestCsms, identity: string): Promise<void> {
  const client = await csms.client(identity);
  const set = (await client.call('SetVariables', {
    setVariableData: [{ component: { name: 'SampledDataCtrlr' }, variable: { name: 'TxUpdatedInterval' }, attributeValue: '1' }],
  })) as { setVariableResult: { attributeStatus: string }[] };
  if (set.setVariableResult[0]?.attributeStatus !== 'Accepted') throw new Error('TxUpdatedInterval not accepted');
}

/**
 * A card session of the catalogue-driven simulator through the gateway: the card accepted, Started,
 * the session stopped at the charger with `endReason`, Ended, and the record confirmed once.
 * Returns the Started and Ended events' params.
 */
export async function simulatedCardSession(
  rig: SgGateway,
  sim: Sgcc104ChargerSimulator,
  card: string,
  endReason: string,
): Promise<{ started: Record<string, unknown>; ended: Record<string, unknown> }> {
  const id = sim.chargerId;
  await rig.csms.waitForCall((x) => x.identity === id && x.action === 'StatusNotification' && x.params['evseId'] === 1, 10_000);
  const swipe = await sim.swipeCard(1, card);
  if (!swipe.accepted) throw new Error('the card was refused');
  const started = await rig.transactionEvent(id, 'Started');
  await new Promise((r) => setTimeout(r, 700));
  const serial = sim.stopCharging(1, endReason);
  const ended = await rig.transactionEvent(id, 'Ended');
  await until(() => sim.outbox.confirmed.includes(serial ?? '-'), 'the record confirmed to the simulator');
  return { started, ended };
}
