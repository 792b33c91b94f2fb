/**
 * Firmware through the whole gateway: an IEC 104 point-table charger has no firmware path, and its
 * station says so to the CSMS (ocpp-rpc strict) before anything is downloaded.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startFileHttpServer, type FileHttpServer } from '../support/firmware-servers.js';
import { controlledCharger, startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;
let http: FileHttpServer | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
  await http?.close();
  http = undefined;
});

describe('UpdateFirmware through the gateway', () => {
  it('answers Rejected NotSupported for an IEC 104 charger, downloads nothing, and reports Idle to a trigger', { timeout: 60_000 }, async () => {
    http = await startFileHttpServer({ '/fw.bin': Buffer.from('image') });
    h = await startGatewayHarness(['downloads: { timeoutMs: 5000, maxBytes: 1000000 }']);
    const { client, id, peer } = await controlledCharger(h, 7);
    const answer = (await client.call('UpdateFirmware', { requestId: 5, firmware: { location: `${http.url}/fw.bin`, retrieveDateTime: new Date().toISOString() } })) as {
      status: string;
      statusInfo?: { reasonCode: string; additionalInfo?: string };
    };
    expect(answer.status).toBe('Rejected');
    expect(answer.statusInfo?.reasonCode).toBe('NotSupported');
    expect(answer.statusInfo?.additionalInfo).toMatch(/no firmware update/);
    expect(await client.call('TriggerMessage', { requestedMessage: 'FirmwareStatusNotification' })).toEqual({ status: 'Accepted' });
    const idle = await h.csms.waitForCall((c) => c.identity === id && c.action === 'FirmwareStatusNotification', 10_000);
    expect(idle.params).toEqual({ status: 'Idle' });
    expect(http.requests).toEqual([]);
    expect(h.csms.strictFailures).toEqual([]);
    expect(h.csms.errorsSent).toEqual([]);
    await peer.close();
  });
});
