/**
 * Reset Immediate of an IEC 104 point-table charger in a session (B12), over real TCP with the
 * whole gateway: the reset command (C_SC_NA_1 at the mapping's IOA) confirmed by the simulator's
 * positive ACT_CON ends the transaction (ResetCommand, ImmediateReset) before the new boot, and
 * nothing the charger reports afterwards — the session's end as its points show it, its connection
 * coming up again idle (the reconciliation of a charger's first word) — brings it back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';
import { until } from '../support/station.js';

let h: GatewayHarness | undefined;

afterEach(async () => {
  const failures = h?.csms.strictFailures ?? [];
  const errors = h?.csms.errorsSent ?? [];
  await h?.close();
  h = undefined;
  expect(failures).toEqual([]);
  expect(errors).toEqual([]);
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('IEC 104: Reset Immediate during a session', () => {
  it('Ended by the reset before the new boot; the charger session ending later and its reconnection open nothing', async () => {
    h = await startGatewayHarness();
    const { csms } = h;
    const id = 'EXDC44';
    const txs = (): Record<string, unknown>[] => csms.calls.filter((c) => c.identity === id && c.action === 'TransactionEvent').map((c) => c.params);
    const sim = await h.charger(44);
    sim.simulator.setPlugged(1, true);
    sim.simulator.setCharging(1, true);
    await csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);
    const client = await csms.client(id);
    expect(await client.call('Reset', { type: 'Immediate' })).toEqual({ status: 'Accepted' });
    const boot = await csms.waitForCall((c) => c.identity === id && c.action === 'BootNotification' && c.params['reason'] === 'RemoteReset', 15_000);
    expect(txs().map((t) => t['eventType'])).toEqual(['Started', 'Ended']);
    expect(txs()[1]).toMatchObject({ seqNo: 1, triggerReason: 'ResetCommand', transactionInfo: { stoppedReason: 'ImmediateReset' } });
    expect(csms.calls.findIndex((c) => c.identity === id && c.params['eventType'] === 'Ended')).toBeLessThan(csms.calls.indexOf(boot));
    // The charger's points show the session over only now, then it reconnects idle.
    await until(() => h?.gateway.station(id)?.bootState === 'accepted', 'the new boot accepted', 10_000);
    sim.simulator.setCharging(1, false);
    await sleep(500);
    await sim.close();
    const again = await h.charger(44);
    await until(() => again.simulator !== undefined, 'the charger back');
    await sleep(1_500);
    expect(txs().map((t) => t['eventType'])).toEqual(['Started', 'Ended']);
  }, 60_000);
});
