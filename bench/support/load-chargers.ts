/**
 * Lean simulated IEC 104 chargers for the gateway benchmark: thousands per process. The full
 * `ChargerSimulator` models energy, limits and commands; a load test needs only what the gateway's
 * start-up asks (STARTDT, clock sync, general and counter interrogation, all answered from fixed
 * values of the mapping's points: every gun charging) and the meter data, so each charger here is
 * a socket, the library's `ControlledLink` (sequence numbers, acks, t1..t3, TESTFR) and a timer.
 *
 * Meter data: every `meterMs`, one spontaneous ASDU with the guns' voltage, current and power and
 * one with their energy registers. The register of gun g at step s is `BASE_COUNT + 2s + (g - 1)`
 * counts, unique per charger, step and gun and rising on each gun; the send time of that frame is
 * kept in `sends[(index * maxSteps + s) * 2 + g - 1]`, and the CSMS side finds the same slot from
 * the station identity and the Wh value it receives.
 *
 * Driven by `bench/gateway.ts` over IPC (see `child.ts`): `open`, `close`, `sends`.
 */
import net from 'node:net';
import { loadMappingFile } from '../../codecs/iec104-points/load-mapping.js';
import type { Iec104PointsMapping, MeasurandPoint, Point } from '../../codecs/iec104-points/mapping.js';
import { binaryRaw, codeRaw, measurandRaw, monitorObject, pointTypeId, statusCode, type RawValue } from '../../src/simulator/iec104-points/points.js';
import { findPackageFile } from '../../src/config/read.js';
import { decodeAsdu } from '../../src/iec104/asdu-parser.js';
import { encodeAsdu } from '../../src/iec104/asdu-generator.js';
import { COT, TI, type TypeId } from '../../src/iec104/constants.js';
import { ControlledLink, type LinkParameters } from '../../src/iec104/link.js';
import type { Asdu, AsduParameters, InformationObject } from '../../src/iec104/types.js';
import { isForkedEntry, serveParent, sharedNow } from './child.js';

/** The chargers' mapping, which the gateway's listener uses too. */
export const BENCH_MAPPING = 'mappings/iec104-points/example-dc-2gun.yaml';
/** First energy-register value (counts); step and gun are added to it. */
export const BASE_COUNT = 1_000_000;
/** Steps recorded per charger; later meter frames are still sent but not timed. */
export const MAX_STEPS = 128;
/** Below the gateway's default limit of connections per source address. */
const CHARGERS_PER_ADDRESS = 40;

export interface OpenArgs {
  readonly host: string;
  readonly port: number;
  /** Common addresses `firstCa .. firstCa + count - 1`; `index` in `sends` is `ca - recordFrom`. */
  readonly firstCa: number;
  readonly count: number;
  /** New connections per second. */
  readonly ratePerSec: number;
  readonly meterMs: number;
  /** Send times are recorded for CAs from here (undefined: not recorded). */
  readonly recordFrom?: number;
}

export interface OpenResult {
  readonly connected: number;
  readonly failed: number;
  readonly firstError?: string;
  readonly ms: number;
  /** Wh per energy-register count, to read the registers back from the CSMS side. */
  readonly whPerCount: number;
}

/** What every charger reports: values shared by all, built once from the mapping. */
interface Plan {
  readonly params: AsduParameters;
  readonly link: Partial<LinkParameters>;
  /** General interrogation answer: objects per TI (counters excluded). */
  readonly interrogated: ReadonlyMap<TypeId, readonly InformationObject[]>;
  /** Spontaneous measurands other than energy, per TI. */
  readonly meter: ReadonlyMap<TypeId, readonly InformationObject[]>;
  /** Energy register IOA of each gun (index gun - 1). */
  readonly energyIoa: readonly number[];
  /** Wh per register count (the mapping's unit and scale). */
  readonly whPerCount: number;
}

const CANONICAL: Readonly<Record<string, number>> = { voltage: 400, current: 100, power: 40_000, soc: 50, temperature: 30 };

