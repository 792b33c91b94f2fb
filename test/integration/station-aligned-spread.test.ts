/**
 * A station whose clock-aligned meter values are spread (`alignedSpreadMs`, as the gateway runs
 * them) against ocpp-rpc's strict RPCServer, on a fake clock: a charger event arriving while the
 * clock-aligned event waits for its share of the spread does not overtake it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { FakeClock } from '../support/fake-clock.js';
import { createStation, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
let station: TestStation | undefined;

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  await station?.engine.stop();
  await csms?.close();
  station = csms = undefined;
  expect(failures).toEqual([]);
});

/** 2026-11-25 08:59:30 UTC plus `s` seconds. */
const T0 = Date.UTC(2026, 10, 25, 8, 59, 30);
const iso = (s: number): string => new Date(T0 + s * 1000).toISOString();
const ID = 'CS-SPREAD-ORDER';

describe('clock-aligned meter values spread over alignedSpreadMs', () => {
  it('are queued before a charger event that arrives during the spread', async () => {
    const clock = new FakeClock(T0);
    const c = (csms = await startCsms());
    const s = (station = await createStation({
      id: ID,
      url: c.url,
      preset: { 'OCPPCommCtrlr.WebSocketPingInterval': '0', 'SampledDataCtrlr.TxUpdatedInterval': '0', 'AlignedDataCtrlr.Interval': '60' },
      // A tenth of the interval: the most the spread may be.
      extra: { clock, callTimeoutMs: 86_400_000, alignedSpreadMs: 6_000 },
    }));
    s.engine.start();
    await until(() => s.engine.bootState === 'accepted', 'accepted');
    s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-S', meterStartWh: 1000, at: iso(1) });
    s.engine.chargerEvent({ type: 'measurements', connector: 1, at: iso(5), values: [{ measurand: 'energy', value: 1010 }] });
    await s.engine.eventsHandled();
    clock.advance(30_000); // 09:00:00, the boundary; the station's share of the spread has not passed.
    s.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-S', meterStopWh: 1020, at: iso(30.5), reason: 'local' });
    await until(() => c.calls.some((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended'), 'Ended event');
    const events = c.calls.filter((x) => x.action === 'TransactionEvent').map((x) => [x.params.eventType, x.params.seqNo, x.params.triggerReason, x.params.timestamp]);
    expect(events).toEqual([
      ['Started', 0, 'ChargingStateChanged', iso(1)],
      ['Updated', 1, 'MeterValueClock', '2026-11-25T09:00:00.000Z'],
      ['Ended', 2, 'ChargingStateChanged', iso(30.5)],
    ]);
    // Nothing clock-aligned for connector 1 as idle data: the event found its transaction open.
    expect(c.calls.filter((x) => x.action === 'MeterValues')).toEqual([]);
  });
});
