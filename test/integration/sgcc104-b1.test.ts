/**
 * Dialect B1 (docs/protocols/state-grid-dialects.md §3) end to end: a B1 charger on a real socket
 * (one-octet lengths, no IOA in private ASDUs, the `68 01 02` login), the real gateway with a
 * `codec: sgcc104` listener whose mapping is the B1 catalogue itself, and ocpp-rpc in strict mode as
 * CSMS. B1 has no remote start (RequestStartTransaction is answered Rejected, NotSupported) and no
 * stop result: a RequestStopTransaction is Accepted once the charger is seen stopping.
 */
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { TI } from '../../src/iec104/constants.js';
import { RedisStore } from '../../src/store/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { ago, fastMeterValues, repoFile, sgGatewayEachTest, simulatedCardSession } from '../support/sgcc104-gateway.js';
import type { SgCharger } from '../support/sgcc104-charger.js';
import { until } from '../support/station.js';

const b1 = loadDialect('b1');
const ID = '8401011011112213';
const CARD = '1000200030004000';
const SERIAL = `${ID}2612071600030001`;

const gateways = sgGatewayEachTest();
/** The interrogation answer: the gun idle. */
const idle = (c: SgCharger): void => c.send('monitoring', { workState: 2, plugged: 0, energyRegister: 200 });

