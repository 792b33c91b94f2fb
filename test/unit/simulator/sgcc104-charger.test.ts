/**
 * The family-B charger simulator, pure, per shipped dialect (B1, B2, B3): what it sends is what the
 * gateway's own record codec reads (login, monitoring, authorisation, charging data, charge
 * records), its figures add up (period energies to the energy, meter stop = start + energy, period
 * amounts to the amount), and it answers the gateway as its catalogue says (interrogation, clock
 * sync, billing model, remote start and stop, confirmations), with the test knobs that make it
 * misbehave. The gateway side is `test/support/sgcc104-peer.ts` on a fake clock.
 */
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../../codecs/sgcc104/catalogue.js';
import { loadDialect, parseDialect } from '../../../codecs/sgcc104/load-catalogue.js';
import type { DecodedRecord, Roles } from '../../../codecs/sgcc104/records.js';
import { COT, TI } from '../../../src/iec104/constants.js';
import { cp56FromDate } from '../../../src/iec104/cp56.js';
import { Sgcc104Charger, type Sgcc104ChargerEvent, type Sgcc104ChargerOptions } from '../../../src/simulator/sgcc104/charger.js';
import { FakeClock } from '../../support/fake-clock.js';
import { MADE_UP_DIALECT } from '../../support/sgcc104-made-up-dialect.js';
import { Sgcc104Peer } from '../../support/sgcc104-peer.js';

const ID = '3100000000010019';
const CARD = '1234567890123456';
const START = Date.UTC(2026, 2, 3, 2, 0, 0);

interface Rig {
  readonly dialect: Dialect;
  readonly clock: FakeClock;
  readonly peer: Sgcc104Peer;
  readonly charger: Sgcc104Charger;
  readonly events: Sgcc104ChargerEvent[];
}

function rig(name: string, extra: Partial<Sgcc104ChargerOptions> = {}): Rig {
  const dialect = name === 'zz' ? parseDialect(MADE_UP_DIALECT, 'zz.yaml') : loadDialect(name);
  const clock = new FakeClock(START);
  const peer = new Sgcc104Peer(dialect, clock);
  const events: Sgcc104ChargerEvent[] = [];
  const charger = new Sgcc104Charger({ dialect, chargerId: ID, clock, meterIntervalMs: 10_000, recordResendMs: 20_000, powerW: 36_000, voltageV: 400, onEvent: (e) => events.push(e), ...extra });
  peer.attach(charger);
  peer.start();
  return { dialect, clock, peer, charger, events };
}

const num = (v: unknown): number => (typeof v === 'number' ? v : Number.NaN);
const has = (d: Dialect, meaning: string): boolean => d.records.some((r) => r.meaning === meaning);
const last = (peer: Sgcc104Peer, meaning: DecodedRecord['spec']['meaning']): DecodedRecord | undefined => peer.meaning(meaning).at(-1);
const sum = (roles: Roles, what: 'energy' | 'amount'): number => Object.values(roles.periods ?? {}).reduce((s, p) => s + (p?.[what] ?? 0), 0);

/** Authorises a card on connector 1 and returns the serial the charger charges under. */
async function cardStart(r: Rig, accepted = true): Promise<boolean> {
  const before = r.peer.meaning('authorizationRequest').length;
  const swipe = r.charger.swipeCard(1, CARD, { password: '123456' });
  r.peer.settle();
  const request = r.peer.meaning('authorizationRequest')[before];
  expect(r.peer.roles(request).idToken).toBe(CARD);
  const answer = r.dialect.records.find((s) => s.name === request?.spec.answer) ?? r.dialect.records.find((s) => s.meaning === 'authorizationResult');
  const success = answer?.fields.find((f) => f.role === 'accepted');
  const connector = answer?.fields.find((f) => f.role === 'connector');
  r.peer.send(answer?.name ?? '', { ...(success === undefined ? {} : { [success.name]: accepted ? 1 : 0 }), ...(connector === undefined ? {} : { [connector.name]: r.dialect.connectorBase }) });
  return (await swipe).accepted;
}

/** Confirms the last charge record with its own serial. */
function confirmLast(r: Rig): string {
  const record = last(r.peer, 'chargeRecord');
  const serial = String(r.peer.roles(record).transactionId);
  const confirm = r.dialect.records.find((s) => s.name === record?.spec.answer) ?? r.dialect.records.find((s) => s.meaning === 'recordConfirm');
  const tx = confirm?.fields.find((f) => f.role === 'transactionId');
  r.peer.send(confirm?.name ?? '', tx === undefined ? {} : { [tx.name]: serial });
  return serial;
}