export function buildPlan(mapping: Iec104PointsMapping): Plan {
  const a = mapping.asdu ?? {};
  const params: AsduParameters = { cotSize: a.cotSize ?? 2, caSize: a.caSize ?? 2, ioaSize: a.ioaSize ?? 3 };
  const l = mapping.link ?? {};
  const link = Object.fromEntries(
    (['k', 'w', 't1', 't2', 't3'] as const).flatMap((n) => (l[n] === undefined ? [] : [[n, n.startsWith('t') ? (l[n] as number) * 1000 : l[n]]])),
  ) as Partial<LinkParameters>;
  const interrogated = new Map<TypeId, InformationObject[]>();
  const meter = new Map<TypeId, InformationObject[]>();
  const energyIoa: number[] = [];
  let whPerCount = 1;
  const add = (to: Map<TypeId, InformationObject[]>, p: Point, raw: RawValue): void => {
    const ti = pointTypeId(p, false);
    const list = to.get(ti) ?? [];
    list.push(monitorObject(ti, p.ioa, raw));
    to.set(ti, list);
  };
  for (const p of mapping.points) {
    if (p.signal === 'measurand') {
      if (p.measurand === 'energy') {
        energyIoa[p.connector - 1] = p.ioa;
        whPerCount = energyWhPerCount(p);
        continue;
      }
      const raw = measurandRaw(p, CANONICAL[p.measurand] ?? 0);
      add(interrogated, p, raw);
      if (p.connector > 0 && p.measurand !== 'temperature' && p.measurand !== 'soc') add(meter, p, raw);
    } else if (p.signal === 'sessionStartEnergy' || p.signal === 'sessionStartTime') {
      continue;
    } else if (p.signal === 'status') {
      const code = statusCode(p, { status: 'occupied', chargingState: 'charging', plugged: true }) ?? 0;
      add(interrogated, p, codeRaw(p.ti, code));
    } else {
      add(interrogated, p, binaryRaw(p.ti, p.signal !== 'fault'));
    }
  }
  if (energyIoa.length !== mapping.charger.connectors || energyIoa.includes(undefined as unknown as number)) {
    throw new Error(`mapping ${mapping.name}: the load simulator needs an energy register per connector`);
  }
  return { params, link, interrogated, meter, energyIoa, whPerCount };
}

function energyWhPerCount(p: MeasurandPoint): number {
  const unit = p.unit === 'kWh' ? 1000 : p.unit === 'MWh' ? 1_000_000 : 1;
  return (p.scale ?? 1) * unit;
}

/** Send times (see the file comment); replaced by a larger array when more chargers are recorded. */
const recorded = { sends: new Float64Array(0) };

class LeanCharger {
  private readonly link: ControlledLink;
  private socket: net.Socket | undefined;
  private step = -1;
  private meterTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly plan: Plan,
    private readonly ca: number,
    /** Slot in `sends`, or -1 when not recorded. */
    private readonly index: number,
  ) {
    this.link = new ControlledLink({
      params: plan.link,
      send: (bytes) => this.socket?.write(bytes),
      close: () => this.socket?.destroy(),
      onAsdu: (asdu) => this.onAsdu(asdu),
    });
  }

  connect(host: string, port: number, localAddress: string, meterMs: number, phaseMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ host, port, localAddress });
      this.socket = s;
      s.setNoDelay(true);
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        s.on('error', () => undefined);
        resolve();
      });
      s.on('data', (chunk) => this.link.receive(chunk));
      s.once('close', () => this.close());
      // Meter data from the first tick on; the tick skips itself while the link is not active.
      this.meterTimer = setTimeout(() => {
        this.tick();
        this.meterTimer = setInterval(() => this.tick(), meterMs);
      }, phaseMs);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.meterTimer);
    clearInterval(this.meterTimer);
    this.link.dispose();
    this.socket?.destroy();
  }

  private send(typeId: TypeId, cause: number, objects: readonly InformationObject[], template?: Asdu): void {
    const asdu: Asdu = { typeId, sq: false, cause, negative: false, test: false, originator: template?.originator ?? 0, commonAddress: this.ca, objects };
    this.link.sendAsdu(encodeAsdu(asdu, this.plan.params));
  }

  private counters(step: number, cause: number): void {
    const objects = this.plan.energyIoa.map((ioa, g) => monitorObject(TI.M_IT_NA_1, ioa, BASE_COUNT + 2 * step + g));
    this.send(TI.M_IT_NA_1, cause, objects);
  }

  private tick(): void {
    if (this.closed || this.link.state !== 'active') return;
    this.step += 1;
    for (const [ti, objects] of this.plan.meter) this.send(ti, COT.SPONTANEOUS, objects);
    if (this.index >= 0 && this.step < MAX_STEPS) {
      const at = sharedNow();
      const slot = (this.index * MAX_STEPS + this.step) * 2;
      for (let g = 0; g < this.plan.energyIoa.length && g < 2; g++) recorded.sends[slot + g] = at;
    }
    this.counters(this.step, COT.SPONTANEOUS);
  }

  /** Answers the gateway's activations: clock sync, interrogations; other commands are confirmed. */
  private onAsdu(bytes: Buffer): void {
    const decoded = decodeAsdu(bytes, this.plan.params);
    if (!decoded.ok) return;
    const asdu = decoded.value;
    const reply = (cause: number, objects = asdu.objects): void => {
      this.link.sendAsdu(encodeAsdu({ ...asdu, cause, negative: false, commonAddress: this.ca, objects }, this.plan.params));
    };
    if (asdu.cause !== COT.ACTIVATION) return;
    reply(COT.ACTIVATION_CON);
    if (asdu.typeId === TI.C_IC_NA_1) {
      for (const [ti, objects] of this.plan.interrogated) this.send(ti, COT.INTERROGATED_BY_STATION, objects, asdu);
      reply(COT.ACTIVATION_TERMINATION);
    } else if (asdu.typeId === TI.C_CI_NA_1) {
      // The last register values sent (below BASE_COUNT before the first step: never timed).
      this.counters(this.step, COT.REQUESTED_BY_GENERAL_COUNTER);
      reply(COT.ACTIVATION_TERMINATION);
    }
  }
}

