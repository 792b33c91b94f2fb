/**
 * Issue 12, point 5: a clock sync (C_CS_NA_1) is over with its ACT_CON, which is all a controlled
 * station sends for it; a refused or unanswered sync of the gateway's own is tried again on a short
 * back-off (`interrogation.clockSyncRetrySeconds`), not at the next daily sync. Real TCP,
 * controlled station.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Iec104PointsMapping } from '../../codecs/iec104-points/mapping.js';
import type { CodecHost } from '../support/codec-host.js';
import type { ControlledStation } from '../support/controlled-station.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { eventsOf, hostWithPeer, sleep } from '../support/iec104-peer.js';

let host: CodecHost | undefined;
let peer: ControlledStation | undefined;

afterEach(async () => {
  await peer?.close();
  await host?.close();
  host = peer = undefined;
});

const C_CS_NA_1 = 103;
const clockSyncs = (p: ControlledStation): number => p.iFrames().filter((f) => f.asdu?.[0] === C_CS_NA_1).length;

describe('clock synchronisation', () => {
  it('is over with its ACT_CON: the next one (the CSMS time after BootNotification) is sent at once and confirmed', async () => {
    const setup = await hostWithPeer(42, { clockSyncAnswer: 'confirm' });
    ({ host, peer } = setup);
    const { conn } = setup;
    await host.waitFor((e) => e.type === 'clockReport');
    expect(conn.session.command({ type: 'setClock', id: 'csms-time', time: new Date().toISOString() })).toEqual({ status: 'sent' });
    expect(await host.waitFor((e) => e.type === 'commandResult' && e.commandId === 'csms-time')).toMatchObject({ status: 'completed' });
    expect(clockSyncs(peer)).toBe(2);
  });

  it('while one is unanswered, a second waits for it instead of being refused', async () => {
    const mapping: Iec104PointsMapping = { ...loadExampleMapping('example-dc-2gun'), commandTimeoutSeconds: 0.3 };
    const setup = await hostWithPeer(43, { clockSyncAnswer: 'silent' }, mapping);
    ({ host, peer } = setup);
    const { conn } = setup;
    peer.clockSyncAnswer = 'confirm';
    expect(conn.session.command({ type: 'setClock', id: 'csms-time', time: new Date().toISOString() })).toEqual({ status: 'sent' });
    expect(await host.waitFor((e) => e.type === 'commandResult' && e.commandId === 'csms-time')).toMatchObject({ status: 'completed' });
  });

  it('of its own, refused or unanswered, is tried again on a short back-off until the charger confirms it', async () => {
    const mapping: Iec104PointsMapping = {
      ...loadExampleMapping('example-dc-2gun'),
      commandTimeoutSeconds: 0.2,
      interrogation: { clockSyncOnConnect: true, clockSyncRetrySeconds: [0.2, 0.4] },
    };
    const setup = await hostWithPeer(44, { clockSyncAnswer: 'refuse' }, mapping);
    ({ host, peer } = setup);
    const p = peer;
    const t0 = Date.now();
    await p.waitFor(() => clockSyncs(p) === 2, 'the first retry');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(150);
    p.clockSyncAnswer = 'silent';
    await p.waitFor(() => clockSyncs(p) === 3, 'the second retry (after a refusal)', 2_000);
    p.clockSyncAnswer = 'confirm';
    // Unanswered: timed out after 0.2 s, then 0.4 s (the last step repeats).
    await p.waitFor(() => clockSyncs(p) === 4, 'the third retry (after a time-out)', 2_000);
    await host.waitFor((e) => e.type === 'clockReport');
    await sleep(800);
    expect(clockSyncs(p)).toBe(4);
    expect(eventsOf(setup.conn, 'commandResult')).toEqual([]);
  });
});
