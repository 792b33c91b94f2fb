/** The IEC 104 charger simulator reporting changes spontaneously, set one by one or played from a script. */
import { describe, expect, it } from 'vitest';
import { COT, TI } from '../../../../src/iec104/constants.js';
import type { Asdu, Cp56Time } from '../../../../src/iec104/types.js';
import { playScript, standardSession, type ScriptStep } from '../../../../src/simulator/iec104-points/script.js';
import { AC, DC, dco, head, obj, values, simulatorHarness as harness } from '../../../support/charger-simulator.js';

describe('ChargerSimulator: spontaneous changes', () => {
  it('encodes measurands back through scale, offset and unit, by the point TI', () => {
    const h = harness(AC);
    h.start();
    h.sim.batch(() => {
      expect(h.sim.setMeasurand(1, 'temperature', 30.5)).toBe(true);
      h.sim.setMeasurand(1, 'voltage', 231.4, 'L1');
      h.sim.setMeasurand(1, 'energy', 123_456.7);
    });
    h.pump();
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false],
      [TI.M_IT_NA_1, COT.SPONTANEOUS, false],
    ]);
    // (30.5 + 40) / 0.1 and 231.4 / 0.1; the register counts whole Wh.
    expect(values(replies[0])).toEqual({ 0x4001: 2314, 0x4004: 705 });
    expect(values(replies[1])).toEqual({ 0x6401: 123_456 });
    expect(h.sim.setMeasurand(1, 'soc', 50)).toBe(false); // the AC example reports no SoC
  });

  it('rounds energy down in the mapping unit and reports only what changed', () => {
    const h = harness(DC);
    h.start();
    h.sim.setMeasurand(2, 'energy', 123_456);
    h.sim.setMeasurand(2, 'energy', 123_459); // still 12345 in 0.01 kWh
    h.pump();
    const replies = h.take();
    expect(replies).toHaveLength(1);
    expect(values(replies[0])).toEqual({ 0x6402: 12_345 });
  });

  it('sets and clears faults; an error-level fault shows as the faulted state code', () => {
    const h = harness(DC);
    h.start();
    h.sim.raiseFault('INSULATION', 1);
    h.pump();
    const raised = h.take();
    expect(raised.map((a) => [a.typeId, values(a)])).toEqual([
      [TI.M_SP_NA_1, { 0x0003: true }],
      [TI.M_ME_NB_1, { 0x4001: 6 }],
    ]);
    expect(h.sim.connector(1).status).toBe('faulted');
    h.sim.clearFault('INSULATION', 1);
    h.pump();
    expect(h.take().map((a) => [a.typeId, values(a)])).toEqual([
      [TI.M_SP_NA_1, { 0x0003: false }],
      [TI.M_ME_NB_1, { 0x4001: 0 }],
    ]);
    expect(() => h.sim.raiseFault('NOT_MAPPED')).toThrow(RangeError);
  });

  it('sends time-tagged variants with a CP56 in the charger local time when asked', () => {
    const h = harness(DC, { timeTagged: true });
    h.start();
    h.sim.batch(() => {
      h.sim.setPlugged(1, true);
      h.sim.raiseFault('FAN');
    });
    h.pump();
    const replies = h.take();
    expect(replies.map((a) => [a.typeId, a.cause, values(a)])).toEqual([
      [TI.M_SP_TB_1, COT.SPONTANEOUS, { 0x0022: true }],
      [TI.M_ME_TE_1, COT.SPONTANEOUS, { 0x4001: 1, 0x4005: 30 }], // EV connected, 30 % SoC
    ]);
    for (const a of replies) {
      const time = (a.objects[0] as { time: Cp56Time }).time;
      expect([time.hour, time.minute, time.day, time.month]).toEqual([10, 0, 1, 3]); // 02:00 UTC is 10:00 in Shanghai
    }
    // Interrogated data goes without time tags (IEC 60870-5-101 §7.4.4).
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 20 })] });
    expect(h.take().map((a) => a.typeId)).toEqual([TI.C_IC_NA_1, TI.M_SP_NA_1, TI.M_ME_NB_1, TI.M_ME_NC_1, TI.C_IC_NA_1]);
  });

  it('integrates energy while charging, on tick() and on its own meter interval', () => {
    const h = harness(DC, { meterIntervalMs: 10_000 });
    h.start();
    h.sim.setCharging(2, true);
    h.take();
    h.advance(60_000);
    // 60 kW for one minute = 1 kWh = 100 units of 0.01 kWh, reported as the register rises.
    expect(h.sim.connector(2).energyWh).toBeCloseTo(201_000, 6);
    const counters = h.take().filter((a) => a.typeId === TI.M_IT_NA_1);
    expect(counters.map((a) => values(a)[0x6402])).toEqual([20_016, 20_033, 20_050, 20_066, 20_083, 20_100]);
    h.sim.setCharging(2, false);
    h.advance(60_000);
    expect(h.take().filter((a) => a.typeId === TI.M_IT_NA_1)).toEqual([]);
    expect(h.sim.connector(2).energyWh).toBeCloseTo(201_000, 6);
  });
});

