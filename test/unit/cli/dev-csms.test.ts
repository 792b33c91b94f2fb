import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { STATION_ACTIONS } from '../../../src/ocpp/actions.js';
import { validateRequest, validateResponse } from '../../../src/ocpp/schemas.js';
import { callDetail, devAnswer, formatFrame, startDevCsms, type DevCsms } from '../../../src/cli/dev-csms.js';

let csms: DevCsms | undefined;
afterEach(async () => {
  await csms?.close();
  csms = undefined;
});

/** Request payloads whose answer depends on them (an id token asks for idTokenInfo). */
const withToken = { idToken: { idToken: 'CARD-1', type: 'ISO14443' } };

describe('development CSMS', () => {
  it('answers every station action with a schema-valid response', () => {
    for (const action of STATION_ACTIONS) {
      expect(validateResponse(action, devAnswer(action, {})), action).toBeUndefined();
    }
    expect(devAnswer('BootNotification', {})).toMatchObject({ status: 'Accepted' });
    expect(devAnswer('Authorize', withToken)).toEqual({ idTokenInfo: { status: 'Accepted' } });
    expect(validateResponse('TransactionEvent', devAnswer('TransactionEvent', withToken))).toBeUndefined();
  });

  it('formats one line per frame: time, station, direction, action', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 1, 234);
    expect(formatFrame({ at, station: 'EXDC42', direction: 'in', kind: 'CALL', action: 'BootNotification' })).toBe('12:00:01.234  EXDC42       ->  BootNotification');
    expect(formatFrame({ at, station: 'EXDC42', direction: 'out', kind: 'CALLRESULT', action: 'Heartbeat' })).toBe('12:00:01.234  EXDC42       <-  Heartbeat (result)');
    const detail = callDetail('TransactionEvent', { eventType: 'Started', triggerReason: 'CablePluggedIn', seqNo: 0, transactionInfo: { transactionId: 'tx-1' } });
    expect(formatFrame({ at, station: 'S', direction: 'in', kind: 'CALL', action: 'TransactionEvent', ...(detail !== undefined ? { detail } : {}) })).toBe(
      '12:00:01.234  S            ->  TransactionEvent  Started CablePluggedIn seqNo 0 tx tx-1',
    );
    expect(callDetail('StatusNotification', { evseId: 2, connectorId: 1, connectorStatus: 'Faulted' })).toBe('evse 2/1 Faulted');
    expect(callDetail('Heartbeat', {})).toBeUndefined();
  });

  it('accepts ocpp2.0.1 over ws, answers a CALL and prints both frames', async () => {
    const printed: string[] = [];
    csms = await startDevCsms({ print: (line) => printed.push(line) });
    const ws = new WebSocket(`${csms.url}/ST-1`, ['ocpp2.0.1']);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    expect(ws.protocol).toBe('ocpp2.0.1');
    const reply = new Promise<unknown>((resolve) => ws.once('message', (d) => resolve(JSON.parse(String(d)))));
    ws.send(JSON.stringify([2, 'm1', 'Heartbeat', {}]));
    const frame = (await reply) as [number, string, Record<string, unknown>];
    expect(frame[0]).toBe(3);
    expect(frame[1]).toBe('m1');
    expect(validateResponse('Heartbeat', frame[2])).toBeUndefined();
    ws.close();
    expect(csms.frames.map((f) => `${f.station} ${f.direction} ${f.action}`)).toEqual(['ST-1 in Heartbeat', 'ST-1 out Heartbeat']);
    expect(printed).toHaveLength(2);
    expect(printed[0]).toMatch(/ST-1\s+-> {2}Heartbeat$/);
  });
});

