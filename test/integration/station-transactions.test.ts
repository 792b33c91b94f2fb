/**
 * Station engine II against ocpp-rpc's strict RPCServer, driven by canonical charger events:
 * card authorization and a card-started session, legacy billing records, faults as NotifyEvent.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ChargerEvent } from '../../src/model/events.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { EnqueueOptions, JsonValue } from '../../src/store/state-store.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { createStation, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
let station: TestStation | undefined;

afterEach(async () => {
  const ending = csms;
  const stations = station !== undefined ? [station] : [];
  station = csms = undefined;
  await endStrict(ending, stations);
});

const at = (s: number): string => new Date(Date.UTC(2026, 10, 25, 8, 0, s)).toISOString();
const tx = (c: TestCsms): Record<string, unknown>[] => c.calls.filter((x) => x.action === 'TransactionEvent').map((x) => x.params);

async function running(id: string, onCommand?: Parameters<typeof createStation>[0]['onCommand']): Promise<{ csms: TestCsms; station: TestStation }> {
  csms = await startCsms();
  station = await createStation({ id, url: csms.url, ...(onCommand !== undefined ? { onCommand } : {}) });
  station.engine.start();
  await until(() => station?.engine.bootState === 'accepted', 'accepted');
  return { csms, station };
}

function feed(s: TestStation, ...events: ChargerEvent[]): void {
  for (const e of events) s.engine.chargerEvent(e);
}

describe('authorization and a card-started session', () => {
  it('asks the CSMS about the card, answers the charger, and reports the session with the token', async () => {
    const { csms: c, station: s } = await running('CS-CARD');
    feed(s, { type: 'authorizationRequest', connector: 1, idToken: { id: 'A1B2C3D4', type: 'card' }, requestId: 'r1' });
    const auth = await c.waitForCall((x) => x.action === 'Authorize');
    expect(auth.params).toEqual({ idToken: { idToken: 'A1B2C3D4', type: 'ISO14443' } });
    await until(() => s.commands.some((x) => x.type === 'authorize'), 'authorize command');
    expect(s.commands.find((x) => x.type === 'authorize')).toMatchObject({ connector: 1, accepted: true, requestId: 'r1', idToken: { id: 'A1B2C3D4' } });
    feed(
      s,
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-1', idToken: { id: 'A1B2C3D4', type: 'card' }, meterStartWh: 5000, at: at(0) },
      { type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-1', meterStopWh: 6500, at: at(30), reason: 'local', rawReason: 0x41 },
    );
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    const [started, ended] = tx(c);
    expect(started).toMatchObject({
      eventType: 'Started',
      seqNo: 0,
      triggerReason: 'Authorized',
      idToken: { idToken: 'A1B2C3D4', type: 'ISO14443' },
      evse: { id: 1, connectorId: 1 },
      timestamp: '2026-11-25T08:00:00.000Z',
    });
    expect(ended).toMatchObject({ eventType: 'Ended', seqNo: 1, triggerReason: 'ChargingStateChanged', customData: { vendorId: 'pilegate', legacyTransactionId: 'L-1', legacyStopReason: 65 } });
    // Local is the default stoppedReason: omitted.
    expect((ended?.transactionInfo as Record<string, unknown>).stoppedReason).toBeUndefined();
    expect(ended?.meterValue).toEqual([
      { timestamp: '2026-11-25T08:00:30.000Z', sampledValue: [{ value: 6500, context: 'Transaction.End', measurand: 'Energy.Active.Import.Register', unitOfMeasure: { unit: 'Wh' } }] },
    ]);
  });
});

describe('legacy billing records', () => {
  it('turns a record sent twice into one Ended event and two confirmations, confirming only after the event is queued', async () => {
    // What the durable queue held at the moment each confirmation left for the charger.
    const heldAtConfirm: Promise<unknown[]>[] = [];
    const { csms: c, station: s } = await running('CS-RECORD', (command, store) => {
      if (command.type === 'confirmRecord')
        heldAtConfirm.push(store.peek('CS-RECORD', 'tx', 10).then((entries) => entries.map((e) => (e.item as { payload: { eventType: string } }).payload.eventType)));
    });
    const record: ChargerEvent = {
      type: 'transactionRecord',
      connector: 2,
      legacyTransactionId: 'YKC-000123',
      startedAt: at(0),
      endedAt: at(600),
      meterStartWh: 100_000,
      meterStopWh: 112_500,
      energyWh: 12_500,
      reason: 'evDisconnected',
      rawReason: 0x6e,
    };
    feed(s, { type: 'sessionStarted', connector: 2, legacyTransactionId: 'YKC-000123', meterStartWh: 100_000, at: at(0) }, record, record);
    await s.engine.settled();
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    const events = tx(c);
    expect(events.map((e) => [e.eventType, e.seqNo])).toEqual([
      ['Started', 0],
      ['Ended', 1],
    ]);
    expect(events[1]).toMatchObject({ triggerReason: 'EVCommunicationLost', transactionInfo: { stoppedReason: 'EVDisconnected' } });
    const confirmations = s.commands.filter((x) => x.type === 'confirmRecord');
    expect(confirmations).toHaveLength(2);
    expect(confirmations.every((x) => x.type === 'confirmRecord' && x.legacyTransactionId === 'YKC-000123' && x.accepted)).toBe(true);
    const [first] = await Promise.all(heldAtConfirm);
    expect(first).toContain('Ended');
  });

  it('reports a whole transaction from a record the gateway never saw start', async () => {
    const { csms: c, station: s } = await running('CS-LATE-RECORD');
    feed(s, { type: 'transactionRecord', connector: 1, legacyTransactionId: 'YKC-9', startedAt: at(0), endedAt: at(60), meterStartWh: 10, meterStopWh: 20, energyWh: 10, reason: 'remote' });
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    expect(tx(c).map((e) => [e.eventType, e.seqNo, (e.transactionInfo as { stoppedReason?: string }).stoppedReason])).toEqual([
      ['Started', 0, undefined],
      ['Ended', 1, 'Remote'],
    ]);
  });
});

describe('a record interrupted between its Started and Ended events', () => {
  it('is finished by the resent record: one Started, one Ended, continuous seqNo, confirmed once', async () => {
    csms = await startCsms();
    const store = new FailsOnce('Ended');
    const confirms = (s: TestStation): number => s.commands.filter((x) => x.type === 'confirmRecord').length;
    const record: ChargerEvent = {
      type: 'transactionRecord',
      connector: 1,
      legacyTransactionId: 'YKC-CRASH-1',
      startedAt: at(0),
      endedAt: at(90),
      meterStartWh: 0,
      meterStopWh: 4_200,
      energyWh: 4_200,
      reason: 'local',
    };
    const first = await createStation({ id: 'CS-CRASH', url: csms.url, store });
    first.engine.start();
    await until(() => first.engine.bootState === 'accepted', 'accepted');
    feed(first, record);
    await first.engine.eventsHandled();
    // The Started event is queued, the Ended write failed (as if the gateway died there): not confirmed.
    expect(store.failed).toBe(1);
    expect(confirms(first)).toBe(0);
    // Its Started event delivered and acknowledged (else the next engine sends it again, same seqNo).
    await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started');
    await first.engine.settled();
    await first.engine.stop();

    station = await createStation({ id: 'CS-CRASH', url: csms.url, store });
    station.engine.start();
    feed(station, record);
    await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    await until(() => confirms(station as TestStation) === 1, 'the resent record confirmed');
    const events = tx(csms);
    expect(events.map((e) => [e.eventType, e.seqNo])).toEqual([
      ['Started', 0],
      ['Ended', 1],
    ]);
    expect(new Set(events.map((e) => (e.transactionInfo as { transactionId: string }).transactionId)).size).toBe(1);
    // Sent a third time: confirmed again, nothing new.
    feed(station, record);
    await until(() => confirms(station as TestStation) === 2, 'the third copy confirmed');
    await station.engine.settled();
    expect(tx(csms)).toHaveLength(2);
  });
});

/** A memory store whose first append of a TransactionEvent of `eventType` fails. */
class FailsOnce extends MemoryStore {
  failed = 0;
  constructor(private readonly eventType: 'Started' | 'Ended') {
    super();
  }

