/**
 * What a connection keeps stays bounded however long it lives. Many controlled stations confirm a
 * command with ACT_CON and never send ACT_TERM (IEC 60870-5-104 leaves it to the station); such a
 * command is over at the time-out, and nothing of it is kept.
 */
import { describe, expect, it } from 'vitest';
import { capabilitiesOf } from '../../../../codecs/iec104-points/session.js';
import { COT, TI } from '../../../../src/iec104/index.js';
import { asdus, harness, loadExampleMapping, type Harness } from '../../../support/iec104-points.js';

const dc = loadExampleMapping('example-dc-2gun');

function connected(h: Harness): void {
  h.session.start();
  h.startdtCon();
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_CON, objects: [{ ioa: 0, qoi: 20 }] });
  h.send({
    typeId: TI.M_ME_NB_1,
    cause: COT.INTERROGATED_BY_STATION,
    objects: [
      { ioa: 0x4001, value: 1, quality: 0 },
      { ioa: 0x4011, value: 1, quality: 0 },
    ],
  });
  h.send({ typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION_TERMINATION, objects: [{ ioa: 0, qoi: 20 }] });
  h.take();
}

/** The session's record of start and stop commands in flight (white box: it has no other outlet). */
const inFlight = (h: Harness): number => (h.session as unknown as { intents: Map<string, unknown> }).intents.size;

describe('iec104-points session: memory per connection', () => {
  it('shares one capabilities object among the connections of a mapping (a fleet of one model holds it once)', () => {
    const a = harness(dc);
    const b = harness(dc, 8);
    expect(b.session.capabilities).toBe(a.session.capabilities);
    expect(capabilitiesOf(dc)).toBe(a.session.capabilities);
    // Another mapping has its own.
    expect(harness(loadExampleMapping('example-ac-1gun')).session.capabilities).not.toBe(a.session.capabilities);
  });

  it('keeps nothing of starts and stops confirmed without ACT_TERM once they are over', () => {
    const h = harness(dc);
    connected(h);
    for (let i = 0; i < 20; i++) {
      const type = i % 2 === 0 ? 'startCharging' : 'stopCharging';
      expect(h.session.command({ type, id: `c${i}`, connector: 1 })).toEqual({ status: 'sent' });
      const sent = asdus(h.take()).find((a) => a.typeId === TI.C_SC_NA_1);
      expect(sent).toBeDefined();
      h.send({ typeId: TI.C_SC_NA_1, cause: COT.ACTIVATION_CON, objects: sent?.objects ?? [] });
      // No ACT_TERM: the command is over at the time-out (10 s in the DC example).
      h.clock.advance(10_001);
    }
    expect(h.of('commandResult').map((r) => r.status)).toEqual(Array(20).fill('accepted'));
    expect(inFlight(h)).toBe(0);
  });
});
