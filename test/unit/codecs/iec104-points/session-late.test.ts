/**
 * A confirmation that comes after the command's time-out is still the charger's answer to it: the
 * codec reports it (for the same command id) instead of dropping it as unsolicited, so that the
 * station follows what the charger did (a late ACT_CON after the CSMS was told Rejected `Timeout`).
 * Only the ACT_CON of the execute step counts: a select confirmed late executed nothing.
 */
import { describe, expect, it } from 'vitest';
import { COT, TI, type Asdu } from '../../../../src/iec104/index.js';
import { asdus, harness, loadExampleMapping, type Harness } from '../../../support/iec104-points.js';

const dc = loadExampleMapping('example-dc-2gun');
const TIMEOUT_MS = (dc.commandTimeoutSeconds ?? 10) * 1000;

function connected(h: Harness): void {
  h.session.start();
  h.startdtCon();
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
  h.take();
}

/** The control ASDU the session sent last. */
function lastControl(h: Harness): Asdu {
  const a = asdus(h.take())
    .filter((x) => x.typeId === TI.C_SC_NA_1)
    .at(-1);
  if (a === undefined) throw new Error('no C_SC_NA_1 sent');
  return a;
}

const results = (h: Harness): [string, string][] => h.of('commandResult').map((r) => [r.commandId, r.status]);

describe('iec104-points session: confirmations after the time-out', () => {
  it('reports a late positive ACT_CON as the command accepted, and a late negative one as rejected', () => {
    const h = harness(dc);
    connected(h);
    h.session.command({ type: 'setAvailability', id: 'a1', connector: 1, available: false });
    const first = lastControl(h);
    h.clock.advance(TIMEOUT_MS + 1);
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: first.objects });

    h.session.command({ type: 'setAvailability', id: 'a2', connector: 2, available: false });
    const second = lastControl(h);
    h.clock.advance(TIMEOUT_MS + 1);
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, negative: true, objects: second.objects });

    expect(results(h)).toEqual([
      ['a1', 'timeout'],
      ['a1', 'accepted'],
      ['a2', 'timeout'],
      ['a2', 'rejected'],
    ]);
    expect(h.ignored).toEqual([]);
    // Once reported, another ACT_CON is unsolicited.
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: first.objects });
    expect(results(h)).toHaveLength(4);
    expect(h.ignored).toEqual(['unsolicited']);
  });

  it('tells a late answer to an earlier command from the answer to a later one at the same address', () => {
    const h = harness(dc);
    connected(h);
    h.session.command({ type: 'setAvailability', id: 'off', connector: 1, available: false });
    const off = lastControl(h);
    h.clock.advance(TIMEOUT_MS + 1);
    h.session.command({ type: 'setAvailability', id: 'on', connector: 1, available: true });
    const on = lastControl(h);
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: off.objects });
    h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: on.objects });
    expect(results(h)).toEqual([
      ['off', 'timeout'],
      ['off', 'accepted'],
      ['on', 'accepted'],
    ]);
  });
});