  override async enqueue(station: string, queue: string, item: JsonValue, options?: EnqueueOptions): Promise<string> {
    const payload = (item as { payload?: { eventType?: string } } | null)?.payload;
    if (this.failed === 0 && payload?.eventType === this.eventType) {
      this.failed += 1;
      throw new Error('store unavailable');
    }
    return super.enqueue(station, queue, item, options);
  }
}

describe('a record interrupted before its Started event', () => {
  it('is reported whole when the charger sends it again', async () => {
    csms = await startCsms();
    const store = new FailsOnce('Started');
    const record: ChargerEvent = {
      type: 'transactionRecord',
      connector: 2,
      legacyTransactionId: 'YKC-CRASH-2',
      startedAt: at(0),
      endedAt: at(90),
      meterStartWh: 0,
      meterStopWh: 900,
      energyWh: 900,
      reason: 'remote',
    };
    station = await createStation({ id: 'CS-CRASH-2', url: csms.url, store });
    station.engine.start();
    await until(() => station?.engine.bootState === 'accepted', 'accepted');
    feed(station, record);
    await station.engine.eventsHandled();
    expect(store.failed).toBe(1);
    expect(station.commands.filter((x) => x.type === 'confirmRecord')).toHaveLength(0);
    feed(station, record);
    await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended');
    await until(() => station?.commands.filter((x) => x.type === 'confirmRecord').length === 1, 'the resent record confirmed');
    expect(tx(csms).map((e) => [e.eventType, e.seqNo])).toEqual([
      ['Started', 0],
      ['Ended', 1],
    ]);
  });
});