describe.each(['b1', 'b2', 'b3'])('sgcc104 charger simulator, dialect %s', (name) => {
  it('logs in with its terminal id, comes up on STARTDT and reports every connector, then beats with TESTFR', () => {
    const r = rig(name);
    expect(r.peer.logins).toEqual([ID]);
    expect(r.charger.online).toBe(true);
    expect(r.peer.errors).toEqual([]);
    const monitoring = last(r.peer, 'monitoring');
    expect(r.peer.roles(monitoring)).toMatchObject({ energyRegister: 100 });
    if (has(r.dialect, 'billingModelRequest')) expect(r.peer.meaning('billingModelRequest')).toHaveLength(1);
    const testfr = r.peer.uFrames.filter((u) => u === 'TESTFR_ACT').length;
    r.clock.advance((r.dialect.link.t3 ?? 30) * 1000 + 1);
    r.peer.settle();
    expect(r.peer.uFrames.filter((u) => u === 'TESTFR_ACT').length).toBeGreaterThan(testfr);
    expect(r.peer.errors).toEqual([]);
  });

  it('answers a general interrogation with its monitoring between ACT_CON and ACT_TERM, and a clock sync with its new time', () => {
    const r = rig(name);
    const asdu = { sq: false, negative: false, test: false, originator: 0, commonAddress: r.dialect.framing.commonAddress };
    const before = r.peer.meaning('monitoring').length;
    r.peer.sendStandard({ ...asdu, typeId: TI.C_IC_NA_1, cause: COT.ACTIVATION, objects: [{ ioa: 0, qoi: 20 }] });
    expect(r.peer.standards.map((a) => a.cause)).toEqual([COT.ACTIVATION_CON, COT.ACTIVATION_TERMINATION]);
    expect(
      r.peer
        .meaning('monitoring')
        .slice(before)
        .map((m) => m.cause),
    ).toEqual([COT.INTERROGATED_BY_STATION]);

    const synced = Date.UTC(2026, 5, 1, 4, 30, 0);
    const sync = r.dialect.records.find((s) => s.meaning === 'clockSync');
    if (sync !== undefined) r.peer.send(sync.name, { time: new Date(synced).toISOString() });
    else r.peer.sendStandard({ ...asdu, typeId: TI.C_CS_NA_1, cause: COT.ACTIVATION, objects: [{ ioa: 0, time: cp56FromDate(new Date(synced), 'Asia/Shanghai') }] });
    expect(Math.abs(r.charger.now() - synced)).toBeLessThan(1000);
    const answer = r.peer.records.filter((x) => x.spec.meaning === 'clockReport' || x.spec.meaning === 'clockSync').at(-1);
    const answered = answer !== undefined ? r.peer.roles(answer).time : r.peer.standards.at(-1)?.objects[0];
    expect(answered).toBeDefined();
    if (answer !== undefined) expect(Date.parse(String(r.peer.roles(answer).time))).toBe(synced);
  });

  it('a card session: authorisation, charging data, a charge record whose figures add up, resent until confirmed', async () => {
    const r = rig(name);
    expect(await cardStart(r)).toBe(true);
    if (has(r.dialect, 'sessionStart')) expect(r.peer.roles(last(r.peer, 'sessionStart')).idToken).toBe(CARD);
    r.clock.advance(30 * 60_000);
    r.peer.settle();
    const data = last(r.peer, has(r.dialect, 'chargingData') ? 'chargingData' : 'monitoring');
    expect(num(r.peer.roles(data)[has(r.dialect, 'chargingData') ? 'energy' : 'energyRegister'])).toBeGreaterThan(0);

    const serial = r.charger.stopCharging(1, 'socLimitReached');
    r.peer.settle();
    const record = last(r.peer, 'chargeRecord');
    const roles = r.peer.roles(record);
    expect(String(roles.transactionId)).toBe(serial);
    // 36 kW for 30 min: 18 kWh, counted in whole 0.01 kWh.
    expect(num(roles.energy)).toBeCloseTo(18, 2);
    expect(sum(roles, 'energy')).toBeCloseTo(num(roles.energy), 6);
    if (roles.meterStop !== undefined) expect(num(roles.meterStop)).toBeCloseTo(num(roles.meterStart) + num(roles.energy), 6);
    if (roles.amount !== undefined) expect(sum(roles, 'amount')).toBeCloseTo(num(roles.amount), 6);
    expect(Date.parse(String(roles.endTime)) - Date.parse(String(roles.startTime))).toBe(30 * 60_000);
    // socLimitReached is code 2 in the three catalogues (B1: the record-type octet).
    expect(roles.endReason ?? record?.recordType).toBe(2);

    r.clock.advance(20_001);
    r.peer.settle();
    expect(r.peer.meaning('chargeRecord')).toHaveLength(2);
    expect(r.peer.meaning('chargeRecord')[1]?.values).toEqual(record?.values);
    confirmLast(r);
    expect(r.charger.outbox.confirmed).toEqual([serial]);
    r.clock.advance(60_000);
    r.peer.settle();
    expect(r.peer.meaning('chargeRecord')).toHaveLength(2);
    expect(r.events.some((e) => e.type === 'confirmed')).toBe(true);
  });

  it('a refused card does not charge', async () => {
    const r = rig(name);
    expect(await cardStart(r, false)).toBe(false);
    expect(r.charger.gun(1).charging).toBe(false);
  });

  it('the billing model the gateway sends is adopted and answered', () => {
    const r = rig(name);
    const model = r.dialect.records.find((s) => s.meaning === 'billingModel');
    if (model === undefined) return expect(has(r.dialect, 'billingModelRequest')).toBe(false);
    const group = model.fields.find((f) => f.encoding === 'group');
    const entry = (start: string, slot: number): Record<string, string | number> => {
      const e: Record<string, string | number> = {};
      for (const f of group?.fields ?? []) {
        if (f.role === 'periodStart') e[f.name] = f.encoding === 'bcd' ? start : Number(start.slice(0, 2)) * 60 + Number(start.slice(2));
        if (f.role === 'periodSlot') e[f.name] = slot;
        if (f.role === 'energyPrice') e[f.name] = slot === 2 ? 1.5 : 0.5;
        if (f.role === 'servicePrice') e[f.name] = 0.3;
      }
      return e;
    };
    const idField = model.fields.find((f) => f.role === 'billingModelId');
    const countField = model.fields.find((f) => f.role === 'periodCount');
    r.peer.send(model.name, {
      ...(idField === undefined ? {} : { [idField.name]: '0000000000000042' }),
      ...(countField === undefined ? {} : { [countField.name]: 2 }),
      ...(group === undefined ? {} : { [group.name]: [entry('0000', 4), entry('0800', 2)] }),
    });
    expect(r.charger.tariff.billingModelId).toBe('0000000000000042');
    expect(r.charger.tariff.periods).toEqual([
      { from: '00:00', slot: 'valley' },
      { from: '08:00', slot: 'peak' },
    ]);
    expect(r.charger.tariff.prices.peak).toEqual({ energy: 1.5, service: 0.3 });
    expect(r.peer.meaning('billingModelResult')).toHaveLength(1);
  });
});

