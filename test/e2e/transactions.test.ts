/**
 * The money path end to end: charger simulator -> TCP -> IEC 104 codec -> station engine ->
 * OCPP -> ocpp-rpc strict CSMS. Transactions must arrive complete, in order, with continuous
 * seqNo, also across a CSMS outage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { until } from '../support/station.js';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let sim: SimulatorHandle | undefined;

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  const errors = csms?.errorsSent ?? [];
  await sim?.close();
  await gateway?.close();
  await csms?.close();
  sim = gateway = csms = undefined;
  expect(failures).toEqual([]);
  expect(errors.map((e) => JSON.stringify(e.frame).slice(0, 400))).toEqual([]);
});

const ID = 'EXDC42';
const txEvents = (c: TestCsms): StationCall[] => c.calls.filter((x) => x.action === 'TransactionEvent');
type TxParams = {
  eventType: string;
  seqNo: number;
  triggerReason: string;
  offline?: boolean;
  evse?: unknown;
  transactionInfo: { transactionId: string; remoteStartId?: number; stoppedReason?: string };
  meterValue?: { sampledValue: { value: number; context?: string }[] }[];
};
const params = (c: StationCall): TxParams => c.params as unknown as TxParams;

async function connect(): Promise<{ csms: TestCsms; sim: SimulatorHandle }> {
  csms = await startCsms();
  gateway = await startLiteGateway({ csmsUrl: csms.url, preset: { 'SampledDataCtrlr.TxUpdatedInterval': '1' } });
  const mapping = loadExampleMapping('example-dc-2gun');
  sim = await connectSimulator({ host: '127.0.0.1', port: gateway.port, mapping, commonAddress: 42, meterIntervalMs: 200 });
  await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.evseId === 2, 8000);
  return { csms, sim };
}

describe('transactions end to end', () => {
  it('a remote-started session with periodic meter values ends Remote with its meter values', async () => {
    const { csms: c, sim: s } = await connect();
    s.simulator.setPlugged(1, true);
    await c.waitForCall((x) => x.action === 'StatusNotification' && x.params.connectorStatus === 'Occupied');
    const client = await c.client(ID);
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'APP-USER-1', type: 'Central' }, remoteStartId: 42, evseId: 1 })).toEqual({ status: 'Accepted' });
    const started = params(await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started'));
    expect(started).toMatchObject({ seqNo: 0, triggerReason: 'RemoteStart', evse: { id: 1, connectorId: 1 }, transactionInfo: { remoteStartId: 42, chargingState: 'Charging' } });
    expect(started.meterValue?.[0]?.sampledValue[0]).toMatchObject({ context: 'Transaction.Begin', value: 100_000 });
    s.simulator.setPower(1, 60_000);
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.triggerReason === 'MeterValuePeriodic', 6000);
    expect(await client.call('RequestStopTransaction', { transactionId: started.transactionInfo.transactionId })).toEqual({ status: 'Accepted' });
    const ended = params(await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended', 8000));
    expect(ended.transactionInfo).toMatchObject({ transactionId: started.transactionInfo.transactionId, stoppedReason: 'Remote' });
    expect(ended.triggerReason).toBe('RemoteStop');
    expect(ended.evse).toBeUndefined();
    const end = ended.meterValue?.[0]?.sampledValue[0];
    expect(end?.context).toBe('Transaction.End');
    expect(end?.value).toBeGreaterThan(100_000);
    const all = txEvents(c).map(params);
    expect(all.map((e) => e.seqNo)).toEqual(all.map((_, i) => i));
    expect(all.every((e) => e.transactionInfo.transactionId === started.transactionInfo.transactionId)).toBe(true);
    const station = gateway?.sessions[0]?.station;
    for (let i = 0; i < 100 && (await station?.queuedTransactionEvents()) !== 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(await client.call('GetTransactionStatus', { transactionId: started.transactionInfo.transactionId })).toEqual({ ongoingIndicator: false, messagesInQueue: false });
  });

  it('queues the events of a CSMS outage mid-session and delivers them in order with offline: true', async () => {
    const { csms: first, sim: s } = await connect();
    s.simulator.setPlugged(1, true);
    s.simulator.setCharging(1, true);
    const started = params(await first.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Started'));
    const port = first.port;
    await first.close();
    csms = undefined;
    // While the CSMS is away the charger charges on, then the cable is pulled: meter values and the
    // end are queued.
    s.simulator.setPower(1, 90_000);
    await new Promise((r) => setTimeout(r, 1500));
    s.simulator.setPlugged(1, false);
    await until(() => gateway?.sessions[0]?.station !== undefined, 'station');
    const station = gateway?.sessions[0]?.station;
    await new Promise((r) => setTimeout(r, 500));
    expect(await station?.queuedTransactionEvents()).toBeGreaterThanOrEqual(2);
    csms = await startCsms({ port });
    const ended = params(await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params.eventType === 'Ended', 10_000));
    const replayed = txEvents(csms).map(params);
    expect(replayed.length).toBeGreaterThanOrEqual(2);
    // An event produced before the outage was noticed but not yet acknowledged is resent as it was;
    // everything produced after is marked offline, the end included.
    const firstOffline = replayed.findIndex((e) => e.offline === true);
    expect(firstOffline).toBeGreaterThanOrEqual(0);
    expect(replayed.slice(firstOffline).every((e) => e.offline === true)).toBe(true);
    expect(replayed.length - firstOffline).toBeGreaterThanOrEqual(2);
    expect(ended.offline).toBe(true);
    expect(replayed.every((e) => e.transactionInfo.transactionId === started.transactionInfo.transactionId)).toBe(true);
    // seqNo continues where the first CSMS left off, without gaps.
    expect(replayed.map((e) => e.seqNo)).toEqual(replayed.map((_, i) => (replayed[0]?.seqNo ?? 0) + i));
    expect(ended.transactionInfo.stoppedReason).toBe('EVDisconnected');
    expect(csms.calls.some((x) => x.action === 'BootNotification')).toBe(false);
  });
});