describe('faults as events', () => {
  it('sends NotifyEvent on the connector Problem variable for a fault raised and cleared', async () => {
    const { csms: c, station: s } = await running('CS-FAULT');
    feed(
      s,
      { type: 'fault', connector: 2, code: 'CONNECTOR_OVERTEMP', name: 'Gun over-temperature', severity: 'error', active: true, at: at(1), raw: 0x12 },
      { type: 'fault', connector: 2, code: 'CONNECTOR_OVERTEMP', name: 'Gun over-temperature', severity: 'error', active: false, at: at(9), raw: 0x12 },
    );
    await until(() => c.calls.filter((x) => x.action === 'NotifyEvent').length === 2, 'two NotifyEvents');
    const events = c.calls.filter((x: StationCall) => x.action === 'NotifyEvent').map((x) => (x.params.eventData as Record<string, unknown>[])[0]);
    expect(events).toMatchObject([
      {
        trigger: 'Delta',
        actualValue: 'true',
        cleared: false,
        techCode: 'CONNECTOR_OVERTEMP',
        timestamp: '2026-11-25T08:00:01.000Z',
        component: { name: 'Connector', evse: { id: 2, connectorId: 1 } },
        variable: { name: 'Problem' },
      },
      { trigger: 'Delta', actualValue: 'false', cleared: true, techCode: 'CONNECTOR_OVERTEMP', timestamp: '2026-11-25T08:00:09.000Z' },
    ]);
  });
});

describe('triggers and unlock', () => {
  it('sends an Updated event on TriggerMessage(TransactionEvent) and refuses it without a transaction; UnlockConnector is UnlockFailed NotSupported without an unlock command', async () => {
    const { csms: c, station: s } = await running('CS-TRIGGER');
    const client = await c.client('CS-TRIGGER');
    expect(await client.call('TriggerMessage', { requestedMessage: 'TransactionEvent' })).toMatchObject({ status: 'Rejected' });
    feed(s, { type: 'sessionStarted', connector: 2, legacyTransactionId: 'L-T', meterStartWh: 10, at: at(0) });
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started');
    expect(await client.call('TriggerMessage', { requestedMessage: 'TransactionEvent', evse: { id: 2 } })).toEqual({ status: 'Accepted' });
    const triggered = await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.triggerReason === 'Trigger');
    expect(triggered.params).toMatchObject({ eventType: 'Updated', seqNo: 1, transactionInfo: { chargingState: 'Charging' } });
    expect(await client.call('UnlockConnector', { evseId: 1, connectorId: 1 })).toEqual({
      status: 'UnlockFailed',
      statusInfo: { reasonCode: 'NotSupported', additionalInfo: 'this charger has no unlock command' },
    });
    expect(await client.call('UnlockConnector', { evseId: 9, connectorId: 1 })).toEqual({ status: 'UnknownConnector' });
  });
});
