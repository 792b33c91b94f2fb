/**
 * A token the CSMS does not accept in its answer to a TransactionEvent (E05, with the
 * Authorization Cache's C10-C12) against ocpp-rpc's strict RPCServer: with
 * TxCtrlr.StopTxOnInvalidId true the charger is told to stop and the transaction ends, as
 * DeAuthorized, only when the charger's session ends; a charger that does not stop leaves the
 * transaction running, and says so in the log; with StopTxOnInvalidId false it goes on.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CommandResultEvent } from '../../src/model/events.js';
import type { ChargerCommand } from '../../src/model/commands.js';
import { startCsms, type StationCall, type TestCsms } from '../support/csms.js';
import { createStation, CONFIRM_ALL, endStrict, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

/** A CSMS that answers every TransactionEvent carrying the token BAD with Invalid. */
const refusingCsms = (): Promise<TestCsms> =>
  startCsms({ transactionEventIdTokenInfo: (_id, params) => ((params['idToken'] as { idToken?: string } | undefined)?.idToken === 'BAD' ? { status: 'Invalid' } : undefined) });

async function booted(c: TestCsms, id: string, answer: (command: ChargerCommand) => CommandResultEvent['status'] | undefined, preset: Record<string, string> = {}): Promise<TestStation> {
  const s = await createStation({ id, url: c.url, preset, answer });
  stations.push(s);
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted' && s.engine.connectionState === 'open', 'accepted', 10_000);
  return s;
}

const at = (): string => new Date().toISOString();

/** The charger starts a session for card BAD on connector 1 (authorized locally, e.g. from the cache). */
function startBad(s: TestStation): void {
  s.engine.chargerEvent({ type: 'sessionStarted', connector: 1, legacyTransactionId: 'L-BAD', at: at(), idToken: { id: 'BAD', type: 'card' }, meterStartWh: 1000 });
}

const ended = (c: TestCsms): StationCall[] => c.calls.filter((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended');
const stops = (s: TestStation): ChargerCommand[] => s.commands.filter((c) => c.type === 'stopCharging');

describe('TransactionEventResponse with a token not Accepted', () => {
  it('StopTxOnInvalidId true: the charger is told to stop, and its session end is the Ended event, Deauthorized / DeAuthorized', async () => {
    csms = await refusingCsms();
    const s = await booted(csms, 'CS-INVALID-STOP', CONFIRM_ALL);
    startBad(s);
    await until(() => stops(s).length === 1, 'the stop command', 10_000);
    expect(stops(s)[0]).toMatchObject({ type: 'stopCharging', connector: 1 });
    await until(() => s.logs.some((l) => l.message.startsWith('charger stopped the transaction')), 'the charger confirmed', 10_000);
    await s.engine.settled();
    // Only the charger's own session end ends the transaction.
    expect(ended(csms)).toHaveLength(0);

    s.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-BAD', meterStopWh: 1200, at: at(), reason: 'remote' });
    const end = await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 10_000);
    expect(end.params['triggerReason']).toBe('Deauthorized');
    expect((end.params['transactionInfo'] as { stoppedReason?: string }).stoppedReason).toBe('DeAuthorized');
  }, 30_000);

  it('the mark is kept with the transaction: after an engine restart the session end is still DeAuthorized', async () => {
    csms = await refusingCsms();
    const s = await booted(csms, 'CS-INVALID-RESTART', CONFIRM_ALL);
    startBad(s);
    await until(() => s.logs.some((l) => l.message.startsWith('charger stopped the transaction')), 'the charger confirmed', 10_000);
    await s.engine.settled();
    await s.engine.stop();
    stations.splice(stations.indexOf(s), 1);

    const again = await createStation({ id: 'CS-INVALID-RESTART', url: csms.url, store: s.store, answer: CONFIRM_ALL });
    stations.push(again);
    again.engine.start();
    await until(() => again.engine.bootState === 'accepted', 'accepted again', 10_000);
    again.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-BAD', meterStopWh: 1200, at: at(), reason: 'remote' });
    const end = await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 10_000);
    expect(end.params['triggerReason']).toBe('Deauthorized');
    expect((end.params['transactionInfo'] as { stoppedReason?: string }).stoppedReason).toBe('DeAuthorized');
  }, 30_000);

  it('StopTxOnInvalidId true but the charger refuses to stop: the transaction goes on, and the log says so', async () => {
    csms = await refusingCsms();
    const s = await booted(csms, 'CS-INVALID-REFUSED', (c) => (c.type === 'stopCharging' ? 'rejected' : 'accepted'));
    startBad(s);
    await until(() => s.logs.some((l) => l.level === 'warn' && l.message.startsWith('charger did not stop the deauthorized transaction')), 'the refusal logged', 10_000);
    await s.engine.settled();
    expect(ended(csms)).toHaveLength(0);
    expect(s.logs.find((l) => l.message.startsWith('charger did not stop'))?.data).toMatchObject({ connector: 1, status: 'Invalid', reasonCode: 'ChargerRefused' });
    const started = await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Started');
    const transactionId = (started.params['transactionInfo'] as { transactionId: string }).transactionId;
    const client = await csms.client('CS-INVALID-REFUSED');
    expect(await client.call('GetTransactionStatus', { transactionId })).toMatchObject({ ongoingIndicator: true });

    // A later stop (here a remote one) is not the deauthorization's: it ends with its own reason.
    s.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-BAD', meterStopWh: 1500, at: at(), reason: 'remote' });
    const end = await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 10_000);
    expect(end.params['triggerReason']).toBe('RemoteStop');
    expect((end.params['transactionInfo'] as { stoppedReason?: string }).stoppedReason).toBe('Remote');
  }, 30_000);

  it('StopTxOnInvalidId false: no stop command, the transaction goes on', async () => {
    csms = await refusingCsms();
    const s = await booted(csms, 'CS-INVALID-GOON', CONFIRM_ALL, { 'TxCtrlr.StopTxOnInvalidId': 'false' });
    startBad(s);
    await until(() => s.logs.some((l) => l.message.startsWith('token not accepted for a running transaction: it goes on')), 'the decision logged', 10_000);
    await s.engine.settled();
    expect(stops(s)).toHaveLength(0);
    expect(ended(csms)).toHaveLength(0);
    s.engine.chargerEvent({ type: 'sessionEnded', connector: 1, legacyTransactionId: 'L-BAD', meterStopWh: 1500, at: at(), reason: 'local' });
    const end = await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 10_000);
    expect((end.params['transactionInfo'] as { stoppedReason?: string }).stoppedReason).toBeUndefined();
  }, 30_000);

  it('an Accepted token, or an answer without idTokenInfo, stops nothing', async () => {
    csms = await startCsms({ transactionEventIdTokenInfo: (_id, params) => (params['idToken'] !== undefined ? { status: 'Accepted' } : undefined) });
    const s = await booted(csms, 'CS-INVALID-OK', CONFIRM_ALL);
    startBad(s);
    await csms.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 10_000);
    await s.engine.settled();
    expect(stops(s)).toHaveLength(0);
  }, 30_000);
});
