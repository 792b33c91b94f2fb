/**
 * Family-B dialects (issue 15): how many records one thread decodes per second (a charge record and
 * a monitoring record of dialect B3, through the record codec; monitoring frames through the framer
 * too; and through a codec session to canonical events), and how many charging family-B chargers
 * one gateway process carries at 15 s charging-data intervals, each record forwarded as a
 * TransactionEvent(Updated) (TxUpdatedInterval 1 s), with the latency from a charger's charging
 * data to its TransactionEvent at the CSMS.
 *
 * Capacity, as the YKC benchmark measures it: the gateway (family-B listener on the B3 catalogue,
 * memory store, one station engine and OCPP connection per charger) runs in this process; a child
 * process holds a sink CSMS (which accepts every card) and N simulated B3 chargers, each in a card
 * session, sending charging data every 15 s, TESTFR every 30 s. After the chargers have connected
 * and settled (past their first charging data, which starts their transactions), the gateway's CPU
 * time over a window gives its load, heap + external after forced collections its memory, and the
 * child the latencies of the window. Figures, not targets.
 */
import type { Dialect } from '../codecs/sgcc104/catalogue.js';
import { loadDialect } from '../codecs/sgcc104/load-catalogue.js';
import { RecordCodec } from '../codecs/sgcc104/records.js';
import { sgcc104Codec } from '../codecs/sgcc104/codec.js';
import type { Sgcc104Options } from '../codecs/sgcc104/options.js';
import { encodeLogin, linkWire, Sgcc104Framer, type WireItem } from '../codecs/sgcc104/wire.js';
import { findPackageFile } from '../src/config/read.js';
import { valuesFrom } from '../src/simulator/sgcc104/spec.js';
import { fmt, measure } from './harness.js';
import type { Row } from './iec104.js';
import { countingContext } from './support/codec-context.js';
import { forkSgcc104Fleet } from './support/sgcc104-fleet.js';
import { measureCapacity, loadValue, perCoreRow, startBenchGateway, type CapacityStep } from './support/capacity.js';
import type { Gateway } from '../src/gateway/gateway.js';

const DIALECT = 'b3';
const TERMINAL = '3100000000010019';
const SERIAL = `${TERMINAL}2603031001000042`;
const METER_INTERVAL_MS = 15_000;
/** Fleet sizes measured in turn; `PILEGATE_BENCH_SGCC104_STEPS=500,1000` for others. */
const FLEET_STEPS = (process.env['PILEGATE_BENCH_SGCC104_STEPS'] ?? '1000,2000').split(',').map(Number);
/** Past every new charger's first charging data (which starts its transaction): the window sees the steady state. */
const SETTLE_MS = METER_INTERVAL_MS + 4_000;
const WINDOW_MS = 20_000;
/** How the gateway names the station of a terminal id (the sink sees station identities). */
const IDENTITY_PREFIX = '';

/** The ASDUs of a B3 charge record and monitoring record, as a charging charger sends them. */
function sampleAsdus(dialect: Dialect): { chargeRecord: Buffer; monitoring: Buffer } {
  const codec = new RecordCodec(dialect, 'Asia/Shanghai', 'down');
  const spec = (meaning: string): Dialect['records'][number] => {
    const s = dialect.records.find((r) => r.meaning === meaning);
    if (s === undefined) throw new Error(`dialect ${dialect.name} has no ${meaning} record`);
    return s;
  };
  const start = Date.UTC(2026, 2, 3, 2, 0, 0);
  const record = spec('chargeRecord');
  const periods = { tip: { energyWh: 2_340, amountYuan: 3.74 }, peak: { energyWh: 10_110, amountYuan: 14.15 }, flat: { energyWh: 5_550, amountYuan: 6.66 }, valley: { energyWh: 0, amountYuan: 0 } };
  const chargeRecord = codec.encode(
    record.name,
    valuesFrom(
      dialect,
      record,
      {
        chargerId: TERMINAL,
        connector: dialect.connectorBase,
        transactionId: SERIAL,
        idToken: '1234567890123456',
        startTime: new Date(start).toISOString(),
        endTime: new Date(start + 1_800_000).toISOString(),
        meterStart: 123_450,
        meterStop: 141_450,
        energy: 18_000,
        amount: 24.55,
        endReason: 'socLimitReached',
      },
      periods,
    ),
  );
  const monitor = spec('monitoring');
  const monitoring = codec.encode(
    monitor.name,
    valuesFrom(dialect, monitor, { chargerId: TERMINAL, connector: dialect.connectorBase, workState: 'charging', plugged: 1, voltage: 401.2, current: 89.75, energyRegister: 141_450 }),
  );
  return { chargeRecord, monitoring };
}