describe.each(['b2', 'b3', 'zz'])('sgcc104 charger simulator, remote start and stop, dialect %s', (name) => {
  const remote = (r: Rig, meaning: 'remoteStart' | 'remoteStop'): void => {
    const spec = r.dialect.records.find((s) => s.meaning === meaning);
    const gun = spec?.fields.find((f) => f.role === 'connector');
    const token = spec?.fields.find((f) => f.role === 'idToken');
    r.peer.send(
      spec?.name ?? '',
      { ...(gun === undefined ? {} : { [gun.name]: r.dialect.connectorBase }), ...(token === undefined ? {} : { [token.name]: '0000000000000777' }) },
      r.dialect.framing.connectorInIoa === true ? { ioa: 0x10 } : {},
    );
  };

  it('starts on a remote start with an accepted start result, stops on a remote stop with its result and a record ended remotely', () => {
    const r = rig(name);
    remote(r, 'remoteStart');
    const started = r.peer.roles(last(r.peer, 'startResult'));
    // accepted: 1 in B2 and B3, 0 in the made-up dialect's table
    expect(started.result).toBe(name === 'zz' ? 0 : 1);
    expect(r.charger.gun(1).charging).toBe(true);
    // The serial: in the start result (B3), else in the start event that follows it (B2).
    const serial = started.transactionId ?? r.peer.roles(last(r.peer, 'sessionStart')).transactionId;
    expect(String(serial)).toBe(r.charger.gun(1).transactionId);
    r.clock.advance(10 * 60_000);
    remote(r, 'remoteStop');
    expect(r.peer.meaning('stopResult')).toHaveLength(1);
    expect(r.charger.gun(1).charging).toBe(false);
    const record = r.peer.roles(last(r.peer, 'chargeRecord'));
    expect(String(record.transactionId)).toBe(String(serial));
    expect(record.endReason).toBe(name === 'zz' ? 2 : 3);
  });

  it('refuses a remote start when told to (a negative start result, no session) and stays silent when told to', () => {
    const r = rig(name, { answers: { remoteStart: 'refuse' } });
    remote(r, 'remoteStart');
    expect(r.peer.roles(last(r.peer, 'startResult')).result).toBe({ b2: 0, b3: 2, zz: 9 }[name]);
    expect(r.charger.gun(1).charging).toBe(false);
    r.charger.answers.remoteStart = 'silent';
    remote(r, 'remoteStart');
    expect(r.peer.meaning('startResult')).toHaveLength(1);
  });
});

