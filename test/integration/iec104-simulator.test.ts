/**
 * The charger simulator over real TCP: a `net.Server` on port 0 plays a minimal gateway with the
 * `ControllingLink` (STARTDT, interrogations, commands) and the simulator dials it as a charger does.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { decodeAsdu } from '../../src/iec104/asdu-parser.js';
import { encodeAsdu } from '../../src/iec104/asdu-generator.js';
import { COT, TI } from '../../src/iec104/constants.js';
import { cp56FromDate } from '../../src/iec104/cp56.js';
import type { Asdu, InformationObject } from '../../src/iec104/types.js';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { startGateway, waitUntil, type LinkedSocket, type TestGateway } from '../support/link-socket.js';

function loadMapping(name: string): Iec104PointsMapping {
  return YAML.parse(readFileSync(new URL(`../../mappings/iec104-points/${name}.yaml`, import.meta.url), 'utf8')) as Iec104PointsMapping;
}

const AC = loadMapping('example-ac-1gun');
const DC = loadMapping('example-dc-2gun');
const CA = 42;
const FAST = { t1: 2_000, t2: 100, t3: 5_000 };

let gateway: TestGateway | undefined;
let handle: SimulatorHandle | undefined;

afterEach(async () => {
  await handle?.close();
  await gateway?.close();
  handle = undefined;
  gateway = undefined;
});

async function connect(mapping: Iec104PointsMapping, extra: { reconnectDelayMs?: number } = {}): Promise<{ gw: LinkedSocket; sim: SimulatorHandle }> {
  gateway = await startGateway(FAST);
  const accepted = gateway.accepted();
  handle = await connectSimulator({ host: '127.0.0.1', port: gateway.port, mapping, commonAddress: CA, link: FAST, ...extra });
  const gw = await accepted;
  await waitUntil(() => gw.link.state === 'active', 'STARTDT con from the simulator');
  return { gw, sim: handle };
}

/** Decodes every ASDU the gateway received from `from` on; fails on one that does not decode. */
function decoded(gw: LinkedSocket, from = 0): Asdu[] {
  return gw.asdus.slice(from).map((bytes) => {
    const r = decodeAsdu(bytes);
    if (!r.ok) throw r.error;
    return r.value;
  });
}

function command(typeId: Asdu['typeId'], object: Record<string, unknown>, cause: number = COT.ACTIVATION): Buffer {
  return encodeAsdu({ typeId, sq: false, cause, negative: false, test: false, originator: 0, commonAddress: CA, objects: [object as unknown as InformationObject] });
}

const isTerm = (a: Asdu, typeId: number): boolean => a.typeId === typeId && a.cause === COT.ACTIVATION_TERMINATION;
const values = (a: Asdu | undefined): Record<number, unknown> => Object.fromEntries((a?.objects ?? []).map((o) => [o.ioa, 'value' in o ? o.value : undefined]));

