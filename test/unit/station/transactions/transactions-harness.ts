/**
 * Test support for the transactions block on its own: a station context over a store (memory by
 * default) with a fake clock and captured logs, offline so every event stays in the queue to be read.
 */
import type { Capabilities } from '../../../../src/model/capabilities.js';
import type { MeasurementsEvent, SessionEndedEvent, SessionStartedEvent, TransactionRecordEvent } from '../../../../src/model/events.js';
import type { RequestOf } from '../../../../src/ocpp/actions.js';
import type { RpcEndpoint } from '../../../../src/ocpp/rpc.js';
import type { StationContext } from '../../../../src/station/context.js';
import { engineStubs } from '../context-stubs.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { Transactions } from '../../../../src/station/transactions/transactions.js';
import { TX_QUEUE, TxQueue, type QueuedTransactionEvent } from '../../../../src/station/transactions/tx-queue.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import type { EnqueueOptions, JsonValue } from '../../../../src/store/state-store.js';
import { FakeClock } from '../../../support/fake-clock.js';

export const ID = 'CS-TX';
export const T0 = Date.UTC(2025, 0, 6, 8);
export const MIN = 60_000;
export const iso = (ms: number): string => new Date(ms).toISOString();

export const CAPS: Capabilities = {
  connectorCount: 2,
  currentType: 'AC',
  commands: new Set(['startCharging', 'stopCharging']),
  measurands: new Set(['energy', 'power']),
  limitUnits: new Set(['W']),
  maxPowerW: 22000,
  evInfo: false,
  localAuthorization: false,
  transactionRecords: true,
};

/** A memory store whose next writes can be made to fail, as a store outage would. */
export class FlakyStore extends MemoryStore {
  /** Writes (set, enqueue) still to go through before the next one fails; undefined: none fails. */
  failAfter: number | undefined;

  private shouldFail(): boolean {
    if (this.failAfter === undefined) return false;
    if (this.failAfter > 0) {
      this.failAfter--;
      return false;
    }
    this.failAfter = undefined;
    return true;
  }

  override async set(station: string, key: string, value: JsonValue): Promise<void> {
    if (this.shouldFail()) throw new Error('store unavailable');
    return super.set(station, key, value);
  }

  override async enqueue(station: string, queue: string, item: JsonValue, options?: EnqueueOptions): Promise<string> {
    if (this.shouldFail()) throw new Error('store unavailable');
    return super.enqueue(station, queue, item, options);
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly data: unknown;
}

/** Transactions over `store`, loaded as an engine starting on it would load them. */
export async function transactions(store: MemoryStore = new MemoryStore(), preset: Record<string, string> = {}, capabilities: Capabilities = CAPS) {
  const clock = new FakeClock(T0);
  const dm = await DeviceModel.load({ store, capabilities, config: { identity: ID, securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' }, now: () => new Date(clock.now()) });
  const values = Object.entries(preset).map(([path, attributeValue]) => {
    const [component, variable] = path.split('.') as [string, string];
    return { component: { name: component }, variable: { name: variable }, attributeValue };
  });
  if (values.length > 0) {
    const refused = (await dm.set(values)).filter((r) => r.attributeStatus !== 'Accepted');
    if (refused.length > 0) throw new Error(`preset refused: ${JSON.stringify(refused)}`);
  }
  const logs: LogLine[] = [];
  const ctx: StationContext = {
    id: ID,
    identity: { vendor: 'V', model: 'M' },
    capabilities,
    store,
    dm,
    rpc: {} as RpcEndpoint,
    clock,
    log: (level, message, data) => logs.push({ level, message, data }),
    charger: { send: () => ({ status: 'sent' }) },
    call: () => Promise.reject(new Error('offline')),
    isAccepted: () => false,
    isOnline: () => false,
    commandId: (p) => `${p}-1`,
    ...engineStubs(),
  };
  const tx = new Transactions(ctx, new TxQueue(ctx));
  await tx.load();
  const events = async (): Promise<RequestOf<'TransactionEvent'>[]> => (await store.peek(ID, TX_QUEUE, 10_000)).map((e) => (e.item as unknown as QueuedTransactionEvent).payload);
  return { tx, store, logs, events, clock };
}

export const started = (legacyTransactionId: string, at: number, more: Partial<SessionStartedEvent> = {}): SessionStartedEvent => ({
  type: 'sessionStarted',
  connector: 1,
  legacyTransactionId,
  at: iso(at),
  ...more,
});
export const ended = (legacyTransactionId: string, at: number, more: Partial<SessionEndedEvent> = {}): SessionEndedEvent => ({
  type: 'sessionEnded',
  connector: 1,
  legacyTransactionId,
  at: iso(at),
  reason: 'local',
  ...more,
});
export const measured = (at: number, values: MeasurementsEvent['values'], connector = 1): MeasurementsEvent => ({ type: 'measurements', connector, at: iso(at), values });
export const record = (legacyTransactionId: string, from: number, to: number, more: Partial<TransactionRecordEvent> = {}): TransactionRecordEvent => ({
  type: 'transactionRecord',
  connector: 1,
  legacyTransactionId,
  startedAt: iso(from),
  endedAt: iso(to),
  energyWh: 0,
  reason: 'local',
  ...more,
});

/** The Wh values of an event's meter values with their times (HH:MM), in order. */
export const readings = (e: RequestOf<'TransactionEvent'> | undefined): string[] =>
  (e?.meterValue ?? []).flatMap((m) => m.sampledValue.map((s) => `${m.timestamp.slice(11, 16)} ${s.measurand ?? 'Energy.Active.Import.Register'}=${s.value}`));
