/**
 * Dialect B2 (docs/protocols/state-grid-dialects.md §4) end to end: a B2 charger on a real socket
 * (two-octet lengths, the additive checksum after every I-frame, the `FD 04` login), the real
 * gateway with a `codec: sgcc104` listener whose mapping is the B2 catalogue, and ocpp-rpc in
 * strict mode as CSMS. Its card sessions start with a start-charging event (record 42), answered;
 * its remote start result carries no serial: the start event that follows is the remote start's.
 */
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { sum16 } from '../../codecs/sgcc104/wire.js';
import { ago, repoFile, sgGatewayEachTest, simulatedCardSession, tempFile } from '../support/sgcc104-gateway.js';
import type { SgCharger } from '../support/sgcc104-charger.js';
import { until } from '../support/station.js';

const b2 = loadDialect('b2');
const ID = '1000000000000001';
const CARD = '6666777788889999';

const gateways = sgGatewayEachTest();
const idle = (c: SgCharger): void => c.send('monitoring', { connector: 1, plugged: 0, workState: 2, energyRegister: 50 });

function record(serial: string, endReason: number) {
  return {
    connector: 1,
    transactionId: serial,
    idToken: CARD,
    startTime: ago(900),
    endTime: ago(2),
    meterStart: 50,
    meterStop: 51,
    energy: 1,
    amount: 1.5,
    endReason,
    periods: { flat: { energy: 1, amount: 1.5 } },
  };
}

