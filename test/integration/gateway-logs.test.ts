/**
 * GetLog(DiagnosticsLog) through the whole gateway: a real IEC 104 charger connection, the strict
 * CSMS asking, a real HTTP server receiving. The file shows the charger's frames decoded and in
 * hex and the gateway's log lines for the station, within the window, without secrets.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { controlledCharger, HARNESS_PASSWORD, startGatewayHarness, until, type GatewayHarness } from '../support/gateway-harness.js';
import { startUploadHttpServer, type UploadHttpServer } from '../support/upload-servers.js';

let h: GatewayHarness | undefined;
let http: UploadHttpServer | undefined;

afterEach(async () => {
  await h?.close();
  await http?.close();
  const failures = h?.csms.strictFailures ?? [];
  const errors = h?.csms.errorsSent ?? [];
  h = undefined;
  http = undefined;
  expect(failures).toEqual([]);
  expect(errors).toEqual([]);
});

async function uploaded(harness: GatewayHarness, server: UploadHttpServer, id: string, requestId: number, log: Record<string, string> = {}): Promise<string> {
  const client = await harness.csms.client(id);
  const answer = (await client.call('GetLog', { logType: 'DiagnosticsLog', requestId, log: { remoteLocation: `${server.base}/diag/`, ...log } })) as { status: string };
  expect(answer.status).toBe('Accepted');
  const done = await harness.csms.waitForCall((c) => c.identity === id && c.action === 'LogStatusNotification' && c.params.requestId === requestId && c.params.status !== 'Uploading', 20_000);
  expect(done.params.status).toBe('Uploaded');
  await until(() => server.requests.length >= requestId, 'the upload');
  return server.requests[requestId - 1]?.body.toString('utf8') ?? '';
}

describe('DiagnosticsLog of a gateway station', () => {
  it('holds the charger’s frames in hex and decoded, and the station’s log lines, without secrets', async () => {
    http = await startUploadHttpServer();
    h = await startGatewayHarness();
    const { id } = await controlledCharger(h, 42);
    const text = await uploaded(h, http, id, 1);
    const lines = text.split('\n');
    // The general interrogation the gateway sent (C_IC_NA_1, TI 100), framed, in hex and decoded.
    const gi = lines.findIndex((l) => /^\S+Z gateway->charger 68 0e .* 64 01 06 00 .* \(16 bytes\)$/.test(l));
    expect(gi).toBeGreaterThan(-1);
    expect(lines[gi + 2]).toMatch(/^ +ASDU +C_IC_NA_1 \(100\) COT 6 ACTIVATION/);
    // The charger's scaled measurements (M_ME_NB_1, TI 11), decoded.
    const measured = lines.findIndex((l) => /^\S+Z charger->gateway 68 16 .* 0b 02 03 00 /.test(l));
    expect(lines[measured + 2]).toMatch(/M_ME_NB_1 \(11\) COT 3 SPONTANEOUS CA 42/);
    expect(text).toMatch(/^\S+Z connection 127\.0\.0\.1:\d+$/m);
    expect(text).toMatch(/^\S+Z log info station engine started/m);
    expect(text).not.toContain(HARNESS_PASSWORD);
  });

  it('keeps to oldestTimestamp..latestTimestamp', async () => {
    http = await startUploadHttpServer();
    h = await startGatewayHarness();
    const { id } = await controlledCharger(h, 42);
    const before = new Date(Date.now() - 1).toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const all = await uploaded(h, http, id, 1);
    const from = new Date().toISOString();
    const later = await uploaded(h, http, id, 2, { oldestTimestamp: from });
    const earlier = await uploaded(h, http, id, 3, { latestTimestamp: before });
    const times = (t: string): number[] =>
      t
        .split('\n')
        .filter((l) => /^\d{4}-/.test(l))
        .map((l) => Date.parse(l.slice(0, 24)));
    expect(times(all).length).toBeGreaterThan(times(earlier).length);
    expect(times(earlier).length).toBeGreaterThan(0);
    expect(times(earlier).every((t) => t <= Date.parse(before))).toBe(true);
    expect(times(later).every((t) => t >= Date.parse(from))).toBe(true);
    expect(all).toContain('C_IC_NA_1');
    expect(earlier).toContain('C_IC_NA_1');
  });
});
