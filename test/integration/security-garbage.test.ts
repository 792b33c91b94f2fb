/**
 * Hostile bytes over real TCP into the full gateway: a logged-in YKC pile (and an IEC 104
 * connection) sending a stream without any frame start spends its bad-frame budget and is
 * disconnected within moments instead of being read until its heartbeat times out; and bad frames
 * from many connections are all counted in the metrics while the log gets only the first few per
 * connection and per window gateway-wide, plus one line saying how many were left out.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startCsms, type TestCsms } from '../support/csms.js';
import { fixturePath, loadHexFixture } from '../support/fixtures.js';
import { sample, startGatewayHarness, untilMetrics, type GatewayHarness } from '../support/gateway-harness.js';
import { until } from '../support/station.js';
import { startYkcGateway, YKC_PASSWORD, type YkcGateway } from '../support/ykc-gateway.js';

/** The pile code of the login fixture. */
const PILE = '55031412782305';
const LOGIN = loadHexFixture(fixturePath('ykc', 'frames', '01-login-spec-v15.hex')).bytes;

let harness: GatewayHarness | undefined;
let csms: TestCsms | undefined;
let ykc: YkcGateway | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await ykc?.gateway.stop();
  await csms?.close();
  await harness?.close();
  harness = ykc = csms = undefined;
});

/** Every byte value but the start byte 0x68, repeated: no frame can ever start in it. */
const GARBAGE = Buffer.from(Array.from({ length: 64 * 1024 }, (_, i) => (i % 255 >= 0x68 ? (i % 255) + 1 : i % 255)));

/** Writes garbage as fast as the socket takes it until it closes (or `maxMs`); resolves how long that took. */
async function flood(socket: Socket, maxMs: number): Promise<number> {
  const t0 = Date.now();
  let open = true;
  socket.once('close', () => (open = false));
  while (open && Date.now() - t0 < maxMs) {
    if (!socket.write(GARBAGE)) await new Promise<void>((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
  expect(open).toBe(false);
  return Date.now() - t0;
}

async function metrics(port: number): Promise<string> {
  return (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
}

describe('garbage spends the bad-frame budget', () => {
  it('disconnects a logged-in YKC pile that sends bytes without a frame start', async () => {
    csms = await startCsms({ passwords: { [PILE]: YKC_PASSWORD } });
    ykc = await startYkcGateway(csms.url, 'memory');
    const socket = connect({ host: '127.0.0.1', port: ykc.port });
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.resume();
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.write(LOGIN);
    await csms.waitForCall((x) => x.identity === PILE && x.action === 'BootNotification', 20_000);
    // The pile's heartbeat timeout is 3 intervals of 10 s: well beyond this.
    const ms = await flood(socket, 5_000);
    expect(ms).toBeLessThan(3_000);
    const text = await metrics(ykc.gateway.httpPort ?? 0);
    expect(sample(text, 'pilegate_charger_disconnects_total{reason="bad_frames"}')).toBe(1);
    expect(sample(text, 'pilegate_decode_errors_total{code="YKC_BAD_START"}')).toBeGreaterThanOrEqual(20);
    const spent = ykc.lines().find((l) => l['msg'] === 'bad-frame budget spent: disconnected');
    expect(spent).toMatchObject({ code: 'YKC_BAD_START', chargerId: PILE });
  }, 30_000);

  it('disconnects an IEC 104 connection that sends bytes without a frame start', async () => {
    const h = (harness = await startGatewayHarness());
    const raw = await h.socket();
    sockets.push(raw.socket);
    expect(await flood(raw.socket, 5_000)).toBeLessThan(3_000);
    const text = await untilMetrics(h, (t) => sample(t, 'pilegate_charger_disconnects_total{reason="bad_frames"}') === 1, 'the disconnect counted');
    expect(sample(text, 'pilegate_decode_errors_total{code="IEC104_BAD_START"}')).toBeGreaterThanOrEqual(20);
  }, 30_000);
});

describe('bad-frame log lines are limited, every bad frame counted', () => {
  it('logs the first 5 per connection and 50 per window gateway-wide, then says how many it left out', async () => {
    const h = (harness = await startGatewayHarness(['connections: { badFrameWindowMs: 4000, maxPerAddress: 0 }']));
    // 20 APDUs of an impossible length (2): each one bad frame; the 20th spends the budget.
    const bad = Buffer.concat(Array.from({ length: 20 }, () => Buffer.from('68020000', 'hex')));
    const raws = await Promise.all(Array.from({ length: 12 }, () => h.socket()));
    for (const r of raws) r.socket.write(bad);
    await Promise.all(raws.map((r) => r.closed));
    const text = await untilMetrics(h, (t) => sample(t, 'pilegate_charger_disconnects_total{reason="bad_frames"}') === 12, 'every connection closed');
    expect(sample(text, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}')).toBe(240);

    const lines = (msg: string): Record<string, unknown>[] => h.lines().filter((l) => l['msg'] === msg);
    // 12 connections × 5 = 60 lines allowed per connection, 50 gateway-wide.
    expect(lines('bad frame from charger')).toHaveLength(50);
    const spent = lines('bad-frame budget spent: disconnected');
    expect(spent).toHaveLength(12);
    for (const l of spent) expect(l).toMatchObject({ code: 'IEC104_LENGTH_TOO_SHORT', notLogged: 15 });
    // At the end of the window: the 10 lines the gateway-wide limit held back, in one line.
    await until(() => lines('bad frames from chargers not logged (gateway-wide limit)').length === 1, 'the gateway-wide summary', 10_000);
    expect(lines('bad frames from chargers not logged (gateway-wide limit)')[0]).toMatchObject({ notLogged: 10, windowMs: 4000 });
  }, 30_000);

  it('counts every frame of a long-lived connection and logs each window its first lines and what the last one left out', async () => {
    const h = (harness = await startGatewayHarness(['connections: { badFrameWindowMs: 1000, badFrameLimit: 1000 }']));
    const raw = await h.socket();
    sockets.push(raw.socket);
    const eight = Buffer.concat(Array.from({ length: 8 }, () => Buffer.from('68020000', 'hex')));
    raw.socket.write(eight);
    await untilMetrics(h, (t) => sample(t, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}') === 8, 'the first 8');
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    raw.socket.write(eight);
    await untilMetrics(h, (t) => sample(t, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}') === 16, 'the next 8');
    raw.socket.destroy();
    await until(() => h.lines().filter((l) => l['msg'] === 'bad frames from charger not logged').length === 2, 'both summaries', 5_000);
    expect(h.lines().filter((l) => l['msg'] === 'bad frame from charger')).toHaveLength(10);
    // One for the first window (at the first frame of the second), one at the close.
    expect(
      h
        .lines()
        .filter((l) => l['msg'] === 'bad frames from charger not logged')
        .map((l) => l['notLogged']),
    ).toEqual([3, 3]);
  }, 30_000);
});
