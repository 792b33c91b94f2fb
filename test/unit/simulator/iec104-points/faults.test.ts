/**
 * Faults in the IEC 104 charger simulator behave as on a real charger: a fault that stops delivery
 * (error or critical, on the connector or on the charger as a whole) ends the charging session, and
 * clearing it does not start charging again: that takes a new start. Played through the codec
 * session, the standard demo session is one session, not one plus a near-zero-length second.
 */
import type { Clock } from '../../../../src/core/clock.js';
import { describe, expect, it } from 'vitest';
import { Iec104PointsSession } from '../../../../codecs/iec104-points/session.js';
import { ChargerSimulator } from '../../../../src/simulator/iec104-points/simulator.js';
import { playScript, standardSession } from '../../../../src/simulator/iec104-points/script.js';
import type { ChargerEvent } from '../../../../src/model/events.js';
import { DC, simulatorHarness as harness } from '../../../support/charger-simulator.js';
import { FakeClock } from '../../../support/fake-clock.js';
import { START } from '../../../support/iec104-points.js';

describe('ChargerSimulator: faults end the charging session', () => {
  it('an emergency stop ends charging; clearing it leaves the EV connected, not charging', () => {
    const h = harness(DC);
    h.start();
    h.sim.setCharging(1, true);
    h.sim.raiseFault('EMERGENCY_STOP', 1);
    expect(h.sim.connector(1)).toMatchObject({ charging: false, status: 'faulted', powerW: 0 });
    h.sim.clearFault('EMERGENCY_STOP', 1);
    expect(h.sim.connector(1)).toMatchObject({ charging: false, plugged: true, status: 'occupied', chargingState: 'evConnected' });
    // A new start charges again.
    h.sim.setCharging(1, true);
    expect(h.sim.connector(1)).toMatchObject({ charging: true, chargingState: 'charging' });
  });

  it('an error on the charger as a whole ends every session; a warning ends none', () => {
    const h = harness(DC);
    h.start();
    h.sim.setCharging(1, true);
    h.sim.setCharging(2, true);
    h.sim.raiseFault('BMS_COMMS', 1);
    h.sim.raiseFault('FAN');
    expect([h.sim.connector(1).charging, h.sim.connector(2).charging]).toEqual([true, true]);
    h.sim.raiseFault('AC_INPUT');
    h.sim.clearFault('AC_INPUT');
    expect([h.sim.connector(1).charging, h.sim.connector(2).charging]).toEqual([false, false]);
  });

  it('the standard session played through the codec session is one session, ended by its stop before the fault', async () => {
    const { sim, events, advance } = simulatorAndSession();
    const player = playScript(sim, standardSession(1, { startTimeoutSeconds: 2, chargeSeconds: 20, intervalSeconds: 2 }));
    advance(40_000);
    expect(await player.done).toMatchObject({ status: 'completed' });
    const sessions = events.filter((e) => e.type === 'sessionStarted' || e.type === 'sessionEnded');
    expect(sessions.map((e) => e.type)).toEqual(['sessionStarted', 'sessionEnded']);
    const faults = events.filter((e): e is Extract<ChargerEvent, { type: 'fault' }> => e.type === 'fault');
    expect(faults.map((e) => e.active)).toEqual([true, false]);
    expect(Date.parse(faults[0]?.at ?? '')).toBeGreaterThan(Date.parse(sessions[1]?.at ?? ''));
  });
});

/**
 * A simulator wired to the codec session through two queues on one fake clock (bytes delivered
 * after every action and every timer, never re-entering a link from inside its own send).
 */
function simulatorAndSession(): { sim: ChargerSimulator; events: ChargerEvent[]; advance(ms: number): void } {
  const fake = new FakeClock(START);
  const toSession: Buffer[] = [];
  const toSim: Buffer[] = [];
  const events: ChargerEvent[] = [];
  let pumping = false;
  // `session` and `sim` are declared below: the pump runs only once both exist.
  const pump = (): void => {
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
  const clock: Clock = {
    now: () => fake.now(),
    setTimeout: (fn, ms) =>
      fake.setTimeout(() => {
        fn();
        pump();
      }, ms),
    clearTimeout: (handle) => fake.clearTimeout(handle),
  };
  const sim = new ChargerSimulator({ mapping: DC, commonAddress: 7, clock, send: (b) => toSession.push(Buffer.from(b)), close: () => undefined, meterIntervalMs: 1_000 });
  const session = new Iec104PointsSession({
    options: { mapping: DC },
    clock,
    connection: {},
    sink: { event: (e) => events.push(e), send: (b) => toSim.push(Buffer.from(b)), error: () => undefined, close: () => undefined, log: () => undefined },
  });
  session.start();
  pump();
  const advance = (ms: number): void => {
    for (let left = ms; left > 0; left -= 100) {
      fake.advance(Math.min(100, left));
      pump();
    }
  };
  return { sim, events, advance };
}
