/**
 * Who may claim an IEC 104 charger's identity (its common address), over real TCP with the full
 * Gateway and the strict CSMS: IEC 104 has no login answer, so a refused charger's connection is
 * closed once it has identified itself. A second connection with the common address of a connected
 * charger, from another address, is closed and the connected charger keeps its station; a charger
 * outside its entry's `allowedSources` is closed. Each refusal is counted in
 * `pilegate_logins_refused_total{codec="iec104-points",reason}` and reported to the station.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { buildAsdu, ControlledStation, siq } from '../support/controlled-station.js';
import { scaledQds } from '../support/gateway-harness.js';
import { metricValue, startIdentityRig, type IdentityRig } from '../support/identity-rig.js';
import { until } from '../support/station.js';

const CA = 42;
const CHARGER = `EXDC${CA}`;
const STATION = 'iec-identity-42';

let rig: IdentityRig | undefined;
const peers: ControlledStation[] = [];

afterEach(async () => {
  for (const p of peers.splice(0)) p.close();
  const failures = rig?.csms.strictFailures ?? [];
  await rig?.close();
  rig = undefined;
  expect(failures).toEqual([]);
});

const entry = (extra = ''): string => `${CHARGER}:\n  stationId: ${STATION}\n  password: \${IDENTITY_PASSWORD}\n${extra}`;

/** A charger with common address 42 dialling from `localAddress`; once interrogated it reports both guns idle. */
async function charger(r: IdentityRig, localAddress: string): Promise<ControlledStation> {
  const peer = await ControlledStation.connect(r.port, { ca: CA, localAddress });
  peers.push(peer);
  await peer.waitFor(() => peer.isClosed || peer.iFrames().some((f) => f.asdu?.[0] === 100), 'the general interrogation or the close', 10_000);
  if (!peer.isClosed) {
    peer.sendAsdus([
      buildAsdu({ ti: 1, cot: 3, ca: CA }, [{ ioa: 0x0001, element: siq(false) }]),
      buildAsdu({ ti: 11, cot: 3, ca: CA }, [
        { ioa: 0x4001, element: scaledQds(0) },
        { ioa: 0x4011, element: scaledQds(0) },
      ]),
    ]);
  }
  return peer;
}

const refused = (text: string, reason: string): number | undefined => metricValue(text, `pilegate_logins_refused_total{codec="iec104-points",reason="${reason}"}`);

function refusalEvents(r: IdentityRig, reason: string): unknown[] {
  return r.csms.calls.filter((c) => c.identity === STATION && c.action === 'SecurityEventNotification' && String(c.params['techInfo']).includes(reason));
}

describe('IEC 104 identity', () => {
  it('closes a second connection of a connected charger from another address; the first keeps its station', async () => {
    const r = (rig = await startIdentityRig({ codec: 'iec104-points', registry: entry() }));
    const real = await charger(r, '127.0.0.1');
    await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'StatusNotification' && c.params['evseId'] === 2, 15_000);
    const bad = await charger(r, '127.0.0.2');
    await bad.closed;
    await until(() => refusalEvents(r, 'duplicate_login').length === 1, 'the security event', 10_000);
    expect(real.isClosed).toBe(false);
    expect(r.gateway.station(STATION)?.connectionState).toBe('open');
    expect(r.csms.calls.filter((c) => c.identity === STATION && c.action === 'BootNotification')).toHaveLength(1);
    expect(refused(await r.metrics(), 'duplicate_login')).toBe(1);
  });

  it('closes a charger outside its allowed source networks', async () => {
    const r = (rig = await startIdentityRig({ codec: 'iec104-points', registry: entry('  allowedSources: ["::ffff:127.0.0.1/128"]\n') }));
    const real = await charger(r, '127.0.0.1');
    await r.csms.waitForCall((c) => c.identity === STATION && c.action === 'StatusNotification' && c.params['evseId'] === 2, 15_000);
    const bad = await charger(r, '127.0.0.2');
    await bad.closed;
    await until(() => refusalEvents(r, 'source_not_allowed').length === 1, 'the security event', 10_000);
    expect(real.isClosed).toBe(false);
    expect(refused(await r.metrics(), 'source_not_allowed')).toBe(1);
  });
});
