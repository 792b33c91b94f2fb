/**
 * Remote starts and the sessions they cause: only the session carrying the start command's id is
 * the remote start's, within TxCtrlr.EVConnectionTimeOut, and a refused request withdraws only
 * itself.
 */
import { describe, expect, it } from 'vitest';
import type { RemoteStart } from '../../../../src/station/remote-control/remote-starts.js';
import { MIN, started, T0, transactions } from '../transactions/transactions-harness.js';

const request = (remoteStartId: number, idToken = 'APP-1'): RemoteStart => ({ remoteStartId, idToken: { idToken, type: 'Central' } });

describe('remote starts', () => {
  it("a session the charger started by itself is not taken for a waiting remote start; the command's own session is", async () => {
    const { tx, events } = await transactions();
    const r = request(77);
    tx.remoteStarts.expect(1, r);
    tx.remoteStarts.sent(1, r, 'start-1');
    await tx.sessionStarted(started('L-CARD', T0, { idToken: { id: 'CARD-9', type: 'card' } }));
    await tx.sessionEnded({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-CARD', at: new Date(T0 + MIN).toISOString(), reason: 'local' });
    await tx.sessionStarted(started('L-APP', T0 + 2 * MIN, { commandId: 'start-1' }));
    const starts = (await events()).filter((e) => e.eventType === 'Started');
    expect(starts.map((e) => [e.triggerReason, e.idToken?.idToken, e.transactionInfo.remoteStartId])).toEqual([
      ['Authorized', 'CARD-9', undefined],
      ['RemoteStart', 'APP-1', 77],
    ]);
  });

  it('is over after EVConnectionTimeOut: a later session is not attributed to it', async () => {
    const { tx, events, clock, logs } = await transactions(undefined, { 'TxCtrlr.EVConnectionTimeOut': '60' });
    const r = request(78);
    tx.remoteStarts.expect(1, r);
    tx.remoteStarts.sent(1, r, 'start-1');
    clock.advance(60_001);
    await tx.sessionStarted(started('L-LATE', clock.now(), { commandId: 'start-1' }));
    expect((await events()).filter((e) => e.eventType === 'Started').map((e) => [e.triggerReason, e.transactionInfo.remoteStartId])).toEqual([['ChargingStateChanged', undefined]]);
    expect(logs.map((l) => l.message)).toContain('remote start over: no session within EVConnectionTimeOut');
  });

  it('a refused request withdraws only itself, not a newer one on the same connector', async () => {
    const { tx, events } = await transactions();
    const first = request(1);
    const second = request(2, 'APP-2');
    tx.remoteStarts.expect(1, first);
    tx.remoteStarts.expect(1, second);
    tx.remoteStarts.sent(1, first, 'start-1');
    tx.remoteStarts.sent(1, second, 'start-2');
    tx.remoteStarts.cancel(1, first);
    await tx.sessionStarted(started('L-2', T0, { commandId: 'start-2' }));
    expect((await events()).filter((e) => e.eventType === 'Started').map((e) => [e.triggerReason, e.idToken?.idToken, e.transactionInfo.remoteStartId])).toEqual([['RemoteStart', 'APP-2', 2]]);
  });
});
