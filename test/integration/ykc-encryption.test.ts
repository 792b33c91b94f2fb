/**
 * 3DES YKC chargers over real TCP: an encrypted simulator logs in and runs a card session through
 * the hosted codec session (every frame both ways encrypted), a pile with its own key logs in under
 * it and is refused without it, an encrypted login that no key opens closes the connection, and
 * frames under a wrong key after login are typed errors counted against the gateway's bad-frame
 * budget: the connection survives until it is spent.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Codec } from '../../codecs/codec.js';
import { YkcCipher } from '../../codecs/ykc/cipher.js';
import { ykcCodec } from '../../codecs/ykc/codec.js';
import { decodeYkcFrame, encodeYkcFrame, YkcFramer, type YkcFrame } from '../../codecs/ykc/index.js';
import type { ChargerEvent } from '../../src/model/events.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { hostCodec, type CodecHost } from '../support/codec-host.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { startLiteGateway, type LiteGateway } from '../support/gateway-lite.js';
import { until } from '../support/station.js';

const PILE = '32010200000077';
const KEY = '0123456789ABCDEFFEDCBA987654321089ABCDEF01234567';
const PILE_KEY = '89ABCDEF01234567FEDCBA98765432100123456789ABCDEF';
const WRONG_KEY = '111111111111111122222222222222223333333333333333';

let host: CodecHost | undefined;
let sim: YkcChargerSimulator | undefined;
let csms: TestCsms | undefined;
let gateway: LiteGateway | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  sim?.close();
  for (const s of sockets.splice(0)) s.destroy();
  await host?.close();
  await gateway?.close();
  await csms?.close();
  host = sim = csms = gateway = undefined;
  expect(failures).toEqual([]);
});

/** A charger as raw frames: send with a given cipher, read frames decrypted with a given cipher. */
async function rawCharger(
  port: number,
): Promise<{ socket: Socket; send(f: YkcFrame, c?: YkcCipher): void; next(c: YkcCipher | undefined): Promise<{ frame?: YkcFrame; flag: number; error?: string }> }> {
  const socket = connect({ host: '127.0.0.1', port });
  sockets.push(socket);
  socket.on('error', () => undefined);
  const framer = new YkcFramer();
  const frames: Buffer[] = [];
  socket.on('data', (chunk) => {
    for (const item of framer.push(chunk)) if (item.kind === 'frame') frames.push(Buffer.from(item.frame));
  });
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  return {
    socket,
    send: (f, c) => socket.write(encodeYkcFrame(f, c !== undefined ? { cipher: c } : {})),
    async next(c) {
      await until(() => frames.length > 0, 'a frame from the platform');
      const bytes = frames.shift() as Buffer;
      const r = decodeYkcFrame(bytes, c !== undefined ? { cipher: c } : {});
      return r.ok ? { frame: r.value, flag: bytes[4] as number } : { flag: bytes[4] as number, error: r.error.code };
    },
  };
}

const login = (pileCode: string): YkcFrame => ({
  type: 'login',
  sequence: 0,
  pileCode,
  pileType: 0,
  gunCount: 1,
  protocolVersion: 0x10,
  firmwareVersion: 'ENC-1.0',
  networkType: 0,
  sim: '0'.repeat(20),
  operator: 0,
});
const heartbeat = (sequence: number): YkcFrame => ({ type: 'heartbeat', sequence, pileCode: PILE, gun: '01', gunState: 0 });

