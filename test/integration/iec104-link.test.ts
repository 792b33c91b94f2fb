/**
 * The controlling-station link over real TCP: a `net.Server` on port 0 plays the gateway and the
 * test's controlled station dials it, as chargers do. Short timers keep the file fast.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { encodeIFrame, encodeSFrame } from '../../src/iec104/apci.js';
import type { LinkParameters } from '../../src/iec104/link.js';
import { ControlledStation, GI_MEASURANDS, GI_SINGLE_POINTS, buildAsdu, interrogation, parseAsdu, siq, type ControlledStationOptions } from '../support/controlled-station.js';
import { startGateway, waitUntil, type LinkedSocket, type TestGateway } from '../support/link-socket.js';

const FAST: Partial<LinkParameters> = { k: 12, w: 8, t1: 300, t2: 100, t3: 200 };

const TESTFR_ACT = Buffer.from('680443000000', 'hex');

let gateway: TestGateway | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await gateway?.close();
  peer = undefined;
  gateway = undefined;
});

/** Starts a gateway, dials it with a controlled station and waits for the STARTDT handshake. */
async function connect(params: Partial<LinkParameters> = FAST, options: ControlledStationOptions = {}): Promise<{ gw: LinkedSocket; station: ControlledStation }> {
  gateway = await startGateway(params);
  const accepted = gateway.accepted();
  peer = await ControlledStation.connect(gateway.port, options);
  const gw = await accepted;
  if (options.answerStartdt !== false) await waitUntil(() => gw.link.state === 'active', 'link active');
  return { gw, station: peer };
}

