/**
 * Connection hygiene of the gateway over real TCP: the per-address limit, the login and idle
 * timeouts and the bad-frame budget, each set from the config file's `connections` section, each
 * closing with a log line and a metric.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sample, startGatewayHarness, until, untilMetrics, type GatewayHarness } from '../support/gateway-harness.js';

/** TESTFR_ACT: a valid U frame a charger may send in any link state (the gateway answers TESTFR_CON). */
const TESTFR_ACT = Buffer.from('680443000000', 'hex');
/** A start byte with an impossible APDU length: one IEC104_LENGTH_TOO_SHORT per copy. */
const BAD_LENGTH = Buffer.from('68020000', 'hex');

let h: GatewayHarness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

function logged(g: GatewayHarness, msg: string): Record<string, unknown> | undefined {
  return g.lines().find((l) => l['msg'] === msg);
}

describe('gateway connection limits (config connections.*)', () => {
  it('refuses connections beyond maxPerAddress at once, logs and counts them, and accepts again after one closes', async () => {
    h = await startGatewayHarness(['connections: { maxPerAddress: 2, loginTimeoutMs: 0, idleTimeoutMs: 0 }']);
    const a = await h.socket();
    const b = await h.socket();
    const c = await h.socket();
    await c.closed;
    expect(c.received().length).toBe(0);
    const refused = logged(h, 'charger connection refused: too many connections from this address');
    expect(refused).toMatchObject({ level: 40, remote: '127.0.0.1', maxPerAddress: 2 });
    let metrics = await h.metrics();
    expect(sample(metrics, 'pilegate_chargers_refused_total{reason="address_limit"}')).toBe(1);
    expect(a.isClosed() || b.isClosed()).toBe(false);
    expect(sample(metrics, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(2);
    a.socket.destroy();
    await a.closed;
    await untilMetrics(h, (t) => sample(t, 'pilegate_chargers_connected{codec="iec104-points"}') === 1, 'the gateway to see the close');
    const d = await h.socket();
    metrics = await untilMetrics(h, (t) => sample(t, 'pilegate_chargers_connected{codec="iec104-points"}') === 2, 'the new connection');
    expect(d.isClosed()).toBe(false);
    expect(sample(metrics, 'pilegate_chargers_refused_total{reason="address_limit"}')).toBe(1);
  });

  it('closes a charger that does not identify itself within loginTimeoutMs, but not one that does', async () => {
    h = await startGatewayHarness(['connections: { loginTimeoutMs: 1500, idleTimeoutMs: 0 }']);
    const silent = await h.socket();
    const started = Date.now();
    // It keeps the link alive, so only the missing identification can close it.
    const keepAlive = setInterval(() => silent.socket.write(TESTFR_ACT), 100);
    try {
      await silent.closed;
    } finally {
      clearInterval(keepAlive);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    expect(logged(h, 'charger did not identify itself in time: disconnected')).toMatchObject({ level: 40, loginTimeoutMs: 1500 });
    const sim = await h.charger(42);
    await h.csms.waitForCall((c) => c.identity === 'EXDC42' && c.action === 'BootNotification', 10_000);
    await new Promise((r) => setTimeout(r, 1_600));
    expect(sim.connected).toBe(true);
    const metrics = await h.metrics();
    expect(sample(metrics, 'pilegate_charger_disconnects_total{reason="login_timeout"}')).toBe(1);
    expect(sample(metrics, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(1);
  });

  it('closes a charger that sends nothing for idleTimeoutMs; bytes keep it open', async () => {
    h = await startGatewayHarness(['connections: { loginTimeoutMs: 0, idleTimeoutMs: 1000 }']);
    const s = await h.socket();
    let lastWrite = Date.now();
    const keepAlive = setInterval(() => {
      s.socket.write(TESTFR_ACT);
      lastWrite = Date.now();
    }, 100);
    await new Promise((r) => setTimeout(r, 2_000));
    clearInterval(keepAlive);
    expect(s.isClosed()).toBe(false);
    // The gateway answered every TESTFR_ACT: the charger side of the link worked meanwhile.
    expect(s.received().includes(Buffer.from('680483000000', 'hex'))).toBe(true);
    await s.closed;
    // Closed no earlier than the idle timeout after the last byte (a few ms of timer slack).
    expect(Date.now() - lastWrite).toBeGreaterThanOrEqual(980);
    expect(logged(h, 'charger sent nothing for the idle timeout: disconnected')).toMatchObject({ level: 40, idleTimeoutMs: 1000 });
    const metrics = await untilMetrics(h, (t) => sample(t, 'pilegate_charger_disconnects_total{reason="idle_timeout"}') === 1, 'the idle disconnect metric');
    expect(sample(metrics, 'pilegate_chargers_connected{codec="iec104-points"}')).toBe(0);
  });

  it('closes a connection once badFrameLimit bad frames arrived within badFrameWindowMs', async () => {
    h = await startGatewayHarness(['connections: { badFrameLimit: 3, badFrameWindowMs: 60000, loginTimeoutMs: 0, idleTimeoutMs: 0 }']);
    const s = await h.socket();
    s.socket.write(Buffer.concat([BAD_LENGTH, BAD_LENGTH]));
    await untilMetrics(h, (t) => sample(t, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}') === 2, 'two decode errors');
    expect(s.isClosed()).toBe(false);
    s.socket.write(BAD_LENGTH);
    await s.closed;
    expect(logged(h, 'bad-frame budget spent: disconnected')).toMatchObject({ level: 40, code: 'IEC104_LENGTH_TOO_SHORT', limit: 3, windowMs: 60_000 });
    const metrics = await untilMetrics(h, (t) => sample(t, 'pilegate_charger_disconnects_total{reason="bad_frames"}') === 1, 'the bad-frames disconnect metric');
    expect(sample(metrics, 'pilegate_decode_errors_total{code="IEC104_LENGTH_TOO_SHORT"}')).toBe(3);
    await until(
      () => h?.lines().some((l) => String(l['msg']).startsWith('charger connected -> closed') && l['reason'] === 'bad-frame budget spent (IEC104_LENGTH_TOO_SHORT)') === true,
      'the state change line',
    );
  });
});
