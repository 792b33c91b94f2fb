/**
 * Model invariants of the IEC 104 point-table codec, checked on traffic from the charger simulator.
 * A real `ChargerSimulator` is wired to a real `Iec104PointsSession` in memory (bytes go through two
 * queues, pumped until empty after every action and after every timer, so neither link is ever
 * re-entered from inside its own send), on one fake clock. fast-check drives the simulator with
 * random sequences of actions (plug, local start/stop, faults, power, availability, time passing,
 * meter resets, and the gateway's own start/stop commands through the session) and every canonical
 * event the session emits is checked against the invariants of `src/model/events.ts`.
 */
import type { Clock } from '../../../../src/core/clock.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CodecError } from '../../../../codecs/codec.js';
import type { FaultPoint, Iec104PointsMapping } from '../../../../codecs/iec104-points/mapping.js';
import { Iec104PointsSession } from '../../../../codecs/iec104-points/session.js';
import { ChargerSimulator, type SimulatorEvent } from '../../../../src/simulator/iec104-points/simulator.js';
import { CHARGING_STATES, CONNECTOR_STATUSES, type ChargerEvent } from '../../../../src/model/events.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { loadExampleMapping, START } from '../../../support/iec104-points.js';
import { testSeed } from '../../../support/seed.js';

const RUNS_PER_MAPPING = 200;
const CA = 7;

// ---------------------------------------------------------------------------------------------
// Actions

type Action =
  | { readonly kind: 'plug'; readonly connector: number; readonly on: boolean }
  | { readonly kind: 'charge'; readonly connector: number; readonly on: boolean }
  | { readonly kind: 'available'; readonly connector: number; readonly on: boolean }
  | { readonly kind: 'fault'; readonly code: string; readonly connector: number; readonly on: boolean }
  /** Every raised fault is cleared at once (one spontaneous report), so sequences get back to charging. */
  | { readonly kind: 'clearFaults' }
  | { readonly kind: 'power'; readonly connector: number; readonly watts: number }
  | { readonly kind: 'advance'; readonly ms: number; readonly tick: boolean }
  | { readonly kind: 'command'; readonly command: 'startCharging' | 'stopCharging'; readonly connector: number }
  /** The energy register is set to `fraction` of its present value (always lower). */
  | { readonly kind: 'meterReset'; readonly connector: number; readonly fraction: number };

interface RunConfig {
  readonly timeTagged: boolean;
  readonly meterIntervalMs: number;
}

function actionArb(mapping: Iec104PointsMapping): fc.Arbitrary<Action> {
  const n = mapping.charger.connectors;
  const gun = fc.integer({ min: 1, max: n });
  const anyConnector = fc.integer({ min: 0, max: n });
  const faults = mapping.points.filter((p): p is FaultPoint => p.signal === 'fault');
  const maxPower = mapping.charger.maxPowerW ?? 60_000;
  const ms = fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: 5_000 }), weight: 3 },
    { arbitrary: fc.integer({ min: 5_001, max: 120_000 }), weight: 2 },
    // Long enough for the session's periodic counter (5 min) and general (10/15 min) interrogations.
    { arbitrary: fc.integer({ min: 120_001, max: 700_000 }), weight: 1 },
  );
  return fc.oneof(
    { arbitrary: fc.record({ kind: fc.constant('plug' as const), connector: gun, on: fc.boolean() }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('charge' as const), connector: gun, on: fc.boolean() }), weight: 4 },
    { arbitrary: fc.record({ kind: fc.constant('available' as const), connector: anyConnector, on: fc.boolean() }), weight: 2 },
    {
      arbitrary: fc
        .record({
          kind: fc.constant('fault' as const),
          point: fc.constantFrom(...faults),
          on: fc.boolean(),
        })
        .map(({ kind, point, on }) => ({ kind, code: point.fault.code, connector: point.connector, on })),
      weight: 3,
    },
    { arbitrary: fc.constant({ kind: 'clearFaults' as const }), weight: 1 },
    { arbitrary: fc.record({ kind: fc.constant('power' as const), connector: gun, watts: fc.integer({ min: 0, max: Math.round(maxPower * 1.2) }) }), weight: 2 },
    { arbitrary: fc.record({ kind: fc.constant('advance' as const), ms, tick: fc.boolean() }), weight: 5 },
    {
      arbitrary: fc.record({ kind: fc.constant('command' as const), command: fc.constantFrom('startCharging' as const, 'stopCharging' as const), connector: gun }),
      weight: 1,
    },
    {
      arbitrary: fc.record({ kind: fc.constant('meterReset' as const), connector: gun, fraction: fc.double({ min: 0, max: 0.99, noNaN: true }) }),
      weight: 1,
    },
  );
}

