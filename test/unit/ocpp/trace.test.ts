/** What the OCPP trace shows of a message: its kind, id, action and payload, secrets redacted. */
import { describe, expect, it } from 'vitest';
import { redactOcpp, traceEntry } from '../../../src/ocpp/trace.js';

const PEM_KEY = '-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n';

describe('OCPP trace', () => {
  it('names each frame kind, and an answer by the action of its CALL', () => {
    const actionOf = (id: string): string | undefined => (id === 'm1' ? 'BootNotification' : undefined);
    expect(traceEntry('sent', '[2,"m1","Heartbeat",{}]', actionOf)).toEqual({ direction: 'sent', messageType: 'CALL', messageId: 'm1', action: 'Heartbeat', payload: {} });
    expect(traceEntry('received', '[3,"m1",{"status":"Accepted"}]', actionOf)).toEqual({
      direction: 'received',
      messageType: 'CALLRESULT',
      messageId: 'm1',
      action: 'BootNotification',
      payload: { status: 'Accepted' },
    });
    expect(traceEntry('received', '[4,"m2","NotSupported","no",{}]', actionOf)).toEqual({
      direction: 'received',
      messageType: 'CALLERROR',
      messageId: 'm2',
      errorCode: 'NotSupported',
      errorDescription: 'no',
      errorDetails: {},
    });
    expect(traceEntry('received', 'not json password=x', actionOf)).toEqual({
      direction: 'received',
      messageType: 'invalid',
      errorCode: 'RpcFrameworkError',
      errorDescription: 'Message is not valid JSON',
      length: 19,
    });
  });

  it('redacts the Basic-auth password in SetVariables, GetVariables answers and reports', () => {
    const set = {
      setVariableData: [
        { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'p4ssw0rd-p4ssw0rd' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '60' },
      ],
    };
    expect(redactOcpp(set)).toEqual({
      setVariableData: [
        { component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: '[redacted]' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '60' },
      ],
    });
    const got = { getVariableResult: [{ attributeStatus: 'Accepted', component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, attributeValue: 'p4ssw0rd' }] };
    expect(JSON.stringify(redactOcpp(got))).not.toContain('p4ssw0rd');
    const report = { reportData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, variableAttribute: [{ type: 'Actual', value: 'p4ssw0rd' }] }] };
    expect(redactOcpp(report)).toEqual({
      reportData: [{ component: { name: 'SecurityCtrlr' }, variable: { name: 'BasicAuthPassword' }, variableAttribute: [{ type: 'Actual', value: '[redacted]' }] }],
    });
  });

  it('redacts network-profile credentials, URL passwords and private keys', () => {
    const profile = {
      configurationSlot: 1,
      connectionData: {
        ocppCsmsUrl: 'wss://cp:url-secret@csms.example/ocpp',
        vpn: { server: 'vpn', user: 'u', password: 'vpn-secret', key: 'vpn-key', type: 'IPSec' },
        apn: { apn: 'internet', apnPassword: 'apn-secret', simPin: 1234, apnAuthentication: 'AUTO' },
      },
    };
    const out = JSON.stringify(redactOcpp(profile));
    for (const secret of ['url-secret', 'vpn-secret', 'vpn-key', 'apn-secret', '1234']) expect(out).not.toContain(secret);
    expect(out).toContain('wss://[redacted]@csms.example/ocpp');
    expect(out).toContain('"server":"vpn"');
    expect(redactOcpp({ certificate: PEM_KEY, other: 'fine' })).toEqual({ certificate: '[redacted]', other: 'fine' });
  });

  it('redacts URL user info whatever the password holds (an @, a :), and variables named *Key or *Passphrase', () => {
    const getLog = { log: { remoteLocation: 'ftp://logs:p@ss:w0rd@ftp.example/up' }, logType: 'DiagnosticsLog', requestId: 1 };
    const out = JSON.stringify(redactOcpp(getLog));
    for (const secret of ['p@ss', 'ss:w0rd', 'w0rd']) expect(out).not.toContain(secret);
    expect(out).toContain('@ftp.example/up');
    const set = {
      setVariableData: [
        { component: { name: 'VendorCtrlr' }, variable: { name: 'ApiKey' }, attributeValue: 'k-123456' },
        { component: { name: 'VendorCtrlr' }, variable: { name: 'WifiPassphrase' }, attributeValue: 'wifi-secret' },
        { component: { name: 'OCPPCommCtrlr' }, variable: { name: 'HeartbeatInterval' }, attributeValue: '60' },
      ],
    };
    const setOut = JSON.stringify(redactOcpp(set));
    for (const secret of ['k-123456', 'wifi-secret']) expect(setOut).not.toContain(secret);
    expect(setOut).toContain('"attributeValue":"60"');
  });
});
