/**
 * YKC (issue 7): how many 0x13 real-time-data frames one thread decodes per second (framer + parser,
 * and through a codec session to canonical events), and how many charging YKC chargers one gateway
 * process carries at 15 s real-time-data intervals.
 *
 * Capacity: the gateway (YKC listener, memory store, one station engine and OCPP connection per
 * charger) runs in this process; a child process holds a sink CSMS and N simulated YKC chargers, each
 * in a card session (authorised locally by the codec, so the sink need not answer Authorize), sending
 * 0x13 every 15 s and heartbeats every 10 s. After the chargers have connected and their first
 * frames have settled, the gateway's CPU time over a window gives its load, and heap + external after
 * forced collections its memory. Figures, not targets: they are printed, not checked.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ykcCodec } from '../codecs/ykc/codec.js';
import { decodeYkcFrame, encodeYkcFrame, YkcFramer, type YkcFramerItem } from '../codecs/ykc/index.js';
import { realTimeFrame } from '../src/simulator/ykc/simulator.js';
import { fmt, measure } from './harness.js';
import type { Row } from './iec104.js';
import { forkYkcFleet } from './support/ykc-fleet.js';
import { measureCapacity, loadValue, perCoreRow, plainWindow, startBenchGateway, type CapacityStep } from './support/capacity.js';
import type { Gateway } from '../src/gateway/gateway.js';
import { countingContext } from './support/codec-context.js';

const PILE = '32010200000042';
const TXN = `${PILE}012611251600000001`;
const REAL_TIME_INTERVAL_MS = 15_000;
const FLEET_STEPS = [1000, 2000] as const;
const SETTLE_MS = 4_000;
const WINDOW_MS = 20_000;

/** A charging 0x13 frame as a DC pile sends it (68 bytes). */
function realTimeBytes(energyKwh: number): Buffer {
  return encodeYkcFrame(realTimeFrame({ pileCode: PILE, transactionNo: TXN, status: 3, plugged: 1, voltageV: 500, currentA: 120.5, energyKwh, socPercent: 55, gunCableTempC: 41 }));
}

export function benchYkcDecode(): Row[] {
  const rows: Row[] = [];
  const frame = realTimeBytes(12.3456);
  const check = decodeYkcFrame(frame);
  if (!check.ok || check.value.type !== 'realTimeData') throw new Error('0x13 bench frame does not decode');

  const parse = measure('parse 0x13', () => decodeYkcFrame(frame));
  rows.push({ name: `YKC decode ${frame.length}-byte 0x13 real-time data (parser, whole frame)`, value: `${fmt(parse.opsPerSec)} frames/s` });

  // Framer + parser over a stream of 0x13 frames with varying values, in 64 KiB TCP-like chunks.
  const stream = Buffer.concat(Array.from({ length: 16_384 }, (_, i) => realTimeBytes(i / 100)));
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += 65_536) chunks.push(stream.subarray(at, at + 65_536));
  const framer = new YkcFramer();
  const out: YkcFramerItem[] = [];
  const pass = (): number => {
    let n = 0;
    for (const c of chunks) {
      out.length = 0;
      framer.pushTo(c, out);
      for (const item of out) if (item.kind === 'frame' && decodeYkcFrame(item.frame).ok) n++;
    }
    if (n !== 16_384) throw new Error(`framer + parser produced ${n} frames, expected 16384`);
    return n;
  };
  const fp = measure('framer+parser', pass, { samples: 5, sampleMs: 500 });
  rows.push({
    name: 'YKC framer + parser, stream of 16,384 0x13 frames in 64 KiB chunks',
    value: `${fmt(fp.opsPerSec * 16_384)} frames/s (${((fp.opsPerSec * stream.length) / 1e6).toFixed(0)} MB/s)`,
  });

  // Through a codec session: framer, parser, measurements (and status on change) as canonical events.
  const counting = countingContext({}, { chargerId: PILE });
  const session = ykcCodec.createSession(counting.context);
  session.start();
  session.receive(frame);
  counting.reset();
  const cs = measure('session', () => session.receive(frame));
  session.receive(frame);
  rows.push({ name: 'YKC 0x13 through the codec session to canonical events (1 measurements event each)', value: `${fmt(cs.opsPerSec)} frames/s` });
  if (counting.events() === 0) throw new Error('the session produced no events');
  return rows;
}

export async function benchYkcCapacity(): Promise<Row[]> {
  const fleet = await forkYkcFleet({ realTimeIntervalMs: REAL_TIME_INTERVAL_MS });
  const dir = mkdtempSync(join(tmpdir(), 'pilegate-bench-ykc-'));
  let gateway: Gateway | undefined;
  let steps: CapacityStep<undefined>[] = [];
  try {
    writeFileSync(join(dir, 'ykc.yaml'), 'authorizeLocally: true\n');
    gateway = await startBenchGateway({ listener: 'codec: ykc, mapping: ykc.yaml', sinkPort: fleet.sinkPort, configPath: join(dir, 'pilegate.yaml') });
    steps = await measureCapacity({ gateway, fleet, steps: FLEET_STEPS, settleMs: SETTLE_MS, windowMs: WINDOW_MS, label: 'ykc', window: plainWindow });
  } finally {
    await gateway?.stop();
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: Row[] = steps.map((s) => ({
    name: `YKC chargers per gateway: ${s.chargers.toLocaleString('en')} charging, 0x13 every ${REAL_TIME_INTERVAL_MS / 1000} s`,
    value: loadValue(s),
  }));
  return [...rows, ...perCoreRow(steps, 'YKC')];
}

export async function benchYkc(): Promise<Row[]> {
  return [...benchYkcDecode(), ...(await benchYkcCapacity())];
}
