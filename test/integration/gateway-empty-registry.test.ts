/**
 * `pilegate serve` without a config file (the built-in config: no registry, unknown chargers
 * refused) says so: a warning at start that every charger will be refused, and for each refused
 * charger a warning naming it with what to do. Real TCP, the simulated IEC 104 charger that
 * `pilegate simulate` plays.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { findPackageFile } from '../../src/config/read.js';
import { defaultGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { iec104PointsCodec } from '../../codecs/iec104-points/index.js';
import { systemSimulatorClock } from '../../src/simulator/clock.js';
import { iec104PointsSimulator } from '../../src/simulator/iec104-points/factory.js';
import { connectCharger, type ChargerSocket } from '../../src/simulator/socket.js';
import { until } from '../support/station.js';

let gateway: Gateway | undefined;
let socket: ChargerSocket | undefined;
afterEach(async () => {
  await socket?.close();
  await gateway?.stop();
  socket = undefined;
  gateway = undefined;
});

describe('serve without a config file', () => {
  it('warns at start that every charger will be refused, and for the refused charger says what to do', async () => {
    const builtIn = defaultGatewayConfig({ PILEGATE_HTTP_PORT: '0' });
    const lines: Record<string, unknown>[] = [];
    // The built-in config as it is, but on a free port: 2404 may be taken on this host.
    const config = { ...builtIn, listeners: builtIn.listeners.map((l) => ({ ...l, port: 0, host: '127.0.0.1' })) };
    gateway = new Gateway(config, { destination: { write: (s: string) => lines.push(JSON.parse(s) as Record<string, unknown>) } });
    await gateway.start();
    const warn = (msg: RegExp): Record<string, unknown>[] => lines.filter((l) => l['level'] === 40 && msg.test(String(l['msg'])));
    expect(warn(/registry is empty and unknown chargers are refused: every charger will be refused/)).toHaveLength(1);
    expect(String(warn(/every charger will be refused/)[0]?.['hint'])).toMatch(/stations\.file.*stations\.unknownChargers: provision/);

    const mapping = findPackageFile(import.meta.url, 'mappings/iec104-points/example-dc-2gun.yaml');
    const options = await iec104PointsCodec.loadOptions({ file: mapping });
    const charger = iec104PointsSimulator.create({ options, id: '101', index: 0, clock: systemSimulatorClock, meterIntervalMs: 1_000, sessions: 'idle', report: () => undefined });
    socket = await connectCharger({ host: '127.0.0.1', port: gateway.ports[0] ?? 0, reconnectDelayMs: 60_000 }, charger);
    await until(() => warn(/unknown charger refused/).length > 0, 'the refusal warning', 15_000);
    const refusal = warn(/unknown charger refused/)[0] ?? {};
    expect(refusal['chargerId']).toBe('EXDC101');
    expect(String(refusal['hint'])).toMatch(/add the charger id to the station registry.*or set stations\.unknownChargers: provision/);
  }, 30_000);
});
