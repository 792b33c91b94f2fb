/**
 * A fourth family-B dialect that exists only in this file: written as YAML below, loaded by the
 * gateway from a `mapping:` file, and spoken by a charger on a real socket, it runs whole charging
 * sessions end to end without a line of TypeScript of its own (issue 15). It differs from B1, B2
 * and B3 in its framing (two-octet length with a checksum but no IOA in private ASDUs, one-octet
 * COT and common address), its login, its type identifications and record numbers, the order of
 * its fields, its units (Wh, fen, big-endian integers) and its gun numbering (gun 0 = connector 1).
 */
import { describe, expect, it } from 'vitest';
import { parseDialect } from '../../codecs/sgcc104/load-catalogue.js';
import { TI } from '../../src/iec104/constants.js';
import type { SgCharger } from '../support/sgcc104-charger.js';
import { ago, fastMeterValues, sgGatewayEachTest, simulatedCardSession, tempFile } from '../support/sgcc104-gateway.js';
import { until } from '../support/station.js';

const CATALOGUE = `kind: sgcc104-dialect
version: 1
name: q4
title: a made-up fourth dialect, for the end-to-end test only
confidence: none
currentType: AC
connectors: 2
connectorBase: 0

framing:
  lengthOctets: 2
  uFrameOctets: 7
  checksum: sum16le
  privateIoa: false
  cotOctets: 1
  caOctets: 1
  ioaOctets: 2
  commonAddress: 9
  ioa: 0

login:
  prefix: '68 E0 0E'
  octets: 20
  fields:
    - { name: version, encoding: uint, octets: 1 }
    - { name: station, encoding: bcd, octets: 6, order: reversed, role: chargerId }
    - { name: firmware, encoding: ascii, octets: 8 }
    - { name: spare, encoding: reserved, octets: 2 }
  answer: echo
  answerPatch:
    - { offset: 19, value: 0x01 }

link:
  startDt: true
  clockSync: true
  interrogate: true
  t1: 20
  t2: 5
  t3: 30

types:
  0xA0: { name: Q_UP, direction: up }
  0xA1: { name: Q_DOWN, direction: down }

values:
  verdict: { 0x55: accepted, 0xAA: rejected }
  state: { 0: available, 1: preparing, 2: charging, 3: finishing, 9: faulted }
  ending: { 10: local, 11: remote, 12: evDisconnected, 13: socLimitReached }
  refusal: { 0: Accepted, 7: Blocked, 8: Expired, 99: default }

records:
  - name: swipe
    type: 0xA0
    record: 0x70
    meaning: authorizationRequest
    answer: swipeOk
    fields:
      - { name: card, encoding: bcd, octets: 5, order: reversed, role: idToken }
      - { name: pin, encoding: ascii, octets: 6, role: password, secret: true }
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: station, encoding: bcd, octets: 6, order: reversed, role: chargerId }
  - name: swipeOk
    type: 0xA1
    record: 0x70
    cause: 7
    meaning: authorizationResult
    fields:
      - { name: station, encoding: bcd, octets: 6, order: reversed, role: chargerId }
      - { name: ok, encoding: uint, octets: 1, role: accepted, values: verdict }
      - { name: why, encoding: uint, octets: 1, role: failReason, values: refusal }
      - { name: card, encoding: bcd, octets: 5, order: reversed, role: idToken }
      - { name: gun, encoding: uint, octets: 1, role: connector }

  - name: go
    type: 0xA1
    record: 0x71
    cause: 6
    meaning: remoteStart
    resultIn: going
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: serial, encoding: bcd, octets: 10, role: transactionId }
      - { name: token, encoding: ascii, octets: 20, role: idToken }
  - name: going
    type: 0xA0
    record: 0x71
    cause: 7
    meaning: startResult
    fields:
      - { name: ok, encoding: uint, octets: 1, role: result, values: verdict }
      - { name: gun, encoding: uint, octets: 1, role: connector }

  - name: halt
    type: 0xA1
    record: 0x72
    cause: 6
    meaning: remoteStop
    resultIn: halted
    fields:
      - { name: serial, encoding: bcd, octets: 10, role: transactionId }
      - { name: gun, encoding: uint, octets: 1, role: connector }
  - name: halted
    type: 0xA0
    record: 0x72
    cause: 7
    meaning: stopResult
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: ok, encoding: uint, octets: 1, role: result, values: verdict }
      - { name: why, encoding: uint, octets: 1, role: failReason, values: refusal }

  - name: begun
    type: 0xA0
    record: 0x73
    meaning: sessionStart
    answer: begunOk
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: serial, encoding: bcd, octets: 10, role: transactionId }
      - { name: card, encoding: bcd, octets: 5, order: reversed, role: idToken }
      - { name: at, encoding: cp56, role: startTime }
      - { name: meter, encoding: uint, octets: 4, endian: big, unit: Wh, role: meterStart }
  - name: begunOk
    type: 0xA1
    record: 0x73
    cause: 7
    meaning: sessionStartAnswer
    fields:
      - { name: serial, encoding: bcd, octets: 10, role: transactionId }
      - { name: gun, encoding: uint, octets: 1, role: connector }

  - name: status
    type: 0xA0
    record: 0x10
    meaning: monitoring
    fields:
      - { name: state, encoding: uint, octets: 1, role: workState, values: state }
      - { name: plug, encoding: uint, octets: 1, role: plugged }
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: register, encoding: uint, octets: 4, endian: big, unit: Wh, role: energyRegister }
      - { name: power, encoding: uint, octets: 2, endian: big, scale: 10, unit: W, role: power }
      - { name: volts, encoding: uint, octets: 2, endian: big, scale: 0.1, unit: V, role: voltage }
      - { name: overTemperature, encoding: uint, octets: 1, role: fault, fault: { code: OVER_TEMPERATURE, severity: error } }

  - name: bill
    type: 0xA0
    record: 0x74
    meaning: chargeRecord
    answer: billOk
    fields:
      - { name: gun, encoding: uint, octets: 1, role: connector }
      - { name: ending, encoding: uint, octets: 1, role: endReason, values: ending }
      - { name: serial, encoding: bcd, octets: 10, role: transactionId }
      - { name: card, encoding: bcd, octets: 5, order: reversed, role: idToken }
      - { name: from, encoding: cp56, role: startTime }
      - { name: to, encoding: cp56, role: endTime }
      - { name: meterFrom, encoding: uint, octets: 4, endian: big, unit: Wh, role: meterStart }
      - { name: meterTo, encoding: uint, octets: 4, endian: big, unit: Wh, role: meterStop }
      - { name: peakWh, encoding: uint, octets: 4, endian: big, unit: Wh, role: periodEnergy, period: peak }
      - { name: valleyWh, encoding: uint, octets: 4, endian: big, unit: Wh, role: periodEnergy, period: valley }
      - { name: peakFen, encoding: uint, octets: 4, endian: big, unit: fen, role: periodAmount, period: peak }
      - { name: valleyFen, encoding: uint, octets: 4, endian: big, unit: fen, role: periodAmount, period: valley }
      - { name: totalWh, encoding: uint, octets: 4, endian: big, unit: Wh, role: energy }
      - { name: totalFen, encoding: uint, octets: 4, endian: big, unit: fen, role: amount }
  - name: billOk
    type: 0xA1
    record: 0x74
    cause: 7
    meaning: recordConfirm
    fields:
      - { name: serial, encoding: bcd, octets: 10, role: transactionId }
      - { name: ok, encoding: uint, octets: 1, role: result, values: verdict }
`;

