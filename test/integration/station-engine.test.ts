/**
 * Station engine I against an independent CSMS: ocpp-rpc's RPCServer in strict mode. Every test
 * ends by asserting the CSMS saw no strict-validation failure in anything the station sent.
 */
import { generate } from 'selfsigned';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectorStatusEvent } from '../../src/model/events.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { createStation, PASSWORD, until, type TestStation } from '../support/station.js';

let csms: TestCsms | undefined;
let station: TestStation | undefined;
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  const callErrors = csms?.errorsSent ?? [];
  await station?.engine.stop();
  for (const c of cleanups.splice(0)) await c();
  await csms?.close();
  station = undefined;
  csms = undefined;
  expect(failures).toEqual([]);
  expect(callErrors).toEqual([]);
});

const status = (connector: number, s: ConnectorStatusEvent['status']): ConnectorStatusEvent => ({
  type: 'connectorStatus',
  connector,
  status: s,
  plugged: s === 'occupied',
  chargingState: s === 'occupied' ? 'evConnected' : 'idle',
  at: new Date().toISOString(),
});

describe('boot', () => {
  it('boots Accepted, then reports every connector and the startup security event', async () => {
    csms = await startCsms();
    station = await createStation({ id: 'CS-BOOT-1', url: csms.url });
    station.engine.chargerEvent(status(1, 'available'));
    station.engine.chargerEvent(status(2, 'occupied'));
    station.engine.start();
    const boot = await csms.waitForCall((c) => c.action === 'BootNotification');
    expect(boot.params).toEqual({ chargingStation: { model: 'EX-DC120-2', vendorName: 'Example', serialNumber: 'SN-0001', firmwareVersion: '1.2.3' }, reason: 'PowerUp' });
    await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.evseId === 2);
    const statuses = csms.calls.filter((c) => c.action === 'StatusNotification').map((c) => [c.params.evseId, c.params.connectorId, c.params.connectorStatus]);
    expect(statuses).toEqual([
      [1, 1, 'Available'],
      [2, 1, 'Occupied'],
    ]);
    await csms.waitForCall((c) => c.action === 'SecurityEventNotification' && c.params.type === 'StartupOfTheDevice');
    expect(station.engine.bootState).toBe('accepted');
    // A later change is reported on its own.
    station.engine.chargerEvent(status(1, 'faulted'));
    await csms.waitForCall((c) => c.action === 'StatusNotification' && c.params.connectorStatus === 'Faulted');
  });

  it('stays quiet while Pending, answers the CSMS, and boots again on TriggerMessage(BootNotification)', async () => {
    csms = await startCsms({ boot: (_id, _p, n) => (n === 1 ? { status: 'Pending', interval: 300 } : { status: 'Accepted', interval: 300 }) });
    station = await createStation({ id: 'CS-PENDING', url: csms.url });
    station.engine.chargerEvent(status(1, 'available'));
    station.engine.start();
    await csms.waitForCall((c) => c.action === 'BootNotification');
    await until(() => station?.engine.bootState === 'pending', 'pending');
    const client = await csms.client('CS-PENDING');
    const got = (await client.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] })) as {
      getVariableResult: { attributeStatus: string }[];
    };
    expect(got.getVariableResult[0]?.attributeStatus).toBe('Accepted');
    expect(csms.calls.map((c) => c.action)).toEqual(['BootNotification']);
    expect(await client.call('TriggerMessage', { requestedMessage: 'BootNotification' })).toEqual({ status: 'Accepted' });
    const second = await csms.waitForCall((c) => c.action === 'BootNotification' && c.params.reason === 'Triggered');
    expect(second.params.reason).toBe('Triggered');
    await csms.waitForCall((c) => c.action === 'StatusNotification');
    // Once accepted, a triggered boot is refused (F06.FR.17).
    expect(await client.call('TriggerMessage', { requestedMessage: 'BootNotification' })).toEqual({ status: 'Rejected' });
  });

  it('answers SecurityError while Rejected and boots again after the interval', async () => {
    csms = await startCsms({ boot: (_id, _p, n) => (n === 1 ? { status: 'Rejected', interval: 1 } : { status: 'Accepted', interval: 300 }) });
    station = await createStation({ id: 'CS-REJECTED', url: csms.url });
    station.engine.start();
    await until(() => station?.engine.bootState === 'rejected', 'rejected');
    const client = await csms.client('CS-REJECTED');
    await expect(client.call('GetVariables', { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] })).rejects.toMatchObject({
      rpcErrorCode: 'SecurityError',
    });
    const first = csms.calls[0];
    const second = await csms.waitForCall((c) => c.action === 'BootNotification' && c !== first, 4000);
    expect(second.at - (first?.at ?? 0)).toBeGreaterThanOrEqual(900);
    await until(() => station?.engine.bootState === 'accepted', 'accepted');
  });

  it('refuses a wrong Basic-auth password at the CSMS and retries with backoff, never logging the password', async () => {
    csms = await startCsms({ passwords: { 'CS-AUTH': 'the-right-password-42' } });
    station = await createStation({ id: 'CS-AUTH', url: csms.url });
    station.engine.start();
    await until(() => (csms?.authAttempts.length ?? 0) >= 3, 'three attempts', 8000);
    const [a, b, c] = csms.authAttempts;
    expect([a?.passwordOk, b?.passwordOk, c?.passwordOk]).toEqual([false, false, false]);
    // RetryBackOff: 1 s, then doubled once to 2 s (no random part in this test).
    expect((b?.at ?? 0) - (a?.at ?? 0)).toBeGreaterThanOrEqual(900);
    expect((c?.at ?? 0) - (b?.at ?? 0)).toBeGreaterThanOrEqual(1900);
    expect(csms.calls).toEqual([]);
    const text = JSON.stringify(station.logs);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(Buffer.from(`CS-AUTH:${PASSWORD}`).toString('base64'));
  });

  it('connects with security profile 2 to a CSMS whose certificate the configured CA signed', async () => {
    const ca = await generate([{ name: 'commonName', value: 'test CSMS root' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    });
    const leaf = await generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256', ca: { cert: ca.cert, key: ca.private } });
    csms = await startCsms({ tls: { cert: leaf.cert, key: leaf.private }, passwords: { 'CS-TLS': PASSWORD } });
    station = await createStation({ id: 'CS-TLS', url: csms.url, security: { profile: 2, password: PASSWORD, ca: ca.cert } });
    station.engine.start();
    await csms.waitForCall((c) => c.action === 'BootNotification');
    await until(() => station?.engine.bootState === 'accepted', 'accepted');
    expect(csms.authAttempts.every((x) => x.passwordOk)).toBe(true);
  });
});
