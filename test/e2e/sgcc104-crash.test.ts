/**
 * Family B: `pilegate serve` (Redis store) SIGKILLed between a charge record and its confirmation,
 * per shipped dialect. The gateway confirms a record only once its Ended event is durably queued,
 * so the moment is made deterministic at the charger: it holds every confirmation (as if lost on
 * the way) and the gateway is killed as soon as the first one arrives, the Ended queued in Redis and,
 * with the CSMS answering TransactionEvents only after 1.5 s, most likely still unanswered. A new
 * gateway on the same port and Redis: the charger dials again and sends the record again. The CSMS
 * sees exactly one Ended for the transaction (delivered again only as the very same CALL), and the
 * charger gets its confirmation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { connectSgcc104Simulator, type Sgcc104ChargerSimulator } from '../../src/simulator/sgcc104/simulator.js';
import { repoRoot } from '../support/cli.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { expectCleanOcpp, freePort } from './fleet-support.js';
import { startSgcc104Serve, type Sgcc104Serve } from './sgcc104-support.js';

const PASSWORD = 'sgcc104-crash-password-0123456789';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let sim: Sgcc104ChargerSimulator | undefined;
const gateways: Sgcc104Serve[] = [];
let dir: string | undefined;

afterEach(async () => {
  await sim?.close();
  await Promise.all(gateways.splice(0).map((g) => g.kill9()));
  await csms?.close();
  await redis?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  sim = csms = redis = dir = undefined;
});

interface Tx {
  readonly eventType: string;
  readonly seqNo: number;
  readonly transactionInfo: { readonly transactionId: string };
  readonly customData?: { readonly legacyTransactionId?: string };
}
const tx = (c: StationCall): Tx => c.params as unknown as Tx;

describe.each(['b1', 'b2', 'b3'])('family B (%s): gateway killed between the charge record and its confirmation', (d) => {
  it('exactly one Ended after the restart, and the charger gets its confirmation', async () => {
    const id = `32000000000000${String(['b1', 'b2', 'b3'].indexOf(d) + 1).padStart(2, '0')}`;
    dir = mkdtempSync(join(tmpdir(), 'pilegate-sgcc104-crash-'));
    redis = await startRedisServer();
    csms = await startCsms({ passwords: { [id]: PASSWORD }, replyDelayMs: { TransactionEvent: 1_500 } });
    const port = await freePort();
    const serve = async (n: number): Promise<Sgcc104Serve> => {
      const g = await startSgcc104Serve({
        dir: dir ?? '',
        csmsUrl: (csms as TestCsms).url,
        password: PASSWORD,
        dialects: [d],
        store: { redis: (redis as TestRedisServer).url },
        ports: { [d]: port },
        instanceId: `gw-${n}`,
      });
      gateways.push(g);
      return g;
    };
    const first = await serve(1);
    sim = await connectSgcc104Simulator({
      host: '127.0.0.1',
      port,
      dialect: loadDialect(join(repoRoot, `mappings/sgcc104/${d}.yaml`)),
      chargerId: id,
      meterIntervalMs: 1_000,
      recordResendMs: 2_000,
      powerW: 36_000,
      voltageV: 400,
      reconnectDelayMs: 200,
    });
    const charger = sim;
    const c = csms;
    await c.waitForCall((x) => x.identity === id && x.action === 'StatusNotification', 20_000);
    expect((await charger.swipeCard(1, '1234567890123456', { timeoutMs: 20_000 })).accepted).toBe(true);
    await c.waitForCall((x) => x.identity === id && x.action === 'TransactionEvent' && tx(x).eventType === 'Started', 20_000);
    await new Promise((r) => setTimeout(r, 1_500));

    // Every confirmation is lost until the restart: the first one proves the Ended durably queued.
    charger.outbox.loseConfirms = Number.POSITIVE_INFINITY;
    const serial = charger.stopCharging(1, 'socLimitReached') ?? '';
    await until(() => charger.outbox.confirmations.includes(serial), 'the gateway to confirm the record (Ended durably queued)', 20_000);
    await first.kill9();
    const endedBefore = c.calls.filter((x) => x.identity === id && x.action === 'TransactionEvent' && tx(x).eventType === 'Ended');
    // The CSMS answers after 1.5 s: the Ended, if it left the gateway at all, was still unanswered at the kill.
    expect(endedBefore.filter((x) => c.answered.has(x.messageId))).toEqual([]);
    expect(charger.outbox.confirmed).toEqual([]);

    charger.outbox.loseConfirms = 0;
    await serve(2);
    await until(() => charger.outbox.confirmed.includes(serial), 'the resent record confirmed by the restarted gateway', 30_000);
    const endedCalls = (): StationCall[] => c.calls.filter((x) => x.identity === id && x.action === 'TransactionEvent' && tx(x).eventType === 'Ended');
    await until(() => endedCalls().some((x) => c.answered.has(x.messageId)), 'the Ended answered by the CSMS', 30_000);
    // The charger's resends keep coming until confirmed; give the gateway time to (not) add another.
    await new Promise((r) => setTimeout(r, 2_000));
    console.log(`sgcc104 crash ${d}: ${endedBefore.length} Ended before the kill, ${endedCalls().length} deliveries in all, record sent ${charger.outbox.sends.get(serial)} times`);

    const ended = endedCalls();
    expect(ended.length).toBeGreaterThanOrEqual(1);
    // One Ended: any repeat is the very same CALL (message id, seqNo, payload).
    expect(new Set(ended.map((x) => x.raw)).size).toBe(1);
    expect(tx(ended[0] as StationCall).customData?.legacyTransactionId).toBe(serial);
    const transactions = new Set(c.calls.filter((x) => x.identity === id && x.action === 'TransactionEvent').map((x) => tx(x).transactionInfo.transactionId));
    expect(transactions.size).toBe(1);
    expect(charger.outbox.sends.get(serial)).toBeGreaterThanOrEqual(2);
    expect(charger.outbox.confirmed).toEqual([serial]);
    expectCleanOcpp(c);
  }, 120_000);
});
