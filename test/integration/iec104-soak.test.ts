/**
 * Issue 12, acceptance soak: a charger sending every standard monitor type of IEC 60870-5-104
 * (TI 1, 3, 5, 7, 9, 11, 13, 15, 20, 21, 30..40) for 10 minutes of its own time, compressed: one
 * 2-second report cycle every 40 ms of wall time, time tags advancing 2 s per cycle. The bad-frame
 * budget is small (5), so a single type taken for bad input would disconnect the charger within a
 * cycle. It is never disconnected, the types the mapping does not use are counted as ignored, and
 * the mapped values reach the CSMS in TransactionEvents with the right measurands and values.
 * Real TCP from the controlled station into the whole gateway, strict test CSMS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { StationCall } from '../support/csms.js';
import { ControlledStation, bcr, buildAsdu, floatQds, siq, svaQds, timed, type RawObject } from '../support/controlled-station.js';
import { sample, startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';
import { GUN, dcInterrogation, sleep } from '../support/iec104-peer.js';

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await h?.close();
  h = peer = undefined;
});

const CA = 42;
const ID = `EXDC${CA}`;
/** 10 minutes of 2-second report cycles. */
const CYCLES = 300;
const CYCLE_S = 2;
const WALL_MS_PER_CYCLE = 40;

/** What gun 1 reports in cycle `i`, in the mapping's raw units. */
function gun1(i: number): { volts: number; amps: number; kW: number; soc: number; register: number } {
  return { volts: 700 + (i % 50), amps: 100 + (i % 20), kW: 60 + (i % 10), soc: 20 + Math.floor(i / 5), register: 10_000 + i * 10 };
}

/** One report cycle: an ASDU of every standard monitor type; those the DC example maps carry gun 1's values. */
function cycle(i: number, at: Date): Buffer[] {
  const g = gun1(i);
  const one = (ti: number, ioa: number, element: Uint8Array): Buffer => buildAsdu({ ti, cot: 3, ca: CA }, [{ ioa, element }]);
  const many = (ti: number, objects: RawObject[]): Buffer => buildAsdu({ ti, cot: 3, ca: CA }, objects);
  const t = (element: Uint8Array): Uint8Array => timed(element, at);
  const bits = Uint8Array.of(0x5a, 0, 0, 0, 0);
  const normalized = Uint8Array.of(0x00, 0x20, 0);
  const step = Uint8Array.of(5, 0);
  const packed = Uint8Array.of(0xff, 0x00, 0x0f, 0x00, 0);
  return [
    many(1, [
      { ioa: 0x0002, element: siq(false) },
      { ioa: 0x0004, element: siq(false) },
    ]), // M_SP_NA_1 faults
    one(3, 0x0101, Uint8Array.of(1)), // M_DP_NA_1
    one(5, 0x0201, step), // M_ST_NA_1
    one(7, 0x0301, bits), // M_BO_NA_1
    one(9, 0x4101, normalized), // M_ME_NA_1
    many(11, [
      { ioa: 0x4001, element: svaQds(GUN.charging) },
      { ioa: 0x4006, element: svaQds(350) },
    ]), // M_ME_NB_1 state, temperature
    many(13, [
      { ioa: 0x4002, element: floatQds(g.volts) },
      { ioa: 0x4003, element: floatQds(g.amps) },
      { ioa: 0x4004, element: floatQds(g.kW) },
    ]), // M_ME_NC_1
    one(15, 0x6401, bcr(g.register, false, i % 32)), // M_IT_NA_1 register
    one(20, 0x0401, packed), // M_PS_NA_1
    one(21, 0x4201, Uint8Array.of(0x00, 0x40)), // M_ME_ND_1
    one(30, 0x0003, t(siq(false))), // M_SP_TB_1 fault
    one(31, 0x0101, t(Uint8Array.of(1))), // M_DP_TB_1
    one(32, 0x0201, t(step)), // M_ST_TB_1
    one(33, 0x0301, t(bits)), // M_BO_TB_1
    one(34, 0x4101, t(normalized)), // M_ME_TD_1
    one(35, 0x4005, t(svaQds(g.soc))), // M_ME_TE_1 state of charge
    one(36, 0x4002, t(floatQds(g.volts))), // M_ME_TF_1 voltage
    one(37, 0x6401, t(bcr(g.register, false, i % 32))), // M_IT_TB_1 register
    one(38, 0x0501, t(Uint8Array.of(0x01, 0x10, 0x00))), // M_EP_TD_1
    one(39, 0x0502, t(Uint8Array.of(0x01, 0x00, 0x10, 0x00))), // M_EP_TE_1
    one(40, 0x0503, t(Uint8Array.of(0x01, 0x00, 0x10, 0x00))), // M_EP_TF_1
  ];
}

