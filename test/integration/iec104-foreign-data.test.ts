/**
 * Issue 12, point 6: data that is not the charger's is never used as the charger's. ASDUs with the
 * test bit set (IEC 60870-5-101 §7.2.3, T = 1) and ASDUs of another common address are counted and
 * ignored: no status, session, measurement or fault comes of them. Real TCP, controlled station.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CodecHost } from '../support/codec-host.js';
import { buildAsdu, bcr, siq, svaQds, type ControlledStation } from '../support/controlled-station.js';
import { GUN, M_IT_NA_1, M_ME_NB_1, M_SP_NA_1, eventsOf, hostWithPeer, sleep } from '../support/iec104-peer.js';

let host: CodecHost | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await host?.close();
  host = peer = undefined;
});

describe('ASDUs that are not the charger’s', () => {
  it('never uses a test ASDU or one of another common address: no status, session, measurement or fault', async () => {
    const setup = await hostWithPeer(42);
    ({ host, peer } = setup);
    const { conn } = setup;
    await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === 2);
    const before = conn.events.length;

    // A test ASDU saying gun 1 charges with a higher register, and an emergency stop.
    peer.sendAsdus([
      buildAsdu({ ti: M_ME_NB_1, cot: 3, ca: 42, test: true }, [{ ioa: 0x4001, element: svaQds(GUN.charging) }]),
      buildAsdu({ ti: M_IT_NA_1, cot: 3, ca: 42, test: true }, [{ ioa: 0x6401, element: bcr(99_999) }]),
      buildAsdu({ ti: M_SP_NA_1, cot: 3, ca: 42, test: true }, [{ ioa: 0x0001, element: siq(true) }]),
    ]);
    // Another station's ASDUs on this connection: gun 2 charging, a register.
    peer.sendAsdus([
      buildAsdu({ ti: M_ME_NB_1, cot: 3, ca: 43 }, [{ ioa: 0x4011, element: svaQds(GUN.charging) }]),
      buildAsdu({ ti: M_IT_NA_1, cot: 3, ca: 43 }, [{ ioa: 0x6402, element: bcr(55_555) }]),
    ]);
    // Then the charger's own: gun 2 plugged in.
    peer.sendAsdus([buildAsdu({ ti: M_ME_NB_1, cot: 3, ca: 42 }, [{ ioa: 0x4011, element: svaQds(GUN.plugged) }])]);
    await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === 2 && e.plugged);
    await sleep(50);

    expect(conn.events.slice(before).map((e) => e.type)).toEqual(['connectorStatus']);
    expect(eventsOf(conn, 'sessionStarted')).toEqual([]);
    expect(eventsOf(conn, 'fault')).toEqual([]);
    expect(eventsOf(conn, 'measurements').flatMap((m) => m.values.map((v) => v.value))).not.toContain(999.99);
    expect(conn.ignored).toEqual(['test', 'test', 'test', 'foreign_address', 'foreign_address']);
    expect(conn.errors).toEqual([]);
    // Each kind logged once.
    expect(conn.logs.filter((l) => l.message.includes('test bit'))).toHaveLength(1);
    expect(conn.logs.filter((l) => l.message.includes('common address'))).toHaveLength(1);
  });
});
