/**
 * The README's table of OCPP 2.0.1 messages against a running station: every message is listed once
 * with who sends it, every CSMS request the table calls supported gets a CALLRESULT from the
 * station, every one it calls not supported gets CALLERROR NotSupported (and nothing else), and the
 * station never sends a message the table says it never sends. The CSMS is ocpp-rpc in strict mode.
 */
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { CSMS_ACTIONS, OCPP201_ACTIONS, STATION_ACTIONS, type CsmsAction } from '../../src/ocpp/actions.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { CONFIRM_ALL, createStation, endStrict, until, type TestStation } from '../support/station.js';

interface Row {
  readonly action: string;
  readonly sentBy: 'station' | 'CSMS' | 'both';
  readonly supported: boolean;
  readonly text: string;
}

/** The rows of the README section "OCPP 2.0.1 messages". */
function readmeRows(): Row[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('## OCPP 2.0.1 messages');
  if (start < 0) throw new Error('README has no section "OCPP 2.0.1 messages"');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows: Row[] = [];
  for (const line of section.split('\n')) {
    const m = /^\| `(\w+)` \| (station|CSMS|both) \| (.+) \|$/.exec(line);
    if (m === null) continue;
    const text = m[3] ?? '';
    rows.push({ action: m[1] ?? '', sentBy: m[2] as Row['sentBy'], supported: text.startsWith('Supported'), text });
  }
  return rows;
}

const soon = (ms: number): string => new Date(Date.now() + ms).toISOString();
const TOKEN = { idToken: 'SWEEP-CARD-1', type: 'ISO14443' };
const HASH = { hashAlgorithm: 'SHA256', issuerNameHash: 'aa11', issuerKeyHash: 'bb22', serialNumber: '01' };
const PEM = '-----BEGIN CERTIFICATE-----\nMIIBnot-a-certificate\n-----END CERTIFICATE-----\n';

