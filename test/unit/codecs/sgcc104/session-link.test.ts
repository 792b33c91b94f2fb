/**
 * A family-B session's login and link, pure (bytes in through the dialect's own encoders, a fake
 * clock): the login asks the host and is answered, STARTDT follows, `link up` brings the clock sync
 * and the interrogation the catalogue asks for; what cannot be read is counted, never a disconnect.
 */
import { describe, expect, it } from 'vitest';
import { loadDialect } from '../../../../codecs/sgcc104/load-catalogue.js';
import { COT, TI } from '../../../../src/iec104/constants.js';
import { cp56FromDate } from '../../../../src/iec104/cp56.js';
import { RecordCodec, valuesFor } from '../../../../codecs/sgcc104/records.js';
import { linkWire } from '../../../../codecs/sgcc104/wire.js';
import { SG_START, SG_ZONE, sgRig } from '../../../support/sgcc104-session.js';

const b1 = loadDialect('b1');
const b2 = loadDialect('b2');
const b3 = loadDialect('b3');

describe('sgcc104 session: login and link', () => {
  it('identifies the charger at its login, answers it as the dialect says, then starts the link', () => {
    const r = sgRig(b3);
    r.login('3100000000010019');
    expect(r.events).toEqual([{ type: 'identified', chargerId: '3100000000010019', connectorCount: 1, currentType: 'DC', protocol: { name: 'sgcc104', version: 'b3' } }]);
    const answer = r.sent[0];
    expect(answer?.kind).toBe('login');
    // B3's answer echoes the login: 25 octets, 0x16 at offset 1, 0xFF at offset 3, the terminal id digit-reversed.
    if (answer?.kind === 'login') {
      expect(answer.frame.length).toBe(25);
      expect([answer.frame[1], answer.frame[3]]).toEqual([0x16, 0xff]);
      expect(answer.frame.subarray(13, 21).toString('hex')).toBe('1900010000000031');
    }
    expect(r.sent[1]).toEqual({ kind: 'u', fn: 'STARTDT_ACT' });
    expect(r.frames()).toBe(1);
  });

  it('does not answer a refused login (an echo would read as its acceptance), closes, and reports nothing of the charger', () => {
    const r = sgRig(b1, { admit: () => false });
    r.login('8401011011112213');
    expect(r.sent).toEqual([]);
    expect(r.closed).toEqual(['login of 8401011011112213 refused']);
    expect(r.events).toEqual([]);
    // Whatever follows on the closing connection is counted, not acted on.
    r.u('STARTDT_CON');
    expect(r.events).toEqual([]);
    expect(r.frames()).toBe(2);
  });

  it('refuses a login that names no charger (an all-zero id: a concentrator), says why and reports nothing', () => {
    const r = sgRig(b2);
    r.login('0000000000000000', { stationId: 7 });
    expect(r.closed).toEqual(['login of 0000000000000000 refused']);
    expect(r.events).toEqual([]);
    expect(r.logs.some((l) => l.level === 'warn' && /no charger id/.test(l.message))).toBe(true);
  });

  it('counts an APDU before the login as bad input and sends nothing', () => {
    const r = sgRig(b1);
    r.u('TESTFR_ACT');
    expect(r.errors.map((e) => e.code)).toEqual(['SGCC104_BEFORE_LOGIN']);
    expect(r.sent).toEqual([]);
  });

  it('on STARTDT con reports the link up, syncs the clock and interrogates (B1)', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    expect(r.events.at(-1)).toEqual({ type: 'link', state: 'up' });
    const clock = r.records('clockSync');
    expect(clock).toHaveLength(1);
    expect(clock[0]?.values['time']).toBe(new Date(SG_START).toISOString());
    expect(r.standards(TI.C_IC_NA_1)).toHaveLength(1);
  });

  it('reports the clock the charger confirms, and does not interrogate a dialect that does not (B3)', () => {
    const r = sgRig(b3);
    r.up();
    expect(r.standards(TI.C_IC_NA_1)).toEqual([]);
    r.clock.advance(500);
    r.record('clockReport', { time: '2026-12-07T08:00:00.400Z' }, {}, { cause: COT.ACTIVATION_CON });
    expect(r.eventsOf('clockReport')).toEqual([{ type: 'clockReport', chargerTime: '2026-12-07T08:00:00.400Z', at: '2026-12-07T08:00:00.500Z' }]);
  });

  it('carries out setClock: C_CS act with the time asked, completed on the charger confirmation', () => {
    const r = sgRig(b3);
    r.up();
    r.record('clockReport', { time: new Date(SG_START).toISOString() }, {}, { cause: COT.ACTIVATION_CON });
    expect(r.session.command({ type: 'setClock', id: 'c1', time: '2026-12-07T09:30:00.000Z' })).toEqual({ status: 'sent' });
    expect(r.records('clockSync').at(-1)?.values['time']).toBe('2026-12-07T09:30:00.000Z');
    r.record('clockReport', { time: '2026-12-07T09:30:00.000Z' }, {}, { cause: COT.ACTIVATION_CON });
    expect(r.resultOf('c1')).toMatchObject({ status: 'completed' });
  });

  it('ends setClock as timeout when the charger does not confirm within the command timeout', () => {
    const r = sgRig(b3, { commandTimeoutMs: 2000 });
    r.up();
    r.record('clockReport', { time: new Date(SG_START).toISOString() }, {}, { cause: COT.ACTIVATION_CON });
    r.session.command({ type: 'setClock', id: 'c2', time: '2026-12-07T09:30:00.000Z' });
    r.clock.advance(2000);
    expect(r.resultOf('c2')).toMatchObject({ status: 'timeout' });
  });

  it('reads a standard C_CS_NA_1 confirmation where the dialect sends its clock sync as a standard ASDU', () => {
    const noClockRecords = { ...b3, records: b3.records.filter((s) => s.meaning !== 'clockSync' && s.meaning !== 'clockReport') };
    const r = sgRig(noClockRecords);
    r.up();
    expect(r.standards(TI.C_CS_NA_1)).toHaveLength(1);
    const time = cp56FromDate(new Date(SG_START + 1000), SG_ZONE);
    r.standard({ typeId: TI.C_CS_NA_1, sq: false, cause: COT.ACTIVATION_CON, negative: false, test: false, originator: 0, commonAddress: 0, objects: [{ ioa: 0, time }] });
    expect(r.eventsOf('clockReport')).toEqual([{ type: 'clockReport', chargerTime: new Date(SG_START + 1000).toISOString(), at: new Date(SG_START).toISOString() }]);
  });

  it('counts an unknown record as unknown_type, logs it once, and stays connected', () => {
    const r = sgRig(b3);
    r.up();
    const unknown = Buffer.from([0x82, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xee, 0x01]);
    r.asdu(unknown);
    r.asdu(unknown);
    expect(r.ignored).toEqual(['unknown_type', 'unknown_type']);
    expect(r.logs.filter((l) => l.level === 'warn' && l.message.includes('does not name'))).toHaveLength(1);
    expect(r.errors).toEqual([]);
    expect(r.closed).toEqual([]);
  });

  it('logs at most 256 kinds of ignored input per connection, counting every one (a charger cannot grow what is kept per connection)', () => {
    const r = sgRig(b3);
    r.up();
    let sent = 0;
    // 112 type identifications the catalogue does not name, 4 record octets each: 448 kinds.
    for (let ti = 0x90; ti <= 0xff; ti++) {
      for (let record = 0; record < 4; record++) {
        r.asdu(Buffer.from([ti, 0x01, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, record, 0x01]));
        sent += 1;
      }
    }
    expect(r.ignored).toHaveLength(sent);
    const warned = r.logs.filter((l) => l.level === 'warn');
    const named = warned.filter((l) => l.message.includes('does not name')).length;
    expect(named).toBeGreaterThan(200);
    expect(named).toBeLessThanOrEqual(256);
    expect(warned.filter((l) => l.message.includes('more than 256 kinds'))).toHaveLength(1);
    expect(r.errors).toEqual([]);
    expect(r.closed).toEqual([]);
  });

  it('keeps a bounded number of answers waiting for a charger that floods records and never acknowledges the gateway', () => {
    const r = sgRig(b3);
    r.up();
    const wire = linkWire(b3);
    const charger = new RecordCodec(b3, SG_ZONE, 'down');
    const spec = charger.spec('chargingData');
    const flood = 3000;
    // Every record acknowledges nothing the gateway sent (N(R) 0), and each calls for a confirmation.
    for (let ns = 0; ns < flood; ns++) {
      const asdu = charger.encode('chargingData', valuesFor(spec, { chargerId: '3100000000010019', connector: 1, transactionId: '31000000000100192612071601000001', energy: 1 }));
      r.bytes(wire.iFrame(ns, 0, asdu));
    }
    // Then it acknowledges whatever comes, until nothing more does.
    const iFrames = (): number => r.sent.filter((x) => x.kind === 'record' || x.kind === 'standard').length;
    for (let before = -1; before !== iFrames();) {
      before = iFrames();
      r.bytes(wire.sFrame(before % 32768));
    }
    const confirmations = r.records('chargingDataConfirm').length;
    expect(confirmations).toBeGreaterThan(0);
    expect(confirmations).toBeLessThan(flood / 2);
    expect(r.logs.filter((l) => l.level === 'warn' && l.message.includes('not sent'))).toHaveLength(1);
    expect(r.errors).toEqual([]);
  });

  it('never logs a secret field, even inside a group', () => {
    const grouped = {
      ...b3,
      records: b3.records.map((rec) => {
        if (rec.name !== 'cardAuthRequest') return rec;
        const secret = rec.fields.filter((f) => f.secret === true);
        const fields = rec.fields.flatMap((f) => (f.secret === true ? (f === secret[0] ? [{ name: 'passwords', encoding: 'group' as const, count: 1, fields: secret }] : []) : [f]));
        return { ...rec, fields };
      }),
    };
    const r = sgRig(grouped);
    r.up();
    r.record('cardAuthRequest', { connector: 1, idToken: '1234567890123456' }, { passwords: [{ cardPassword: 'CARDSECRET', enteredPassword: 'PINSECRET' }] });
    expect(r.eventsOf('authorizationRequest')).toHaveLength(1);
    const said = JSON.stringify(r.logs);
    expect(said).toContain('cardAuthRequest');
    expect(said).not.toContain('CARDSECRET');
    expect(said).not.toContain('PINSECRET');
  });

  it('counts a short record and a bad BCD digit as malformed: logged, never a bad frame nor a disconnect', () => {
    const r = sgRig(b3);
    r.up();
    // A billing model request (record 4) cut after its header, then one whose terminal id has a nibble above 9.
    r.asdu(Buffer.from([0x82, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x19]));
    r.asdu(Buffer.from([0x82, 0x01, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x1a, 0, 0, 0, 0, 0, 0, 0x31, 0x01]));
    expect(r.ignored).toEqual(['malformed', 'malformed']);
    expect(r.errors).toEqual([]);
    expect(r.closed).toEqual([]);
    expect(r.logs.filter((l) => l.message.includes('cannot be read')).map((l) => (l.data as { code: string }).code)).toEqual(['SGCC104_SHORT_RECORD', 'SGCC104_BAD_BCD']);
  });

  it('reports a framing error against the budget', () => {
    const r = sgRig(b1);
    r.up('8401011011112213');
    r.bytes(Buffer.from([0x10, 0x11, 0x68, 0x04, 0x43, 0x00, 0x00, 0x00]));
    expect(r.errors.map((e) => e.code)).toEqual(['SGCC104_BAD_START']);
  });

  it('asks to close when the link fails (no STARTDT con within t1), and reports the link down on stop', () => {
    const r = sgRig(b1);
    r.login('8401011011112213');
    r.clock.advance(16_000);
    expect(r.closed.length).toBe(1);
    expect(r.closed[0]).toMatch(/t1/);
    const s = sgRig(b1);
    s.up('8401011011112213');
    s.session.stop('socket closed');
    expect(s.events.at(-1)).toEqual({ type: 'link', state: 'down', reason: 'socket closed' });
  });

  it('takes the catalogue timers with the defaults fitted to them, and falls back to the defaults (logged) when they contradict each other', () => {
    const short = sgRig({ ...b1, link: { ...b1.link, t1: 4, k: 2 } });
    short.login('8401011011112213');
    short.clock.advance(3999);
    expect(short.closed).toEqual([]);
    short.clock.advance(1);
    expect(short.closed[0]).toMatch(/t1/);
    const wrong = sgRig({ ...b1, link: { ...b1.link, t1: 4, t2: 9 } });
    expect(wrong.logs.filter((l) => l.message.includes('IEC defaults used'))).toHaveLength(1);
    wrong.login('8401011011112213');
    wrong.clock.advance(4000);
    expect(wrong.closed).toEqual([]);
  });

  it('says goodbye with STOPDT act and is done once the charger confirms it', async () => {
    const r = sgRig(b3);
    r.up();
    let done = false;
    const bye = r.session.goodbye?.().then(() => (done = true));
    expect(r.sent.at(-1)).toEqual({ kind: 'u', fn: 'STOPDT_ACT' });
    await Promise.resolve();
    expect(done).toBe(false);
    r.u('STOPDT_CON');
    await bye;
    expect(done).toBe(true);
  });

  it('answers every command other than its own plainly: notSupported with the reason', () => {
    const r = sgRig(b3);
    r.up();
    expect(r.session.command({ type: 'reset', id: 'x', kind: 'soft' })).toEqual({ status: 'notSupported', reason: 'the b3 dialect (sgcc104) has no record for reset' });
    expect(r.session.command({ type: 'unlock', id: 'y', connector: 1 })).toMatchObject({ status: 'notSupported' });
  });

  it('derives its capabilities from the catalogue: B1 has no remote start, B3 has', () => {
    const one = sgRig(b1).session.capabilities;
    expect([...one.commands].sort()).toEqual(['authorize', 'confirmRecord', 'setClock', 'stopCharging']);
    expect(one.transactionRecords).toBe(true);
    const three = sgRig(b3).session.capabilities;
    expect([...three.commands].sort()).toEqual(['authorize', 'confirmRecord', 'setClock', 'startCharging', 'stopCharging']);
    expect([...three.measurands].sort()).toEqual(['current', 'energy', 'voltage']);
  });

  it("takes a B3 login's gun count as the charger's connectors: two guns, two EVSEs", () => {
    const r = sgRig(b3);
    r.login('3100000000010019', { gunCount: 2 });
    expect(r.events[0]).toEqual({ type: 'identified', chargerId: '3100000000010019', connectorCount: 2, currentType: 'DC', protocol: { name: 'sgcc104', version: 'b3' } });
    expect(r.session.capabilities.connectorCount).toBe(2);
    expect(r.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it.each([0, 17, 255])("a B3 login stating %i guns falls back to the catalogue's connectors, with one warning", (guns) => {
    const r = sgRig(b3);
    r.login('3100000000010019', { gunCount: guns });
    expect(r.events[0]).toMatchObject({ type: 'identified', connectorCount: b3.connectors });
    expect(r.session.capabilities.connectorCount).toBe(b3.connectors);
    expect(r.logs.filter((l) => l.level === 'warn')).toEqual([
      { level: 'warn', message: `sgcc104 login states ${guns} connectors (1..16 expected): 1 assumed, the dialect's`, data: { chargerId: '3100000000010019', stated: guns, connectors: 1 } },
    ]);
  });
});