describe('simulator scripts', () => {
  /** The spontaneous single points of the AC example as `ioa=value` strings, in order. */
  const bits = (asdus: Asdu[]): string[] =>
    asdus.filter((a) => a.typeId === TI.M_SP_NA_1 && a.cause === COT.SPONTANEOUS).flatMap((a) => a.objects.map((o) => `${o.ioa}=${String('value' in o && o.value)}`));

  it('plays the standard session in order, waiting for the gateway start', async () => {
    const h = harness(AC);
    h.start();
    const steps: number[] = [];
    const player = playScript(h.sim, standardSession(1, { chargeSeconds: 20, intervalSeconds: 5, powerW: [7000, 6000] }), { onStep: (i) => steps.push(i) });
    h.pump();
    expect(steps).toEqual([0, 1]); // plugged, now waiting for the remote start
    h.advance(10_000);
    expect(steps).toEqual([0, 1]);
    expect(h.sim.connector(1).charging).toBe(false);
    // The gateway starts the session (select, then execute).
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    expect(steps).toEqual([0, 1, 2]);
    h.advance(20_000 + 2_000 + 2_000 + 2_000);
    const result = await player.done;
    expect(result).toEqual({ status: 'completed', steps: 8 });
    expect(steps).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const asdus = h.take();
    // plug -> charging -> stopped -> (a while later) the first error-level fault (residual current)
    // raised on the idle connector -> cleared -> unplugged.
    expect(bits(asdus)).toEqual(['1=true', '2=true', '2=false', '4=true', '4=false', '1=false']);
    // The execute's ACT_TERM comes before anything the script did next.
    const term = asdus.findIndex((a) => a.typeId === TI.C_DC_NA_1 && a.cause === COT.ACTIVATION_TERMINATION);
    const profileStart = asdus.findIndex((a) => a.typeId === TI.M_ME_NB_1 && values(a)[0x4003] === 7000);
    expect(term).toBeGreaterThan(0);
    expect(profileStart).toBeGreaterThan(term);
    // The start draws the charger's 7040 W, then power follows the profile and drops to 0 at the
    // stop; energy rises while charging.
    const power = asdus.flatMap((a) => (a.typeId === TI.M_ME_NB_1 && 0x4003 in values(a) ? [values(a)[0x4003]] : []));
    expect(power).toEqual([7040, 7000, 6000, 0]);
    const energy = asdus.flatMap((a) => (a.typeId === TI.M_IT_NA_1 ? [values(a)[0x6401] as number] : []));
    expect(energy.length).toBeGreaterThanOrEqual(4);
    expect(energy.every((e, i) => i === 0 || e > (energy[i - 1] as number))).toBe(true);
    expect((energy.at(-1) as number) - 100_000).toBe(Math.floor((7000 * 10 + 6000 * 10) / 3600));
  });

  it('falls back to a local start when no remote start comes, and fails a step on request', async () => {
    const h = harness(DC);
    h.start();
    const player = playScript(h.sim, [{ plug: 2 }, { waitForStart: 2, timeoutSeconds: 5 }, { charge: { connector: 2, seconds: 2, powerW: 50_000 } }, { stop: 2 }]);
    h.advance(4_000);
    expect(h.sim.connector(2).charging).toBe(false);
    h.advance(1_000);
    expect(h.sim.connector(2)).toMatchObject({ charging: true, powerW: 50_000 });
    h.advance(2_000);
    expect(await player.done).toEqual({ status: 'completed', steps: 4 });
    expect(h.sim.connector(2).charging).toBe(false);

    const failing: ScriptStep[] = [{ waitForStart: 1, timeoutSeconds: 1, onTimeout: 'fail' }, { plug: 1 }];
    const p2 = playScript(h.sim, failing);
    h.advance(1_000);
    const r = await p2.done;
    expect(r.status).toBe('failed');
    expect(r.error?.message).toMatch(/no remote start on connector 1/);
    expect(h.sim.connector(1).plugged).toBe(false);
  });

  it('cancels between steps and leaves the simulator as it was', async () => {
    const h = harness(AC);
    const player = playScript(h.sim, [{ plug: 1 }, { wait: 10_000 }, { unplug: 1 }]);
    h.advance(5_000);
    player.cancel();
    h.advance(10_000);
    expect(await player.done).toEqual({ status: 'cancelled', steps: 2 });
    expect(h.sim.connector(1).plugged).toBe(true);
  });
});