describe('IEC 104 charger simulator over TCP', () => {
  it('answers STARTDT, a general interrogation and a select-before-operate start', async () => {
    const { gw, sim } = await connect(AC);
    expect(gw.transitions).toEqual(['idle -> starting (start)', 'starting -> active (startdt-con)']);
    expect(sim.simulator.linkState).toBe('active');

    gw.link.sendAsdu(command(TI.C_IC_NA_1, { ioa: 0, qoi: 20 }));
    await waitUntil(() => decoded(gw).some((a) => isTerm(a, TI.C_IC_NA_1)), 'GI ACT_TERM');
    const gi = decoded(gw);
    expect(gi.map((a) => [a.typeId, a.cause])).toEqual([
      [TI.C_IC_NA_1, COT.ACTIVATION_CON],
      [TI.M_SP_NA_1, COT.INTERROGATED_BY_STATION],
      [TI.M_DP_NA_1, COT.INTERROGATED_BY_STATION],
      [TI.M_ME_NB_1, COT.INTERROGATED_BY_STATION],
      [TI.C_IC_NA_1, COT.ACTIVATION_TERMINATION],
    ]);
    expect(gi.every((a) => a.commonAddress === CA)).toBe(true);
    expect(values(gi[1])).toEqual({ 1: false, 2: false, 3: true, 4: false, 5: false, 7: false });
    expect(values(gi[2])).toEqual({ 6: 1 }); // lid-open double point OFF
    // 230.0 V, 0 A, 0 W, 25.0 °C with the -40 °C offset.
    expect(values(gi[3])).toEqual({ 0x4001: 2300, 0x4002: 0, 0x4003: 0, 0x4004: 650 });

    sim.simulator.setPlugged(1, true);
    const before = gw.asdus.length;
    gw.link.sendAsdu(command(TI.C_DC_NA_1, { ioa: 0x6001, state: 2, qualifier: 0, select: true }));
    await waitUntil(() => gw.asdus.length >= before + 2, 'select ACT_CON');
    gw.link.sendAsdu(command(TI.C_DC_NA_1, { ioa: 0x6001, state: 2, qualifier: 0, select: false }));
    await waitUntil(() => decoded(gw, before).some((a) => isTerm(a, TI.C_DC_NA_1)), 'start ACT_TERM');
    const start = decoded(gw, before);
    expect(start.map((a) => [a.typeId, a.cause, a.negative, values(a)])).toEqual([
      [TI.M_SP_NA_1, COT.SPONTANEOUS, false, { 1: true }],
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, false, {}],
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, false, {}],
      [TI.M_SP_NA_1, COT.SPONTANEOUS, false, { 2: true }],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false, { 0x4002: 3061, 0x4003: 7040 }],
      [TI.C_DC_NA_1, COT.ACTIVATION_TERMINATION, false, {}],
    ]);
    expect(start[1]?.objects[0]).toEqual({ ioa: 0x6001, state: 2, qualifier: 0, select: true });
    expect(start[2]?.objects[0]).toEqual({ ioa: 0x6001, state: 2, qualifier: 0, select: false });
    expect(sim.simulator.connector(1)).toMatchObject({ charging: true, powerW: 7040 });
    // The gateway's link acknowledged everything: the simulator has nothing outstanding.
    await waitUntil(() => gw.link.pendingAckCount === 0, 'gateway acks');
    expect(gw.closeReasons).toEqual([]);
    expect(gw.errors).toEqual([]);
  });

  it('answers clock sync and counter interrogation, and reports energy while charging', async () => {
    const { gw, sim } = await connect(DC);
    const now = new Date();
    gw.link.sendAsdu(command(TI.C_CS_NA_1, { ioa: 0, time: cp56FromDate(now, 'Asia/Shanghai') }));
    gw.link.sendAsdu(command(TI.C_CI_NA_1, { ioa: 0, rqt: 5, frz: 0 }));
    await waitUntil(() => decoded(gw).some((a) => isTerm(a, TI.C_CI_NA_1)), 'CI ACT_TERM');
    const replies = decoded(gw);
    expect(replies.map((a) => [a.typeId, a.cause])).toEqual([
      [TI.C_CS_NA_1, COT.ACTIVATION_CON],
      [TI.C_CI_NA_1, COT.ACTIVATION_CON],
      [TI.M_IT_NA_1, COT.REQUESTED_BY_GENERAL_COUNTER],
      [TI.C_CI_NA_1, COT.ACTIVATION_TERMINATION],
    ]);
    expect(values(replies[2])).toEqual({ 0x6401: 10_000, 0x6402: 20_000 });
    expect(Math.abs(sim.simulator.chargerNow() - Date.now())).toBeLessThan(1_000);

    // 60 kW: 0.01 kWh every 0.6 s, reported by the meter interval (1 s) while charging.
    const from = gw.asdus.length;
    sim.simulator.setCharging(1, true);
    await waitUntil(() => decoded(gw, from).some((a) => a.typeId === TI.M_IT_NA_1), 'a rising energy register', 3_000);
    const counter = decoded(gw, from).find((a) => a.typeId === TI.M_IT_NA_1);
    expect(counter?.cause).toBe(COT.SPONTANEOUS);
    expect(values(counter)[0x6401]).toBeGreaterThan(10_000);
  });

  it('resolves closed when the gateway drops the connection', async () => {
    const { gw, sim } = await connect(AC);
    gw.socket.destroy();
    await sim.closed;
    expect(sim.connected).toBe(false);
    expect(sim.simulator.linkState).toBe('closed');
  });

  it('dials again after a drop when asked, keeping the charger state, and starts a fresh link', async () => {
    const { gw, sim } = await connect(AC, { reconnectDelayMs: 50 });
    sim.simulator.setPlugged(1, true);
    await waitUntil(() => gw.asdus.length === 1, 'plug report');
    const next = gateway?.accepted();
    gw.socket.destroy();
    const gw2 = await next;
    if (gw2 === undefined) throw new Error('no gateway');
    await waitUntil(() => gw2.link.state === 'active', 'second STARTDT');
    gw2.link.sendAsdu(command(TI.C_IC_NA_1, { ioa: 0, qoi: 20 }));
    await waitUntil(() => decoded(gw2).some((a) => isTerm(a, TI.C_IC_NA_1)), 'GI ACT_TERM on the new connection');
    const sp = decoded(gw2).find((a) => a.typeId === TI.M_SP_NA_1);
    expect(values(sp)[1]).toBe(true);
    // Sequence numbers restarted at 0 on the new connection.
    expect(gw2.link.vr).toBe(decoded(gw2).length);
    expect(sim.connected).toBe(true);
  });
});