describe('a B1 charger through the gateway', () => {
  it('boots, is interrogated, starts by card, reports meter values, stops on request and bills its record once', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b1.yaml'));
    const c = await rig.charger(b1, ID, idle);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'BootNotification');
    await until(() => c.standards.some((a) => a.typeId === TI.C_IC_NA_1), 'the general interrogation');
    await c.record('clockSync');
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    await fastMeterValues(rig.csms, ID);
    const client = await rig.csms.client(ID);

    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'APP01', type: 'Central' }, evseId: 1, remoteStartId: 1 })).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'NotSupported' },
    });

    c.send('cardAuthRequest', { idToken: CARD, password: '135790' });
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'Authorize');
    expect((await c.record('cardAuthResult')).values).toMatchObject({ physicalCard: CARD, success: 1, failReason: 0 });

    // Charging follows the accepted card; the monitoring record names the order.
    c.send('monitoring', { workState: 3, plugged: 1, voltage: 220, current: 16, energyRegister: 200, transactionId: SERIAL });
    const started = await rig.transactionEvent(ID, 'Started');
    expect(started).toMatchObject({ idToken: { idToken: CARD, type: 'ISO14443' } });
    // Periodic values are due a TxUpdatedInterval (1 s) after the start.
    await new Promise((r) => setTimeout(r, 1100));
    c.send('monitoring', { workState: 3, plugged: 1, voltage: 220, current: 16, energyRegister: 200.4, transactionId: SERIAL });
    await until(() => rig.transactionEvents(ID).some((e) => e['eventType'] === 'Updated' && JSON.stringify(e['meterValue'] ?? []).includes('200400')) === true, 'meter values');

    const txId = (started['transactionInfo'] as { transactionId: string }).transactionId;
    const stopping = client.call('RequestStopTransaction', { transactionId: txId });
    await c.record('remoteStop');
    c.send('monitoring', { workState: 4, plugged: 1, energyRegister: 200.5, transactionId: SERIAL });
    expect(await stopping).toMatchObject({ status: 'Accepted' });

    const record = {
      transactionId: SERIAL,
      idToken: CARD,
      startTime: ago(300),
      endTime: ago(1),
      energy: 0.5,
      endReason: 3,
      periods: { flat: { energy: 0.5 } },
    };
    c.send('chargeRecord', record);
    const ended = await rig.transactionEvent(ID, 'Ended');
    expect(ended).toMatchObject({ transactionInfo: { transactionId: txId, stoppedReason: 'Remote' }, customData: { legacyTransactionId: SERIAL, periods: [{ period: 'flat', energyWh: 500 }] } });
    await c.record('chargeRecordConfirm');
    c.send('chargeRecord', record);
    await c.record('chargeRecordConfirm', 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.transactionEvents(ID).filter((e) => e['eventType'] === 'Ended')).toHaveLength(1);
    expect(JSON.stringify(rig.lines())).not.toContain('135790');
  }, 40_000);

  it('bills a card session whose record carries an all-zero serial once, as a whole transaction, and confirms it (zeroSerial: derive)', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b1.yaml'));
    const c = await rig.charger(b1, ID, idle);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    c.send('cardAuthRequest', { idToken: CARD });
    await c.record('cardAuthResult');
    const ZERO = '0'.repeat(32);
    c.send('monitoring', { workState: 3, plugged: 1, energyRegister: 200, transactionId: ZERO });
    c.send('monitoring', { workState: 4, plugged: 1, energyRegister: 200.5, transactionId: ZERO });
    const record = { transactionId: ZERO, idToken: CARD, startTime: ago(300), endTime: ago(1), energy: 0.5, endReason: 1, periods: { flat: { energy: 0.5 } } };
    c.send('chargeRecord', record);
    const ended = await rig.transactionEvent(ID, 'Ended');
    const started = await rig.transactionEvent(ID, 'Started');
    expect(started).toMatchObject({ idToken: { idToken: CARD }, transactionInfo: { transactionId: (ended['transactionInfo'] as { transactionId: string }).transactionId } });
    expect(ended).toMatchObject({ transactionInfo: { stoppedReason: 'EVDisconnected' }, customData: { legacyTransactionId: expect.stringMatching(new RegExp(`^${ID}-1-\\d{14}$`)) } });
    expect((await c.record('chargeRecordConfirm')).values).toMatchObject({ transactionId: ZERO, result: 1 });
    c.send('chargeRecord', record);
    await c.record('chargeRecordConfirm', 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.transactionEvents(ID).filter((e) => e['eventType'] === 'Ended')).toHaveLength(1);
    expect(rig.transactionEvents(ID).filter((e) => e['eventType'] === 'Started')).toHaveLength(1);
  }, 30_000);

  it('bills an offline record (type 5) of a session it never saw, sent after a reconnect: one whole transaction, confirmed once queued, a resend not billed again', async () => {
    const redis = await startRedisServer();
    const store = new RedisStore(redis.url);
    gateways.after(
      () => store.close(),
      () => redis.dispose(),
    );
    // The CSMS answers TransactionEvents late: the events stay queued while the confirmation goes out.
    const rig = await gateways.start(repoFile('mappings/sgcc104/b1.yaml'), { store: `{ redis: ${JSON.stringify(redis.url)} }`, csms: { replyDelayMs: { TransactionEvent: 1_500 } } });
    const first = await rig.charger(b1, ID, idle);
    await first.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    first.close();
    await until(() => rig.lines().some((l) => l['msg'] === 'charger running -> closed' && l['reason'] === 'charger disconnected'), 'the gateway to see the charger gone');

    const queuedAtConfirm: Promise<string[]>[] = [];
    const c = await rig.charger(b1, ID, idle, (r) => {
      if (r.spec.name === 'chargeRecordConfirm') queuedAtConfirm.push(store.peek(ID, 'tx', 10).then((entries) => entries.map((e) => (e.item as { payload: { eventType: string } }).payload.eventType)));
    });
    await c.up();
    const serial = `${ID}2612071500050001`;
    const startTime = ago(3600);
    const endTime = ago(1800);
    const record = {
      transactionId: serial,
      idToken: CARD,
      startTime,
      endTime,
      energy: 3.5,
      amount: 3.2,
      periods: { peak: { energy: 2, amount: 2 }, flat: { energy: 1.5, amount: 1.2 } },
    };
    c.send('offlineChargeRecord', record, { offlineType: 1, peakPrice: 1, flatPrice: 0.8 });
    expect((await c.record('chargeRecordConfirm')).values).toMatchObject({ transactionId: serial, result: 1 });
    expect(await Promise.all(queuedAtConfirm)).toEqual([['Started', 'Ended']]);

    const started = await rig.transactionEvent(ID, 'Started');
    const ended = await rig.transactionEvent(ID, 'Ended');
    expect(started).toMatchObject({ timestamp: startTime, idToken: { idToken: CARD, type: 'ISO14443' }, evse: { id: 1 } });
    expect(ended).toMatchObject({
      timestamp: endTime,
      transactionInfo: { transactionId: (started['transactionInfo'] as { transactionId: string }).transactionId },
      customData: {
        legacyTransactionId: serial,
        amount: 320,
        periods: [
          { period: 'peak', energyWh: 2000, amount: 200 },
          { period: 'flat', energyWh: 1500, amount: 120 },
        ],
      },
    });

    // The charger missed the confirmation and sends the record again: confirmed again, nothing billed twice.
    c.send('offlineChargeRecord', record, { offlineType: 1, peakPrice: 1, flatPrice: 0.8 });
    expect((await c.record('chargeRecordConfirm', 2)).values).toMatchObject({ transactionId: serial, result: 1 });
    await new Promise((r) => setTimeout(r, 2_000));
    expect(rig.transactionEvents(ID).map((e) => e['eventType'])).toEqual(['Started', 'Ended']);
  }, 40_000);

  it('answers a refused card with the dialect fail reason', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b1.yaml'), { csms: { authorize: () => 'Blocked' } });
    const c = await rig.charger(b1, ID, idle);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    c.send('cardAuthRequest', { idToken: CARD });
    expect((await c.record('cardAuthResult')).values).toMatchObject({ success: 0, failReason: 4 });
  }, 20_000);

  it('the catalogue-driven simulator runs a card session through the gateway: Started, Ended, its record confirmed', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b1.yaml'));
    const sim = await rig.simulator(b1, '8401011011112299');
    const { started, ended } = await simulatedCardSession(rig, sim, '1000200030009999', 'socLimitReached');
    expect(started).toMatchObject({ idToken: { idToken: '1000200030009999', type: 'ISO14443' } });
    expect(ended).toMatchObject({ transactionInfo: { stoppedReason: 'SOCLimitReached' } });
    expect(ended['customData']).toMatchObject({ legacyTransactionId: sim.outbox.confirmed[0] });
  }, 30_000);

  it('closes on the login of a charger it does not serve without answering it, and the CSMS hears nothing of it', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b1.yaml'), { stations: '{}' });
    const c = await rig.charger(b1, ID);
    c.login();
    await until(() => c.closed, 'the gateway to close the connection');
    expect(c.loginAnswers).toEqual([]);
    expect(rig.csms.calls.filter((x) => x.identity === ID)).toEqual([]);
  }, 20_000);
});
