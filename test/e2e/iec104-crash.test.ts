/**
 * `kill -9` of `pilegate serve` (Redis store) while an IEC 104 point-table charger charges, then a
 * restart, at seeded random points: a session still charging across the crash, one that ended while
 * the gateway was down, one that started while it was down, and (on the gun whose point table
 * reports its session's start figures) one that ended and another that started while it was down.
 * Per charger session the CSMS (ocpp-rpc, strict) receives exactly one transaction: one Started
 * with a Transaction.Begin reading, one Ended whose Transaction.End reading is the charger's final
 * register, seqNo continuous from 0.
 *
 * Replay a run with `PILEGATE_SEED=<seed> npx vitest run test/e2e/iec104-crash.test.ts`.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseMapping } from '../../codecs/iec104-points/load-mapping.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startRedisServer, type TestRedisServer } from '../support/redis-server.js';
import { seededRandom, testSeed } from '../support/seed.js';
import { until } from '../support/station.js';
import { cleanupServe, distinctBySeqNo, expectCleanOcpp, freePort, startServe, TcpSwitch, txEvents, type ServeProcess, type TxParams } from './fleet-support.js';

const SEED = testSeed('iec104 crash test');

const STATION = 'EXDC42';
/** The registers of guns 1 and 2 (M_IT_NA_1, 0.01 kWh). */
const REGISTER = { 1: 0x6401, 2: 0x6402 } as const;
/** Gun 1 reports its running session's start figures; gun 2 does not. */
const START_POINTS = [
  { ti: 'M_IT_NA_1', ioa: 0x6411, connector: 1, signal: 'sessionStartEnergy', unit: 'kWh', scale: 0.01, label: 'gun 1 register at session start' },
  { ti: 'M_IT_NA_1', ioa: 0x6421, connector: 1, signal: 'sessionStartTime', label: 'gun 1 session start (Unix time, s)' },
];

type Gun = 1 | 2;
/** still charging across the crash; ended while down; started while down; ended and another started while down. */
type Case = 'still' | 'ended' | 'started' | 'endedStarted';

/** One charging session as the charger had it. */
interface ChargerSession {
  readonly gun: Gun;
  readonly startWh: number;
  readonly startAt: number;
  /** How it began: live, or while the gateway was down. */
  readonly startedWhileDown: boolean;
  endWh?: number;
}

let redis: TestRedisServer | undefined;
let csms: TestCsms | undefined;
let sim: SimulatorHandle | undefined;
let lb: TcpSwitch | undefined;
let dir: string | undefined;

