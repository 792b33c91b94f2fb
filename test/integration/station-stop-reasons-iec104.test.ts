/**
 * How an IEC 104 charger's own stop reaches the CSMS, real TCP and real WebSocket: a hand-written
 * controlled station dials the gateway (DC example mapping) and ends gun 2's charging by itself.
 * OCPP 2.0.1 leaves stoppedReason out only for Local (TransactionEventRequest): an emergency stop
 * says EmergencyStop, an EV that went says EVDisconnected, and a stop the point table cannot explain
 * (the EV still plugged, no fault, no stop sent) says Other: the gateway does not guess Local.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControlledStation, buildAsdu, siq } from '../support/controlled-station.js';
import type { StationCall } from '../support/csms.js';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

let harness: GatewayHarness | undefined;
let charger: ControlledStation | undefined;

afterEach(async () => {
  await charger?.close();
  await harness?.close();
  charger = harness = undefined;
});

const STATION = 'EXDC1';

/** Gun 2's state code (M_ME_NB_1 at 0x4011): 0 idle/unplugged, 2 charging, 6 faulted. */
function gun2State(code: number): Buffer {
  const element = Buffer.alloc(3);
  element.writeInt16LE(code, 0);
  return buildAsdu({ ti: 11, cot: 3 }, [{ ioa: 0x4011, element }]);
}

/** Gun 2's energy register (M_IT_NA_1 at 0x6402, 0.01 kWh): the final reading that ends a session at once. */
function gun2Energy(centiKwh: number): Buffer {
  const element = Buffer.alloc(5);
  element.writeInt32LE(centiKwh, 0);
  return buildAsdu({ ti: 15, cot: 3 }, [{ ioa: 0x6402, element }]);
}

async function charging(): Promise<{ h: GatewayHarness; station: ControlledStation }> {
  harness = await startGatewayHarness([], { stationDefaults: { 'OCPPCommCtrlr.WebSocketPingInterval': '0' } });
  charger = await ControlledStation.connect(harness.port);
  const h = harness;
  await h.csms.waitForCall((c) => c.identity === STATION && c.action === 'BootNotification', 10_000);
  // The GI answer says nothing of gun 2: its state code makes its status known.
  charger.sendAsdus([gun2Energy(10_000), gun2State(2)]);
  await h.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params.eventType === 'Started', 5_000);
  return { h, station: charger };
}

const ended = (h: GatewayHarness): Promise<StationCall> => h.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params.eventType === 'Ended', 5_000);

describe("an IEC 104 charger's own stop", () => {
  it('by its emergency stop ends the transaction with stoppedReason EmergencyStop', async () => {
    const { h, station } = await charging();
    // Gun 2's emergency stop (M_SP_NA_1 at 0x0011), the faulted state and the last register reading.
    station.sendAsdus([buildAsdu({ ti: 1, cot: 3 }, [{ ioa: 0x0011, element: siq(true) }]), gun2State(6), gun2Energy(10_050)]);
    const e = await ended(h);
    expect(e.params).toMatchObject({ triggerReason: 'AbnormalCondition', transactionInfo: { stoppedReason: 'EmergencyStop' } });
  });

  it('because the EV went ends the transaction with stoppedReason EVDisconnected', async () => {
    const { h, station } = await charging();
    station.sendAsdus([gun2State(0), gun2Energy(10_020)]);
    const e = await ended(h);
    expect(e.params).toMatchObject({ triggerReason: 'EVCommunicationLost', transactionInfo: { stoppedReason: 'EVDisconnected', chargingState: 'Idle' } });
  });

  it('that the point table cannot explain ends the transaction with stoppedReason Other, never a guessed Local', async () => {
    const { h, station } = await charging();
    // Charging over, the EV still plugged in (state code 1), no fault, no stop from the gateway.
    station.sendAsdus([gun2State(1), gun2Energy(10_030)]);
    const e = await ended(h);
    expect(e.params).toMatchObject({ transactionInfo: { stoppedReason: 'Other' } });
  });
});
