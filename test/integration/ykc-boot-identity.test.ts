/**
 * What a YKC pile's login (0x01) carries reaches the CSMS in BootNotification: the model from its
 * pile type, gun count and protocol version, its program version as firmwareVersion, its SIM's
 * ICCID as modem.iccid; the login carries no maker, so vendorName stays "unknown" unless the
 * station's registry entry names `vendor` (and `model`, which then wins). The strict test CSMS
 * validates every payload against the OCPP 2.0.1 schemas. Real TCP, the full Gateway.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startIdentityRig, type IdentityRig } from '../support/identity-rig.js';

const PLAIN = '32010200000051';
const NAMED = '32010200000052';
const ICCID = '898604D11722D0348606';

let rig: IdentityRig | undefined;
const sims: YkcChargerSimulator[] = [];
afterEach(async () => {
  for (const s of sims.splice(0)) s.close();
  await rig?.close();
  rig = undefined;
});

describe('YKC identity in BootNotification', () => {
  it('fills model, firmware and ICCID from the login, and takes vendor and model from the registry entry', async () => {
    rig = await startIdentityRig({
      registry: [
        `"${PLAIN}": { stationId: ykc-plain, password: "\${IDENTITY_PASSWORD}" }`,
        `"${NAMED}": { stationId: ykc-named, password: "\${IDENTITY_PASSWORD}", vendor: Acme Power, model: APC-60 }`,
        '',
      ].join('\n'),
    });
    const plain = new YkcChargerSimulator({ host: '127.0.0.1', port: rig.port, pileCode: PLAIN, pileType: 1, gunCount: 2, protocolVersion: 0x11, firmwareVersion: 'FW-2.3', iccid: ICCID });
    const named = new YkcChargerSimulator({ host: '127.0.0.1', port: rig.port, pileCode: NAMED, firmwareVersion: 'V1.0.7' });
    sims.push(plain, named);
    await Promise.all([plain.connect(), named.connect()]);
    const boot = async (station: string): Promise<Record<string, unknown>> => (await rig!.csms.waitForCall((c) => c.identity === station && c.action === 'BootNotification', 10_000)).params;
    expect((await boot('ykc-plain'))['chargingStation']).toEqual({ vendorName: 'unknown', model: 'AC 2-gun YKC v1.7', firmwareVersion: 'FW-2.3', modem: { iccid: ICCID } });
    expect((await boot('ykc-named'))['chargingStation']).toEqual({ vendorName: 'Acme Power', model: 'APC-60', firmwareVersion: 'V1.0.7', modem: { iccid: ICCID } });
  });
});
