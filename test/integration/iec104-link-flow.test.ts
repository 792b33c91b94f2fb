/**
 * Issue 12, point 10: a k/w mismatch between the mapping and the charger (IEC 60870-5-104 §5.5) is
 * flagged with a warning naming the mapping's setting, instead of only making everything slow. A
 * charger whose k is below the mapping's link.w stops after k frames and waits for the gateway's
 * ack, which comes only after t2; a charger that acknowledges after more frames than the mapping's
 * link.k leaves the gateway's window full. Real TCP, controlled station.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import type { CodecHost } from '../support/codec-host.js';
import { buildAsdu, svaQds, type ControlledStation } from '../support/controlled-station.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { GUN, M_ME_NB_1, dcInterrogation, hostWithPeer } from '../support/iec104-peer.js';

let host: CodecHost | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await host?.close();
  host = peer = undefined;
});

const withLink = (link: Iec104PointsMapping['link']): Iec104PointsMapping => ({ ...loadExampleMapping('example-dc-2gun'), link });

describe('k and w that do not fit the charger', () => {
  it('warns naming link.w when the charger stops after fewer unacknowledged frames than w', async () => {
    // The charger's k is 3; the mapping acknowledges after w = 8 frames or t2 = 0.2 s.
    const filler = (ca: number): Buffer[] => Array.from({ length: 8 }, () => buildAsdu({ ti: M_ME_NB_1, cot: 20, ca }, [{ ioa: 0x4006, element: svaQds(250) }]));
    const setup = await hostWithPeer(42, { k: 3, interrogationData: (ca) => [...dcInterrogation(ca, [GUN.idle, GUN.idle]), ...filler(ca)] }, withLink({ k: 12, w: 8, t1: 15, t2: 0.2, t3: 20 }));
    ({ host, peer } = setup);
    await host.waitFor((e) => e.type === 'connectorStatus' && e.connector === 2, 10_000);
    const warnings = setup.conn.logs.filter((l) => l.level === 'warn' && /link\.w/.test(l.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.data).toMatchObject({ unacknowledged: 3, w: 8 });
  });

  it('warns naming link.k when the gateway’s window stays full waiting for the charger’s ack', async () => {
    // The gateway may have 2 frames unacknowledged; the charger acknowledges after 8 frames or 1.2 s.
    const setup = await hostWithPeer(43, { w: 8, t2: 1_200, clockSyncAnswer: 'silent', interrogationAnswer: 'silent' }, withLink({ k: 2, w: 1, t1: 15, t2: 0.2, t3: 20 }));
    ({ host, peer } = setup);
    const p = peer;
    // Clock sync, general and counter interrogation: the third waits for the window.
    await p.waitFor(() => p.iFrames().length === 3, 'the third start-up command', 3_000);
    const warnings = setup.conn.logs.filter((l) => l.level === 'warn' && /link\.k/.test(l.message));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.data).toMatchObject({ k: 2 });
    expect(Number(warnings[0]?.data && (warnings[0].data as { waitedMs: number }).waitedMs)).toBeGreaterThanOrEqual(1_000);
  });
});
