/**
 * Issue 12, point 9: a charger resends the I-frames the gateway had not acknowledged when the
 * connection dropped (it acknowledges after w frames or t2). Time-tagged state changes among them
 * (a session's start and end) must not be processed twice: the CSMS sees one transaction. Real TCP
 * from the controlled station into the whole gateway, strict test CSMS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControlledStation, bcr, buildAsdu, svaQds, timed } from '../support/controlled-station.js';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';
import { GUN, M_IT_TB_1, M_ME_TE_1, dcInterrogation, sleep } from '../support/iec104-peer.js';

let h: GatewayHarness | undefined;
const peers: ControlledStation[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) await p.close();
  await h?.close();
  h = undefined;
});

const CA = 42;
const ID = `EXDC${CA}`;

async function dial(g: GatewayHarness): Promise<ControlledStation> {
  const p = await ControlledStation.connect(g.port, { ca: CA, interrogationData: (ca) => dcInterrogation(ca, [GUN.idle, GUN.idle], [10_000, 20_000]) });
  peers.push(p);
  return p;
}

describe('I-frames resent after a reconnect', () => {
  it('start and end a session once: the CSMS sees one transaction', async () => {
    const g = (h = await startGatewayHarness());
    const started = (): number => g.csms.calls.filter((c) => c.identity === ID && c.action === 'TransactionEvent' && c.params['eventType'] === 'Started').length;
    const ended = (): number => g.csms.calls.filter((c) => c.identity === ID && c.action === 'TransactionEvent' && c.params['eventType'] === 'Ended').length;
    const first = await dial(g);
    await g.csms.waitForCall((c) => c.identity === ID && c.action === 'StatusNotification' && c.params['evseId'] === 2, 10_000);

    // Gun 1 charged from t1 to t2 (time-tagged, as chargers report sessions), its register read at t2.
    const t1 = new Date(Date.now() - 120_000);
    const t2 = new Date(Date.now() - 60_000);
    const frames = [
      buildAsdu({ ti: M_ME_TE_1, cot: 3, ca: CA }, [{ ioa: 0x4001, element: timed(svaQds(GUN.charging), t1) }]),
      buildAsdu({ ti: M_ME_TE_1, cot: 3, ca: CA }, [{ ioa: 0x4001, element: timed(svaQds(GUN.plugged), t2) }]),
      buildAsdu({ ti: M_IT_TB_1, cot: 3, ca: CA }, [{ ioa: 0x6401, element: timed(bcr(10_500), t2) }]),
    ];
    first.sendAsdus(frames);
    await g.csms.waitForCall((c) => c.identity === ID && c.action === 'TransactionEvent' && c.params['eventType'] === 'Ended', 10_000);
    // The link drops; the charger does not know which of these the gateway processed.
    await first.close();

    // The charger comes back, answers the interrogation, and resends what was not acknowledged.
    const second = await dial(g);
    await second.waitFor(() => second.iFrames().some((f) => f.asdu?.[0] === 100), 'the interrogation');
    await sleep(200);
    second.sendAsdus(frames);
    await sleep(1_500);
    expect(started()).toBe(1);
    expect(ended()).toBe(1);
    expect(g.csms.strictFailures).toEqual([]);
  }, 30_000);
});
