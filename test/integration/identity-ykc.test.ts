/**
 * Who may claim a YKC pile's identity, over real TCP with the full Gateway and the strict CSMS: an
 * impostor claiming a connected pile's code from another address is refused (login result 1, then
 * closed) and the real pile keeps its connection and its transaction, the impostor's forged record
 * never reaching the CSMS; a pile outside its registry entry's `allowedSources` is refused; a pile
 * whose entry has a `ykcKey` is refused when its login does not use that key; `duplicateLogin:
 * replace` lets a newcomer from the live connection's own address take over. Each refusal is one
 * SecurityEventNotification on the claimed station (while it is connected), one increment of
 * `pilegate_logins_refused_total{codec,reason}` and a log line that names no secret.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcCipher } from '../../codecs/ykc/cipher.js';
import type { YkcFrameOf } from '../../codecs/ykc/index.js';
import { connectYkcSimulator, recordFrame, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { metricValue, rawYkc, startIdentityRig, ykcLogin, type IdentityRig, type RawYkc } from '../support/identity-rig.js';
import { until } from '../support/station.js';

const PILE = '32010200000101';
const STATION = 'ykc-identity-101';
const KEY = '0123456789ABCDEF1032547698BADCFE0F1E2D3C4B5A6978';
const OTHER_KEY = '89ABCDEF01234567FEDCBA98765432100123456789ABCDEF';

let rig: IdentityRig | undefined;
const sims: YkcChargerSimulator[] = [];
const peers: RawYkc[] = [];

afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  for (const p of peers.splice(0)) p.socket.destroy();
  const failures = rig?.csms.strictFailures ?? [];
  await rig?.close();
  rig = undefined;
  expect(failures).toEqual([]);
});

const entry = (extra = ''): string => `"${PILE}":\n  stationId: ${STATION}\n  password: \${IDENTITY_PASSWORD}\n${extra}`;

async function realPile(r: IdentityRig, options: { encryption?: { key: string } } = {}): Promise<YkcChargerSimulator> {
  const sim = await connectYkcSimulator({
    host: '127.0.0.1',
    port: r.port,
    localAddress: '127.0.0.1',
    pileCode: PILE,
    heartbeatIntervalMs: 200,
    realTimeIntervalMs: 100,
    recordResendMs: 10_000,
    ...options,
  });
  sims.push(sim);
  await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'StatusNotification', 10_000);
  return sim;
}

async function impostor(r: IdentityRig, localAddress: string): Promise<RawYkc> {
  const p = await rawYkc(r.port, localAddress);
  peers.push(p);
  return p;
}

const refused = (text: string, reason: string): number | undefined => metricValue(text, `pilegate_logins_refused_total{codec="ykc",reason="${reason}"}`);

function securityEvents(r: IdentityRig): { type: string; techInfo: string }[] {
  return r.csms.calls.filter((c) => c.identity === STATION && c.action === 'SecurityEventNotification').map((c) => ({ type: String(c.params['type']), techInfo: String(c.params['techInfo'] ?? '') }));
}

async function loginRefusedEvent(r: IdentityRig, reason: string): Promise<{ type: string; techInfo: string }> {
  await until(() => securityEvents(r).some((e) => e.techInfo.includes(reason)), `a security event for ${reason}`, 10_000);
  return securityEvents(r).find((e) => e.techInfo.includes(reason)) as { type: string; techInfo: string };
}

function refusalLogs(r: IdentityRig, reason: string): Record<string, unknown>[] {
  return r.lines().filter((l) => l['msg'] === 'charger login refused' && l['reason'] === reason);
}

describe('YKC identity: a second login of a connected pile (default keep-live)', () => {
  it('refuses the impostor from another address; the real pile keeps its session and its transaction, the forged record never reaches the CSMS', async () => {
    const r = (rig = await startIdentityRig({ registry: entry() }));
    const sim = await realPile(r);
    const confirm = await sim.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    const started = await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params['eventType'] === 'Started', 10_000);
    const txId = (started.params['transactionInfo'] as { transactionId: string }).transactionId;

    const bad = await impostor(r, '127.0.0.2');
    bad.send(ykcLogin(PILE));
    const forged = recordFrame({
      transactionNo: confirm.transactionNo,
      pileCode: PILE,
      start: new Date(Date.now() - 60_000),
      end: new Date(),
      meterStartKwh: 0,
      meterEndKwh: 999.99,
      amountYuan: 99_999.99,
      stopReason: 0x40,
      sequence: 1,
    });
    bad.send(forged);
    const answer = (await bad.next()) as YkcFrameOf<'loginAnswer'>;
    expect(answer).toMatchObject({ type: 'loginAnswer', pileCode: PILE, result: 1 });
    await bad.closed;

    // The real pile was never disconnected and still runs its transaction to a normal end.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sim.connected).toBe(true);
    expect(r.csms.maxOpenConnections.get(STATION)).toBe(1);
    expect(r.csms.calls.filter((c) => c.identity === STATION && c.action === 'BootNotification')).toHaveLength(1);
    sim.stopCharging(1, 0x45);
    const ended = await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'TransactionEvent' && c.params['eventType'] === 'Ended', 10_000);
    expect((ended.params['transactionInfo'] as { transactionId: string }).transactionId).toBe(txId);
    const energies = r.csms.calls
      .filter((c) => c.identity === STATION && c.action === 'TransactionEvent')
      .flatMap((c) => ((c.params['meterValue'] as { sampledValue: { value: number; measurand?: string }[] }[] | undefined) ?? []).flatMap((m) => m.sampledValue))
      .filter((v) => (v.measurand ?? 'Energy.Active.Import.Register') === 'Energy.Active.Import.Register')
      .map((v) => v.value);
    expect(energies.length).toBeGreaterThan(0);
    expect(Math.max(...energies)).toBeLessThan(100_000);
    await until(() => sim.confirmed.length === 1, 'the real record confirmed', 10_000);

    const event = await loginRefusedEvent(r, 'duplicate_login');
    expect(event.type).toBe('ChargerLoginRefused');
    expect(event.techInfo).toContain('127.0.0.2');
    expect(refused(await r.metrics(), 'duplicate_login')).toBe(1);
    expect(refusalLogs(r, 'duplicate_login')).toHaveLength(1);
    expect(refusalLogs(r, 'duplicate_login')[0]).toMatchObject({ chargerId: PILE, stationId: STATION, remote: '127.0.0.2', policy: 'keep-live' });
  });

  it('logs a burst of refusals once per window but counts every one', async () => {
    const r = (rig = await startIdentityRig({ registry: entry() }));
    await realPile(r);
    for (let i = 0; i < 5; i++) {
      const bad = await impostor(r, '127.0.0.2');
      bad.send(ykcLogin(PILE));
      expect(await bad.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
      await bad.closed;
    }
    expect(refused(await r.metrics(), 'duplicate_login')).toBe(5);
    expect(refusalLogs(r, 'duplicate_login')).toHaveLength(1);
    await loginRefusedEvent(r, 'duplicate_login');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(securityEvents(r).filter((e) => e.techInfo.includes('duplicate_login'))).toHaveLength(1);
  });
});

describe('YKC identity: allowed source networks', () => {
  it('refuses a login from outside the entry allowedSources (answer result 1, closed), with event, metric and log', async () => {
    const r = (rig = await startIdentityRig({ registry: entry('  allowedSources: [127.0.0.1/32, "2001:db8::/32"]\n') }));
    // Nobody connected yet: refused, counted and logged (no station to tell).
    const early = await impostor(r, '127.0.0.2');
    early.send(ykcLogin(PILE));
    expect(await early.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
    await early.closed;
    expect(refused(await r.metrics(), 'source_not_allowed')).toBe(1);

    const sim = await realPile(r);
    const bad = await impostor(r, '127.0.0.2');
    bad.send(ykcLogin(PILE));
    expect(await bad.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
    await bad.closed;
    const event = await loginRefusedEvent(r, 'source_not_allowed');
    expect(event).toMatchObject({ type: 'ChargerLoginRefused' });
    expect(event.techInfo).toContain('127.0.0.2');
    expect(refused(await r.metrics(), 'source_not_allowed')).toBe(2);
    expect(sim.connected).toBe(true);
    expect(refusalLogs(r, 'source_not_allowed').length).toBeGreaterThanOrEqual(1);
  });

  it('takes the gateway-wide default when the entry names none', async () => {
    const r = (rig = await startIdentityRig({ registry: entry(), stations: 'defaults: { allowedSources: ["127.0.0.2"] }' }));
    const bad = await impostor(r, '127.0.0.1');
    bad.send(ykcLogin(PILE));
    expect(await bad.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
    const good = await impostor(r, '127.0.0.2');
    good.send(ykcLogin(PILE));
    expect(await good.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    expect(refused(await r.metrics(), 'source_not_allowed')).toBe(1);
  });
});

describe('YKC identity: a pile key', () => {
  it('accepts the pile logging in under its own key and refuses a login without it, with event, metric and log; the key is never logged', async () => {
    const r = (rig = await startIdentityRig({ registry: entry('  ykcKey: ${PILE_101_KEY}\n'), env: { PILE_101_KEY: KEY } }));
    // Not connected yet: a plain login of the keyed pile is refused.
    const early = await impostor(r, '127.0.0.1');
    early.send(ykcLogin(PILE));
    expect(await early.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
    await early.closed;

    const sim = await realPile(r, { encryption: { key: KEY } });
    expect(sim.received.filter((f) => f.encrypted !== true)).toEqual([]);
    // From the pile's own address, so that only the key can tell them apart.
    const plain = await impostor(r, '127.0.0.1');
    plain.send(ykcLogin(PILE));
    expect(await plain.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
    await plain.closed;
    const wrong = await impostor(r, '127.0.0.1');
    wrong.send(ykcLogin(PILE), new YkcCipher(OTHER_KEY));
    await wrong.closed;
    const event = await loginRefusedEvent(r, 'bad_key');
    expect(event.type).toBe('ChargerLoginRefused');
    expect(refused(await r.metrics(), 'bad_key')).toBe(3);
    expect(sim.connected).toBe(true);
    expect(refusalLogs(r, 'bad_key').length).toBeGreaterThanOrEqual(1);
    const text = r.text();
    for (const k of [KEY, KEY.toLowerCase(), Buffer.from(KEY, 'hex').toString('base64')]) expect(text).not.toContain(k);
  });
});

describe('YKC identity: a replayed login of a keyed pile', () => {
  it('gains nothing: after a login under the pile key, frames in clear (a forged record, a heartbeat) are bad frames, neither answered nor confirmed nor billed', async () => {
    const r = (rig = await startIdentityRig({ registry: entry('  ykcKey: ${PILE_101_KEY}\n'), env: { PILE_101_KEY: KEY } }));
    const key = new YkcCipher(KEY);
    // The login bytes as captured off the wire: YKC frames carry no nonce, so a replay is byte-identical.
    const replayer = await impostor(r, '127.0.0.1');
    replayer.send(ykcLogin(PILE), key);
    expect(await replayer.next(key)).toMatchObject({ type: 'loginAnswer', pileCode: PILE, result: 0 });
    await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'BootNotification', 10_000);

    const start = new Date(Date.now() - 3_600_000);
    replayer.send(recordFrame({ transactionNo: `${PILE}012601011200000001`, pileCode: PILE, start, end: new Date(), meterStartKwh: 100, meterEndKwh: 105, stopReason: 0x40, sequence: 1 }));
    replayer.send({ type: 'heartbeat', sequence: 2, pileCode: PILE, gun: '01', gunState: 0 });
    // Only what the key produced is answered.
    replayer.send({ type: 'heartbeat', sequence: 3, pileCode: PILE, gun: '01', gunState: 0 }, key);
    const seen: string[] = [];
    for (;;) {
      const f = await replayer.next(key);
      seen.push(`${f.type}:${f.sequence}`);
      if (f.type === 'heartbeatAnswer') break;
    }
    expect(seen).not.toContain('transactionRecordConfirm:1');
    expect(seen.filter((s) => s.startsWith('heartbeatAnswer'))).toEqual(['heartbeatAnswer:3']);
    expect(r.csms.calls.filter((c) => c.identity === STATION && c.action === 'TransactionEvent')).toEqual([]);
    expect(metricValue(await r.metrics(), 'pilegate_decode_errors_total{code="YKC_NOT_ENCRYPTED"}')).toBe(2);
  });
});

describe('YKC identity: duplicateLogin replace', () => {
  it('lets a newcomer from the live connection address take over, refuses one from elsewhere, and reports both', async () => {
    const r = (rig = await startIdentityRig({ registry: entry('  duplicateLogin: replace\n') }));
    const sim = await realPile(r);
    const elsewhere = await impostor(r, '127.0.0.2');
    elsewhere.send(ykcLogin(PILE));
    expect(await elsewhere.next()).toMatchObject({ type: 'loginAnswer', result: 1 });
    await elsewhere.closed;
    expect(sim.connected).toBe(true);
    expect(refused(await r.metrics(), 'duplicate_login')).toBe(1);

    const again = await impostor(r, '127.0.0.1');
    again.send(ykcLogin(PILE));
    expect(await again.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    await until(() => !sim.connected, 'the old connection closed', 5_000);
    await until(() => securityEvents(r).some((e) => e.type === 'ChargerLoginReplaced'), 'the replacement reported', 10_000);
    expect(metricValue(await r.metrics(), 'pilegate_logins_replaced_total{codec="ykc"}')).toBe(1);
  });

  it('lets a newcomer from anywhere take over a live connection silent for replaceAfterIdleMs', async () => {
    const r = (rig = await startIdentityRig({ registry: entry('  duplicateLogin: replace\n'), stations: 'defaults: { replaceAfterIdleMs: 300 }' }));
    const first = await impostor(r, '127.0.0.1');
    first.send(ykcLogin(PILE));
    expect(await first.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'BootNotification', 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const second = await impostor(r, '127.0.0.2');
    second.send(ykcLogin(PILE));
    expect(await second.next()).toMatchObject({ type: 'loginAnswer', result: 0 });
    await first.closed;
  });
});
