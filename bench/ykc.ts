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
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ykcCodec } from '../codecs/ykc/codec.js';
import { decodeYkcFrame, encodeYkcFrame, YkcFramer, type YkcFramerItem } from '../codecs/ykc/index.js';
import { parseGatewayConfig } from '../src/gateway/config.js';
import { Gateway } from '../src/gateway/gateway.js';
import { realTimeFrame } from '../src/simulator/ykc/simulator.js';
import { fmt, measure } from './harness.js';
import type { Row } from './iec104.js';
import { forkYkcFleet } from './support/ykc-fleet.js';
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

/** `global.gc` when node runs with --expose-gc, else the same function obtained at run time. */
function gcFunction(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function footprint(gc: () => void): Promise<{ heap: number; rss: number }> {
  for (let i = 0; i < 4; i++) {
    gc();
    await sleep(20);
  }
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: m.rss };
}

interface Step {
  readonly chargers: number;
  readonly charging: number;
  readonly failed: number;
  readonly cpuPercent: number;
  readonly kibPerCharger: number;
  readonly rssMiB: number;
  readonly stations: number;
}

export async function benchYkcCapacity(): Promise<Row[]> {
  const gc = gcFunction();
  const fleet = await forkYkcFleet({ realTimeIntervalMs: REAL_TIME_INTERVAL_MS });
  const dir = mkdtempSync(join(tmpdir(), 'pilegate-bench-ykc-'));
  let gateway: Gateway | undefined;
  const steps: Step[] = [];
  try {
    writeFileSync(join(dir, 'ykc.yaml'), 'authorizeLocally: true\n');
    const config = parseGatewayConfig(
      [
        'listeners:',
        '  - { port: 0, host: 127.0.0.1, codec: ykc, mapping: ykc.yaml }',
        `csms: { url: "ws://127.0.0.1:${fleet.sinkPort}/ocpp", securityProfile: 1 }`,
        'stations: { unknownChargers: provision }',
        'store: memory',
        'http: { port: 0, host: 127.0.0.1 }',
        'log: { level: error }',
      ].join('\n'),
      join(dir, 'pilegate.yaml'),
      { PILEGATE_CSMS_PASSWORD: 'bench-password-0123456789' },
    );
    const sink = new Writable({
      write(_chunk: Buffer, _enc, done) {
        done();
      },
    });
    gateway = new Gateway(config, { destination: sink });
    await gateway.start();
    const port = gateway.ports[0] ?? 0;
    const base = await footprint(gc);
    let total = 0;
    let charging = 0;
    let failed = 0;
    for (const target of FLEET_STEPS) {
      const r = await fleet.add(target - total, port);
      total = target;
      charging += r.charging;
      failed += r.failed;
      if (r.firstError !== undefined) console.error(`ykc bench: a charger failed: ${r.firstError}`);
      await sleep(SETTLE_MS);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await sleep(WINDOW_MS);
      const cpu = process.cpuUsage(cpu0);
      const seconds = (performance.now() - t0) / 1000;
      const mem = await footprint(gc);
      steps.push({
        chargers: total,
        charging,
        failed,
        cpuPercent: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
        kibPerCharger: (mem.heap - base.heap) / total / 1024,
        rssMiB: mem.rss / 2 ** 20,
        stations: gateway.stationIds.length,
      });
    }
  } finally {
    await gateway?.stop();
    await fleet.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const rows: Row[] = steps.map((s) => ({
    name: `YKC chargers per gateway: ${s.chargers.toLocaleString('en')} charging, 0x13 every ${REAL_TIME_INTERVAL_MS / 1000} s`,
    value:
      `gateway CPU ${s.cpuPercent.toFixed(1)} % of one core, ${s.kibPerCharger.toFixed(1)} KiB heap+external per charger, RSS ${s.rssMiB.toFixed(0)} MiB` +
      ` (${s.stations} stations, ${s.charging} charging${s.failed > 0 ? `, ${s.failed} failed to connect` : ''})`,
  }));
  const last = steps[steps.length - 1];
  if (last !== undefined && last.cpuPercent > 0) {
    const perCore = Math.floor(last.chargers / (last.cpuPercent / 100));
    rows.push({
      name: 'YKC chargers per gateway process at 100 % of one core (linear estimate from the largest step)',
      value: `~${perCore.toLocaleString('en')} chargers (memory then ~${((perCore * last.kibPerCharger) / 1024).toFixed(0)} MiB heap+external)`,
    });
  }
  return rows;
}

export async function benchYkc(): Promise<Row[]> {
  return [...benchYkcDecode(), ...(await benchYkcCapacity())];
}
