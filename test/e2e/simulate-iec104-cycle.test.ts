/**
 * One standard IEC 104 session of `pilegate simulate` (a real child process) against an in-process
 * gateway and a strict CSMS that starts it remotely: the simulator prints what it does in the order
 * it happens (the start command, then the session), prints the fault it raises and clears, and the
 * CSMS sees one transaction for the one session.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLE_MAPPING, listenerGatewayEachTest } from '../support/gateway-harness.js';
import { runCliProcess } from '../support/cli.js';

const { start } = listenerGatewayEachTest('<simulate-iec104-cycle>');
const iec104Port = `  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`;

describe('pilegate simulate: a standard IEC 104 session', () => {
  it('prints the start command before the session, prints the fault, and makes one transaction', async () => {
    const g = await start(iec104Port);
    const run = runCliProcess(['simulate', '--gateway', `127.0.0.1:${g.port}`, '--duration', '33', '--interval-ms', '1000'], 45_000);
    // The CSMS starts the session once the connector turns Occupied.
    for (let i = 0; i < 400; i++) {
      if (g.csms.calls.some((c) => c.identity === 'EXDC101' && c.action === 'StatusNotification' && c.params['connectorStatus'] === 'Occupied')) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const client = g.csms.clients.get('EXDC101');
    expect(client).toBeDefined();
    const answer = (await client?.call('RequestStartTransaction', { idToken: { idToken: 'CSMS-1', type: 'Central' }, remoteStartId: 1, evseId: 1 })) as { status: string };
    expect(answer.status).toBe('Accepted');
    const r = await run;
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l.includes('EXDC101  connector 1:'));
    const at = (re: RegExp): number => lines.findIndex((l) => re.test(l));
    expect(
      lines.filter((l) => l.includes('session started')),
      r.stdout,
    ).toHaveLength(1);
    expect(at(/startCharging command from the gateway carried out/), r.stdout).toBeGreaterThanOrEqual(0);
    expect(at(/startCharging command from the gateway carried out/), r.stdout).toBeLessThan(at(/session started/));
    expect(at(/session stopped/), r.stdout).toBeGreaterThan(at(/session started/));
    expect(at(/fault \S+ raised/), r.stdout).toBeGreaterThan(at(/session stopped/));
    expect(at(/fault \S+ cleared/), r.stdout).toBeGreaterThan(at(/fault \S+ raised/));
    // Connector 1's transactions (the simulator also charges connector 2, started at the charger).
    const events = g.csms.calls.filter((c) => c.identity === 'EXDC101' && c.action === 'TransactionEvent');
    const started = events.filter((c) => c.params['eventType'] === 'Started' && (c.params['evse'] as { id?: number } | undefined)?.id === 1);
    expect(started, r.stdout).toHaveLength(1);
    const txId = (started[0]?.params['transactionInfo'] as { transactionId: string }).transactionId;
    const tx = events.filter((c) => (c.params['transactionInfo'] as { transactionId: string }).transactionId === txId);
    const ended = tx.filter((c) => c.params['eventType'] === 'Ended');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.params['triggerReason']).not.toBe('AbnormalCondition');
    expect(events.filter((c) => c.params['triggerReason'] === 'AbnormalCondition')).toEqual([]);
    expect(g.csms.calls.some((c) => c.identity === 'EXDC101' && c.action === 'StatusNotification' && c.params['connectorStatus'] === 'Faulted')).toBe(true);
  }, 60_000);
});