const configArb: fc.Arbitrary<RunConfig> = fc.record({
  timeTagged: fc.boolean(),
  meterIntervalMs: fc.constantFrom(0, 15_000, 60_000),
});

// ---------------------------------------------------------------------------------------------
// The wire: simulator <-> session through queues, on one fake clock

interface Run {
  readonly events: ChargerEvent[];
  readonly errors: CodecError[];
  readonly closed: string[];
  readonly simClosed: string[];
  readonly simProblems: SimulatorEvent[];
}

function run(mapping: Iec104PointsMapping, config: RunConfig, actions: readonly Action[]): Run {
  const fake = new FakeClock(START);
  const toSession: Buffer[] = [];
  const toSim: Buffer[] = [];
  const events: ChargerEvent[] = [];
  const errors: CodecError[] = [];
  const closed: string[] = [];
  const simClosed: string[] = [];
  const simProblems: SimulatorEvent[] = [];
  let pumping = false;
  // Assigned once both ends exist.
  let pump: () => void = () => undefined;
  // Every timer (t1/t2/t3, meter ticks, periodic interrogations, command time-outs) delivers what it
  // sent at the instant it fired: a zero-latency wire, never re-entrant (timers fire only in advance()).
  const clock: Clock = {
    now: () => fake.now(),
    setTimeout: (fn, ms) =>
      fake.setTimeout(() => {
        fn();
        pump();
      }, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle),
  };
  const sim = new ChargerSimulator({
    mapping,
    commonAddress: CA,
    clock,
    send: (bytes) => toSession.push(Buffer.from(bytes)),
    close: (reason) => simClosed.push(reason),
    timeTagged: config.timeTagged,
    meterIntervalMs: config.meterIntervalMs,
  });
  sim.on((e) => {
    if (e.type === 'decodeError' || e.type === 'error') simProblems.push(e);
  });
  const session = new Iec104PointsSession({
    options: { mapping },
    clock,
    connection: {},
    sink: {
      event: (e) => events.push(e),
      send: (bytes) => toSim.push(Buffer.from(bytes)),
      error: (e) => errors.push(e),
      close: (reason) => closed.push(reason),
      log: () => undefined,
    },
  });
  pump = () => {
    if (pumping) return;
    pumping = true;
    try {
      while (toSession.length > 0 || toSim.length > 0) {
        const a = toSession.shift();
        if (a !== undefined) session.receive(a);
        const b = toSim.shift();
        if (b !== undefined) sim.receive(b);
      }
    } finally {
      pumping = false;
    }
  };

  session.start();
  pump();
  const faults = mapping.points.filter((p): p is FaultPoint => p.signal === 'fault');
  let commandNo = 0;
  for (const action of actions) {
    switch (action.kind) {
      case 'plug':
        sim.setPlugged(action.connector, action.on);
        break;
      case 'charge':
        sim.setCharging(action.connector, action.on);
        break;
      case 'available':
        sim.setAvailable(action.connector, action.on);
        break;
      case 'fault':
        if (action.on) sim.raiseFault(action.code, action.connector);
        else sim.clearFault(action.code, action.connector);
        break;
      case 'clearFaults':
        sim.batch(() => {
          for (const p of faults) sim.clearFault(p.fault.code, p.connector);
        });
        break;
      case 'power':
        sim.setPower(action.connector, action.watts);
        break;
      case 'advance':
        fake.advance(action.ms);
        if (action.tick) sim.tick();
        break;
      case 'command':
        session.command({ type: action.command, id: `cmd-${++commandNo}`, connector: action.connector });
        break;
      case 'meterReset': {
        const now = sim.connector(action.connector).energyWh;
        sim.setMeasurand(action.connector, 'energy', Math.floor(now * action.fraction));
        break;
      }
    }
    pump();
  }
  // Let commands in flight be confirmed or time out.
  fake.advance(20_000);
  pump();
  session.stop('end of run');
  sim.dispose();
  return { events, errors, closed, simClosed, simProblems };
}