/** A schema-valid request for every CSMS action; Reset goes last (the station reboots). */
function requests(): [CsmsAction, Record<string, unknown>][] {
  const byAction: Record<CsmsAction, Record<string, unknown>> = {
    CancelReservation: { reservationId: 4711 },
    CertificateSigned: { certificateChain: PEM },
    ChangeAvailability: { operationalStatus: 'Operative' },
    ClearCache: {},
    ClearChargingProfile: { chargingProfileId: 9999 },
    ClearDisplayMessage: { id: 1 },
    ClearVariableMonitoring: { id: [1] },
    CostUpdated: { totalCost: 1.5, transactionId: 'no-such-transaction' },
    CustomerInformation: { requestId: 1, report: true, clear: false, idToken: TOKEN },
    DataTransfer: { vendorId: 'org.example.sweep' },
    DeleteCertificate: { certificateHashData: HASH },
    GetBaseReport: { requestId: 2, reportBase: 'ConfigurationInventory' },
    GetChargingProfiles: { requestId: 3, chargingProfile: { chargingProfilePurpose: 'TxDefaultProfile' } },
    GetCompositeSchedule: { duration: 3600, evseId: 1 },
    GetDisplayMessages: { requestId: 4 },
    GetInstalledCertificateIds: {},
    GetLocalListVersion: {},
    GetLog: { logType: 'DiagnosticsLog', requestId: 5, retries: 0, log: { remoteLocation: 'http://127.0.0.1:9/logs' } },
    GetMonitoringReport: { requestId: 6 },
    GetReport: { requestId: 7, componentVariable: [{ component: { name: 'OCPPCommCtrlr' } }] },
    GetTransactionStatus: {},
    GetVariables: { getVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' } }] },
    InstallCertificate: { certificateType: 'CSMSRootCertificate', certificate: PEM },
    PublishFirmware: { location: 'http://127.0.0.1:9/fw.bin', checksum: 'd41d8cd98f00b204e9800998ecf8427e', requestId: 8 },
    RequestStartTransaction: { idToken: TOKEN, remoteStartId: 9, evseId: 1 },
    RequestStopTransaction: { transactionId: 'no-such-transaction' },
    ReserveNow: { id: 10, expiryDateTime: soon(3_600_000), idToken: TOKEN, evseId: 2 },
    Reset: { type: 'OnIdle' },
    SendLocalList: { versionNumber: 1, updateType: 'Full' },
    SetChargingProfile: {
      evseId: 0,
      chargingProfile: {
        id: 1,
        stackLevel: 0,
        chargingProfilePurpose: 'ChargingStationMaxProfile',
        chargingProfileKind: 'Absolute',
        chargingSchedule: [{ id: 1, startSchedule: soon(0), chargingRateUnit: 'W', chargingSchedulePeriod: [{ startPeriod: 0, limit: 60000 }] }],
      },
    },
    SetDisplayMessage: { message: { id: 1, priority: 'NormalCycle', message: { format: 'UTF8', content: 'hello' } } },
    SetMonitoringBase: { monitoringBase: 'All' },
    SetMonitoringLevel: { severity: 5 },
    SetNetworkProfile: {
      configurationSlot: 1,
      connectionData: { ocppVersion: 'OCPP20', ocppTransport: 'JSON', ocppCsmsUrl: 'ws://127.0.0.1:9/ocpp', messageTimeout: 30, securityProfile: 1, ocppInterface: 'Wired0' },
    },
    SetVariableMonitoring: { setMonitoringData: [{ value: 1, type: 'Delta', severity: 5, component: { name: 'EVSE', evse: { id: 1 } }, variable: { name: 'Power' } }] },
    SetVariables: { setVariableData: [{ component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '300' }] },
    TriggerMessage: { requestedMessage: 'Heartbeat' },
    UnlockConnector: { evseId: 1, connectorId: 1 },
    UnpublishFirmware: { checksum: 'd41d8cd98f00b204e9800998ecf8427e' },
    UpdateFirmware: { requestId: 11, retries: 0, firmware: { location: 'http://127.0.0.1:9/fw.bin', retrieveDateTime: soon(0) } },
  };
  const all = CSMS_ACTIONS.map((a): [CsmsAction, Record<string, unknown>] => [a, byAction[a]]);
  return [...all.filter(([a]) => a !== 'Reset'), ...all.filter(([a]) => a === 'Reset')];
}

/** Every message TriggerMessage can ask for (MessageTriggerEnumType). */
const TRIGGERS = [
  'BootNotification',
  'LogStatusNotification',
  'FirmwareStatusNotification',
  'Heartbeat',
  'MeterValues',
  'SignChargingStationCertificate',
  'SignV2GCertificate',
  'StatusNotification',
  'TransactionEvent',
  'SignCombinedCertificate',
  'PublishFirmwareStatusNotification',
];

let csms: TestCsms | undefined;
const stations: TestStation[] = [];

afterEach(async () => {
  const ending = csms;
  csms = undefined;
  await endStrict(ending, stations);
});

describe('the README table of OCPP 2.0.1 messages', () => {
  it('lists every message once, with who sends it', () => {
    const rows = readmeRows();
    expect(rows.map((r) => r.action).sort()).toEqual([...OCPP201_ACTIONS]);
    for (const row of rows) {
      const fromStation = (STATION_ACTIONS as readonly string[]).includes(row.action);
      const fromCsms = (CSMS_ACTIONS as readonly string[]).includes(row.action);
      expect(row.sentBy, row.action).toBe(fromStation && fromCsms ? 'both' : fromStation ? 'station' : 'CSMS');
      if (!row.supported) expect(row.text, row.action).toMatch(row.sentBy === 'station' ? /^Never sent/ : /^Not supported/);
    }
  });

  it('holds for a running station: CALLRESULT where supported, CALLERROR NotSupported where not, nothing unlisted sent', { timeout: 120_000 }, async () => {
    csms = await startCsms();
    const id = 'CS-SWEEP-1';
    const station = await createStation({ id, url: csms.url, answer: CONFIRM_ALL });
    stations.push(station);
    for (const connector of [1, 2]) station.engine.chargerEvent({ type: 'connectorStatus', connector, status: 'available', plugged: false, chargingState: 'idle', at: new Date().toISOString() });
    station.engine.start();
    await until(() => station.engine.bootState === 'accepted', 'boot accepted');
    const rows = new Map(readmeRows().map((r) => [r.action, r]));
    const client = await csms.client(id);

    const outcomes: { action: string; result: 'result' | string }[] = [];
    const ask = async (action: string, params: Record<string, unknown>): Promise<void> => {
      try {
        await client.call(action, params);
        outcomes.push({ action, result: 'result' });
      } catch (err) {
        outcomes.push({ action, result: String((err as { rpcErrorCode?: unknown }).rpcErrorCode ?? (err instanceof Error ? err.message : err)) });
      }
    };
    for (const requestedMessage of TRIGGERS) await ask('TriggerMessage', { requestedMessage });
    for (const [action, params] of requests()) await ask(action, params);

    const expected = outcomes.map(({ action }) => {
      const row = rows.get(action);
      if (row === undefined) return { action, result: 'unlisted' };
      return { action, result: row.supported ? 'result' : 'NotSupported' };
    });
    expect(outcomes).toEqual(expected);

    // What the station sent while it handled them: only messages the table calls supported.
    await new Promise((r) => setTimeout(r, 500));
    const sent = new Set(csms.calls.filter((c) => c.identity === id).map((c) => c.action));
    for (const action of sent) expect(rows.get(action)?.supported, `${action} sent`).toBe(true);
  });
});
