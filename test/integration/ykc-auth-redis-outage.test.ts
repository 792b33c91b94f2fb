/**
 * A card swipe needs no store write: while Redis is down (and the charger's other events wait for it
 * in the station's event chain) a YKC 0x31 is still answered (0x32) at once, with the CSMS's
 * decision. The transaction it starts is queued once Redis is back.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';

const PILE = '32010200000065';
const BLOCKED = 'B10CCED0';

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let gw: YkcGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(async () => {
  sim?.close();
  await gw?.gateway.stop();
  await csms?.close();
  await redis?.dispose();
  sim = gw = csms = redis = undefined;
});

/** The simulator's own wait for a 0x32 (a pile gives up on its request about then). */
const SWIPE_TIMEOUT_MS = 5_000;
/** What "at once" means here: the CSMS answers Authorize without delay. */
const PROMPT_MS = 2_000;

async function timedSwipe(s: YkcChargerSimulator, gun: number, card: string): Promise<{ authResult: number; ms: number }> {
  const t0 = Date.now();
  const c = await s.swipeCard(gun, card, SWIPE_TIMEOUT_MS);
  return { authResult: c.authResult, ms: Date.now() - t0 };
}

describe('ykc: card swipes while Redis is down', () => {
  it('answers a swipe with the CSMS decision while other charger events wait for the store', async () => {
    redis = await startRedisServer();
    csms = await startCsms({ passwords: { [PILE]: YKC_PASSWORD }, authorize: (_id, token) => (token === BLOCKED ? 'Blocked' : 'Accepted') });
    gw = await startYkcGateway(csms.url, `{ redis: ${JSON.stringify(redis.url)} }`);
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: gw.port, pileCode: PILE, gunCount: 2, realTimeIntervalMs: 200, recordResendMs: 500, heartbeatIntervalMs: 300 });
    const c = csms;
    const s = sim;
    await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification' && x.params['evseId'] === 2, 20_000);
    expect((await s.swipeCard(1, 'D14B0A54')).authResult).toBe(1);
    await c.waitForCall((x) => x.identity === PILE && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 15_000);

    await redis.stop();
    // The session on gun 1 ends: its Ended waits for Redis in the event chain, the record stays unconfirmed.
    const txn = s.stopCharging(1, 0x45) ?? '';
    await until(() => (s.recordSends.get(txn) ?? 0) >= 2, 'the record sent while Redis is down', 10_000);
    expect(s.confirmed).toEqual([]);

    const authorizes = (): number => c.calls.filter((x) => x.identity === PILE && x.action === 'Authorize').length;
    const before = authorizes();
    const refused = await timedSwipe(s, 2, BLOCKED);
    expect(refused.authResult).toBe(0);
    expect(refused.ms).toBeLessThan(PROMPT_MS);
    const accepted = await timedSwipe(s, 2, 'C0FFEE01');
    expect(accepted.authResult).toBe(1);
    expect(accepted.ms).toBeLessThan(PROMPT_MS);
    // Both were the CSMS's answers, not an offline policy.
    expect(authorizes()).toBe(before + 2);
    expect(s.confirmed).toEqual([]);

    await redis.restart();
    await until(() => s.confirmed.includes(txn), 'the record confirmed once Redis is back', 30_000);
    const started = (): unknown[] => c.calls.filter((x) => x.identity === PILE && x.action === 'TransactionEvent' && x.params['eventType'] === 'Started');
    await until(() => started().length === 2, 'the second session Started once Redis is back', 30_000);
    await c.waitForCall((x) => x.identity === PILE && x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 30_000);
    expect(c.strictFailures).toEqual([]);
  }, 90_000);
});