describe('a B2 charger through the gateway', () => {
  it('card session by start event: Authorize, answer, Started with the card, Ended with the record, every I-frame with its checksum', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b2.yaml'));
    const c = await rig.charger(b2, ID, idle);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'BootNotification');
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);

    c.send('cardAuthRequest', { connector: 1, idToken: CARD });
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'Authorize');
    expect((await c.record('cardAuthAnswer')).values).toMatchObject({ physicalCard: CARD, success: 1 });

    const serial = `${ID}2612071600040001`;
    c.send('sessionStart', { connector: 1, transactionId: serial, idToken: CARD, startTime: ago(900), meterStart: 50 });
    expect((await c.record('sessionStartConfirm')).values).toMatchObject({ transactionId: serial, result: 1 });
    expect(await rig.transactionEvent(ID, 'Started')).toMatchObject({ idToken: { idToken: CARD, type: 'ISO14443' } });

    c.send('chargeRecord', record(serial, 1));
    expect(await rig.transactionEvent(ID, 'Ended')).toMatchObject({ transactionInfo: { stoppedReason: 'EVDisconnected' }, customData: { legacyTransactionId: serial, amount: 150 } });
    await c.record('chargeRecordConfirm');

    // Every I-frame the gateway wrote ends in the sum of its octets from the control field (B2 v4).
    const stream = Buffer.concat(c.bytes);
    let iFrames = 0;
    for (let at = stream.indexOf(0x68); at >= 0 && at < stream.length;) {
      const length = stream.readUInt16LE(at + 1);
      const isI = ((stream[at + 3] ?? 1) & 1) === 0 && length > 4 && stream[at + 3] !== 0xfd;
      if (isI) {
        iFrames += 1;
        expect(stream.readUInt16LE(at + 3 + length)).toBe(sum16(stream, at + 3, at + 3 + length));
      }
      at += 3 + length + (isI ? 2 : 0);
    }
    expect(iFrames).toBeGreaterThanOrEqual(4);
  }, 30_000);

  it('remote start (its start event carries the serial) and remote stop, each answered by the charger result', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b2.yaml'));
    const c = await rig.charger(b2, ID, idle);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    const client = await rig.csms.client(ID);
    const starting = client.call('RequestStartTransaction', { idToken: { idToken: '42', type: 'Central' }, evseId: 1, remoteStartId: 7 });
    await c.record('remoteStart');
    c.send('startResult', { connector: 1, result: 1 });
    expect(await starting).toMatchObject({ status: 'Accepted' });
    const serial = `${ID}2612071600050001`;
    c.send('sessionStart', { connector: 1, transactionId: serial, startTime: ago(1), meterStart: 50 });
    const started = await rig.transactionEvent(ID, 'Started');
    expect(started).toMatchObject({ triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 7 } });
    const txId = (started['transactionInfo'] as { transactionId: string }).transactionId;

    const refused = client.call('RequestStopTransaction', { transactionId: txId });
    await c.record('remoteStop');
    c.send('stopResult', { connector: 1, result: 0, failReason: 5 });
    expect(await refused).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'the charger refused the stop: Blocked' } });
    const stopping = client.call('RequestStopTransaction', { transactionId: txId });
    await c.record('remoteStop', 2);
    c.send('stopResult', { connector: 1, result: 1 });
    expect(await stopping).toMatchObject({ status: 'Accepted' });
    c.send('chargeRecord', record(serial, 3));
    expect(await rig.transactionEvent(ID, 'Ended')).toMatchObject({ transactionInfo: { transactionId: txId, stoppedReason: 'Remote' } });
    await until(() => c.records('chargeRecordConfirm').length === 1, 'the confirmation');
  }, 30_000);

  it('answers a billing model request with the listener tariff: its id, periods and five-decimal prices decoded exactly', async () => {
    const options = `dialect: ${JSON.stringify(repoFile('mappings/sgcc104/b2.yaml'))}
tariff:
  billingModelId: '2026120700000042'
  prices:
    tip: { energy: 1.23456, service: 0.80001 }
    peak: { energy: 1.1, service: 0.7 }
    flat: { energy: 0.57891, service: 0.00003 }
    valley: { energy: 0.29999, service: 0.4 }
  periods:
    - { from: '00:00', slot: valley }
    - { from: '07:30', slot: flat }
    - { from: '10:00', slot: peak }
    - { from: '15:45', slot: flat }
    - { from: '18:00', slot: tip }
    - { from: '21:15', slot: valley }
`;
    const rig = await gateways.start(tempFile('b2-options.yaml', options));
    const c = await rig.charger(b2, ID, idle);
    await c.up();
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 1);
    c.send('billingModelRequest', { connector: 1 });
    const model = await c.record('billingModel');
    const slot = { tip: 1, peak: 2, flat: 3, valley: 4 } as const;
    const price = { tip: [1.23456, 0.80001], peak: [1.1, 0.7], flat: [0.57891, 0.00003], valley: [0.29999, 0.4] } as const;
    const periods = [
      ['0000', 'valley'],
      ['0730', 'flat'],
      ['1000', 'peak'],
      ['1545', 'flat'],
      ['1800', 'tip'],
      ['2115', 'valley'],
    ] as const;
    expect(model.values).toEqual({
      chargerId: ID,
      gun: 1,
      billingModelId: '2026120700000042',
      periodCount: 6,
      periods: periods.map(([start, s]) => ({ start, slot: slot[s], energyPrice: price[s][0], servicePrice: price[s][1] })),
    });
    // The charger's set result is taken as the answer: nothing more is sent, nothing refused.
    c.send('billingModelResult', { connector: 1, billingModelId: '2026120700000042', result: 1 });
    await new Promise((r) => setTimeout(r, 300));
    expect(c.records('billingModel')).toHaveLength(1);
    expect(c.closed).toBe(false);
  }, 20_000);

  it('the catalogue-driven simulator runs a card session through the gateway: Started, Ended, its record confirmed', async () => {
    const rig = await gateways.start(repoFile('mappings/sgcc104/b2.yaml'));
    const sim = await rig.simulator(b2, '1000000000000002');
    const { started, ended } = await simulatedCardSession(rig, sim, '6666777788880000', 'remote');
    expect(started).toMatchObject({ idToken: { idToken: '6666777788880000', type: 'ISO14443' } });
    expect(ended).toMatchObject({ transactionInfo: { stoppedReason: 'Remote' } });
    expect(ended['customData']).toMatchObject({ legacyTransactionId: sim.outbox.confirmed[0] });
  }, 30_000);
});