// ---------------------------------------------------------------------------------------------
// Invariants

const IN_SESSION = new Set<string>(['charging', 'suspendedEV', 'suspendedEVSE']);
const STATUSES = new Set<string>(CONNECTOR_STATUSES);
const STATES = new Set<string>(CHARGING_STATES);
/** Event types that must carry an `at`. */
const TIMED = new Set<ChargerEvent['type']>(['connectorStatus', 'measurements', 'sessionStarted', 'sessionEnded', 'fault', 'clockReport']);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function validIso(s: unknown): boolean {
  return typeof s === 'string' && ISO.test(s) && !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s;
}

interface OpenSession {
  readonly id: string;
  readonly meterStartWh: number | undefined;
  /** Last energy value seen inside the session (meterStartWh to begin with). */
  lastEnergyWh: number | undefined;
  resetSeen: boolean;
}

/** Every violated invariant, as readable lines (empty when the trace is sound). */
function violations(mapping: Iec104PointsMapping, r: Run): string[] {
  const out: string[] = [];
  const n = mapping.charger.connectors;
  const open = new Map<number, OpenSession>();
  const faultActive = new Map<string, boolean>();
  const seenIds = new Set<string>();

  // 6. a clean link on both ends, for simulator-produced traffic.
  for (const e of r.errors) out.push(`6: codec error ${e.code}: ${e.message}`);
  for (const c of r.closed) out.push(`6: session asked to close: ${c}`);
  for (const c of r.simClosed) out.push(`6: simulator link asked to close: ${c}`);
  for (const e of r.simProblems) out.push(`6: simulator ${e.type}: ${JSON.stringify(e)}`);

  r.events.forEach((e, i) => {
    const where = `#${i} ${e.type}`;
    // 7. timestamps are valid UTC ISO strings.
    if (TIMED.has(e.type) || 'at' in e) {
      const at = (e as { at?: unknown }).at;
      if (!validIso(at)) out.push(`7: ${where} at ${String(at)}`);
    }
    if (e.type === 'clockReport' && !validIso(e.chargerTime)) out.push(`7: ${where} chargerTime ${e.chargerTime}`);
    if (e.type === 'transactionRecord' && (!validIso(e.startedAt) || !validIso(e.endedAt))) out.push(`7: ${where} ${e.startedAt}..${e.endedAt}`);

    switch (e.type) {
      case 'connectorStatus': {
        // 3. statuses from the canonical lists; charging is never available.
        if (e.connector < 1 || e.connector > n) out.push(`3: ${where} connector ${e.connector}`);
        if (!STATUSES.has(e.status)) out.push(`3: ${where} status ${e.status}`);
        if (!STATES.has(e.chargingState)) out.push(`3: ${where} chargingState ${e.chargingState}`);
        if (IN_SESSION.has(e.chargingState) && e.status === 'available') out.push(`3: ${where} connector ${e.connector} ${e.chargingState} but available`);
        if (typeof e.plugged !== 'boolean') out.push(`3: ${where} plugged ${String(e.plugged)}`);
        break;
      }
      case 'measurements': {
        // 1. inside a session, energy never goes down unless flagged as a meter reset.
        const s = open.get(e.connector);
        for (const v of e.values) {
          if (v.measurand !== 'energy') continue;
          if (!Number.isFinite(v.value)) out.push(`1: ${where} connector ${e.connector} energy ${v.value}`);
          if (s === undefined) continue;
          if (v.meterReset === true) s.resetSeen = true;
          else if (s.lastEnergyWh !== undefined && v.value < s.lastEnergyWh) {
            out.push(`1: ${where} connector ${e.connector} session ${s.id}: energy ${s.lastEnergyWh} -> ${v.value} without meterReset`);
          }
          s.lastEnergyWh = v.value;
        }
        break;
      }
      case 'sessionStarted': {
        // 2. at most one session open per connector; ids identify one session.
        if (e.connector < 1 || e.connector > n) out.push(`2: ${where} connector ${e.connector}`);
        const s = open.get(e.connector);
        if (s !== undefined) out.push(`2: ${where} ${e.legacyTransactionId} on connector ${e.connector} while ${s.id} is open`);
        if (seenIds.has(e.legacyTransactionId)) out.push(`2: ${where} ${e.legacyTransactionId} reused`);
        seenIds.add(e.legacyTransactionId);
        open.set(e.connector, { id: e.legacyTransactionId, meterStartWh: e.meterStartWh, lastEnergyWh: e.meterStartWh, resetSeen: false });
        break;
      }
      case 'sessionEnded': {
        // 2. an end follows the start of the same session on the same connector.
        const s = open.get(e.connector);
        if (s === undefined) {
          out.push(`2: ${where} ${e.legacyTransactionId} on connector ${e.connector} without an open session`);
          break;
        }
        if (s.id !== e.legacyTransactionId) out.push(`2: ${where} ${e.legacyTransactionId} on connector ${e.connector} but ${s.id} is open`);
        // 5. meterStop >= meterStart unless the meter was reset inside the session.
        if (s.meterStartWh !== undefined && e.meterStopWh !== undefined && e.meterStopWh < s.meterStartWh && !s.resetSeen) {
          out.push(`5: ${where} ${s.id}: meterStopWh ${e.meterStopWh} < meterStartWh ${s.meterStartWh} without a meter reset`);
        }
        open.delete(e.connector);
        break;
      }
      case 'fault': {
        // 4. raise and clear alternate per (connector, code), starting with a raise.
        const key = `${e.connector}/${e.code}`;
        const was = faultActive.get(key) ?? false;
        if (was === e.active) out.push(`4: ${where} ${key} ${e.active ? 'raised' : 'cleared'} twice in a row`);
        faultActive.set(key, e.active);
        break;
      }
      default:
        break;
    }
  });
  return out;
}

