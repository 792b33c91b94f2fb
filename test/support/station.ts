/** Test support for the station engine: a fake charger behind it and small reconnect parameters. */
import { expect } from 'vitest';
import { capabilitiesOf } from '../../codecs/iec104-points/session.js';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../../src/model/commands.js';
import type { CommandResultEvent } from '../../src/model/events.js';
import type { SecurityProfileConfig } from '../../src/ocpp/client.js';
import { DeviceModel } from '../../src/station/device-model/device-model.js';
import { StationEngine, type StationEngineOptions } from '../../src/station/engine.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { StateStore } from '../../src/store/state-store.js';
import type { TestCsms } from './csms.js';
import { loadExampleMapping } from './iec104-points.js';

export const PASSWORD = 'pilegate-test-password-1';

export interface LogLine {
  level: string;
  message: string;
  data?: Readonly<Record<string, unknown>>;
}

export interface TestStation {
  readonly engine: StationEngine;
  readonly store: StateStore;
  readonly commands: ChargerCommand[];
  readonly logs: LogLine[];
}

/** Persists device-model values (as the CSMS would set them) before an engine loads them. */
export async function presetVariables(store: StateStore, id: string, values: Record<string, string>, profile: 1 | 2 | 3 = 1): Promise<void> {
  const capabilities = capabilitiesOf(loadExampleMapping('example-dc-2gun'));
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: id, securityProfile: profile } });
  const results = await dm.set(
    Object.entries(values).map(([path, attributeValue]) => {
      const [component, variable] = path.split('.') as [string, string];
      const [vName, instance] = variable.split('#') as [string, string | undefined];
      return { component: { name: component }, variable: { name: vName, ...(instance !== undefined ? { instance } : {}) }, attributeValue };
    }),
  );
  const refused = results.filter((r) => r.attributeStatus !== 'Accepted');
  if (refused.length > 0) throw new Error(`preset refused: ${JSON.stringify(refused)}`);
}

/** Fast reconnects: 1 s minimum wait, no random part, one doubling. */
export const FAST_RETRY = {
  'OCPPCommCtrlr.RetryBackOffWaitMinimum': '1',
  'OCPPCommCtrlr.RetryBackOffRandomRange': '0',
  'OCPPCommCtrlr.RetryBackOffRepeatTimes': '1',
};

/**
 * The fake charger answers at once or never: a short wait for it (OCPPCommCtrlr.ChargerCommandTimeout)
 * keeps tests of silence, and of connectors it never reports, quick.
 */
export const FAST_CHARGER = { 'OCPPCommCtrlr.ChargerCommandTimeout': '2' };

export async function createStation(options: {
  id: string;
  url: string;
  security?: SecurityProfileConfig;
  store?: StateStore;
  preset?: Record<string, string>;
  extra?: Partial<StationEngineOptions>;
  /** Sees every command as the engine hands it to the charger. */
  onCommand?: (command: ChargerCommand, store: StateStore) => void;
  /** The charger's answer to a command (a `commandResult` soon after it), or undefined for none. */
  answer?: (command: ChargerCommand) => CommandResultEvent['status'] | undefined;
}): Promise<TestStation> {
  const store = options.store ?? new MemoryStore();
  const security = options.security ?? { profile: 1, password: PASSWORD };
  await presetVariables(store, options.id, { ...FAST_RETRY, ...FAST_CHARGER, ...options.preset }, security.profile);
  const commands: ChargerCommand[] = [];
  const logs: LogLine[] = [];
  const ref: { engine?: StationEngine } = {};
  const engine = await StationEngine.create({
    id: options.id,
    csmsUrl: options.url,
    security,
    identity: { vendor: 'Example', model: 'EX-DC120-2', serialNumber: 'SN-0001', firmwareVersion: '1.2.3' },
    capabilities: capabilitiesOf(loadExampleMapping('example-dc-2gun')),
    store,
    charger: {
      send: (c): CommandOutcome => {
        options.onCommand?.(c, store);
        commands.push(c);
        const status = options.answer?.(c);
        if (status !== undefined) setImmediate(() => ref.engine?.chargerEvent({ type: 'commandResult', commandId: c.id, status }));
        return { status: 'sent' };
      },
    },
    log: (level, message, data) => logs.push({ level, message, ...(data !== undefined ? { data } : {}) }),
    callTimeoutMs: 5_000,
    ...options.extra,
  });
  ref.engine = engine;
  return { engine, store, commands, logs };
}

/** A charger that confirms every command it is given. */
export const CONFIRM_ALL = (): CommandResultEvent['status'] => 'accepted';

export async function until(pred: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * The end of a test against the strict CSMS: stops the stations (emptying the list) and the CSMS,
 * then fails the test if the CSMS found a message off the schema or answered a CALL with a CALLERROR.
 */
export async function endStrict(csms: TestCsms | undefined, stations: TestStation[]): Promise<void> {
  const failures = csms?.strictFailures ?? [];
  const callErrors = csms?.errorsSent ?? [];
  for (const s of stations.splice(0)) await s.engine.stop();
  await csms?.close();
  expect(failures).toEqual([]);
  expect(callErrors).toEqual([]);
}

/** A one-connector charger that starts, stops, authorizes and keeps an offline list (as a YKC pile). */
export const PILE_CAPABILITIES: Capabilities = {
  connectorCount: 1,
  currentType: 'DC',
  commands: new Set(['startCharging', 'stopCharging', 'authorize', 'setLocalList']),
  measurands: new Set(['energy']),
  limitUnits: new Set(),
  evInfo: false,
  localAuthorization: true,
  transactionRecords: true,
};
