/**
 * An IEC 104 charger whose ACT_CON comes after the codec's own time-out (the mapping's
 * `commandTimeoutSeconds`, here 1 s; the station waits its default 10 s): the codec reports the
 * time-out, the CSMS is told Rejected (Timeout), and the late ACT_CON is still the charger's answer
 * to that command, so the station follows what the charger did. The whole gateway over real TCP,
 * a hand-written controlled station as the charger, the strict test CSMS.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ControlledStation } from '../support/controlled-station.js';
import { controlledCharger, EXAMPLE_MAPPING, startGatewayHarness, type GatewayHarness } from '../support/gateway-harness.js';

let h: GatewayHarness | undefined;
let peer: ControlledStation | undefined;
let dir: string | undefined;

afterEach(async () => {
  await peer?.close();
  const failures = h?.csms.strictFailures ?? [];
  await h?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  h = peer = dir = undefined;
  expect(failures).toEqual([]);
});

/** The DC example with the codec waiting 1 s for an ACT_CON. */
function quickMapping(): string {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-late-'));
  const file = join(dir, 'dc-quick.yaml');
  const text = readFileSync(EXAMPLE_MAPPING, 'utf8');
  if (!/^commandTimeoutSeconds: 10$/m.test(text)) throw new Error('the DC example no longer says commandTimeoutSeconds: 10');
  writeFileSync(file, text.replace(/^commandTimeoutSeconds: 10$/m, 'commandTimeoutSeconds: 1'));
  return file;
}

describe('an ACT_CON after the codec timed out the command', () => {
  it('ChangeAvailability: Rejected Timeout, then the late ACT_CON makes EVSE 2 Unavailable', async () => {
    h = await startGatewayHarness([], { mapping: quickMapping() });
    const c = await controlledCharger(h, 33, () => ({ reply: 'confirm', afterMs: 1_600 }));
    peer = c.peer;
    const started = Date.now();
    expect(await c.client.call('ChangeAvailability', { operationalStatus: 'Inoperative', evse: { id: 2 } })).toMatchObject({ status: 'Rejected', statusInfo: { reasonCode: 'Timeout' } });
    const status = await h.csms.waitForCall((x) => x.identity === c.id && x.action === 'StatusNotification' && x.params.evseId === 2 && x.params.connectorStatus === 'Unavailable', 8_000);
    expect(status.at).toBeGreaterThanOrEqual(started + 1_500);
  }, 30_000);
});