// ---------------------------------------------------------------------------------------------

const MAPPINGS = ['example-dc-2gun', 'example-ac-1gun'] as const;

/** How much of what the invariants are about the generated runs reached, so they are not vacuously true. */
interface Coverage {
  runs: number;
  sessionsEnded: number;
  /** Meter resets reported while a session was open. */
  resetsInSession: number;
  faults: number;
  commandResults: number;
  energyReadings: number;
}

function cover(c: Coverage, r: Run): void {
  c.runs += 1;
  const open = new Set<number>();
  for (const e of r.events) {
    if (e.type === 'sessionStarted') open.add(e.connector);
    else if (e.type === 'sessionEnded') {
      open.delete(e.connector);
      c.sessionsEnded += 1;
    } else if (e.type === 'fault') c.faults += 1;
    else if (e.type === 'commandResult') c.commandResults += 1;
    else if (e.type === 'measurements') {
      for (const v of e.values) {
        if (v.measurand !== 'energy') continue;
        c.energyReadings += 1;
        if (v.meterReset === true && open.has(e.connector)) c.resetsInSession += 1;
      }
    }
  }
}

/** One seed for every property of this file, printed so that a failure can be replayed (support/seed.ts). */
const SEED = testSeed('iec104-points invariants');

describe('iec104-points codec invariants on simulator traffic (property)', () => {
  for (const name of MAPPINGS) {
    const mapping = loadExampleMapping(name);
    it(`${name}: sessions, energy, statuses, faults, link health and timestamps hold for random action sequences`, () => {
      const coverage: Coverage = { runs: 0, sessionsEnded: 0, resetsInSession: 0, faults: 0, commandResults: 0, energyReadings: 0 };
      fc.assert(
        // size 'max': lengths spread over 1..60 (the default size keeps arrays to about ten actions).
        fc.property(configArb, fc.array(actionArb(mapping), { minLength: 1, maxLength: 60, size: 'max' }), (config, actions) => {
          const r = run(mapping, config, actions);
          expect(violations(mapping, r)).toEqual([]);
          cover(coverage, r);
        }),
        { numRuns: RUNS_PER_MAPPING, seed: SEED },
      );
      expect(coverage.runs).toBe(RUNS_PER_MAPPING);
      // Typically ~1.2 (DC) and ~1.7 (AC) sessions per run, a dozen resets inside sessions, hundreds of the rest.
      expect(coverage.sessionsEnded).toBeGreaterThan(RUNS_PER_MAPPING / 4);
      expect(coverage.resetsInSession).toBeGreaterThan(0);
      expect(coverage.faults).toBeGreaterThan(RUNS_PER_MAPPING / 4);
      expect(coverage.commandResults).toBeGreaterThan(RUNS_PER_MAPPING / 4);
      expect(coverage.energyReadings).toBeGreaterThan(RUNS_PER_MAPPING);
    });
  }

  it('the checker flags each broken invariant and passes a sound trace with a flagged meter reset', () => {
    const mapping = loadExampleMapping('example-ac-1gun');
    const at = new Date(START).toISOString();
    const bad: ChargerEvent[] = [
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'a', meterStartWh: 100, at },
      { type: 'measurements', connector: 1, at, values: [{ measurand: 'energy', value: 90 }] }, // 1
      { type: 'sessionEnded', connector: 1, legacyTransactionId: 'a', meterStopWh: 50, at, reason: 'local' }, // 5
      { type: 'sessionEnded', connector: 1, legacyTransactionId: 'a', at, reason: 'local' }, // 2: nothing open
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'b', at },
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'c', at }, // 2: overlap
      { type: 'connectorStatus', connector: 1, status: 'available', plugged: true, chargingState: 'charging', at: 'yesterday' }, // 3, 7
      { type: 'fault', connector: 1, code: 'X', severity: 'error', active: true, at },
      { type: 'fault', connector: 1, code: 'X', severity: 'error', active: true, at }, // 4
    ];
    const found = violations(mapping, { events: bad, errors: [{ code: 'E', message: 'm' }], closed: ['t1'], simClosed: [], simProblems: [] });
    expect(found.map((v) => v.slice(0, 1)).sort()).toEqual(['1', '2', '2', '3', '4', '5', '6', '6', '7']);

    const sound: ChargerEvent[] = [
      { type: 'connectorStatus', connector: 1, status: 'occupied', plugged: true, chargingState: 'charging', at },
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'a', meterStartWh: 100, at },
      { type: 'measurements', connector: 1, at, values: [{ measurand: 'energy', value: 150 }] },
      { type: 'measurements', connector: 1, at, values: [{ measurand: 'energy', value: 10, meterReset: true }] },
      { type: 'measurements', connector: 1, at, values: [{ measurand: 'energy', value: 20 }] },
      { type: 'fault', connector: 1, code: 'X', severity: 'error', active: true, at },
      { type: 'fault', connector: 1, code: 'X', severity: 'error', active: false, at },
      { type: 'sessionEnded', connector: 1, legacyTransactionId: 'a', meterStopWh: 20, at, reason: 'local' },
      { type: 'sessionStarted', connector: 1, legacyTransactionId: 'b', meterStartWh: 20, at },
    ];
    expect(violations(mapping, { events: sound, errors: [], closed: [], simClosed: [], simProblems: [] })).toEqual([]);
  });
});
