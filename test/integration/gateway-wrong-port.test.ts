/**
 * A charger on the port of another protocol, over real TCP, as the gateway's log tells it: a YKC
 * pile on an IEC 104 port is disconnected in words that name both protocols (not the IEC 104
 * link's `invalid-nr`); a charger that sends nothing on a port whose chargers speak first (YKC,
 * family-B) is warned about after a few seconds (IEC 104 chargers wait for STARTDT) and closed at
 * the login timeout as one that sent nothing. Each disconnect is counted by its reason.
 */
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { EXAMPLE_MAPPING, listenerGatewayEachTest, sample } from '../support/gateway-harness.js';
import { until } from '../support/station.js';

const PILE = '32010200000078';
const B3 = fileURLToPath(new URL('../../mappings/sgcc104/b3.yaml', import.meta.url));

const { start, closers } = listenerGatewayEachTest('<wrong-port>');

/** A TCP client that says nothing, as an IEC 104 charger waiting for STARTDT does; resolves with its close. */
async function silentCharger(port: number): Promise<Promise<void>> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  closers.push(() => socket.destroy());
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return closed;
}

const msgs = (lines: Record<string, unknown>[]): string[] => lines.map((l) => String(l['msg']));

describe('a charger on the port of another protocol', () => {
  it('a YKC pile on an IEC 104 port is disconnected in words that name both protocols, counted as protocol_mismatch', async () => {
    const g = await start(`  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`);
    const ykc = new YkcChargerSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE });
    closers.push(() => ykc.close());
    void ykc.connect().catch(() => undefined);
    const words = `charger at 127.0.0.1 speaks ykc but listener :${g.port} is configured for iec104-points`;
    await until(() => msgs(g.lines()).includes(`${words}: disconnected`), 'the disconnect line', 30_000);
    const line = g.lines().find((l) => l['msg'] === `${words}: disconnected`);
    expect(line).toMatchObject({ level: 40, reason: 'protocol_mismatch', configured: 'iec104-points', detected: ['ykc'] });
    // The protocol's own reason stays as a detail, never as the words.
    expect(String(line?.['detail'])).toContain('invalid-nr');
    const closed = g.lines().find((l) => /^charger \w+ -> closed$/.test(String(l['msg'])));
    expect(closed?.['reason']).toBe(words);
    expect(msgs(g.lines()).filter((m) => m.includes('invalid-nr'))).toEqual([]);
    expect(sample(await g.metrics(), 'pilegate_charger_disconnects_total{reason="protocol_mismatch"}')).toBe(1);
    expect(sample(await g.metrics(), 'pilegate_charger_disconnects_total{reason="protocol"}')).toBe(0);
  }, 60_000);

  it('a silent charger on a YKC port: a hint at STARTDT after a few seconds, then closed as one that sent nothing, counted as silent', async () => {
    const g = await start('  - { port: 0, host: 127.0.0.1, codec: ykc }', ['connections: { loginTimeoutMs: 2000 }']);
    const closed = await silentCharger(g.port);
    await until(() => msgs(g.lines()).some((m) => m.includes('has sent nothing')), 'the silence hint', 30_000);
    const hint = g.lines().find((l) => String(l['msg']).includes('has sent nothing'));
    expect(hint).toMatchObject({
      level: 40,
      msg: `charger at 127.0.0.1 has sent nothing for 1 s: listener :${g.port} (ykc) waits for the charger to speak first, while IEC 104 chargers wait for the gateway's STARTDT act: is it on the right port?`,
      port: g.port,
      codec: 'ykc',
    });
    await closed;
    await until(() => msgs(g.lines()).includes('charger at 127.0.0.1 sent nothing for 2 s after connecting: disconnected'), 'the close line', 30_000);
    expect(g.lines().find((l) => /^charger \w+ -> closed$/.test(String(l['msg'])))?.['reason']).toBe('sent nothing for 2 s');
    expect(msgs(g.lines()).filter((m) => m.includes('did not identify itself'))).toEqual([]);
    expect(sample(await g.metrics(), 'pilegate_charger_disconnects_total{reason="silent"}')).toBe(1);
    expect(sample(await g.metrics(), 'pilegate_charger_disconnects_total{reason="login_timeout"}')).toBe(0);
  }, 60_000);

  it('a silent charger on a family-B port gets the same hint; a YKC pile that spoke is not hinted at', async () => {
    const g = await start(`  - { port: 0, host: 127.0.0.1, codec: sgcc104, mapping: ${JSON.stringify(B3)} }`, ['connections: { loginTimeoutMs: 2000 }']);
    const closed = await silentCharger(g.port);
    const ykc = new YkcChargerSimulator({ host: '127.0.0.1', port: g.port, pileCode: PILE });
    closers.push(() => ykc.close());
    void ykc.connect().catch(() => undefined);
    await closed;
    await until(() => msgs(g.lines()).includes('charger at 127.0.0.1 sent nothing for 2 s after connecting: disconnected'), 'the close line', 30_000);
    const hints = g.lines().filter((l) => String(l['msg']).includes('has sent nothing'));
    expect(hints).toHaveLength(1);
    expect(hints[0]).toMatchObject({ codec: 'sgcc104', msg: expect.stringContaining(`listener :${g.port} (sgcc104) waits for the charger to speak first`) as unknown });
  }, 60_000);
});
