/**
 * The metrics operators alert on, from a gateway serving YKC chargers to the strict test CSMS:
 * CALLERRORs by direction, action and code; OCPP connect failures by reason; charger link states;
 * the TransactionEvents queued per station and the age of the oldest while the CSMS is away; and
 * refusals, each counted once in `chargers_refused_total` and, at the login, by codec too.
 */
import { createRPCError } from 'ocpp-rpc';
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { sample } from '../support/gateway-harness.js';
import { poll, startHealthRig, type HealthRig } from '../support/health-rig.js';
import { until } from '../support/station.js';

let csms: TestCsms | undefined;
let rig: HealthRig | undefined;
const sims: YkcChargerSimulator[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await rig?.gateway.stop();
  await csms?.close();
  rig = csms = undefined;
});

async function charger(port: number, pileCode: string): Promise<YkcChargerSimulator> {
  const sim = await connectYkcSimulator({ host: '127.0.0.1', port, pileCode, heartbeatIntervalMs: 500, realTimeIntervalMs: 200, recordResendMs: 500 });
  sims.push(sim);
  return sim;
}

describe('gateway metrics for alerts', () => {
  it('counts CALLERRORs both ways by action and code, connect failures by reason, and chargers by link state', async () => {
    const c = (csms = await startCsms({ passwords: { '32010200000082': 'not-the-gateway-password' } }));
    const g = (rig = await startHealthRig(c.url));
    const pile = '32010200000081';
    const sim = await charger(g.port, pile);
    await c.waitForCall((x) => x.identity === pile && x.action === 'StatusNotification', 10_000);
    const online = await poll(g.metrics, (t) => sample(t, 'pilegate_chargers{state="online"}') === 1, 'the charger online');
    expect(sample(online, 'pilegate_chargers{state="awaiting_login"}')).toBe(0);
    expect(sample(online, 'pilegate_ocpp_callerrors_total{direction="received",action="Authorize",code="SecurityError"}')).toBeUndefined();

    // The CSMS answers Authorize with a CALLERROR.
    const client = await c.client(pile);
    client.handle('Authorize', () => {
      throw createRPCError('SecurityError', 'refused for the test');
    });
    await sim.swipeCard(1, 'D14B0A54', 3_000).catch(() => undefined);
    // The CSMS sends a CALL of no OCPP action, and one whose payload breaks its schema.
    client.sendRaw(JSON.stringify([2, 'health-1', 'NoSuchAction', {}]));
    client.sendRaw(JSON.stringify([2, 'health-2', 'Reset', { type: 'Sideways' }]));
    const errors = await poll(g.metrics, (t) => sample(t, 'pilegate_ocpp_callerrors_total{direction="sent",action="Reset",code="FormatViolation"}') === 1, 'the CALLERRORs counted');
    expect(sample(errors, 'pilegate_ocpp_callerrors_total{direction="received",action="Authorize",code="SecurityError"}')).toBeGreaterThanOrEqual(1);
    expect(sample(errors, 'pilegate_ocpp_callerrors_total{direction="sent",action="unknown",code="NotImplemented"}')).toBe(1);

    // A station the CSMS refuses (HTTP 401): its attempts are connect failures, and its charger waits offline.
    await charger(g.port, '32010200000082');
    const refused = await poll(g.metrics, (t) => (sample(t, 'pilegate_ocpp_connect_failures_total{reason="http_401"}') ?? 0) >= 1, 'the 401 counted');
    expect(sample(refused, 'pilegate_ocpp_connect_failures_total{reason="refused"}')).toBe(0);
    expect(sample(refused, 'pilegate_chargers{state="csms_offline"}')).toBe(1);
    expect(sample(refused, 'pilegate_chargers{state="online"}')).toBe(1);
    expect((await g.readyz()).body).toMatch(/^\[\+\] csms: 1 of 2 stations connected; last error at \d{4}-\S+ \(\d+ s\): http_401 \(CSMS answered the handshake with HTTP 401\)$/m);
  }, 60_000);

  it('shows the TransactionEvents queued per station and the age of the oldest while the CSMS is away', async () => {
    const first = (csms = await startCsms());
    const g = (rig = await startHealthRig(first.url));
    const pile = '32010200000083';
    const sim = await charger(g.port, pile);
    await first.waitForCall((x) => x.identity === pile && x.action === 'StatusNotification', 10_000);
    expect((await sim.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
    await first.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 15_000);
    const idle = await g.metrics();
    expect(sample(idle, 'pilegate_transaction_events_oldest_age_seconds')).toBe(0);
    expect(idle).not.toMatch(/^pilegate_station_transaction_events_queued\{/m);

    await first.close();
    csms = undefined;
    const txn = sim.stopCharging(1, 0x45) ?? '';
    await until(() => sim.confirmed.includes(txn), 'the record confirmed once queued', 10_000);
    const waiting = await poll(g.metrics, (t) => (sample(t, 'pilegate_transaction_events_oldest_age_seconds') ?? 0) >= 1, 'an event waiting a second');
    const queued = sample(waiting, `pilegate_station_transaction_events_queued{station="${pile}"}`) ?? 0;
    expect(queued).toBeGreaterThanOrEqual(1);
    expect(sample(waiting, 'pilegate_transaction_events_queued')).toBe(queued);
    expect(sample(waiting, 'pilegate_transaction_events_oldest_age_seconds')).toBeLessThan(30);

    csms = await startCsms({ port: first.port });
    await csms.waitForCall((x) => x.identity === pile && x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 20_000);
    const drained = await poll(g.metrics, (t) => sample(t, 'pilegate_transaction_events_queued') === 0, 'the queue drained', 15_000);
    expect(sample(drained, 'pilegate_transaction_events_oldest_age_seconds')).toBe(0);
    expect(drained).not.toMatch(/^pilegate_station_transaction_events_queued\{/m);
  }, 60_000);

  it('counts every refusal once in chargers_refused_total by reason, login refusals by codec as well', async () => {
    const c = (csms = await startCsms());
    const g = (rig = await startHealthRig(c.url, { stations: '{ unknownChargers: provision, defaults: { allowedSources: [10.0.0.0/8] } }' }));
    const sim = new YkcChargerSimulator({ host: '127.0.0.1', port: g.port, pileCode: '32010200000084' });
    sims.push(sim);
    await sim.connect().catch(() => undefined);
    const text = await poll(g.metrics, (t) => sample(t, 'pilegate_logins_refused_total{codec="ykc",reason="source_not_allowed"}') === 1, 'the login refusal');
    expect(sample(text, 'pilegate_chargers_refused_total{reason="source_not_allowed"}')).toBe(1);
    expect(sample(text, 'pilegate_chargers_refused_total{reason="unknown_charger"}')).toBe(0);
    expect(sample(text, 'pilegate_chargers_refused_total{reason="no_password"}')).toBe(0);
  }, 30_000);
});