afterEach(async () => {
  await sim?.close();
  await lb?.close();
  await cleanupServe();
  await csms?.close();
  await redis?.dispose();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  sim = lb = csms = redis = dir = undefined;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function shuffle<T>(list: T[], rnd: () => number): T[] {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [list[i], list[j]] = [list[j] as T, list[i] as T];
  }
  return list;
}

type Sampled = { value: number; context?: string };
type Tx = TxParams & { timestamp: string; evse?: { id: number }; meterValue?: { timestamp: string; sampledValue: Sampled[] }[]; customData?: Record<string, unknown> };

const reading = (e: Tx | undefined, context: string): number | undefined => e?.meterValue?.flatMap((m) => m.sampledValue).find((s) => s.context === context)?.value;

describe('IEC 104: kill -9 of the gateway', () => {
  it('each charger session is one transaction at the CSMS, with the charger’s own figures, across crashes and restarts', async () => {
    const rnd = seededRandom(SEED);
    const between = (lo: number, hi: number): number => Math.round(lo + rnd() * (hi - lo));
    dir = mkdtempSync(join(tmpdir(), 'pilegate-iec104-crash-'));
    const example = parse(readFileSync(fileURLToPath(new URL('../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url)), 'utf8')) as { points: unknown[] };
    const mappingFile = join(dir, 'crash-dc-2gun.json');
    writeFileSync(mappingFile, JSON.stringify({ ...example, name: 'crash-dc-2gun', points: [...example.points, ...START_POINTS] }));
    const mapping = parseMapping(readFileSync(mappingFile, 'utf8'), mappingFile);

    redis = await startRedisServer();
    csms = await startCsms({ passwords: { [STATION]: 'fleet-secret-0123456789' } });
    // The charger dials the gateway through a switch: a restarted gateway is a fresh process started
    // beforehand (starting one takes seconds), which the charger reaches only once the old one is
    // killed and the charger's changes while nobody listened are made. Until then it finds nobody.
    lb = await TcpSwitch.start();
    const nobody = await freePort();
    // One instance id: the restarted gateway takes its own lease back at once.
    const serve = (): Promise<ServeProcess> => {
      const started = startServe({
        csmsUrl: (csms as TestCsms).url,
        redisUrl: (redis as TestRedisServer).url,
        instanceId: 'gw-a',
        leaseTtlMs: 5000,
        listener: { codec: 'iec104-points', mapping: mappingFile },
      });
      // Awaited when it takes over; one still starting at the end of the test is killed then.
      started.catch(() => undefined);
      return started;
    };
    let gateway = await serve();
    let spare = serve();
    lb.target = gateway.port;
    sim = await connectSimulator({ host: '127.0.0.1', port: lb.port, mapping, commonAddress: 42, meterIntervalMs: 250, reconnectDelayMs: 100 });
    const charger = sim.simulator;
    await csms.waitForCall((c) => c.identity === STATION && c.action === 'StatusNotification', 20_000);

    const sessions: ChargerSession[] = [];
    const running = new Map<Gun, ChargerSession>();
    const registerWh = (gun: Gun): number => Number(charger.pointValue(REGISTER[gun])) * 10;
    const all = (): Tx[] => txEvents(csms as TestCsms, STATION) as Tx[];
    const startedOn = (gun: Gun): number =>
      new Set(
        all()
          .filter((e) => e.eventType === 'Started' && e.evse?.id === gun)
          .map((e) => e.transactionInfo.transactionId),
      ).size;
    const endedCount = (): number =>
      new Set(
        all()
          .filter((e) => e.eventType === 'Ended')
          .map((e) => e.transactionInfo.transactionId),
      ).size;
    const expectedOn = (gun: Gun): number => sessions.filter((s) => s.gun === gun).length;

    const start = (gun: Gun, whileDown: boolean): void => {
      charger.setCharging(gun, true);
      const s: ChargerSession = { gun, startWh: registerWh(gun), startAt: charger.chargerNow(), startedWhileDown: whileDown };
      sessions.push(s);
      running.set(gun, s);
    };
    const stop = (gun: Gun): void => {
      charger.setCharging(gun, false);
      const s = running.get(gun);
      if (s !== undefined) s.endWh = registerWh(gun);
      running.delete(gun);
    };
    const settled = (what: string): Promise<void> =>
      until(() => startedOn(1) >= expectedOn(1) && startedOn(2) >= expectedOn(2) && endedCount() >= sessions.filter((s) => s.endWh !== undefined).length, what, 20_000);
    const crash = async (): Promise<void> => {
      (lb as TcpSwitch).target = nobody;
      await gateway.kill9();
    };
    const restart = async (): Promise<void> => {
      await until(() => sim?.connected === false, 'the charger to see the crash', 5_000);
      gateway = await spare;
      spare = serve();
      (lb as TcpSwitch).target = gateway.port;
      await until(() => sim?.connected === true, 'the charger to dial the restarted gateway', 10_000);
      await until(() => gateway.logs().some((l) => l['msg'] === 'station engine started'), 'the engine after the restart', 20_000);
    };

    // Each gun meets every case once (gun 2 reports no start figures: a session that ended and
    // another that started during one absence cannot be told from one session on it).
    const plan: Record<Gun, Case[]> = { 1: shuffle<Case>(['still', 'ended', 'started', 'endedStarted'], rnd), 2: shuffle<Case>(['still', 'ended', 'started', 'still'], rnd) };
    console.log(`iec104 crash test plan: gun 1 ${plan[1].join(', ')}; gun 2 ${plan[2].join(', ')}`);
    for (let round = 0; round < 4; round++) {
      const cases = new Map<Gun, Case>([1, 2].map((g) => [g as Gun, plan[g as Gun][round] as Case]));
      // Before the crash: a session runs where the case needs one, none where it must start later.
      for (const [gun, c] of cases) {
        if (c === 'started' && running.has(gun)) stop(gun);
        if (c !== 'started' && !running.has(gun)) start(gun, false);
      }
      await settled(`round ${round}: the CSMS to hear of the sessions before the crash`);
      await sleep(between(900, 1800));
      await crash();
      await sleep(between(0, 500));
      for (const [gun, c] of cases) {
        if (c === 'ended' || c === 'endedStarted') stop(gun);
        if (c === 'started') start(gun, true);
      }
      if (cases.get(1) === 'endedStarted') {
        await sleep(between(1100, 1500));
        start(1, true);
      }
      await restart();
      // Sometimes the restarted gateway dies again at once, in the middle of its reconciliation.
      if (rnd() < 0.5) {
        await sleep(between(0, 400));
        await crash();
        await restart();
      }
      await settled(`round ${round}: the CSMS to hear of what happened while the gateway was down`);
    }
    for (const gun of [...running.keys()]) stop(gun);
    await settled('every session ended at the CSMS');

    // Per transaction: its events as distinct messages (a resend after a crash counts once).
    const byTx = new Map<string, Tx[]>();
    for (const e of all()) byTx.set(e.transactionInfo.transactionId, [...(byTx.get(e.transactionInfo.transactionId) ?? []), e]);
    const transactions = [...byTx.values()].map((events) => distinctBySeqNo(events) as Tx[]);
    expect(transactions).toHaveLength(sessions.length);
    for (const events of transactions) {
      expect(events.map((e) => e.seqNo)).toEqual(events.map((_, i) => i));
      expect(events.filter((e) => e.eventType === 'Started')).toHaveLength(1);
      expect(events.filter((e) => e.eventType === 'Ended')).toHaveLength(1);
      expect(events[0]?.eventType).toBe('Started');
      expect(events.at(-1)?.eventType).toBe('Ended');
    }
    // Charger sessions and transactions, gun by gun, in order.
    for (const gun of [1, 2] as const) {
      const txs = transactions.filter((t) => t[0]?.evse?.id === gun).sort((a, b) => Date.parse(a[0]?.timestamp ?? '') - Date.parse(b[0]?.timestamp ?? ''));
      const mine = sessions.filter((s) => s.gun === gun);
      expect(txs).toHaveLength(mine.length);
      mine.forEach((s, i) => {
        const events = txs[i] ?? [];
        const what = `gun ${gun} session ${i} (${JSON.stringify(s)})`;
        const begin = reading(events[0], 'Transaction.Begin');
        expect(begin, what).toBeDefined();
        expect(reading(events.at(-1), 'Transaction.End'), what).toBe(s.endWh);
        if (gun === 1 || !s.startedWhileDown) expect(begin, what).toBe(s.startWh);
        else {
          // No start figures on gun 2: the first reading after the restart, never more than was charged.
          expect(begin, what).toBeGreaterThanOrEqual(s.startWh);
          expect(begin, what).toBeLessThanOrEqual(s.endWh ?? Number.NaN);
        }
        if (gun === 1 && s.startedWhileDown) {
          // The charger's own start time (whole seconds).
          expect(Math.abs(Date.parse(events[0]?.timestamp ?? '') - s.startAt), what).toBeLessThan(1_000);
        }
      });
    }
    expectCleanOcpp(csms);
  }, 120_000);
});
