/**
 * Issue 12, point 10: a transaction ended by an emergency stop says so. The DC example maps its
 * emergency-stop fault bit with `stopReason: emergencyStop`; the CSMS sees the Ended
 * TransactionEvent with stoppedReason EmergencyStop (not Other), also when the charger reports the
 * stop of charging before the fault. Real TCP from the controlled station into the whole gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControlledStation, bcr, buildAsdu, siq, svaQds } from '../support/controlled-station.js';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';
import { GUN, M_IT_NA_1, M_ME_NB_1, M_SP_NA_1, dcInterrogation } from '../support/iec104-peer.js';

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await h?.close();
  h = peer = undefined;
});

describe('an emergency stop', () => {
  it('ends the transaction with stoppedReason EmergencyStop', async () => {
    const g = (h = await startGatewayHarness());
    const ca = 42;
    const id = `EXDC${ca}`;
    const p = (peer = await ControlledStation.connect(g.port, { ca, interrogationData: (c) => dcInterrogation(c, [GUN.plugged, GUN.idle]) }));
    await g.csms.waitForCall((c) => c.identity === id && c.action === 'StatusNotification' && c.params['evseId'] === 2, 10_000);
    p.sendAsdus([buildAsdu({ ti: M_ME_NB_1, cot: 3, ca }, [{ ioa: 0x4001, element: svaQds(GUN.charging) }])]);
    await g.csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);
    // The charger stops charging first, then raises the emergency-stop bit, then its last reading.
    p.sendAsdus([buildAsdu({ ti: M_ME_NB_1, cot: 3, ca }, [{ ioa: 0x4001, element: svaQds(GUN.plugged) }])]);
    p.sendAsdus([buildAsdu({ ti: M_SP_NA_1, cot: 3, ca }, [{ ioa: 0x0001, element: siq(true) }])]);
    p.sendAsdus([buildAsdu({ ti: M_IT_NA_1, cot: 3, ca }, [{ ioa: 0x6401, element: bcr(10_250) }])]);
    const ended = await g.csms.waitForCall((c) => c.identity === id && c.action === 'TransactionEvent' && c.params['eventType'] === 'Ended', 10_000);
    expect(ended.params['transactionInfo']).toMatchObject({ stoppedReason: 'EmergencyStop' });
    expect(g.csms.strictFailures).toEqual([]);
  }, 30_000);
});