type Sampled = { value: number; measurand?: string };
const valueOf = (c: StationCall, measurand: string): number | undefined =>
  ((c.params['meterValue'] ?? []) as { sampledValue: Sampled[] }[]).flatMap((m) => m.sampledValue).find((s) => (s.measurand ?? 'Energy.Active.Import.Register') === measurand)?.value;

describe('soak: every standard monitor type for 10 minutes of charger time', () => {
  it('never disconnects the charger and brings its mapped values to the CSMS', async () => {
    const g = (h = await startGatewayHarness(['connections: { badFrameLimit: 5, badFrameWindowMs: 600000 }'], {
      stationDefaults: { 'SampledDataCtrlr.TxUpdatedInterval': '1', 'OCPPCommCtrlr.WebSocketPingInterval': '0' },
    }));
    const p = (peer = await ControlledStation.connect(g.port, { ca: CA, interrogationData: (c) => dcInterrogation(c, [GUN.charging, GUN.idle]) }));
    await g.csms.waitForCall((c) => c.identity === ID && c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);

    // Cycle i is stamped 2 s after cycle i - 1, the last one now: the charger's 10 minutes end as
    // the test's 12 seconds do (a sample leaves out readings measured long before it).
    const stamp = (i: number): Date => new Date(Date.now() - (CYCLES - 1 - i) * CYCLE_S * 1000);
    for (let i = 0; i < CYCLES; i++) {
      p.sendAsdus(cycle(i, stamp(i)));
      await sleep(WALL_MS_PER_CYCLE);
      expect(p.isClosed, `disconnected in cycle ${i}`).toBe(false);
    }
    // The first ASDU of the next cycle after the sample interval makes the periodic sample: it holds
    // the last cycle's value of every measurand.
    await sleep(1_100);
    const sentAt = Date.now();
    p.sendAsdus(cycle(CYCLES - 1, stamp(CYCLES - 1)));
    const periodic = await g.csms.waitForCall((c) => c.identity === ID && c.action === 'TransactionEvent' && c.params['triggerReason'] === 'MeterValuePeriodic' && c.at >= sentAt, 5_000);
    const last = gun1(CYCLES - 1);
    expect({
      voltage: valueOf(periodic, 'Voltage'),
      current: valueOf(periodic, 'Current.Import'),
      power: valueOf(periodic, 'Power.Active.Import'),
      soc: valueOf(periodic, 'SoC'),
      energy: valueOf(periodic, 'Energy.Active.Import.Register'),
    }).toEqual({ voltage: last.volts, current: last.amps, power: last.kW * 1000, soc: last.soc, energy: last.register * 10 });

    const metrics = await g.metrics();
    expect(p.isClosed).toBe(false);
    expect(sample(metrics, 'pilegate_charger_disconnects_total{reason="bad_frames"}')).toBe(0);
    expect(metrics).not.toMatch(/^pilegate_decode_errors_total\{/m);
    // Every type decodes; the 13 the mapping does not use are counted, once per ASDU.
    expect(sample(metrics, 'pilegate_frames_ignored_total{codec="iec104-points",reason="unknown_type"}')).toBe(0);
    expect(sample(metrics, 'pilegate_frames_ignored_total{codec="iec104-points",reason="unused_type"}')).toBe(13 * (CYCLES + 1));
    expect(g.csms.calls.filter((c) => c.action === 'SecurityEventNotification' && c.params['type'] === 'InvalidMessages')).toEqual([]);
    expect(g.csms.calls.filter((c) => c.identity === ID && c.action === 'TransactionEvent' && c.params['eventType'] === 'Started')).toHaveLength(1);
    expect(g.csms.strictFailures).toEqual([]);
  }, 60_000);
});