const q4 = parseDialect(CATALOGUE, 'q4.yaml');
const ID = '202612070004';
const CARD = '4433221100';

const gateways = sgGatewayEachTest();
/** The interrogation answer: both guns idle. */
const idle = (c: SgCharger): void => {
  c.send('status', { connector: 0, workState: 0, plugged: 0, energyRegister: 10_000, voltage: 230 });
  c.send('status', { connector: 1, workState: 0, plugged: 0, energyRegister: 20_000, voltage: 230 });
};

describe('a made-up fourth dialect, written only as YAML, through the gateway', () => {
  it('runs a card session and a remote session end to end: boot, Authorize, Started, meter values, stops, Ended with periods, confirmations', async () => {
    const rig = await gateways.start(tempFile('q4.yaml', CATALOGUE));
    const c = await rig.charger(q4, ID, idle);
    await c.up();
    // Its own login, echoed with its patch.
    expect(c.loginAnswers[0]?.[19]).toBe(0x01);
    const boot = await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'BootNotification');
    expect(boot.params).toMatchObject({ reason: 'PowerUp' });
    await until(() => c.standards.some((a) => a.typeId === TI.C_IC_NA_1 && a.commonAddress === 9), 'the interrogation at common address 9');
    await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'StatusNotification' && x.params['evseId'] === 2);
    await fastMeterValues(rig.csms, ID);
    const client = await rig.csms.client(ID);

    // A card on gun 1 (connector 2): Authorize, answered in the dialect's own verdict code.
    c.send('swipe', { connector: 1, idToken: CARD, password: 'PIN123' });
    const auth = await rig.csms.waitForCall((x) => x.identity === ID && x.action === 'Authorize');
    expect(auth.params).toMatchObject({ idToken: { idToken: CARD, type: 'ISO14443' } });
    expect((await c.record('swipeOk')).values).toMatchObject({ station: ID, ok: 0x55, why: 0, card: CARD, gun: 1 });
    const cardSerial = '20261207000400000001';
    c.send('begun', { connector: 1, transactionId: cardSerial, idToken: CARD, startTime: ago(600), meterStart: 20_000 });
    expect((await c.record('begunOk')).values).toMatchObject({ serial: cardSerial, gun: 1 });
    const cardStarted = await rig.transactionEvent(ID, 'Started');
    expect(cardStarted).toMatchObject({ evse: { id: 2 }, idToken: { idToken: CARD } });
    c.send('status', { connector: 1, workState: 2, plugged: 1, energyRegister: 20_450, power: 7000, voltage: 231.5 });
    await until(() => rig.transactionEvents(ID).some((e) => e['eventType'] === 'Updated' && JSON.stringify(e['meterValue'] ?? []).includes('20450')) === true, 'meter values of the card session');

    // A remote start on connector 1 (gun 0): the gateway's serial in the dialect's 10-octet BCD field.
    const starting = client.call('RequestStartTransaction', { idToken: { idToken: 'APP-7', type: 'Central' }, evseId: 1, remoteStartId: 77 });
    const go = await c.record('go');
    expect(go.values['gun']).toBe(0);
    expect(go.values['token']).toBe('APP-7');
    const remoteSerial = String(go.values['serial']);
    expect(remoteSerial).toMatch(/^[0-9]{20}$/);
    c.send('going', { connector: 0, result: 0x55 });
    expect(await starting).toMatchObject({ status: 'Accepted' });
    const remoteStarted = await rig.transactionEvent(ID, 'Started', 2);
    expect(remoteStarted).toMatchObject({ evse: { id: 1 }, triggerReason: 'RemoteStart', transactionInfo: { remoteStartId: 77 } });

    // The remote session is stopped; the charger refuses first, in its own fail-reason code.
    const remoteTx = (remoteStarted['transactionInfo'] as { transactionId: string }).transactionId;
    const refused = client.call('RequestStopTransaction', { transactionId: remoteTx });
    expect((await c.record('halt')).values).toMatchObject({ serial: remoteSerial, gun: 0 });
    c.send('halted', { connector: 0, result: 0xaa, failReason: 8 });
    expect(await refused).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'ChargerRefused', additionalInfo: 'the charger refused the stop: Expired' } });
    const stopping = client.call('RequestStopTransaction', { transactionId: remoteTx });
    await c.record('halt', 2);
    c.send('halted', { connector: 0, result: 0x55 });
    expect(await stopping).toMatchObject({ status: 'Accepted' });

    // Both sessions' bills: Ended with the dialect's time-of-use split, each confirmed once queued.
    const bill = (connector: number, serial: string, ending: number, from: number, to: number) => ({
      connector,
      transactionId: serial,
      idToken: CARD,
      endReason: ending,
      startTime: ago(600),
      endTime: ago(1),
      meterStart: from,
      meterStop: to,
      energy: to - from,
      amount: Math.round((to - from) * 0.1),
      periods: { peak: { energy: to - from - 100, amount: Math.round((to - from - 100) * 0.1) }, valley: { energy: 100, amount: 10 } },
    });
    c.send('bill', bill(0, remoteSerial, 11, 10_000, 10_800));
    expect(await rig.transactionEvent(ID, 'Ended')).toMatchObject({
      transactionInfo: { transactionId: remoteTx, stoppedReason: 'Remote' },
      customData: {
        legacyTransactionId: remoteSerial,
        amount: 80,
        periods: [
          { period: 'peak', energyWh: 700, amount: 70 },
          { period: 'valley', energyWh: 100, amount: 10 },
        ],
      },
    });
    expect((await c.record('billOk')).values).toMatchObject({ serial: remoteSerial, ok: 0x55 });
    const cardBill = bill(1, cardSerial, 12, 20_000, 20_500);
    c.send('bill', cardBill);
    expect(await rig.transactionEvent(ID, 'Ended', 2)).toMatchObject({
      transactionInfo: { transactionId: (cardStarted['transactionInfo'] as { transactionId: string }).transactionId, stoppedReason: 'EVDisconnected' },
    });
    await c.record('billOk', 2);
    // Sent again: confirmed again, billed once.
    c.send('bill', cardBill);
    await c.record('billOk', 3);
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.transactionEvents(ID).filter((e) => e['eventType'] === 'Ended')).toHaveLength(2);
    expect(JSON.stringify(rig.lines())).not.toContain('PIN123');
  }, 40_000);

  it('the catalogue-driven simulator runs a card session through the gateway: Started, Ended, its record confirmed', async () => {
    const rig = await gateways.start(tempFile('q4.yaml', CATALOGUE));
    const sim = await rig.simulator(q4, '202612070099');
    const { started, ended } = await simulatedCardSession(rig, sim, '9988776655', 'evDisconnected');
    expect(started).toMatchObject({ idToken: { idToken: '9988776655', type: 'ISO14443' } });
    expect(ended).toMatchObject({ transactionInfo: { stoppedReason: 'EVDisconnected' } });
    expect(ended['customData']).toMatchObject({ legacyTransactionId: sim.outbox.confirmed[0] });
  }, 30_000);
});
