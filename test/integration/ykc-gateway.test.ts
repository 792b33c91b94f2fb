/**
 * YKC end to end through the station engine: simulator -> TCP -> gateway charger session hosting
 * the YKC codec -> station engine -> OCPP 2.0.1 -> strict test CSMS. A card session must produce
 * Authorize, TransactionEvent Started and Ended, and the record is confirmed (0x40) only after
 * the engine queued it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { PASSWORD } from '../support/station.js';

const PILE = '32010200000042';

let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
let sim: YkcChargerSimulator | undefined;

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  sim?.close();
  await gateway?.close();
  await csms?.close();
  csms = undefined;
  gateway = undefined;
  sim = undefined;
  expect(failures).toEqual([]);
});

async function startGateway(csmsUrl: string): Promise<number> {
  gateway = await startLiteGateway({ csmsUrl, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: {} }) } });
  return gateway.port;
}

describe('YKC charger through the gateway', () => {
  it('card session: Authorize, TransactionEvent Started/Ended, record confirmed after queueing', async () => {
    csms = await startCsms({ passwords: { [PILE]: PASSWORD } });
    const port = await startGateway(csms.url);
    sim = await connectYkcSimulator({ host: '127.0.0.1', port, pileCode: PILE, realTimeIntervalMs: 100, recordResendMs: 5_000 });
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'BootNotification', 10_000);
    // accepted by the CSMS once the station reports its connectors
    await csms.waitForCall((c) => c.identity === PILE && c.action === 'StatusNotification', 10_000);

    const confirm = await sim.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    const auth = await csms.waitForCall((c) => c.identity === PILE && c.action === 'Authorize');
    expect(auth.params).toMatchObject({ idToken: { idToken: 'D14B0A54' } });
    const started = await csms.waitForCall((c) => c.action === 'TransactionEvent' && (c.params as { eventType?: string }).eventType === 'Started', 10_000);
    expect(started.params).toMatchObject({ evse: { id: 1 }, idToken: { idToken: 'D14B0A54' }, transactionInfo: { chargingState: 'Charging' } });

    await new Promise((r) => setTimeout(r, 250));
    const txn = sim.stopCharging(1, 0x45);
    expect(txn).toBe(confirm.transactionNo);
    const ended = await csms.waitForCall((c) => c.action === 'TransactionEvent' && (c.params as { eventType?: string }).eventType === 'Ended', 10_000);
    expect((ended.params as { transactionInfo: { transactionId: string } }).transactionInfo.transactionId).toBe(
      (started.params as { transactionInfo: { transactionId: string } }).transactionInfo.transactionId,
    );
    expect(ended.params).toMatchObject({ customData: { legacyTransactionId: txn, legacyStopReason: 0x45 } });
    await sim.waitFor((f) => f.type === 'transactionRecordConfirm', 10_000);
    expect(sim.confirmed).toEqual([txn]);
  }, 30_000);
});
