/**
 * Meter values over the whole path, real TCP and real WebSocket: a hand-written IEC 104 controlled
 * station dials the gateway (DC example mapping) and sends voltage, current, power and the energy
 * register of gun 2 each in its own ASDU, as many chargers do. Every clock-aligned and periodic
 * sample the CSMS receives carries all four measurands, not only those of the last ASDU.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControlledStation, buildAsdu, floatQds } from '../support/controlled-station.js';
import type { StationCall } from '../support/csms.js';
import { startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

let harness: GatewayHarness | undefined;
let charger: ControlledStation | undefined;

afterEach(async () => {
  await charger?.close();
  await harness?.close();
  charger = harness = undefined;
});

/** The station the controlled station becomes: identity `EXDC{ca}`, common address 1 in its GI answer. */
const STATION = 'EXDC1';
const ALL = ['Current.Import', 'Energy.Active.Import.Register', 'Power.Active.Import', 'Voltage'];

/** M_ME_NB_1 (TI 11) spontaneous: a scaled value and QDS 0. */
function scaled(ioa: number, value: number): Buffer {
  const element = Buffer.alloc(3);
  element.writeInt16LE(value, 0);
  return buildAsdu({ ti: 11, cot: 3 }, [{ ioa, element }]);
}

/** M_ME_NC_1 (TI 13) spontaneous: a short float and QDS 0. */
const float = (ioa: number, value: number): Buffer => buildAsdu({ ti: 13, cot: 3 }, [{ ioa, element: floatQds(value) }]);

/** M_IT_NA_1 (TI 15) spontaneous: a binary counter reading (sequence number 0, no flags). */
function counter(ioa: number, value: number): Buffer {
  const element = Buffer.alloc(5);
  element.writeInt32LE(value, 0);
  return buildAsdu({ ti: 15, cot: 3 }, [{ ioa, element }]);
}

/** Gun 2 of the DC example: voltage (V), current (A), power (kW), energy (0.01 kWh), one ASDU each, one write each. */
function sendGun2(station: ControlledStation, v: number, a: number, kw: number, centiKwh: number): void {
  for (const asdu of [float(0x4012, v), float(0x4013, a), float(0x4014, kw), counter(0x6402, centiKwh)]) station.sendAsdus([asdu]);
}

async function connected(stationDefaults: Record<string, string>): Promise<{ h: GatewayHarness; station: ControlledStation }> {
  harness = await startGatewayHarness([], { stationDefaults: { 'OCPPCommCtrlr.WebSocketPingInterval': '0', ...stationDefaults } });
  charger = await ControlledStation.connect(harness.port);
  await harness.csms.waitForCall((c) => c.identity === STATION && c.action === 'BootNotification', 10_000);
  // The GI answer says nothing of gun 2: its state code makes its status known (idle, unplugged),
  // and its register is read (a session start waits for it, up to a few seconds).
  charger.sendAsdus([scaled(0x4011, 0), counter(0x6402, 19_990)]);
  await harness.csms.waitForCall((c) => c.identity === STATION && c.action === 'StatusNotification' && c.params.evseId === 2, 10_000);
  return { h: harness, station: charger };
}

type Sampled = { value: number; measurand?: string; context?: string };
type MeterValueParam = { timestamp: string; sampledValue: Sampled[] };
const samples = (c: StationCall): Sampled[] => ((c.params.meterValue ?? []) as MeterValueParam[]).flatMap((m) => m.sampledValue);
const measurands = (c: StationCall): string[] =>
  samples(c)
    .map((s) => s.measurand ?? 'Energy.Active.Import.Register')
    .sort();
/** When the (first) sample was taken: an aligned boundary well after the ASDUs were sent has them all. */
const sampledAt = (c: StationCall): number => Date.parse(((c.params.meterValue ?? []) as MeterValueParam[])[0]?.timestamp ?? '');
const valueOf = (c: StationCall, measurand: string): number | undefined => samples(c).find((s) => s.measurand === measurand)?.value;

describe('meter values of a charger that sends each measurand in its own ASDU', () => {
  it('clock-aligned MeterValues of an idle EVSE carry every configured measurand', async () => {
    const { h, station } = await connected({ 'AlignedDataCtrlr.Interval': '1', 'AlignedDataCtrlr.Measurands': ALL.join(','), 'SampledDataCtrlr.TxUpdatedInterval': '0' });
    const sentAt = Date.now();
    sendGun2(station, 398.5, 0, 0, 12_345);
    const aligned = await h.csms.waitForCall((c) => c.identity === STATION && c.action === 'MeterValues' && c.params.evseId === 2 && sampledAt(c) > sentAt + 100, 5_000);
    expect(measurands(aligned)).toEqual(ALL);
    expect(samples(aligned).every((s) => s.context === 'Sample.Clock')).toBe(true);
    expect([valueOf(aligned, 'Voltage'), valueOf(aligned, 'Current.Import'), valueOf(aligned, 'Power.Active.Import'), valueOf(aligned, 'Energy.Active.Import.Register')]).toEqual([
      398.5, 0, 0, 123_450,
    ]);
  });

  it('periodic and clock-aligned TransactionEvents of a transaction carry every configured measurand', async () => {
    const { h, station } = await connected({
      'AlignedDataCtrlr.Interval': '1',
      'AlignedDataCtrlr.Measurands': ALL.join(','),
      'SampledDataCtrlr.TxUpdatedInterval': '1',
      'SampledDataCtrlr.TxUpdatedMeasurands': ALL.join(','),
    });
    station.sendAsdus([scaled(0x4011, 2)]); // gun 2 state code 2: charging
    await h.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params.eventType === 'Started', 5_000);
    sendGun2(station, 400, 100, 40, 20_000);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    // The first ASDU after the interval (voltage) makes the periodic sample: the others are the latest values.
    sendGun2(station, 401, 101, 40.5, 20_001);
    const sentAt = Date.now();
    const periodic = await h.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params.triggerReason === 'MeterValuePeriodic', 5_000);
    expect(measurands(periodic)).toEqual(ALL);
    expect(valueOf(periodic, 'Voltage')).toBe(401);
    // A boundary after the whole second round: its sample has every measurand, as the charger last sent them.
    const clock = await h.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params.triggerReason === 'MeterValueClock' && sampledAt(c) > sentAt + 100, 5_000);
    expect(measurands(clock)).toEqual(ALL);
    expect([valueOf(clock, 'Voltage'), valueOf(clock, 'Current.Import'), valueOf(clock, 'Power.Active.Import'), valueOf(clock, 'Energy.Active.Import.Register')]).toEqual([401, 101, 40_500, 200_010]);
    expect(h.csms.strictFailures).toEqual([]);
  });
});