/** A small M_SP_NA_1 spontaneous ASDU whose IOA numbers the frame. */
const spontaneous = (n: number): Buffer => buildAsdu({ ti: 1, cot: 3 }, [{ ioa: n, element: siq(n % 2 === 0) }]);

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('IEC 104 link over TCP', () => {
  it('performs the STARTDT handshake', async () => {
    const { gw, station } = await connect();
    expect(station.frames[0]?.apci).toEqual({ format: 'U', fn: 'STARTDT_ACT' });
    expect(gw.transitions).toEqual(['idle -> starting (start)', 'starting -> active (startdt-con)']);
    expect(gw.errors).toEqual([]);
  });

  it('closes with t1 when the station never confirms STARTDT', async () => {
    const t0 = performance.now();
    const { gw, station } = await connect(FAST, { answerStartdt: false });
    await station.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(gw.closeReasons).toEqual(['t1']);
    expect(gw.transitions).toEqual(['idle -> starting (start)', 'starting -> closed (t1)']);
  });

  it('runs a general interrogation round trip', async () => {
    const { gw, station } = await connect();
    gw.link.sendAsdu(interrogation(6));
    await waitUntil(() => gw.asdus.length === 4, 'four GI reply ASDUs');
    const command = station.iFrames()[0];
    expect(command?.apci).toEqual({ format: 'I', ns: 0, nr: 0 });
    expect(parseAsdu(command?.asdu ?? Buffer.alloc(0), 1)).toMatchObject({ ti: 100, cot: 6, ca: 1 });

    const [con, points, measurands, term] = gw.asdus.map((a, i) => parseAsdu(a, i === 2 ? 5 : 1));
    expect(con).toMatchObject({ ti: 100, cot: 7, negative: false, objects: [{ ioa: 0 }] });
    expect(points).toMatchObject({ ti: 1, cot: 20, count: 2 });
    expect(points?.objects).toEqual(GI_SINGLE_POINTS.map((o) => ({ ioa: o.ioa, element: Buffer.from(o.element) })));
    expect(measurands).toMatchObject({ ti: 13, cot: 20, count: 1, objects: [{ ioa: 0x4001 }] });
    expect(measurands?.objects[0]?.element).toEqual(Buffer.from(GI_MEASURANDS[0]?.element ?? []));
    expect(Buffer.from(measurands?.objects[0]?.element ?? []).readFloatLE(0)).toBe(230.5);
    expect(term).toMatchObject({ ti: 100, cot: 10 });

    // The station's replies carried N(R) 1 (our command acked); we ack its four frames within t2.
    expect(gw.link.unackedCount).toBe(0);
    await station.waitFor(() => station.lastAck === 4, 'S-frame acking the GI reply');
    expect(gw.link.vr).toBe(4);
    expect(gw.link.state).toBe('active');
  });

  it('handles several APDUs in one TCP write', async () => {
    const { gw, station } = await connect();
    const batch = Buffer.concat([TESTFR_ACT, station.nextIFrame(spontaneous(0)), station.nextIFrame(spontaneous(1)), encodeSFrame(0), station.nextIFrame(spontaneous(2))]);
    station.write(batch);
    await waitUntil(() => gw.asdus.length === 3, 'three ASDUs');
    expect(gw.asdus.map((a) => parseAsdu(a, 1).objects[0]?.ioa)).toEqual([0, 1, 2]);
    expect(Math.max(...gw.chunks)).toBeGreaterThanOrEqual(batch.length);
    await station.waitFor(() => station.uFunctions().includes('TESTFR_CON'), 'TESTFR con');
    expect(gw.errors).toEqual([]);
  });

  it('acknowledges with an S-frame as soon as w I-frames arrived', async () => {
    // t2 far away: an ack within the wait below can only be the w rule.
    const { gw, station } = await connect({ ...FAST, w: 4, t1: 4_000, t2: 3_000, t3: 5_000 });
    const t0 = performance.now();
    station.sendAsdus([0, 1, 2, 3].map(spontaneous));
    await station.waitFor(() => station.lastAck === 4, 'S-frame N(R) 4', 1_000);
    for (const n of [4, 5, 6, 7]) station.sendAsdus([spontaneous(n)]);
    await station.waitFor(() => station.lastAck === 8, 'S-frame N(R) 8', 1_000);
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(station.sFrameNrs()).toEqual([4, 8]);
    expect(gw.link.pendingAckCount).toBe(0);
  });

  it('acknowledges fewer than w I-frames with an S-frame after t2', async () => {
    const { gw, station } = await connect({ ...FAST, t3: 2_000 });
    const t0 = performance.now();
    station.sendAsdus([0, 1, 2].map(spontaneous));
    await station.waitFor(() => station.lastAck === 3, 'S-frame N(R) 3');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
    expect(station.sFrameNrs()).toEqual([3]);
    expect(gw.asdus).toHaveLength(3);
  });

  it('sends TESTFR act after t3 idle and stays up when it is confirmed', async () => {
    const { gw, station } = await connect();
    const t0 = performance.now();
    await station.waitFor(() => station.uFunctions().includes('TESTFR_ACT'), 'TESTFR act');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(150);
    await sleep(400); // beyond t1 after the first probe
    expect(gw.link.state).toBe('active');
    expect(gw.closeReasons).toEqual([]);
    // Each con restarts t3, so the probes keep coming while the line is idle.
    expect(station.uFunctions().filter((f) => f === 'TESTFR_ACT').length).toBeGreaterThanOrEqual(2);
  });

  it('closes with t1 when TESTFR act is not confirmed', async () => {
    const { gw, station } = await connect(FAST, { answerTestfr: false });
    const t0 = performance.now();
    await station.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(480); // t3 200 + t1 300
    expect(station.uFunctions()).toEqual(['STARTDT_ACT', 'TESTFR_ACT']);
    expect(gw.closeReasons).toEqual(['t1']);
  });

  it('closes with t1 when a sent I-frame is never acknowledged', async () => {
    const { gw, station } = await connect(FAST, { withholdAcks: true });
    const t0 = performance.now();
    gw.link.sendAsdu(spontaneous(1));
    await station.closed;
    expect(performance.now() - t0).toBeGreaterThanOrEqual(290);
    expect(station.iFrameCount).toBe(1);
    expect(gw.closeReasons).toEqual(['t1']);
    expect(gw.link.state).toBe('closed');
  });

  it('stalls at k unacknowledged I-frames and resumes when acks arrive', async () => {
    const { gw, station } = await connect({ ...FAST, k: 4, w: 2, t1: 2_000, t2: 500 }, { withholdAcks: true, w: 4 });
    for (let n = 0; n < 10; n++) gw.link.sendAsdu(spontaneous(n));
    await station.waitFor(() => station.iFrameCount === 4, 'k = 4 I-frames');
    await sleep(150);
    expect(station.iFrameCount).toBe(4);
    expect(gw.link.unackedCount).toBe(4);
    expect(gw.link.queuedCount).toBe(6);

    station.withholdAcks = false;
    station.ack();
    await station.waitFor(() => station.iFrameCount === 10, 'all ten I-frames');
    await waitUntil(() => gw.link.unackedCount === 0, 'everything acknowledged');
    expect(station.iFrames().map((f) => f.apci.format === 'I' && f.apci.ns)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(station.iFrames().map((f) => parseAsdu(f.asdu ?? Buffer.alloc(0), 1).objects[0]?.ioa)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gw.link.queuedCount).toBe(0);
    expect(gw.closeReasons).toEqual([]);
  });

  it('wraps the receive sequence number past 32767', async () => {
    const { gw, station } = await connect({ ...FAST, t1: 5_000, t2: 1_000, t3: 5_000 });
    const total = 33_000;
    const batch = 8; // = w: each batch is acked at once, and the station never exceeds k = 12
    for (let sent = 0; sent < total; sent += batch) {
      station.sendAsdus(Array.from({ length: batch }, (_, i) => spontaneous((sent + i) & 0xffff)));
      const expected = (sent + batch) % 32768;
      await station.waitFor(() => station.lastAck === expected, `ack ${expected}`);
    }
    expect(gw.link.vr).toBe(total % 32768);
    expect(gw.asdus).toHaveLength(total);
    expect(parseAsdu(gw.asdus[32768] ?? Buffer.alloc(0), 1).objects[0]?.ioa).toBe(32768);
    expect(gw.link.state).toBe('active');
    expect(gw.closeReasons).toEqual([]);
  });

  it('wraps the send sequence number past 32767', async () => {
    const { gw, station } = await connect({ ...FAST, t1: 5_000, t2: 1_000, t3: 5_000 }, { w: 8, t2: 5 });
    const total = 33_000;
    for (let n = 0; n < total; n++) gw.link.sendAsdu(spontaneous(n & 0xffff));
    await station.waitFor(() => station.iFrameCount === total, `${total} I-frames`, 10_000);
    await waitUntil(() => gw.link.unackedCount === 0, 'everything acknowledged');
    const ns = station.iFrames().map((f) => (f.apci.format === 'I' ? f.apci.ns : -1));
    expect(ns.slice(32766, 32770)).toEqual([32766, 32767, 0, 1]);
    expect(ns.every((n, i) => n === i % 32768)).toBe(true);
    expect(gw.link.vs).toBe(total % 32768);
    expect(gw.closeReasons).toEqual([]);
  });

  it('closes on an S-frame with an invalid N(R)', async () => {
    const { gw, station } = await connect();
    station.write(encodeSFrame(5));
    await station.closed;
    expect(gw.closeReasons).toEqual(['invalid-nr']);
  });

  it('closes on an I-frame whose N(R) acknowledges frames never sent', async () => {
    const { gw, station } = await connect(FAST, { withholdAcks: true });
    gw.link.sendAsdu(spontaneous(1));
    gw.link.sendAsdu(spontaneous(2));
    await station.waitFor(() => station.iFrameCount === 2, 'two I-frames');
    station.write(encodeIFrame(0, 3, spontaneous(9)));
    await station.closed;
    expect(gw.closeReasons).toEqual(['invalid-nr']);
    expect(gw.asdus).toEqual([]);
  });

  it('closes on an I-frame with an out-of-order N(S)', async () => {
    const { gw, station } = await connect();
    station.write(encodeIFrame(1, 0, spontaneous(1)));
    await station.closed;
    expect(gw.closeReasons).toEqual(['ns-out-of-order']);
    expect(gw.asdus).toEqual([]);
  });
});
