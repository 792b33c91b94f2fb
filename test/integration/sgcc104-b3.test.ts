/**
 * Dialect B3 (docs/protocols/state-grid-dialects.md §5) end to end: a B3 charger on a real socket
 * (two-octet lengths, seven-octet U-frames, digit-reversed ids), the real gateway with a
 * `codec: sgcc104` listener whose options name `dialect: b3`, and ocpp-rpc in strict mode as CSMS.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { fastMeterValues, simulatedCardSession, startSgGateway, tempFile, type SgGateway } from '../support/sgcc104-gateway.js';
import { RedisStore } from '../../src/store/redis.js';
import { startRedisServer } from '../support/redis-server.js';
import { until } from '../support/station.js';

const b3 = loadDialect('b3');
const ID = '3100000000010019';
const CARD = '1234567890123456';

const OPTIONS = `dialect: b3
timeZone: Asia/Shanghai
commandTimeoutS: 3
tariff:
  billingModelId: '0000000000000001'
  prices:
    tip: { energy: 1.2, service: 0.8 }
    peak: { energy: 1.0, service: 0.8 }
    flat: { energy: 0.7, service: 0.6 }
    valley: { energy: 0.35, service: 0.4 }
  periods:
    - { from: '00:00', slot: valley }
    - { from: '08:00', slot: peak }
    - { from: '22:00', slot: valley }
`;

let rig: SgGateway | undefined;
/** What a test started beside the gateway, closed after it. */
const after: (() => Promise<void>)[] = [];

afterEach(async () => {
  const failures = rig?.csms.strictFailures ?? [];
  await rig?.close();
  rig = undefined;
  for (const f of after.splice(0)) await f();
  expect(failures).toEqual([]);
});

const ago = (s: number): string => new Date(Date.now() - s * 1000).toISOString();

/** A plausible B3 charge record of the session `serial`: 0.6 kWh in 10 minutes, its periods adding up. */
function chargeRecord(serial: string, endReason: number) {
  return {
    connector: 1,
    transactionId: serial,
    idToken: CARD,
    startTime: ago(600),
    endTime: ago(1),
    meterStart: 100,
    meterStop: 100.6,
    energy: 0.6,
    amount: 0.9,
    endReason,
    periods: { peak: { energy: 0.4, amount: 0.72 }, valley: { energy: 0.2, amount: 0.18 } },
  };
}