const chargers = new Map<number, LeanCharger>();
let plan: Plan | undefined;

async function open(args: OpenArgs): Promise<OpenResult> {
  plan ??= buildPlan(loadMappingFile(findPackageFile(import.meta.url, BENCH_MAPPING)));
  const p = plan;
  if (args.recordFrom !== undefined) {
    const size = (args.firstCa - args.recordFrom + args.count) * MAX_STEPS * 2;
    if (recorded.sends.length < size) {
      const grown = new Float64Array(size);
      grown.set(recorded.sends);
      recorded.sends = grown;
    }
  }
  const t0 = performance.now();
  const batch = Math.max(1, Math.round(args.ratePerSec / 50));
  const dials: Promise<void>[] = [];
  let failed = 0;
  let firstError: string | undefined;
  for (let i = 0; i < args.count; i += batch) {
    for (let j = i; j < Math.min(args.count, i + batch); j++) {
      const ca = args.firstCa + j;
      const index = args.recordFrom === undefined ? -1 : ca - args.recordFrom;
      const c = new LeanCharger(p, ca, index);
      chargers.set(ca, c);
      // Meter phases spread evenly over the interval, so the load is steady rather than in bursts.
      const phase = Math.floor(((j * 7919) % args.count) * (args.meterMs / args.count));
      dials.push(
        c.connect(args.host, args.port, sourceAddress(ca), args.meterMs, phase).catch((e: unknown) => {
          failed += 1;
          firstError ??= e instanceof Error ? e.message : String(e);
          chargers.delete(ca);
          c.close();
        }),
      );
    }
    // Paced: `batch` connections every 20 ms.
    const due = t0 + ((i + batch) / args.ratePerSec) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  await Promise.all(dials);
  return { connected: args.count - failed, failed, ...(firstError !== undefined ? { firstError } : {}), ms: performance.now() - t0, whPerCount: p.whPerCount };
}

/**
 * A loopback source address per group of chargers, as a fleet dials from many hosts: the
 * gateway limits connections per source address, and each address has its own ephemeral ports.
 */
function sourceAddress(ca: number): string {
  const k = Math.floor(ca / CHARGERS_PER_ADDRESS);
  return `127.1.${Math.floor(k / 250)}.${(k % 250) + 1}`;
}

function close(args: { firstCa: number; count: number } | undefined): number {
  let n = 0;
  for (const [ca, c] of chargers) {
    if (args !== undefined && (ca < args.firstCa || ca >= args.firstCa + args.count)) continue;
    c.close();
    chargers.delete(ca);
    n += 1;
  }
  return n;
}

if (isForkedEntry(import.meta.url)) {
  serveParent({ open, close, sends: () => recorded.sends }, async () => void close(undefined));
}
