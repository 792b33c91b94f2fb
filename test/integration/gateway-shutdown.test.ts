/**
 * Graceful stop: the gateway disconnects its chargers, delivers the TransactionEvents still queued
 * to the connected CSMS, and only then closes the OCPP connections. Real TCP, the full Gateway, the
 * strict test CSMS answering TransactionEvent slowly so that events pile up in the queue.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorEvent } from '../../src/simulator/iec104-points/simulator.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';
import { loadExampleMapping } from '../support/iec104-points.js';

let h: GatewayHarness | undefined;
let sim: SimulatorHandle | undefined;

async function eventually(pred: () => Promise<boolean> | boolean, what: string, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
afterEach(async () => {
  await sim?.close();
  await h?.close();
  h = sim = undefined;
});

type Tx = { eventType: string; seqNo: number; transactionInfo: { transactionId: string } };

describe('gateway stop', () => {
  it('flushes queued TransactionEvents to the connected CSMS before closing OCPP, and says so', async () => {
    h = await startGatewayHarness(['shutdown: { drainTimeoutMs: 30000 }'], { csms: { replyDelayMs: { TransactionEvent: 2000 } }, stationDefaults: { 'SampledDataCtrlr.TxUpdatedInterval': '1' } });
    const { csms, gateway } = h;
    const sim = await h.charger(42);
    sim.simulator.setPlugged(1, true);
    sim.simulator.setCharging(1, true);
    sim.simulator.setPower(1, 50_000);
    await csms.waitForCall((c) => c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);
    const station = gateway.station('EXDC42');
    await eventually(async () => ((await station?.queuedTransactionEvents()) ?? 0) >= 2, 'events queued behind the slow CSMS', 30_000);
    const queuedAtStop = (await station?.queuedTransactionEvents()) ?? 0;
    const sentBefore = csms.calls.filter((c) => c.action === 'TransactionEvent').length;
    const closedAt: number[] = [];
    (await csms.client('EXDC42')).once('close', () => closedAt.push(csms.calls.filter((c) => c.action === 'TransactionEvent').length));

    await gateway.stop();

    const events = csms.calls.filter((c) => c.action === 'TransactionEvent').map((c) => c.params as unknown as Tx);
    // Everything queued when the stop began reached the CSMS, in order, before its connection closed.
    expect(events.length).toBeGreaterThanOrEqual(sentBefore + queuedAtStop - 1);
    expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
    await eventually(() => closedAt.length === 1, 'OCPP connection closed', 5_000);
    expect(closedAt[0]).toBe(events.length);
    const stopped = h.lines().find((l) => l['msg'] === 'gateway stopped');
    expect(stopped?.['flushed']).toBe(true);
    expect(h.lines().some((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('stopping with TransactionEvents still queued'))).toBe(false);
    expect(csms.strictFailures).toEqual([]);
    expect(csms.errorsSent).toEqual([]);
  }, 60_000);

  it('closes an OCPP connection only once the CALL in flight is answered, even past the drain budget', async () => {
    h = await startGatewayHarness(['shutdown: { drainTimeoutMs: 100 }'], { csms: { replyDelayMs: { TransactionEvent: 2000 } }, stationDefaults: { 'SampledDataCtrlr.TxUpdatedInterval': '1' } });
    const { csms, gateway } = h;
    const sim = await h.charger(42);
    sim.simulator.setPlugged(1, true);
    sim.simulator.setCharging(1, true);
    await csms.waitForCall((c) => c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);
    // Stopped while the Started event waits for its slow answer (2 s), far beyond the 100 ms drain budget.
    const closed: boolean[] = [];
    const events = (): string[] => csms.calls.filter((c) => c.action === 'TransactionEvent').map((c) => c.messageId);
    (await csms.client('EXDC42')).once('close', () => closed.push(events().every((id) => csms.answered.has(id))));
    const began = Date.now();
    await gateway.stop();
    expect(Date.now() - began).toBeLessThan(15_000);
    await eventually(() => closed.length === 1, 'OCPP connection closed', 5_000);
    // Every TransactionEvent the CSMS got was answered on the open connection: none is left to send again.
    expect(closed[0]).toBe(true);
    expect(events().length).toBeGreaterThanOrEqual(1);
    expect(h.lines().some((l) => l['msg'] === 'closing with a CALL still in flight')).toBe(false);
    expect(csms.strictFailures).toEqual([]);
  }, 60_000);

  it('does not wait for a CSMS that is not connected, and reports what stays queued', async () => {
    h = await startGatewayHarness(['shutdown: { drainTimeoutMs: 20000 }'], { stationDefaults: { 'SampledDataCtrlr.TxUpdatedInterval': '1', 'OCPPCommCtrlr.RetryBackOffWaitMinimum': '30' } });
    const { csms, gateway } = h;
    const sim = await h.charger(42);
    sim.simulator.setPlugged(1, true);
    sim.simulator.setCharging(1, true);
    await csms.waitForCall((c) => c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);
    await csms.close();
    const station = gateway.station('EXDC42');
    await eventually(async () => ((await station?.queuedTransactionEvents()) ?? 0) >= 1 && station?.connectionState !== 'open', 'events queued while the CSMS is away', 15_000);
    const began = Date.now();
    await gateway.stop();
    expect(Date.now() - began).toBeLessThan(10_000);
    const warning = h.lines().find((l) => typeof l['msg'] === 'string' && l['msg'].startsWith('stopping with TransactionEvents still queued'));
    expect(warning?.['queued']).toBeGreaterThanOrEqual(1);
    expect(String(warning?.['msg'])).toContain('the memory store loses them');
  }, 60_000);

  it('says goodbye to an IEC 104 charger with STOPDT before it disconnects', async () => {
    h = await startGatewayHarness();
    const link: string[] = [];
    sim = await connectSimulator({
      host: '127.0.0.1',
      port: h.port,
      mapping: loadExampleMapping('example-dc-2gun'),
      commonAddress: 42,
      onEvent: (e: SimulatorEvent) => {
        if (e.type === 'link') link.push(e.to);
      },
    });
    await h.csms.waitForCall((c) => c.action === 'StatusNotification' && c.params['evseId'] === 2, 10_000);
    await h.gateway.stop();
    await eventually(() => !(sim?.connected ?? false), 'the charger disconnected', 5_000);
    // The controlled station saw STOPDT act (active -> stopped) while the connection was still up.
    expect(link).toContain('stopped');
    expect(link.indexOf('stopped')).toBeGreaterThan(link.indexOf('active'));
    expect(h.lines().some((l) => l['msg'] === 'gateway stopped')).toBe(true);
  }, 30_000);
});
