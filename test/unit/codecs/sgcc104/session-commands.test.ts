/**
 * A family-B session's card authentication and remote start and stop, pure: each command's fate is
 * what the charger answered in the record the catalogue names, within the command timeout, and a
 * dialect without the record says so.
 */
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { sgRig } from '../../../support/sgcc104-session.js';

const b1 = loadDialect('b1');
const b2 = loadDialect('b2');
const b3 = loadDialect('b3');
const SERIAL = '31000000000100192612071601000001';

describe('sgcc104 session: card authentication', () => {
  it('raises the request without its passwords and answers with the dialect fields once the host decided', () => {
    const r = sgRig(b3);
    r.up();
    r.record('cardAuthRequest', { connector: 1, idToken: '1234567890123456', password: '654321' }, { cardPassword: 'secret-pin' });
    const [req] = r.eventsOf('authorizationRequest');
    expect(req).toMatchObject({ connector: 1, idToken: { id: '1234567890123456', type: 'card' } });
    expect(JSON.stringify(r.logs)).not.toMatch(/654321|secret-pin/);
    expect(JSON.stringify(r.events)).not.toMatch(/654321|secret-pin/);
    expect(
      r.session.command({
        type: 'authorize',
        id: 'a1',
        connector: 1,
        idToken: { id: '1234567890123456', type: 'card' },
        accepted: true,
        ...(req?.requestId !== undefined ? { requestId: req.requestId } : {}),
      }),
    ).toEqual({
      status: 'sent',
    });
    const [answer] = r.records('cardAuthAnswer');
    expect(answer?.values).toMatchObject({ chargerId: '3100000000010019', gun: 1, physicalCard: '1234567890123456', success: 1, failReason: 0 });
    expect(r.resultOf('a1')).toMatchObject({ status: 'completed' });
  });

  it('maps the CSMS refusal through the dialect fail reasons, its default or Invalid otherwise', () => {
    const r = sgRig(b2);
    r.up('1000000000000001');
    // The catalogue's own codes: the word's, else its default's.
    const table = [...(b2.values.get('failReason') ?? new Map<number, string>())];
    const codeOf = (word: string): number | undefined => table.find(([, w]) => w === word)?.[0];
    for (const [reason, code] of [
      ['Blocked', codeOf('Blocked')],
      ['NoCredit', codeOf('NoCredit')],
      ['ConcurrentTx', codeOf('default')],
    ] as const) {
      expect(code).toBeDefined();
      r.record('cardAuthRequest', { connector: 1, idToken: '1111222233334444' });
      const req = r.eventsOf('authorizationRequest').at(-1);
      r.session.command({
        type: 'authorize',
        id: `a-${reason}`,
        connector: 1,
        idToken: { id: '1111222233334444', type: 'card' },
        accepted: false,
        reason,
        ...(req?.requestId !== undefined ? { requestId: req.requestId } : {}),
      });
      expect(r.records('cardAuthAnswer').at(-1)?.values).toMatchObject({ success: 0, failReason: code });
    }
  });

  it('answers each of two waiting requests by its own id, and refuses an answer nothing waits for', () => {
    const r = sgRig(b3);
    r.up();
    r.record('cardAuthRequest', { connector: 1, idToken: '1000000000000001' });
    r.record('cardAuthRequest', { connector: 1, idToken: '2000000000000002' });
    const [first, second] = r.eventsOf('authorizationRequest');
    r.session.command({ type: 'authorize', id: 'x2', connector: 1, idToken: { id: '2000000000000002', type: 'card' }, accepted: true, requestId: second?.requestId ?? '' });
    r.session.command({ type: 'authorize', id: 'x1', connector: 1, idToken: { id: '1000000000000001', type: 'card' }, accepted: false, reason: 'Expired', requestId: first?.requestId ?? '' });
    expect(r.records('cardAuthAnswer').map((a) => [a.values['physicalCard'], a.values['success']])).toEqual([
      ['2000000000000002', 1],
      ['1000000000000001', 0],
    ]);
    expect(r.session.command({ type: 'authorize', id: 'x3', connector: 1, idToken: { id: '1', type: 'card' }, accepted: true, requestId: 'none' })).toMatchObject({ status: 'rejected' });
  });

  it('gives the session that follows an accepted card that card, where the charger names none (B1)', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    r.record('cardAuthRequest', { idToken: '1000200030004000' });
    const req = r.eventsOf('authorizationRequest')[0];
    r.session.command({ type: 'authorize', id: 'a1', connector: 1, idToken: { id: '1000200030004000', type: 'card' }, accepted: true, requestId: req?.requestId ?? '' });
    r.record('monitoring', { workState: 3, transactionId: SERIAL });
    expect(r.eventsOf('sessionStarted')).toMatchObject([{ legacyTransactionId: SERIAL, idToken: { id: '1000200030004000', type: 'card' } }]);
  });

  it('reports a card start notice as a session and answers it (B2)', () => {
    const r = sgRig(b2);
    r.up('1000000000000001');
    r.record('sessionStart', { connector: 1, transactionId: SERIAL, idToken: '1111222233334444', startTime: '2026-12-07T07:59:00.000Z', meterStart: 100.5 });
    expect(r.eventsOf('sessionStarted')).toEqual([
      { type: 'sessionStarted', connector: 1, legacyTransactionId: SERIAL, idToken: { id: '1111222233334444', type: 'card' }, meterStartWh: 100500, at: '2026-12-07T07:59:00.000Z' },
    ]);
    expect(r.records('sessionStartConfirm')[0]?.values).toMatchObject({ chargerId: '1000000000000001', gun: 1, transactionId: SERIAL, result: 1 });
  });
});

