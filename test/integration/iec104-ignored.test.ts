/**
 * Issue 12, point 1: a well-framed ASDU the gateway has no use for (a type it cannot decode, a
 * private type, a type or address the mapping does not name) is counted and logged, never a bad
 * frame: the charger is not disconnected and no InvalidMessages security event is raised. Only
 * framing errors spend the bad-frame budget. Real TCP from the controlled station into the whole
 * gateway, strict test CSMS; the budget is small so that the test is quick.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ControlledStation, buildAsdu, floatQds } from '../support/controlled-station.js';
import { sample, startGatewayHarness, untilMetrics, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await h?.close();
  peer = h = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const BUDGET = 3;
const IGNORED = (reason: string): string => `pilegate_frames_ignored_total{codec="iec104-points",reason="${reason}"}`;

/** M_ME_ND_1 (TI 21): a normalized value without quality descriptor, 2 octets after the IOA. */
const meNd1 = (ca: number): Buffer => buildAsdu({ ti: 21, cot: 3, ca }, [{ ioa: 0x4009, element: Uint8Array.of(0x00, 0x40) }]);
/** TI 200: a private type (IEC 60870-5-101 §7.2.1.1 leaves 128..255 to private use). */
const private200 = (ca: number): Buffer => buildAsdu({ ti: 200, cot: 3, ca }, [{ ioa: 0x7001, element: Uint8Array.of(1, 2, 3, 4) }]);

async function connected(ca: number): Promise<{ h: GatewayHarness; peer: ControlledStation }> {
  h = await startGatewayHarness([`connections: { badFrameLimit: ${BUDGET}, badFrameWindowMs: 60000 }`]);
  peer = await ControlledStation.connect(h.port, { ca });
  await h.csms.waitForCall((c) => c.identity === `EXDC${ca}` && c.action === 'BootNotification', 10_000);
  return { h, peer };
}

describe('ASDUs the gateway has no use for', () => {
  it('never spend the bad-frame budget: a charger sending M_ME_ND_1 and a private type for longer than the budget stays connected', async () => {
    const { h: g, peer: p } = await connected(42);
    for (let i = 0; i < 4 * BUDGET; i++) {
      p.sendAsdus([meNd1(42), private200(42)]);
      await sleep(40);
    }
    // A mapped value after them still gets through: the connection is alive and in sequence.
    p.sendAsdus([buildAsdu({ ti: 13, cot: 3, ca: 42 }, [{ ioa: 0x4002, element: floatQds(750) }])]);
    const text = await untilMetrics(g, (t) => (sample(t, IGNORED('unknown_type')) ?? 0) >= 4 * BUDGET, 'ignored private ASDUs');
    expect(p.isClosed).toBe(false);
    // M_ME_ND_1 is ignored either as a type the library cannot decode or as one the mapping does not use.
    expect((sample(text, IGNORED('unknown_type')) ?? 0) + (sample(text, IGNORED('unused_type')) ?? 0)).toBe(8 * BUDGET);
    expect(sample(text, 'pilegate_decode_errors_total{code="IEC104_UNKNOWN_TI"}')).toBeUndefined();
    expect(sample(text, 'pilegate_charger_disconnects_total{reason="bad_frames"}')).toBe(0);
    expect(g.csms.calls.filter((c) => c.action === 'SecurityEventNotification' && c.params['type'] === 'InvalidMessages')).toEqual([]);
    // Logged once per kind, not once per ASDU.
    const logged = g.lines().filter((l) => typeof l['msg'] === 'string' && /type/.test(l['msg']) && l['ti'] === 200);
    expect(logged).toHaveLength(1);
    expect(g.lines().filter((l) => l['msg'] === 'bad frame from charger')).toEqual([]);
  });

  it('still spend it for framing errors: an ASDU whose object count disagrees with its length', async () => {
    const { h: g, peer: p } = await connected(43);
    const broken = buildAsdu({ ti: 13, cot: 3, ca: 43 }, [{ ioa: 0x4002, element: floatQds(1) }]);
    broken[1] = 2; // VSQ says two objects, the payload holds one
    for (let i = 0; i < BUDGET; i++) p.sendAsdus([broken]);
    await p.closed;
    const text = await untilMetrics(g, (t) => sample(t, 'pilegate_charger_disconnects_total{reason="bad_frames"}') === 1, 'the bad-frame disconnect');
    expect(sample(text, 'pilegate_decode_errors_total{code="IEC104_VSQ_MISMATCH"}')).toBe(BUDGET);
  });
});
