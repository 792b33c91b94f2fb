/**
 * What the session does with well-framed ASDUs it has no use for (issue 12, point 1): counted by the
 * host, logged once per kind, never a bad frame. Only ASDUs whose framing is broken are errors.
 */
import { describe, expect, it } from 'vitest';
import { COT, TI } from '../../../../src/iec104/index.js';
import { harness, loadExampleMapping, type Harness } from '../../../support/iec104-points.js';

const dc = loadExampleMapping('example-dc-2gun');

/** Connects the DC example and ends its start-up interrogation. */
function connected(h: Harness): void {
  h.session.start();
  h.startdtCon();
  h.take();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_ME_NB_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x4001, value: 0, quality: 0 },
      { ioa: 0x4011, value: 0, quality: 0 },
    ],
  });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
}

/** TI, VSQ, COT (2), CA (2), then one object: IOA (3) and `element`. */
const raw = (ti: number, element: readonly number[], count = 1): Buffer => Buffer.from([ti, count, COT.SPONTANEOUS, 0, 7, 0, 0x01, 0x70, 0, ...element]);

describe('iec104-points session: ASDUs of no use', () => {
  it('counts a private type and logs it once, without an error', () => {
    const h = harness(dc);
    connected(h);
    for (let i = 0; i < 5; i++) h.sendBytes(raw(200, [1, 2, 3]));
    expect(h.errors).toEqual([]);
    expect(h.ignored).toEqual(Array(5).fill('unknown_type'));
    expect(h.logs.filter((l) => l.data?.['ti'] === 200)).toEqual([
      { level: 'warn', message: 'ASDU of a type this gateway does not decode: ignored', data: { ti: 200, hex: raw(200, [1, 2, 3]).toString('hex') } },
    ]);
    expect(h.closed).toEqual([]);
  });

  it('counts a monitor type the mapping does not use once per ASDU, not per object', () => {
    const h = harness(dc);
    connected(h);
    const before = h.events.length;
    // M_BO_NA_1: a 32-bit bitstring, which no point of the mapping uses.
    h.send({
      typeId: TI.M_BO_NA_1,
      cause: COT.SPONTANEOUS,
      objects: [
        { ioa: 1, value: 5, quality: 0 },
        { ioa: 2, value: 6, quality: 0 },
      ],
    });
    h.send({ typeId: TI.M_BO_NA_1, cause: COT.SPONTANEOUS, objects: [{ ioa: 1, value: 7, quality: 0 }] });
    expect(h.ignored).toEqual(['unused_type', 'unused_type']);
    expect(h.logs.filter((l) => l.message.startsWith('M_BO_NA_1'))).toHaveLength(1);
    expect(h.events).toHaveLength(before);
    expect(h.errors).toEqual([]);
  });

  it('counts an ASDU with unmapped IOAs once and still uses its mapped objects', () => {
    const h = harness(dc);
    connected(h);
    h.send({
      typeId: TI.M_ME_NC_1,
      cause: COT.SPONTANEOUS,
      objects: [
        { ioa: 0x4ff0, value: 1, quality: 0 },
        { ioa: 0x4002, value: 400, quality: 0 },
        { ioa: 0x4ff1, value: 2, quality: 0 },
      ],
    });
    expect(h.ignored).toEqual(['unmapped_address']);
    expect(h.of('measurements').at(-1)?.values).toEqual([{ measurand: 'voltage', value: 400, raw: 400 }]);
  });

  it('never reports a NaN or infinite float as a measured value', () => {
    const h = harness(dc);
    connected(h);
    h.send({
      typeId: TI.M_ME_NC_1,
      cause: COT.SPONTANEOUS,
      objects: [
        { ioa: 0x4002, value: Number.NaN, quality: 0 },
        { ioa: 0x4003, value: Number.POSITIVE_INFINITY, quality: 0 },
        { ioa: 0x4004, value: 50, quality: 0 },
      ],
    });
    expect(h.of('measurements').at(-1)?.values).toEqual([{ measurand: 'power', value: 50_000, raw: 50 }]);
    expect(h.ignored).toEqual(['unmapped_value']);
  });

  it('takes an ASDU whose object count contradicts its length for a bad frame', () => {
    const h = harness(dc);
    connected(h);
    h.sendBytes(raw(TI.M_ME_NC_1, [0, 0, 0x48, 0x43, 0], 2));
    h.sendBytes(Buffer.from([TI.M_ME_NC_1, 1, 3]));
    expect(h.errors.map((e) => e.code)).toEqual(['IEC104_VSQ_MISMATCH', 'IEC104_ASDU_TOO_SHORT']);
    expect(h.ignored).toEqual([]);
  });
});

describe('iec104-points session: ASDUs that are not the charger’s', () => {
  it('takes no confirmation from another common address or from a test ASDU', () => {
    const h = harness(dc);
    connected(h);
    h.session.command({ type: 'setAvailability', id: 'off', connector: 1, available: false });
    const object = { ioa: 0x6003, state: false, select: false, qualifier: 0 };
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, commonAddress: 8, objects: [object] });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, test: true, objects: [object] });
    expect(h.of('commandResult')).toEqual([]);
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: [object] });
    expect(h.of('commandResult')).toEqual([{ type: 'commandResult', commandId: 'off', status: 'accepted' }]);
    expect(h.ignored).toEqual(['foreign_address', 'test']);
  });

  it('learns the charger’s address from its first ASDU even when the identity comes from the connection', () => {
    const h = harness({ ...dc, identity: { source: 'connection' } }, 7, { chargerId: 'depot-7' });
    connected(h);
    h.send({ typeId: TI.M_ME_NB_1, cause: COT.SPONTANEOUS, commonAddress: 9, objects: [{ ioa: 0x4001, value: 2, quality: 0 }] });
    expect(h.of('sessionStarted')).toEqual([]);
    expect(h.ignored).toEqual(['foreign_address']);
    expect(h.of('identified').map((e) => e.chargerId)).toEqual(['depot-7']);
  });
});
