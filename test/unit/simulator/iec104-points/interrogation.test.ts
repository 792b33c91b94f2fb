/** The IEC 104 charger simulator on its link, answering general and counter interrogation and clock sync. */
import { describe, expect, it } from 'vitest';
import { COT, TI } from '../../../../src/iec104/constants.js';
import { cp56FromDate, cp56ToDate } from '../../../../src/iec104/cp56.js';
import type { Cp56Time } from '../../../../src/iec104/types.js';
import type { Point } from '../../../../codecs/iec104-points/mapping.js';
import { AC, CA, DC, START, head, obj, values, simulatorHarness as harness } from '../../../support/charger-simulator.js';

describe('ChargerSimulator: link', () => {
  it('sends nothing before STARTDT, queues its changes, and sends them after the con', () => {
    const h = harness(AC);
    h.sim.setPlugged(1, true);
    h.pump();
    expect(h.received).toEqual([]);
    expect(h.sim.linkState).toBe('idle');
    h.start();
    expect(h.sim.linkState).toBe('active');
    expect(h.gw.state).toBe('active');
    const [spont] = h.take();
    expect(head(spont)).toEqual([TI.M_SP_NA_1, COT.SPONTANEOUS, false]);
    expect(spont?.objects).toEqual([{ ioa: 0x0001, value: true, quality: 0 }]);
    expect(spont?.commonAddress).toBe(CA);
    expect(h.events.filter((e) => e.type === 'link')).toEqual([{ type: 'link', from: 'idle', to: 'active' }]);
  });
});

describe('ChargerSimulator: general interrogation', () => {
  it('answers ACT_CON, every monitor point but the counters with COT 20 grouped by TI, ACT_TERM', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 20 })], commonAddress: 0xffff });
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_IC_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_SP_NA_1, COT.INTERROGATED_BY_STATION, false],
      [TI.M_ME_NB_1, COT.INTERROGATED_BY_STATION, false],
      [TI.M_ME_NC_1, COT.INTERROGATED_BY_STATION, false],
      [TI.C_IC_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    // Replies to a broadcast carry the charger's own common address.
    expect(replies.every((a) => a.commonAddress === CA)).toBe(true);
    const [, sp, nb, nc] = replies;
    expect(values(sp)).toEqual({
      0x01: false,
      0x02: false,
      0x03: false,
      0x04: false,
      0x11: false,
      0x12: false,
      0x13: false,
      0x14: false,
      0x21: false,
      0x22: false,
      0x23: true, // charger in service
    });
    // State code 0 = available; SoC 0 unplugged; 25.0 °C and a 30.0 °C cabinet at 0.1 °C per unit.
    expect(values(nb)).toEqual({ 0x4001: 0, 0x4005: 0, 0x4006: 250, 0x4011: 0, 0x4015: 0, 0x4016: 250, 0x4021: 300 });
    expect(values(nc)).toEqual({ 0x4002: 0, 0x4003: 0, 0x4004: 0, 0x4012: 0, 0x4013: 0, 0x4014: 0 });
    expect(h.events).toContainEqual({ type: 'interrogation', qoi: 20 });
  });

  it('packs many points into as few ASDUs as fit in 249 octets', () => {
    const points: Point[] = [
      ...Array.from({ length: 70 }, (_, i): Point => ({ ti: 'M_SP_NA_1', ioa: 1 + i, connector: 1, signal: 'fault', fault: { code: `F${i}`, severity: 'warning' } })),
      ...Array.from({ length: 40 }, (_, i): Point => ({ ti: 'M_ME_NC_1', ioa: 0x4001 + i, connector: 1, signal: 'measurand', measurand: 'temperature', unit: 'Celsius' })),
    ];
    const h = harness({ ...AC, points, commands: [] });
    h.start();
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 20 })] });
    const sizes = h.received.map((r) => r.bytes.length);
    const replies = h.take();
    // SIQ objects take 4 octets, so 60 fit after the 6-octet header; floats take 8: 30 per ASDU.
    expect(replies.map((a) => [a.typeId, a.objects.length])).toEqual([
      [TI.C_IC_NA_1, 1],
      [TI.M_SP_NA_1, 60],
      [TI.M_SP_NA_1, 10],
      [TI.M_ME_NC_1, 30],
      [TI.M_ME_NC_1, 10],
      [TI.C_IC_NA_1, 1],
    ]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(249);
    expect(sizes[1]).toBe(6 + 60 * 4);
    expect(replies.slice(1, 3).flatMap((a) => a.objects.map((o) => o.ioa))).toEqual(points.slice(0, 70).map((p) => p.ioa));
  });

  it('confirms and terminates a group interrogation without data, and refuses an unknown QOI', () => {
    const h = harness(AC);
    h.start();
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 21 })] });
    expect(h.take().map(head)).toEqual([
      [TI.C_IC_NA_1, COT.ACTIVATION_CON, false],
      [TI.C_IC_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    h.send({ typeId: TI.C_IC_NA_1, objects: [obj({ ioa: 0, qoi: 99 })] });
    expect(h.take().map(head)).toEqual([[TI.C_IC_NA_1, COT.ACTIVATION_CON, true]]);
  });
});