describe('sgcc104 session: remote start and stop', () => {
  it('starts with the remote start record and completes on the charger accepting it, reporting its session (B3)', () => {
    const r = sgRig(b3);
    r.up();
    expect(r.session.command({ type: 'startCharging', id: 's1', connector: 1, idToken: { id: '1234', type: 'app' } })).toEqual({ status: 'sent' });
    expect(r.records('remoteStart')[0]?.values).toMatchObject({ chargerId: '3100000000010019', gun: 1, userId: '0000000000001234' });
    expect(r.resultOf('s1')).toBeUndefined();
    r.record('startResult', { connector: 1, transactionId: SERIAL, result: 1 });
    expect(r.resultOf('s1')).toMatchObject({ status: 'completed' });
    expect(r.eventsOf('sessionStarted')).toMatchObject([{ connector: 1, legacyTransactionId: SERIAL, commandId: 's1' }]);
  });

  it.each([
    ['not digits, for a BCD field', 'APP-USER-7'],
    ['more digits than the BCD field holds', '12345678901234567'],
  ])('refuses a start whose token the remote start record cannot carry (%s): nothing sent', (_what, token) => {
    const r = sgRig(b3);
    r.up();
    const outcome = r.session.command({ type: 'startCharging', id: 's1', connector: 1, idToken: { id: token, type: 'app' } });
    expect(outcome).toMatchObject({ status: 'rejected', reason: expect.stringMatching(/token .* cannot be carried by userId \(bcd, 8 octets\)/) });
    expect(r.records('remoteStart')).toEqual([]);
    // The start can be asked again with a token that fits.
    expect(r.session.command({ type: 'startCharging', id: 's2', connector: 1, idToken: { id: '1234567890123456', type: 'app' } })).toEqual({ status: 'sent' });
    expect(r.records('remoteStart')[0]?.values['userId']).toBe('1234567890123456');
  });

  it('rejects with the charger reason when it refuses, and times out when it stays silent', () => {
    const r = sgRig(b2, { commandTimeoutMs: 3000 });
    r.up('1000000000000001');
    r.session.command({ type: 'startCharging', id: 's1', connector: 1 });
    r.record('startResult', { connector: 1, result: 0, failReason: 2 });
    expect(r.resultOf('s1')).toMatchObject({ status: 'rejected', reason: 'the charger refused the start: NoCredit', raw: 2 });
    // A code the table does not name is still the charger's reason, as its number.
    r.session.command({ type: 'startCharging', id: 's0', connector: 1 });
    r.record('startResult', { connector: 1, result: 0, failReason: 77 });
    expect(r.resultOf('s0')).toMatchObject({ status: 'rejected', reason: 'the charger refused the start: fail reason 77', raw: 77 });
    r.session.command({ type: 'startCharging', id: 's2', connector: 1 });
    expect(r.session.command({ type: 'startCharging', id: 's3', connector: 1 })).toMatchObject({ status: 'rejected' });
    r.clock.advance(2999);
    expect(r.resultOf('s2')).toBeUndefined();
    r.clock.advance(1);
    expect(r.resultOf('s2')).toMatchObject({ status: 'timeout', reason: 'the charger sent no startResult within 3 s' });
  });

  it('gives the session a start result without a serial belongs to its remote start (B2)', () => {
    const r = sgRig(b2);
    r.up('1000000000000001');
    r.session.command({ type: 'startCharging', id: 's1', connector: 1 });
    r.record('startResult', { connector: 1, result: 1 });
    expect(r.eventsOf('sessionStarted')).toEqual([]);
    r.record('sessionStart', { connector: 1, transactionId: SERIAL, startTime: '2026-12-07T08:00:00.000Z' });
    expect(r.eventsOf('sessionStarted')).toMatchObject([{ legacyTransactionId: SERIAL, commandId: 's1' }]);
  });

  it('says plainly that B1 has no remote start', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    const outcome = r.session.command({ type: 'startCharging', id: 's1', connector: 1 });
    expect(outcome).toEqual({ status: 'notSupported', reason: 'the b1 dialect has no remote start: its chargers start only after a card is accepted at the charger' });
    expect(r.records()).toHaveLength(1); // the clock sync only
  });

  it('stops with the remote stop record, the connector in the IOA, completed on the stop result (B3)', () => {
    const r = sgRig(b3);
    r.up();
    r.record('chargingData', { connector: 1, transactionId: SERIAL, energy: 1 });
    r.session.command({ type: 'stopCharging', id: 'p1', connector: 1 });
    const [stop] = r.records('remoteStop');
    expect(stop?.ioa).toBe(0x10);
    r.record('stopResult', { connector: 1, result: 2 });
    expect(r.resultOf('p1')).toMatchObject({ status: 'rejected' });
    r.session.command({ type: 'stopCharging', id: 'p2', connector: 1 });
    r.record('stopResult', { connector: 1, result: 1 });
    expect(r.resultOf('p2')).toMatchObject({ status: 'completed' });
  });

  it('completes a B1 stop (no result record) once the charger is seen stopping, and times out otherwise', () => {
    const r = sgRig(b1, { commandTimeoutMs: 5000 });
    r.up('8401011011112213');
    r.record('monitoring', { workState: 3, transactionId: SERIAL, energyRegister: 10 });
    expect(r.eventsOf('sessionStarted')).toMatchObject([{ connector: 1, legacyTransactionId: SERIAL }]);
    r.session.command({ type: 'stopCharging', id: 'p1', connector: 1 });
    expect(r.records('remoteStop')).toHaveLength(1);
    r.record('monitoring', { workState: 3, transactionId: SERIAL, energyRegister: 10.5 });
    expect(r.resultOf('p1')).toBeUndefined();
    r.record('monitoring', { workState: 4, transactionId: SERIAL, energyRegister: 10.6 });
    expect(r.resultOf('p1')).toMatchObject({ status: 'completed' });
    r.session.command({ type: 'stopCharging', id: 'p2', connector: 1 });
    r.clock.advance(5000);
    expect(r.resultOf('p2')).toMatchObject({ status: 'timeout', reason: 'the charger was not seen stopping within 5 s' });
  });

  it('fails the commands waiting when the connection closes, and refuses commands afterwards', () => {
    const r = sgRig(b3);
    r.up();
    r.session.command({ type: 'startCharging', id: 's1', connector: 1 });
    r.session.stop('socket closed');
    expect(r.resultOf('s1')).toMatchObject({ status: 'failed', reason: 'connection closed: socket closed' });
    expect(r.session.command({ type: 'startCharging', id: 's2', connector: 1 })).toMatchObject({ status: 'rejected' });
  });

  it('refuses a start or stop once the link is stopping or stopped (goodbye), instead of queueing it where it never goes', async () => {
    const r = sgRig(b3);
    r.up();
    void r.session.goodbye?.();
    expect(r.session.command({ type: 'startCharging', id: 's1', connector: 1 })).toEqual({ status: 'rejected', reason: 'IEC 104 link is stopping' });
    r.u('STOPDT_CON');
    await Promise.resolve();
    expect(r.session.command({ type: 'stopCharging', id: 'p1', connector: 1 })).toEqual({ status: 'rejected', reason: 'IEC 104 link is stopped' });
    expect(r.records('remoteStart')).toEqual([]);
    expect(r.records('remoteStop')).toEqual([]);
  });

  it('refuses a connector the charger does not have and counts a result nothing waits for', () => {
    const r = sgRig(b3);
    r.up();
    expect(r.session.command({ type: 'startCharging', id: 's1', connector: 2 })).toEqual({ status: 'rejected', reason: 'no connector 2' });
    r.record('stopResult', { connector: 1, result: 1 });
    expect(r.ignored).toEqual(['unsolicited']);
  });

  it('settles no command of another connector with a result naming a gun the charger does not have', () => {
    const r = sgRig({ ...b3, connectors: 2 }, { commandTimeoutMs: 5000 });
    r.up();
    expect(r.session.command({ type: 'startCharging', id: 's2', connector: 2 })).toEqual({ status: 'sent' });
    // Gun 0 is no connector in a dialect numbering its guns from 1.
    r.record('startResult', { connector: 0, transactionId: SERIAL, result: 1 });
    expect(r.resultOf('s2')).toBeUndefined();
    expect(r.eventsOf('sessionStarted')).toEqual([]);
    expect(r.ignored).toEqual(['unsolicited']);
    r.record('startResult', { connector: 2, transactionId: SERIAL, result: 1 });
    expect(r.resultOf('s2')).toMatchObject({ status: 'completed' });
  });
});