describe('development CSMS remote start', () => {
  /** A station connected to `url`, with every frame it receives. */
  async function station(url: string): Promise<{ ws: WebSocket; received: unknown[][]; nth: (i: number) => Promise<unknown[]> }> {
    const ws = new WebSocket(`${url}/ST-9`, ['ocpp2.0.1']);
    const received: unknown[][] = [];
    ws.on('message', (d) => received.push(JSON.parse(String(d)) as unknown[]));
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    const nth = async (i: number): Promise<unknown[]> => {
      await until(() => received.length > i);
      return received[i] ?? [];
    };
    return { ws, received, nth };
  }
  const occupied = (evseId: number, status = 'Occupied'): Record<string, unknown> => ({ timestamp: new Date().toISOString(), connectorStatus: status, evseId, connectorId: 1 });

  it('sends a schema-valid RequestStartTransaction when a connector turns Occupied, once per plug-in, and prints the answer', async () => {
    const printed: string[] = [];
    csms = await startDevCsms({ remoteStart: true, print: (line) => printed.push(line) });
    const st = await station(csms.url);
    st.ws.send(JSON.stringify([2, 's1', 'StatusNotification', occupied(2)]));
    expect((await st.nth(0))[0]).toBe(3);
    const call = await st.nth(1);
    expect(call[0]).toBe(2);
    expect(call[2]).toBe('RequestStartTransaction');
    expect(validateRequest('RequestStartTransaction', call[3])).toBeUndefined();
    expect(call[3]).toMatchObject({ evseId: 2, remoteStartId: 1, idToken: { idToken: 'DEV-CSMS', type: 'Central' } });
    st.ws.send(JSON.stringify([3, call[1], { status: 'Accepted' }]));
    // Occupied again (no change): no second start; Available then Occupied: a new one.
    st.ws.send(JSON.stringify([2, 's2', 'StatusNotification', occupied(2)]));
    st.ws.send(JSON.stringify([2, 's3', 'StatusNotification', occupied(2, 'Available')]));
    st.ws.send(JSON.stringify([2, 's4', 'StatusNotification', occupied(2)]));
    await until(() => st.received.filter((f) => f[0] === 2).length === 2);
    expect(st.received.filter((f) => f[0] === 2).map((f) => (f[3] as { remoteStartId: number }).remoteStartId)).toEqual([1, 2]);
    st.ws.close();
    expect(printed.some((l) => /ST-9\s+<- {2}RequestStartTransaction {2}evse 2 remoteStartId 1$/.test(l))).toBe(true);
    expect(printed.some((l) => /ST-9\s+-> {2}RequestStartTransaction \(result\) {2}Accepted$/.test(l))).toBe(true);
  });

  it('sends no remote start to an EVSE whose station already reported a transaction Started, nor twice for one Occupied', async () => {
    const printed: string[] = [];
    csms = await startDevCsms({ remoteStart: true, print: (line) => printed.push(line) });
    const st = await station(csms.url);
    const tx = (eventType: string, seqNo: number): Record<string, unknown> => ({
      eventType,
      timestamp: new Date().toISOString(),
      triggerReason: eventType === 'Started' ? 'Authorized' : 'StopAuthorized',
      seqNo,
      transactionInfo: { transactionId: 'card-tx' },
      ...(eventType === 'Started' ? { evse: { id: 1, connectorId: 1 }, idToken: { idToken: 'CARD-1', type: 'ISO14443' } } : {}),
    });
    // A card started a session on EVSE 1, then the connector reports Occupied: no remote start.
    st.ws.send(JSON.stringify([2, 't1', 'TransactionEvent', tx('Started', 0)]));
    st.ws.send(JSON.stringify([2, 's1', 'StatusNotification', occupied(1)]));
    // Occupied → Faulted → Occupied with the session still on: still none.
    st.ws.send(JSON.stringify([2, 's2', 'StatusNotification', occupied(1, 'Faulted')]));
    st.ws.send(JSON.stringify([2, 's3', 'StatusNotification', occupied(1)]));
    st.ws.send(JSON.stringify([2, 't2', 'TransactionEvent', tx('Ended', 1)]));
    st.ws.send(JSON.stringify([2, 's4', 'StatusNotification', occupied(1, 'Available')]));
    await until(() => st.received.length === 6);
    // Another EVSE plugged in, then faulted and occupied again within the same plug-in: one start.
    st.ws.send(JSON.stringify([2, 's5', 'StatusNotification', occupied(2)]));
    st.ws.send(JSON.stringify([2, 's6', 'StatusNotification', occupied(2, 'Faulted')]));
    st.ws.send(JSON.stringify([2, 's7', 'StatusNotification', occupied(2)]));
    // EVSE 1 plugged in again after the card session ended: it gets one.
    st.ws.send(JSON.stringify([2, 's8', 'StatusNotification', occupied(1)]));
    await until(() => st.received.filter((f) => f[0] === 3).length === 10);
    await new Promise((r) => setTimeout(r, 100));
    st.ws.close();
    const calls = st.received.filter((f) => f[0] === 2).map((f) => (f[3] as { evseId: number }).evseId);
    expect(calls).toEqual([2, 1]);
    expect(printed.filter((l) => l.includes('RequestStartTransaction'))).toHaveLength(2);
  });

  it('sends nothing of its own without remoteStart', async () => {
    csms = await startDevCsms();
    const st = await station(csms.url);
    st.ws.send(JSON.stringify([2, 's1', 'StatusNotification', occupied(1)]));
    st.ws.send(JSON.stringify([2, 's2', 'Heartbeat', {}]));
    await until(() => st.received.length === 2);
    st.ws.close();
    expect(st.received.map((f) => f[0])).toEqual([3, 3]);
  });
});

async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !ok(); i++) await new Promise((r) => setTimeout(r, 25));
  expect(ok()).toBe(true);
}