describe('YKC 3DES', () => {
  for (const encryption of [{ key: KEY }, { key: KEY, mode: 'cbc', iv: '0011223344556677', padding: 'pkcs7' }] as const) {
    it(`an encrypted simulator (${'mode' in encryption ? 'CBC, PKCS#7' : 'ECB, zero padding'}) logs in and runs a card session; every frame to it is encrypted`, async () => {
      host = await hostCodec(ykcCodec, await ykcCodec.loadOptions({ value: { encryption } }));
      sim = await connectYkcSimulator({ host: '127.0.0.1', port: host.port, pileCode: PILE, encryption, realTimeIntervalMs: 50, recordResendMs: 10_000, heartbeatIntervalMs: 200 });
      expect(await host.waitFor((e) => e.type === 'identified')).toMatchObject({ chargerId: PILE });
      const conn = host.connections[0];
      if (conn === undefined) throw new Error('no hosted connection');
      await sim.waitFor((f) => f.type === 'heartbeatAnswer', 2_000);

      const swipe = sim.swipeCard(1, 'D14B0A54');
      const req = (await host.waitFor((e) => e.type === 'authorizationRequest')) as Extract<ChargerEvent, { type: 'authorizationRequest' }>;
      expect(req.idToken).toEqual({ id: 'D14B0A54', type: 'card' });
      conn.session.command({ type: 'authorize', id: 'auth-1', connector: 1, idToken: req.idToken, accepted: true, ...(req.requestId !== undefined ? { requestId: req.requestId } : {}) });
      const confirm = await swipe;
      expect(confirm.authResult).toBe(1);
      await host.waitFor((e) => e.type === 'measurements' && e.values.some((v) => v.measurand === 'power' && v.value === 7040));
      const txn = sim.stopCharging(1, 0x45);
      const record = await host.waitFor((e) => e.type === 'transactionRecord');
      expect(record).toMatchObject({ legacyTransactionId: txn, rawReason: 0x45, idToken: { id: 'D14B0A54', type: 'card' } });
      conn.session.command({ type: 'confirmRecord', id: 'rec-1', connector: 1, legacyTransactionId: txn ?? '', accepted: true });
      await sim.waitFor((f) => f.type === 'transactionRecordConfirm');
      expect(sim.confirmed).toEqual([txn]);

      expect(conn.errors).toEqual([]);
      expect(sim.received.length).toBeGreaterThan(5);
      expect(sim.received.filter((f) => f.encrypted !== true)).toEqual([]);
      expect(conn.logs.some((l) => /3DES-encrypted frames/.test(l.message))).toBe(true);
    });
  }

  it('without a key an encrypted login is YKC_ENCRYPTED, unanswered, and the connection is closed (a login no key opens is refused)', async () => {
    host = await hostCodec(ykcCodec, await ykcCodec.loadOptions({ value: {} }));
    const c = await rawCharger(host.port);
    const closed = new Promise<void>((resolve) => c.socket.once('close', () => resolve()));
    c.send(login(PILE), new YkcCipher(KEY));
    await closed;
    expect(host.connections[0]?.errors[0]).toMatchObject({ code: 'YKC_ENCRYPTED', offset: 4 });
    expect(host.connections[0]?.closedBy).toBe('encrypted login that no configured key opens');
    // A pile without keys logs in in clear as before.
    const plain = await rawCharger(host.port);
    plain.send(login(PILE));
    expect(await plain.next(undefined)).toMatchObject({ flag: 0, frame: { type: 'loginAnswer', result: 0 } });
  });

  it("a pile with its own key logs in under it (found by the login's first block) and keeps it both ways; under the listener-wide key or in clear it is refused", async () => {
    const OTHER = '32010200000076';
    host = await hostCodec(ykcCodec, await ykcCodec.loadOptions({ value: { encryption: { key: KEY, keys: { [PILE]: PILE_KEY } } } }));
    const listener = new YkcCipher(KEY);
    const own = new YkcCipher(PILE_KEY);
    const c = await rawCharger(host.port);
    c.send(login(PILE), own);
    expect(await c.next(own)).toMatchObject({ flag: 1, frame: { type: 'loginAnswer', pileCode: PILE, result: 0, encrypted: true } });
    expect(await c.next(own)).toMatchObject({ flag: 1, frame: { type: 'timeSync', encrypted: true } });
    c.send(heartbeat(1), own);
    expect(await c.next(own)).toMatchObject({ flag: 1, frame: { type: 'heartbeatAnswer', sequence: 1 } });
    // the listener-wide key does not open this pile's frames
    c.send(heartbeat(2), listener);
    await until(() => (host?.connections[0]?.errors.length ?? 0) > 0, 'the error');
    // zero padding has no check of its own: the decrypted pile code gives the wrong key away
    expect(host.connections[0]?.errors.map((e) => e.code)).toEqual(['YKC_DECRYPT_FAILED']);

    // Its code under the listener-wide key, or in clear, proves nothing: refused.
    const shared = await rawCharger(host.port);
    shared.send(login(PILE), listener);
    expect(await shared.next(listener)).toMatchObject({ flag: 1, frame: { type: 'loginAnswer', pileCode: PILE, result: 1 } });
    const plain = await rawCharger(host.port);
    plain.send(login(PILE));
    expect(await plain.next(undefined)).toMatchObject({ flag: 0, frame: { type: 'loginAnswer', pileCode: PILE, result: 1 } });
    // A pile without a key of its own still logs in under the listener-wide key.
    const other = await rawCharger(host.port);
    other.send(login(OTHER), listener);
    expect(await other.next(listener)).toMatchObject({ flag: 1, frame: { type: 'loginAnswer', pileCode: OTHER, result: 0 } });
  });

  it('a wrong key: YKC_DECRYPT_FAILED counted, the connection survives until the bad-frame budget is spent', async () => {
    const c0 = (csms = await startCsms());
    const cipher = new YkcCipher(KEY, { padding: 'pkcs7' });
    const wrong = new YkcCipher(WRONG_KEY, { padding: 'pkcs7' });
    gateway = await startLiteGateway({ csmsUrl: c0.url, codec: { codec: ykcCodec as Codec<never>, options: await ykcCodec.loadOptions({ value: { encryption: { key: KEY, padding: 'pkcs7' } } }) } });
    const g = gateway;
    const c = await rawCharger(g.port);
    c.send(login(PILE), cipher);
    expect(await c.next(cipher)).toMatchObject({ flag: 1, frame: { type: 'loginAnswer', result: 0 } });
    await c0.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 10_000);

    const bad = (): number => g.badFrames.filter((code) => code === 'YKC_DECRYPT_FAILED').length;
    for (let i = 0; i < 19; i++) c.send(heartbeat(10 + i), wrong);
    await until(() => bad() === 19, '19 counted bad frames');
    // still connected and served: a good heartbeat gets its (encrypted) answer
    c.send(heartbeat(99), cipher);
    let answer = await c.next(cipher);
    while (answer.frame?.type !== 'heartbeatAnswer') answer = await c.next(cipher);
    expect(answer).toMatchObject({ flag: 1, frame: { sequence: 99 } });
    expect(c.socket.destroyed).toBe(false);

    const closed = new Promise<void>((resolve) => c.socket.once('close', () => resolve()));
    c.send(heartbeat(100), wrong);
    await closed;
    expect(g.sessions[0]?.closeReason).toMatch(/bad-frame budget spent \(YKC_DECRYPT_FAILED\)/);
  }, 30_000);
});