describe('sgcc104 charger simulator, a made-up dialect written only as YAML', () => {
  it('takes the patched login echo off the front, then a card session: the receipt names the serial in the width of its field', async () => {
    const r = rig('zz', { chargerId: 'ZZ00000042' });
    expect(r.peer.logins).toEqual(['ZZ00000042']);
    expect(r.charger.online).toBe(true);
    expect(await cardStart(r)).toBe(true);
    r.clock.advance(10 * 60_000);
    const serial = r.charger.stopCharging(1, 'evDisconnected') ?? '';
    expect(serial).toMatch(/^\d{16}$/);
    const roles = r.peer.roles(last(r.peer, 'chargeRecord'));
    expect(roles).toMatchObject({ transactionId: serial, endReason: 3 });
    expect(num(roles.meterStop)).toBeCloseTo(num(roles.meterStart) + num(roles.energy), 6);
    expect(sum(roles, 'energy')).toBeCloseTo(num(roles.energy), 6);
    expect(confirmLast(r)).toBe(serial);
    expect(r.charger.outbox.confirmed).toEqual([serial]);
    expect(r.peer.errors).toEqual([]);
  });
});

describe('sgcc104 charger simulator: knobs that misbehave', () => {
  it('sends each record twice, loses confirmations, and drops the connection before the confirmation', async () => {
    const r = rig('b3', { duplicateRecords: true, loseConfirms: 1, dropBeforeConfirm: 1 });
    await cardStart(r);
    r.clock.advance(60_000);
    const serial = r.charger.stopCharging(1) ?? '';
    r.peer.settle();
    expect(r.peer.meaning('chargeRecord')).toHaveLength(2);
    expect(r.peer.drops).toBe(1);
    // The connection comes back: the record goes again (twice), the first confirmation is lost.
    r.charger.dropped();
    const peer = new Sgcc104Peer(r.dialect, r.clock);
    peer.attach(r.charger);
    peer.start();
    expect(peer.meaning('chargeRecord')).toHaveLength(2);
    confirmLast({ ...r, peer });
    expect(r.charger.outbox.confirmed).toEqual([]);
    confirmLast({ ...r, peer });
    expect(r.charger.outbox.confirmed).toEqual([serial]);
    expect(r.charger.outbox.confirmations).toEqual([serial, serial]);
  });

  it('a session that ends offline goes as the offline record variant where the dialect has one (B1)', async () => {
    const r = rig('b1');
    await cardStart(r);
    r.clock.advance(5 * 60_000);
    r.charger.dropped();
    const serial = r.charger.stopCharging(1, 'evDisconnected');
    const peer = new Sgcc104Peer(r.dialect, r.clock);
    peer.attach(r.charger);
    peer.start();
    const record = peer.meaning('chargeRecord').at(-1);
    expect(record?.spec.name).toBe('offlineChargeRecord');
    expect(String(peer.roles(record).transactionId)).toBe(serial);
    expect(sum(peer.roles(record), 'amount')).toBeCloseTo(num(peer.roles(record).amount), 6);
  });

  it('gives up after the maximum number of sends on one connection', async () => {
    const r = rig('b3', { recordMaxSends: 3 });
    await cardStart(r);
    r.clock.advance(60_000);
    r.charger.stopCharging(1);
    r.clock.advance(10 * 20_000);
    r.peer.settle();
    expect(r.peer.meaning('chargeRecord')).toHaveLength(3);
  });
});
