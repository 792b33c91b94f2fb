import { afterEach, describe, expect, it } from 'vitest';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import type { YkcOptions } from '../../codecs/ykc/session.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { connectYkcSimulator, runYkcScenario, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { hostCodec, type CodecHost } from '../support/codec-host.js';

const PILE = '32010200000001';

describe('YKC simulator against a hosted codec session over TCP', () => {
  let host: CodecHost | undefined;
  let sim: YkcChargerSimulator | undefined;
  afterEach(async () => {
    sim?.close();
    await host?.close();
    sim = undefined;
    host = undefined;
  });

  it('logs in, runs a card session with real-time data and a fault, and gets its record confirmed after a resend', async () => {
    const options: YkcOptions = await ykcCodec.loadOptions({ value: {} });
    host = await hostCodec(ykcCodec, options);
    sim = await connectYkcSimulator({
      host: '127.0.0.1',
      port: host.port,
      pileCode: PILE,
      gunCount: 2,
      heartbeatIntervalMs: 200,
      realTimeIntervalMs: 50,
      recordResendMs: 150,
    });
    const identified = await host.waitFor((e) => e.type === 'identified');
    expect(identified).toMatchObject({ chargerId: PILE, connectorCount: 2, currentType: 'DC', protocol: { name: 'ykc', version: '1.6' } });
    const conn = host.connections[0];
    if (conn === undefined) throw new Error('no hosted connection');
    // the platform answered the billing-model check and synced the clock
    await sim.waitFor((f) => f.type === 'billingModelAnswer');
    await sim.waitFor((f) => f.type === 'timeSyncAnswer' || f.type === 'timeSync');
    await sim.waitFor((f) => f.type === 'heartbeatAnswer', 2000);

    // card session: 0x31 -> authorizationRequest -> authorize -> 0x32
    const swipe = sim.swipeCard(1, 'D14B0A54');
    const req = (await host.waitFor((e) => e.type === 'authorizationRequest')) as Extract<ChargerEvent, { type: 'authorizationRequest' }>;
    expect(req.idToken).toEqual({ id: 'D14B0A54', type: 'card' });
    expect(conn.session.command({ type: 'authorize', id: 'auth-1', connector: 1, idToken: req.idToken, accepted: true, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}) })).toEqual(
      { status: 'sent' },
    );
    const confirm = await swipe;
    expect(confirm.authResult).toBe(1);
    const started = await host.waitFor((e) => e.type === 'sessionStarted');
    expect(started).toMatchObject({ connector: 1, legacyTransactionId: confirm.transactionNo, idToken: { id: 'D14B0A54', type: 'card' } });
    await host.waitFor((e) => e.type === 'measurements' && e.connector === 1 && e.values.some((v) => v.measurand === 'power' && v.value === 7040));

    sim.setFault(2, 0, true);
    await host.waitFor((e) => e.type === 'fault' && e.connector === 2 && e.code === 'ykc.hw.emergencyStop' && e.active);

    // the driver stops at the charger: record uploaded, resent until the gateway confirms it
    await new Promise((r) => setTimeout(r, 120));
    const txn = sim.stopCharging(1, 0x45);
    expect(txn).toBe(confirm.transactionNo);
    const record = (await host.waitFor((e) => e.type === 'transactionRecord')) as Extract<ChargerEvent, { type: 'transactionRecord' }>;
    expect(record).toMatchObject({ connector: 1, legacyTransactionId: txn, reason: 'local', rawReason: 0x45, idToken: { id: 'D14B0A54', type: 'card' } });
    expect(record.energyWh).toBeGreaterThan(0);
    expect(record.meterStopWh).toBeCloseTo((record.meterStartWh ?? 0) + record.energyWh, 0);
    // no confirmation yet: the simulator resends, the codec reports the record again
    await host.waitFor(() => conn.events.filter((e) => e.type === 'transactionRecord').length >= 2, 3000);
    expect(sim.confirmed).toEqual([]);
    expect(sim.recordSends.get(txn ?? '')).toBeGreaterThanOrEqual(2);

    expect(conn.session.command({ type: 'confirmRecord', id: 'rec-1', connector: 1, legacyTransactionId: txn ?? '', accepted: true })).toEqual({ status: 'sent' });
    await sim.waitFor((f) => f.type === 'transactionRecordConfirm');
    expect(sim.confirmed).toEqual([txn]);
    const sends = sim.recordSends.get(txn ?? '');
    await new Promise((r) => setTimeout(r, 400));
    expect(sim.recordSends.get(txn ?? '')).toBe(sends);
    expect(conn.errors).toEqual([]);
  });

  it('remote start from the gateway: 0x34 -> 0x33 -> commandResult + sessionStarted; remote stop -> record', async () => {
    host = await hostCodec(ykcCodec, await ykcCodec.loadOptions({ value: {} }));
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: host.port, pileCode: PILE, realTimeIntervalMs: 50, recordResendMs: 10_000 });
    await host.waitFor((e) => e.type === 'identified');
    const conn = host.connections[0];
    if (conn === undefined) throw new Error('no hosted connection');
    expect(conn.session.command({ type: 'startCharging', id: 'start-1', connector: 1, idToken: { id: 'APP1', type: 'app' } }).status).toBe('sent');
    await host.waitFor((e) => e.type === 'commandResult' && e.commandId === 'start-1' && e.status === 'accepted');
    const started = await host.waitFor((e) => e.type === 'sessionStarted');
    expect(started).toMatchObject({ commandId: 'start-1', idToken: { id: 'APP1', type: 'app' } });
    expect(conn.session.command({ type: 'stopCharging', id: 'stop-1', connector: 1 }).status).toBe('sent');
    await host.waitFor((e) => e.type === 'commandResult' && e.commandId === 'stop-1' && e.status === 'accepted');
    const record = await host.waitFor((e) => e.type === 'transactionRecord');
    expect(record).toMatchObject({ reason: 'remote', rawReason: 0x40, idToken: { id: 'APP1', type: 'app' } });
  });

  it('VIN start with authorizeLocally: 0x32 accepted at once, the record carries the VIN', async () => {
    host = await hostCodec(ykcCodec, { ...(await ykcCodec.loadOptions({ value: {} })), authorizeLocally: true });
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: host.port, pileCode: PILE, pileType: 1, realTimeIntervalMs: 50, recordResendMs: 10_000 });
    expect(await host.waitFor((e) => e.type === 'identified')).toMatchObject({ currentType: 'AC' });
    const confirm = await sim.startWithVin(1, 'LSVAU2180N2183294');
    expect(confirm.authResult).toBe(1);
    expect(await host.waitFor((e) => e.type === 'authorizationRequest')).toMatchObject({ idToken: { id: 'LSVAU2180N2183294', type: 'vin' } });
    await host.waitFor((e) => e.type === 'sessionStarted');
    sim.stopCharging(1, 0x41);
    const record = await host.waitFor((e) => e.type === 'transactionRecord');
    expect(record).toMatchObject({ legacyTransactionId: confirm.transactionNo, reason: 'socLimitReached', idToken: { id: 'LSVAU2180N2183294', type: 'vin' } });
  });

  it('runYkcScenario keeps sessions coming: records arrive and are confirmed', async () => {
    host = await hostCodec(ykcCodec, { ...(await ykcCodec.loadOptions({ value: {} })), authorizeLocally: true });
    sim = await connectYkcSimulator({ host: '127.0.0.1', port: host.port, pileCode: PILE, gunCount: 2, realTimeIntervalMs: 50, recordResendMs: 10_000 });
    await host.waitFor((e) => e.type === 'identified');
    const conn = host.connections[0];
    if (conn === undefined) throw new Error('no hosted connection');
    const stop = runYkcScenario(sim, { sessionEveryMs: 100, sessionLengthMs: 60 });
    try {
      for (const connector of [1, 2]) {
        const r = (await host.waitFor((e) => e.type === 'transactionRecord' && e.connector === connector)) as Extract<ChargerEvent, { type: 'transactionRecord' }>;
        conn.session.command({ type: 'confirmRecord', id: `r${connector}`, connector, legacyTransactionId: r.legacyTransactionId, accepted: true });
        await sim.waitFor((f) => f.type === 'transactionRecordConfirm' && f.transactionNo === r.legacyTransactionId);
      }
    } finally {
      stop();
    }
    expect(sim.confirmed.length).toBeGreaterThanOrEqual(2);
  });
});