describe('ChargerSimulator: counter interrogation and clock sync', () => {
  it('answers C_CI_NA_1 with every M_IT_NA_1 register (COT 37) between ACT_CON and ACT_TERM', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_CI_NA_1, objects: [obj({ ioa: 0, rqt: 5, frz: 0 })] });
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_CI_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_IT_NA_1, COT.REQUESTED_BY_GENERAL_COUNTER, false],
      [TI.C_CI_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    // 100 kWh and 200 kWh in 0.01 kWh units.
    expect(values(replies[1])).toEqual({ 0x6401: 10_000, 0x6402: 20_000 });
    expect(h.events).toContainEqual({ type: 'counterInterrogation', rqt: 5, frz: 0 });
  });

  it("reports a session's own start figures where the mapping has points for them, and keeps them after it ends", () => {
    const points: Point[] = [
      ...DC.points,
      { ti: 'M_IT_NA_1', ioa: 0x6411, connector: 1, signal: 'sessionStartEnergy', unit: 'kWh', scale: 0.01 },
      { ti: 'M_IT_NA_1', ioa: 0x6421, connector: 1, signal: 'sessionStartTime' },
    ];
    const h = harness({ ...DC, points });
    h.start();
    const interrogate = (): Record<number, unknown> => {
      h.take();
      h.send({ typeId: TI.C_CI_NA_1, objects: [obj({ ioa: 0, rqt: 5, frz: 0 })] });
      return values(h.take()[1]);
    };
    // No session yet: 0 for both.
    expect(interrogate()).toMatchObject({ 0x6411: 0, 0x6421: 0 });
    h.advance(3_000);
    h.sim.setCharging(1, true);
    h.advance(60_000);
    h.sim.setCharging(1, false);
    // 60 kW for a minute: 1 kWh more on the register, 100 units of 0.01 kWh.
    expect(interrogate()).toEqual({ 0x6401: 10_100, 0x6402: 20_000, 0x6411: 10_000, 0x6421: Math.floor((START + 3_000) / 1000) });
  });

  it('sets its clock from C_CS_NA_1 and confirms with its own, freshly set clock in local time', () => {
    const h = harness(AC, { clockOffsetMs: -3_600_000, timeTagged: true });
    h.start();
    const set = new Date(Date.UTC(2025, 5, 1, 4, 30, 0)); // 12:30:00 in Shanghai
    h.send({ typeId: TI.C_CS_NA_1, objects: [obj({ ioa: 0, time: cp56FromDate(set, 'Asia/Shanghai') })] });
    const [con] = h.take();
    expect(head(con)).toEqual([TI.C_CS_NA_1, COT.ACTIVATION_CON, false]);
    const time = (con?.objects[0] as { time: Cp56Time }).time;
    expect([time.hour, time.minute, time.day, time.month, time.year]).toEqual([12, 30, 1, 6, 25]);
    expect(h.sim.chargerNow()).toBe(set.getTime());
    expect(h.events).toContainEqual({ type: 'clockSync', time: set });
    // Its time tags follow the clock as set.
    h.advance(5_000);
    h.sim.setPlugged(1, true);
    h.pump();
    const [tagged] = h.take();
    expect(tagged?.typeId).toBe(TI.M_SP_TB_1);
    const tag = (tagged?.objects[0] as { time: Cp56Time }).time;
    expect(cp56ToDate(tag, 'Asia/Shanghai')?.getTime()).toBe(set.getTime() + 5_000);
  });

  it('refuses an invalid time and an activation with the wrong cause', () => {
    const h = harness(AC);
    h.start();
    const bad = { ...cp56FromDate(new Date(START)), invalid: true };
    h.send({ typeId: TI.C_CS_NA_1, objects: [obj({ ioa: 0, time: bad })] });
    h.send({ typeId: TI.C_IC_NA_1, cause: COT.REQUEST, objects: [obj({ ioa: 0, qoi: 20 })] });
    expect(h.take().map(head)).toEqual([
      [TI.C_CS_NA_1, COT.ACTIVATION_CON, true],
      [TI.C_IC_NA_1, COT.UNKNOWN_CAUSE, true],
    ]);
    expect(h.sim.chargerNow()).toBe(START);
  });
});
