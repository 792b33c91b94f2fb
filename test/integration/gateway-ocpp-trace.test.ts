/**
 * `log.ocppTrace` through the whole gateway against the strict CSMS: the traced station's every
 * OCPP message shows at level trace (log.level being info), requests and answers paired by
 * message id, the CSMS's calls included; the untraced station shows nothing; the Basic-auth
 * password a SetVariables carries is redacted.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectSimulator, type SimulatorHandle } from '../../src/simulator/iec104-points/connect.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { EXAMPLE_MAPPING, HARNESS_PASSWORD, logLines } from '../support/gateway-harness.js';
import { loadExampleMapping } from '../support/iec104-points.js';
import { until } from '../support/station.js';

const NEW_PASSWORD = 'trace-new-basic-auth-password-42';

let csms: TestCsms | undefined;
let gateway: Gateway | undefined;
const sims: SimulatorHandle[] = [];

afterEach(async () => {
  const failures = csms?.strictFailures ?? [];
  await Promise.all(sims.splice(0).map((s) => s.close()));
  await gateway?.stop();
  await csms?.close();
  gateway = undefined;
  csms = undefined;
  expect(failures).toEqual([]);
});

type Line = Record<string, unknown> & { payload?: Record<string, unknown> };

describe('OCPP trace', () => {
  it('shows every OCPP message of the traced station, none of the other, and no secret', async () => {
    csms = await startCsms();
    const text = [
      'listeners:',
      `  - { port: 0, host: 127.0.0.1, codec: iec104-points, mapping: ${JSON.stringify(EXAMPLE_MAPPING)} }`,
      `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
      'stations: { unknownChargers: provision }',
      'http: { port: 0, host: 127.0.0.1 }',
      'log: { level: info, ocppTrace: [EXDC101] }',
    ].join('\n');
    const config = parseGatewayConfig(text, '<trace>', { PILEGATE_CSMS_PASSWORD: HARNESS_PASSWORD });
    const log = logLines();
    gateway = new Gateway(config, { destination: log.destination, callTimeoutMs: 3_000 });
    await gateway.start();
    const port = gateway.ports[0] ?? 0;
    for (const ca of [101, 102]) sims.push(await connectSimulator({ host: '127.0.0.1', port, mapping: loadExampleMapping('example-dc-2gun'), commonAddress: ca }));
    const boot = await csms.waitForCall((c) => c.identity === 'EXDC101' && c.action === 'BootNotification', 15_000);
    await csms.waitForCall((c) => c.identity === 'EXDC102' && c.action === 'BootNotification', 15_000);
    const trace = (): Line[] => log.lines().filter((l) => l.level === 10) as Line[];
    await until(() => trace().some((l) => l.messageType === 'CALLRESULT' && l.action === 'BootNotification'), 'the traced boot answer', 10_000);

    const request = trace().find((l) => l.messageType === 'CALL' && l.action === 'BootNotification');
    expect(request).toMatchObject({ msg: 'OCPP sent CALL BootNotification', direction: 'sent', stationId: 'EXDC101', chargerId: 'EXDC101', codec: 'iec104-points', messageId: boot.messageId });
    expect(request?.payload).toEqual(boot.params);
    const response = trace().find((l) => l.messageType === 'CALLRESULT' && l.action === 'BootNotification');
    expect(response).toMatchObject({ msg: 'OCPP received CALLRESULT BootNotification', direction: 'received', messageId: boot.messageId, payload: { status: 'Accepted' } });

    // A CSMS call, with the station's new Basic-auth password.
    const client = await csms.client('EXDC101');
    await client.call('SetVariables', { setVariableData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: NEW_PASSWORD }] });
    await until(() => trace().some((l) => l.messageType === 'CALLRESULT' && l.action === 'SetVariables'), 'the traced SetVariables answer', 10_000);
    const set = trace().find((l) => l.messageType === 'CALL' && l.action === 'SetVariables');
    expect(set).toMatchObject({ direction: 'received', payload: { setVariableData: [{ variable: { name: 'BasicAuthPassword' }, attributeValue: '[redacted]' }] } });
    const answer = trace().find((l) => l.messageType === 'CALLRESULT' && l.action === 'SetVariables');
    expect(answer).toMatchObject({ direction: 'sent', messageId: set?.messageId, payload: { setVariableResult: [{ attributeStatus: expect.any(String) as string }] } });

    // Every traced line is EXDC101's; EXDC102 talked to the CSMS but left no trace.
    expect(trace().every((l) => l.stationId === 'EXDC101' && String(l.msg).startsWith('OCPP '))).toBe(true);
    expect(log.lines().filter((l) => l.stationId === 'EXDC102' && (l.level === 10 || String(l.msg).startsWith('OCPP ')))).toEqual([]);
    expect(log.text()).not.toContain(NEW_PASSWORD);
    expect(log.text()).not.toContain(HARNESS_PASSWORD);
  }, 40_000);
});
