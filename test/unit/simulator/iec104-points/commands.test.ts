/** The IEC 104 charger simulator executing, refusing and ignoring commands, select-before-operate included. */
import { describe, expect, it } from 'vitest';
import { COT, TI } from '../../../../src/iec104/constants.js';
import { AC, CA, DC, dco, head, obj, sco, values, simulatorHarness as harness } from '../../../support/charger-simulator.js';

describe('ChargerSimulator: commands', () => {
  it('executes a start: ACT_CON, the state change with COT 3, then ACT_TERM', () => {
    const h = harness(DC);
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, true)] });
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_SC_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false],
      [TI.M_ME_NC_1, COT.SPONTANEOUS, false],
      [TI.C_SC_NA_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    expect(replies[0]?.objects).toEqual([{ ioa: 0x6001, state: true, qualifier: 0, select: false }]);
    // State code 2 = charging; 400 V, 150 A, 60 kW (the 120 kW charger shared by two guns).
    expect(values(replies[1])).toEqual({ 0x4001: 2 });
    expect(values(replies[2])).toEqual({ 0x4002: 400, 0x4003: 150, 0x4004: 60 });
    expect(h.sim.connector(1)).toMatchObject({ charging: true, status: 'occupied', chargingState: 'charging', powerW: 60_000 });
    expect(h.events).toContainEqual({ type: 'command', ti: TI.C_SC_NA_1, ioa: 0x6001, select: false, outcome: 'executed', command: 'startCharging', connector: 1 });

    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, false)] });
    const stop = h.take();
    expect(stop.map((a) => a.cause)).toEqual([COT.ACTIVATION_CON, COT.SPONTANEOUS, COT.SPONTANEOUS, COT.ACTIVATION_TERMINATION]);
    expect(values(stop[1])).toEqual({ 0x4001: 1 }); // EV connected, not charging
    expect(h.sim.connector(1).charging).toBe(false);
  });

  it('refuses a remote start while no EV is plugged in', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6002, true)] });
    expect(h.take().map(head)).toEqual([[TI.C_SC_NA_1, COT.ACTIVATION_CON, true]]);
    expect(h.sim.connector(2).charging).toBe(false);
  });

  it('honours select-before-operate: execute alone is refused, select then execute runs', () => {
    const h = harness(AC, { sendActTerm: false });
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    expect(h.take().map(head)).toEqual([[TI.C_DC_NA_1, COT.ACTIVATION_CON, true]]);

    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    const selected = h.take();
    expect(selected.map(head)).toEqual([[TI.C_DC_NA_1, COT.ACTIVATION_CON, false]]);
    expect(selected[0]?.objects).toEqual([{ ioa: 0x6001, state: 2, qualifier: 0, select: true }]);
    expect(h.sim.connector(1).charging).toBe(false);

    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    const executed = h.take();
    expect(executed.map(head)).toEqual([
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, false],
      [TI.M_SP_NA_1, COT.SPONTANEOUS, false],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false],
    ]); // no ACT_TERM with sendActTerm: false
    expect(values(executed[1])).toEqual({ 0x0002: true });
    // 7040 W at 230 V: 30.60 A in 0.01 A.
    expect(values(executed[2])).toEqual({ 0x4002: 3061, 0x4003: 7040 });
  });

  it('withdraws a select on deactivation (COT 8 -> 9)', () => {
    const h = harness(AC);
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, cause: COT.DEACTIVATION, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    expect(h.take().map(head)).toEqual([
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, false],
      [TI.C_DC_NA_1, COT.DEACTIVATION_CON, false],
      [TI.C_DC_NA_1, COT.ACTIVATION_CON, true],
    ]);
    expect(h.sim.connector(1).charging).toBe(false);
  });

  it('forgets a select after the select time-out and refuses an execute that differs from the select', () => {
    const h = harness(AC, { selectTimeoutMs: 5_000 });
    h.start();
    h.sim.setPlugged(1, true);
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.advance(5_000);
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 2, true)] });
    h.send({ typeId: TI.C_DC_NA_1, objects: [dco(0x6001, 1)] });
    expect(
      h
        .take()
        .filter((a) => a.typeId === TI.C_DC_NA_1)
        .map((a) => [a.negative, (a.objects[0] as { select: boolean }).select]),
    ).toEqual([
      [false, true],
      [true, false],
      [false, true],
      [true, false],
    ]);
    expect(h.events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.outcome)).toEqual(['selected', 'not-selected', 'selected', 'not-selected']);
  });

  it('rejects or ignores commands as configured, globally or per command', () => {
    const h = harness(DC, { commandBehaviour: { startCharging: 'reject', reset: 'ignore' } });
    h.start();
    h.sim.setPlugged(1, true);
    h.take();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, true)] });
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6010, true)] });
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6003, false)] }); // setAvailability still executes
    const replies = h.take();
    expect(replies.map((a) => [a.typeId, a.cause, a.negative, a.objects[0]?.ioa])).toEqual([
      [TI.C_SC_NA_1, COT.ACTIVATION_CON, true, 0x6001],
      [TI.C_SC_NA_1, COT.ACTIVATION_CON, false, 0x6003],
      [TI.M_ME_NB_1, COT.SPONTANEOUS, false, 0x4001],
      [TI.C_SC_NA_1, COT.ACTIVATION_TERMINATION, false, 0x6003],
    ]);
    expect(values(replies[2])).toEqual({ 0x4001: 5 }); // unavailable
    expect(h.sim.connector(1).charging).toBe(false);

    h.sim.setCommandBehaviour('all', 'ignore');
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6003, true)] });
    expect(h.take()).toEqual([]);
    expect(h.events.filter((e) => e.type === 'command').map((e) => e.type === 'command' && e.outcome)).toEqual(['rejected', 'ignored', 'executed', 'ignored']);
  });

  it('answers an unknown IOA with COT 47, an unmapped or unknown TI with COT 44, a foreign CA with COT 46', () => {
    const h = harness(DC);
    h.start();
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6099, true)] });
    h.send({ typeId: TI.C_SE_NA_1, objects: [obj({ ioa: 0x6201, raw: 100, value: 100 / 32768, ql: 0, select: false })] });
    h.send({ typeId: TI.C_SC_NA_1, objects: [sco(0x6001, true)], commonAddress: 9 });
    const raw = Buffer.from([0x86, 1, 6, 0, CA, 0, 0x01, 0x60, 0, 1, 0, 0, 0, 0, 0, 0, 0]); // TI 134: a private type no standard defines
    h.gw.sendAsdu(raw);
    h.pump();
    const replies = h.received.splice(0);
    expect(replies.slice(0, 3).map((r) => head(r.asdu))).toEqual([
      [TI.C_SC_NA_1, COT.UNKNOWN_IOA, true],
      [TI.C_SE_NA_1, COT.UNKNOWN_TYPE_ID, true],
      [TI.C_SC_NA_1, COT.UNKNOWN_COMMON_ADDRESS, true],
    ]);
    expect(replies[0]?.asdu?.objects[0]?.ioa).toBe(0x6099);
    expect(replies[2]?.asdu?.commonAddress).toBe(9);
    // The undecodable ASDU comes back byte for byte but for its cause: 44 with P/N.
    expect(replies[3]?.asdu).toBeUndefined();
    expect(replies[3]?.bytes).toEqual(Buffer.from([0x86, 1, 0x40 | 44, ...raw.subarray(3)]));
    expect(replies).toHaveLength(4);
  });

  it('remembers a power limit and caps the delivered power with it', () => {
    const h = harness(DC);
    h.start();
    h.sim.setCharging(1, true);
    h.take();
    h.send({ typeId: TI.C_SE_NB_1, objects: [obj({ ioa: 0x6201, value: 300, ql: 0, select: false })] }); // 30.0 kW
    const replies = h.take();
    expect(replies.map(head)).toEqual([
      [TI.C_SE_NB_1, COT.ACTIVATION_CON, false],
      [TI.M_ME_NC_1, COT.SPONTANEOUS, false],
      [TI.C_SE_NB_1, COT.ACTIVATION_TERMINATION, false],
    ]);
    expect(values(replies[1])).toEqual({ 0x4003: 75, 0x4004: 30 });
    expect(h.sim.connector(0).limitW).toBe(30_000);
    expect(h.sim.connector(1).powerW).toBe(30_000);
    // A current limit on gun 1 as a float in A: 50 A at 400 V = 20 kW.
    h.send({ typeId: TI.C_SE_NC_1, objects: [obj({ ioa: 0x6202, value: 50, ql: 0, select: false })] });
    expect(h.sim.connector(1)).toMatchObject({ limitA: 50, powerW: 20_000 });
    expect(h.events).toContainEqual({ type: 'command', ti: TI.C_SE_NC_1, ioa: 0x6202, select: false, outcome: 'executed', command: 'setLimit', connector: 1, value: 50 });
  });
});