export function benchSgcc104Decode(): Row[] {
  const dialect = loadDialect(DIALECT);
  const rows: Row[] = [];
  const { chargeRecord, monitoring } = sampleAsdus(dialect);
  const codec = new RecordCodec(dialect, 'Asia/Shanghai', 'up');
  for (const [what, asdu] of [
    ['charge record', chargeRecord],
    ['monitoring record', monitoring],
  ] as const) {
    const check = codec.decode(asdu);
    if (!check.ok || check.kind !== 'record') throw new Error(`the ${what} bench ASDU does not decode`);
    const r = measure(what, () => codec.decode(asdu));
    rows.push({ name: `family-B (${DIALECT}) decode ${asdu.length}-byte ${what} ASDU (record codec, every field)`, value: `${fmt(r.opsPerSec)} records/s` });
  }

  // Framer + record codec over a stream of monitoring I-frames with varying sequence numbers, in 64 KiB TCP-like chunks.
  const wire = linkWire(dialect);
  const frames = Array.from({ length: 16_384 }, (_, i) => wire.iFrame(i % 32_768, 0, monitoring));
  const stream = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < stream.length; at += 65_536) chunks.push(stream.subarray(at, at + 65_536));
  const framer = new Sgcc104Framer(dialect);
  const out: WireItem[] = [];
  const pass = (): number => {
    let n = 0;
    for (const c of chunks) {
      out.length = 0;
      framer.pushTo(c, out);
      for (const item of out) {
        if (item.kind === 'apdu') {
          const d = codec.decode(wire.asdu(item.frame));
          if (d.ok) n++;
        }
      }
    }
    if (n !== 16_384) throw new Error(`framer + codec produced ${n} records, expected 16384`);
    return n;
  };
  const fp = measure('framer+codec', pass, { samples: 5, sampleMs: 500 });
  rows.push({
    name: `family-B (${DIALECT}) framer + record codec, stream of 16,384 monitoring frames in 64 KiB chunks`,
    value: `${fmt(fp.opsPerSec * 16_384)} frames/s (${((fp.opsPerSec * stream.length) / 1e6).toFixed(0)} MB/s)`,
  });

  // Through a codec session: login, then monitoring I-frames in sequence (N(S) 0..32767 and round again) to canonical events.
  const counting = countingContext<Sgcc104Options>({ dialect, timeZone: 'Asia/Shanghai', commandTimeoutMs: 8_000 });
  const session = sgcc104Codec.createSession(counting.context);
  session.start();
  session.receive(encodeLogin(dialect, { chargerId: TERMINAL }, 'Asia/Shanghai'));
  const ring = Array.from({ length: 32_768 }, (_, i) => wire.iFrame(i, 0, monitoring));
  let next = 0;
  const feed = (): void => {
    session.receive(ring[next] as Buffer);
    next = (next + 1) % ring.length;
  };
  feed();
  counting.reset();
  const cs = measure('session', feed);
  rows.push({ name: `family-B (${DIALECT}) monitoring record through the codec session to canonical events`, value: `${fmt(cs.opsPerSec)} frames/s` });
  session.stop('bench over');
  if (counting.events() === 0) throw new Error('the session produced no events');
  return rows;
}

const pct = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

export async function benchSgcc104Capacity(): Promise<Row[]> {
  const fleet = await forkSgcc104Fleet({ dialect: DIALECT, meterIntervalMs: METER_INTERVAL_MS, identityPrefix: IDENTITY_PREFIX });
  let gateway: Gateway | undefined;
  let steps: CapacityStep<readonly number[]>[] = [];
  try {
    const catalogue = findPackageFile(import.meta.url, `mappings/sgcc104/${DIALECT}.yaml`);
    gateway = await startBenchGateway({
      listener: `codec: sgcc104, mapping: ${JSON.stringify(catalogue)}`,
      sinkPort: fleet.sinkPort,
      // Every simulated charger dials from 127.x.y.z, 40 per address.
      extra: ['connections: { maxPerAddress: 0 }'],
      configPath: '<bench>',
      // Every charging-data record becomes one TransactionEvent(Updated), as in the gateway benchmark:
      // the latency is per record (with the stations' default of 60 s no Updated falls in a window).
      stationDefaults: { 'SampledDataCtrlr.TxUpdatedInterval': '1' },
    });
    steps = await measureCapacity({
      gateway,
      fleet,
      steps: FLEET_STEPS,
      settleMs: SETTLE_MS,
      windowMs: WINDOW_MS,
      label: 'sgcc104',
      window: { open: () => fleet.window(), close: () => fleet.latencies() },
    });
  } finally {
    await gateway?.stop();
    await fleet.close();
  }
  const rows: Row[] = steps.flatMap((s) => [
    {
      name: `family-B chargers per gateway: ${s.chargers.toLocaleString('en')} charging (${DIALECT}), charging data every ${METER_INTERVAL_MS / 1000} s, each an Updated event`,
      value: loadValue(s),
    },
    {
      name: `family-B latency, ${s.chargers.toLocaleString('en')} chargers: charging data -> TransactionEvent at the CSMS`,
      value: `p50 ${pct(s.extra, 0.5).toFixed(1)} ms, p99 ${pct(s.extra, 0.99).toFixed(1)} ms, max ${(s.extra.at(-1) ?? Number.NaN).toFixed(1)} ms (${s.extra.length.toLocaleString('en')} charging-data records answered by an Updated in ${WINDOW_MS / 1000} s)`,
    },
  ]);
  return [...rows, ...perCoreRow(steps, 'family-B')];
}

export async function benchSgcc104(): Promise<Row[]> {
  return [...benchSgcc104Decode(), ...(await benchSgcc104Capacity())];
}
