/**
 * Clock-aligned meter values spread over `spreadMs` (what a gateway with thousands of stations
 * sets, so their shared boundaries do not become one long event-loop turn): sampled at the
 * boundary, queued or sent a fixed share of the spread later, or at once when the engine
 * serializes anything else first (`flush`) or stops (`dispose`).
 */
import { describe, expect, it } from 'vitest';
import type { Capabilities } from '../../../../src/model/capabilities.js';
import type { MeasurementsEvent } from '../../../../src/model/events.js';
import { AlignedData } from '../../../../src/station/meter-values/aligned-data.js';
import type { StationContext } from '../../../../src/station/context.js';
import { DeviceModel } from '../../../../src/station/device-model/device-model.js';
import { LatestValues } from '../../../../src/station/meter-values/latest-values.js';
import type { MeterValue } from '../../../../src/station/meter-values/meter-values.js';
import type { Transactions } from '../../../../src/station/transactions/transactions.js';
import { MemoryStore } from '../../../../src/store/memory.js';
import { FakeClock } from '../../../support/fake-clock.js';

const CAPS: Capabilities = {
  connectorCount: 2,
  currentType: 'DC',
  commands: new Set(['startCharging', 'stopCharging']),
  measurands: new Set(['energy', 'power']),
  limitUnits: new Set(),
  maxPowerW: 120_000,
  evInfo: false,
  localAuthorization: false,
  transactionRecords: true,
};
/** 2026-11-25 08:59:30 UTC: the next 60 s boundary is 30 s away. */
const T0 = Date.UTC(2026, 10, 25, 8, 59, 30);
const BOUNDARY = '2026-11-25T09:00:00.000Z';
const SPREAD_MS = 2_000;

const energy = (connector: number, wh: number): MeasurementsEvent => ({ type: 'measurements', connector, at: new Date(T0).toISOString(), values: [{ measurand: 'energy', value: wh }] });
const whOf = (m: MeterValue): number | undefined => m.sampledValue[0]?.value;

async function setUp(spreadMs: number | undefined) {
  const clock = new FakeClock(T0);
  const dm = await DeviceModel.load({ store: new MemoryStore(), capabilities: CAPS, config: { identity: 'CS-SPREAD', securityProfile: 1, basicAuthPassword: 'Initial-Pass_0123456' } });
  expect(dm.setRuntime('AlignedDataCtrlr', 'Interval', 60)).toBe(true);
  /** What left the block, in order: queued clock-aligned TransactionEvents and sent MeterValues. */
  const out: string[] = [];
  // Connector 1 is in a transaction, connector 2 idle.
  const latest = new LatestValues();
  const transactions = {
    latestValues: latest,
    hasOpen: (connector: number) => connector === 1,
    openSince: (connector: number) => (connector === 1 ? T0 - 60_000 : undefined),
    clockAligned: (connector: number, sample: MeterValue) => {
      out.push(`TransactionEvent evse ${connector} ${sample.timestamp} ${whOf(sample)}`);
      return Promise.resolve(true);
    },
  } as unknown as Transactions;
  latest.note(energy(1, 1010));
  latest.note(energy(2, 2000));
  const ctx = {
    id: 'CS-SPREAD',
    dm,
    clock,
    log: () => undefined,
    call: (action: string, payload: { evseId: number; meterValue: MeterValue[] }) => {
      out.push(`${action} evse ${payload.evseId} ${payload.meterValue[0]?.timestamp} ${payload.meterValue[0] && whOf(payload.meterValue[0])}`);
      return Promise.resolve({});
    },
    blocks: { transactions },
    serialize: (_what: string, work: () => Promise<void>) => work(),
    isOnline: () => true,
  } as unknown as StationContext;
  const aligned = new AlignedData(ctx, spreadMs);
  aligned.start();
  return { clock, out, latest, aligned };
}

/** Lets the serialized work (promise callbacks) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('clock-aligned meter values with a spread', () => {
  it('go out at the boundary without a spread', async () => {
    const { clock, out, aligned } = await setUp(undefined);
    clock.advance(30_000);
    await settle();
    expect(out).toEqual([`TransactionEvent evse 1 ${BOUNDARY} 1010`, `MeterValues evse 2 ${BOUNDARY} 2000`]);
    aligned.dispose();
  });

  it('are sampled at the boundary and go out, in order, within the spread', async () => {
    const { clock, out, latest, aligned } = await setUp(SPREAD_MS);
    clock.advance(30_000);
    await settle();
    expect(out).toEqual([]);
    // Newer values arriving before the station's share has passed do not change the sample.
    latest.note(energy(1, 1020));
    latest.note(energy(2, 2010));
    let waited = 0;
    while (out.length === 0 && waited < SPREAD_MS) {
      clock.advance(1);
      waited += 1;
      await settle();
    }
    expect(waited).toBeGreaterThan(0);
    expect(waited).toBeLessThanOrEqual(SPREAD_MS);
    expect(out).toEqual([`TransactionEvent evse 1 ${BOUNDARY} 1010`, `MeterValues evse 2 ${BOUNDARY} 2000`]);
    aligned.dispose();
  });

  it('go out at once, in order, on flush and on dispose', async () => {
    const { clock, out, aligned } = await setUp(SPREAD_MS);
    clock.advance(30_000);
    aligned.flush();
    await settle();
    expect(out).toEqual([`TransactionEvent evse 1 ${BOUNDARY} 1010`, `MeterValues evse 2 ${BOUNDARY} 2000`]);
    clock.advance(SPREAD_MS);
    await settle();
    expect(out).toHaveLength(2);

    clock.advance(60_000 - SPREAD_MS); // 09:01:00
    await settle();
    expect(out).toHaveLength(2);
    aligned.dispose();
    await settle();
    expect(out.slice(2)).toEqual(['TransactionEvent evse 1 2026-11-25T09:01:00.000Z 1010', 'MeterValues evse 2 2026-11-25T09:01:00.000Z 2000']);
  });
});