describe('a B3 charger through the gateway', () => {
  it('boots from its login; card start, meter values, charge record -> Ended with periods, confirmed once queued and again when resent', async () => {
    rig = await startSgGateway(tempFile('b3-options.yaml', OPTIONS));
    const c = await rig.charger(b3, ID);
    await c.up();
    expect(c.loginAnswers[0]?.subarray(13, 21).toString('hex')).toBe('1900010000000031');
    const boot = await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'BootNotification');
    expect(boot.params).toMatchObject({ reason: 'PowerUp' });
    await c.record('clockSync');

    c.send('billingModelRequest', { connector: 1 });
    const model = await c.record('billingModel');
    expect(model.values).toMatchObject({ billingModelId: '0000000000000001', periodCount: 3 });

    c.send('monitoring', { connector: 1, plugged: 1, workState: 2, voltage: 0, current: 0, energyRegister: 100 });
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    await fastMeterValues(rig.csms, ID);

    c.send('cardAuthRequest', { connector: 1, idToken: CARD, password: '778899' });
    const auth = await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'Authorize');
    expect(auth.params).toMatchObject({ idToken: { idToken: CARD, type: 'ISO14443' } });
    const answer = await c.record('cardAuthAnswer');
    expect(answer.values).toMatchObject({ physicalCard: CARD, success: 1 });

    const serial = `${ID}2612071600010001`;
    c.send('monitoring', { connector: 1, plugged: 1, workState: 3, voltage: 750, current: 20, energyRegister: 100 });
    c.send('chargingData', { connector: 1, transactionId: serial, idToken: CARD, startTime: ago(600), energy: 0.3, meterStart: 100, meterStop: 100.3 });
    const started = await rig.transactionEvent(ID, 'Started');
    expect(started).toMatchObject({ evse: { id: 1 }, idToken: { idToken: CARD }, transactionInfo: { chargingState: 'Charging' } });
    c.send('chargingData', { connector: 1, transactionId: serial, idToken: CARD, startTime: ago(600), energy: 0.5, meterStart: 100, meterStop: 100.5 });
    await until(
      () => rig?.transactionEvents(ID).some((e) => e['eventType'] === 'Updated' && JSON.stringify(e['meterValue'] ?? []).includes('100500')) === true,
      'an Updated event with the 100.5 kWh register',
    );

    c.send('chargeRecord', chargeRecord(serial, 3));
    const ended = await rig.transactionEvent(ID, 'Ended');
    expect(ended).toMatchObject({
      transactionInfo: { transactionId: (started['transactionInfo'] as { transactionId: string }).transactionId, stoppedReason: 'Remote' },
      customData: {
        legacyTransactionId: serial,
        amount: 90,
        periods: [
          { period: 'peak', energyWh: 400, amount: 72 },
          { period: 'valley', energyWh: 200, amount: 18 },
        ],
      },
    });
    const confirm = await c.record('chargeRecordConfirm');
    expect(confirm.values).toMatchObject({ transactionId: serial, result: 1 });

    // The charger did not get the confirmation and sends the record again: confirmed again, no second Ended.
    c.send('chargeRecord', chargeRecord(serial, 3));
    await c.record('chargeRecordConfirm', 2);
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.transactionEvents(ID).filter((e) => e['eventType'] === 'Ended')).toHaveLength(1);
    // The password of the card never reached a log line.
    expect(JSON.stringify(rig.lines())).not.toContain('778899');
  }, 40_000);

  it('remote start and stop: answered with what the charger did (its result records)', async () => {
    rig = await startSgGateway(tempFile('b3-options.yaml', OPTIONS));
    const c = await rig.charger(b3, ID);
    await c.up();
    c.send('monitoring', { connector: 1, plugged: 1, workState: 2, energyRegister: 100 });
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    const client = await rig.csms.client(ID);

    // A token its BCD user field cannot carry: refused by the gateway, nothing sent to the charger.
    expect(await client.call('RequestStartTransaction', { idToken: { idToken: 'APP01', type: 'Central' }, evseId: 1, remoteStartId: 9 })).toMatchObject({
      status: 'Rejected',
      statusInfo: { reasonCode: 'NotSent', additionalInfo: expect.stringContaining('cannot be carried by userId') },
    });
    expect(c.records('remoteStart')).toEqual([]);

    // Refused by the charger.
    const refused = client.call('RequestStartTransaction', { idToken: { idToken: '2001', type: 'Central' }, evseId: 1, remoteStartId: 1 });
    await c.record('remoteStart');
    c.send('startResult', { connector: 1, result: 2 });
    expect(await refused).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused' } });

    const serial = `${ID}2612071600020001`;
    const accepted = client.call('RequestStartTransaction', { idToken: { idToken: '2001', type: 'Central' }, evseId: 1, remoteStartId: 2 });
    await c.record('remoteStart', 2);
    c.send('startResult', { connector: 1, transactionId: serial, result: 1 });
    expect(await accepted).toMatchObject({ status: 'Accepted' });
    const started = await rig.transactionEvent(ID, 'Started');
    expect(started).toMatchObject({ triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 2 } });

    const txId = (started['transactionInfo'] as { transactionId: string }).transactionId;
    const stopping = client.call('RequestStopTransaction', { transactionId: txId });
    const stop = await c.record('remoteStop');
    expect(stop.ioa).toBe(0x10);
    c.send('stopResult', { connector: 1, result: 1 });
    expect(await stopping).toMatchObject({ status: 'Accepted' });
    c.send('chargeRecord', chargeRecord(serial, 3));
    expect(await rig.transactionEvent(ID, 'Ended')).toMatchObject({ transactionInfo: { transactionId: txId, stoppedReason: 'Remote' } });
    await c.record('chargeRecordConfirm');
  }, 40_000);

  it('the catalogue-driven simulator runs a card session through the gateway: Started, Ended, its record confirmed', async () => {
    rig = await startSgGateway(tempFile('b3-options.yaml', OPTIONS));
    const sim = await rig.simulator(b3, '3100000000010020');
    const { started, ended } = await simulatedCardSession(rig, sim, '1234567890123457', 'evDisconnected');
    expect(started).toMatchObject({ idToken: { idToken: '1234567890123457', type: 'ISO14443' } });
    expect(ended).toMatchObject({ transactionInfo: { stoppedReason: 'EVDisconnected' } });
    expect(ended['customData']).toMatchObject({ legacyTransactionId: sim.outbox.confirmed[0] });
  }, 30_000);

  it('confirms a charge record only once its Ended event is in the durable queue (Redis)', async () => {
    const redis = await startRedisServer();
    const store = new RedisStore(redis.url);
    after.push(
      () => store.close(),
      () => redis.dispose(),
    );
    // The CSMS answers TransactionEvents late: the Ended stays queued while the confirmation goes out.
    rig = await startSgGateway(tempFile('b3-options.yaml', OPTIONS), { store: `{ redis: ${JSON.stringify(redis.url)} }`, csms: { replyDelayMs: { TransactionEvent: 1_500 } } });
    const queuedAtConfirm: Promise<string[]>[] = [];
    const c = await rig.charger(b3, ID, undefined, (r) => {
      if (r.spec.name === 'chargeRecordConfirm') queuedAtConfirm.push(store.peek(ID, 'tx', 10).then((entries) => entries.map((e) => (e.item as { payload: { eventType: string } }).payload.eventType)));
    });
    await c.up();
    c.send('monitoring', { connector: 1, plugged: 1, workState: 2, energyRegister: 100 });
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    const serial = `${ID}2612071600060001`;
    c.send('chargingData', { connector: 1, transactionId: serial, idToken: CARD, startTime: ago(600), energy: 0.1, meterStart: 100, meterStop: 100.1 });
    c.send('chargeRecord', chargeRecord(serial, 1));
    await c.record('chargeRecordConfirm');
    expect(await Promise.all(queuedAtConfirm)).toEqual([expect.arrayContaining(['Ended']) as unknown]);
    expect(await rig.transactionEvent(ID, 'Ended')).toMatchObject({ customData: { legacyTransactionId: serial } });
  }, 40_000);

  it('counts unknown and unreadable records as ignored (metrics), never as bad frames, and stays connected', async () => {
    rig = await startSgGateway(tempFile('b3-options.yaml', OPTIONS));
    const c = await rig.charger(b3, ID);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'BootNotification');
    // An unknown record type, a billing model request cut short, one whose terminal id has a nibble above 9.
    c.sendAsdu(Buffer.from([0x82, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xee, 0x01]));
    c.sendAsdu(Buffer.from([0x82, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x19]));
    c.sendAsdu(Buffer.from([0x82, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x1a, 0, 0, 0, 0, 0, 0, 0x31, 0x01]));
    const ignored = (text: string, reason: string): number =>
      Number(/ (\d+)$/.exec(text.split('\n').find((l) => l.startsWith(`pilegate_frames_ignored_total{codec="sgcc104",reason="${reason}"}`)) ?? '')?.[1] ?? 0);
    let text = await rig.metrics();
    for (const end = Date.now() + 5000; !(ignored(text, 'malformed') === 2 && ignored(text, 'unknown_type') === 1); text = await rig.metrics()) {
      if (Date.now() > end) throw new Error(`the ignored records are not in the metrics:\n${text}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).not.toMatch(/pilegate_decode_errors_total\{code="SGCC104/);
    // Still served: a monitoring record after them is reported.
    c.send('monitoring', { connector: 1, plugged: 0, workState: 2, energyRegister: 100 });
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    expect(c.closed).toBe(false);
  }, 30_000);
});
