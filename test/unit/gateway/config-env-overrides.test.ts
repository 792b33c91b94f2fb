/**
 * A bad value from a `PILEGATE_<SECTION>_<KEY>` override is blamed on its environment variable
 * (`PILEGATE_HTTP_PORT=abc: ...`), with no line of the config file, for each kind of value: a
 * number, an enum, a URL, a whole section (`PILEGATE_STORE`). A value from the file is still
 * blamed on its line.
 */
import { describe, expect, it } from 'vitest';
import { configErrorLines } from '../../../src/config/errors.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { configError } from '../../support/config-error.js';

// Every overridden key is also in the file, so a wrong blame would name a line of it.
const text = [
  'listeners:',
  '  - { port: 0, codec: iec104-points }',
  'csms:',
  '  url: ws://127.0.0.1:9000/ocpp',
  'http:',
  '  port: 9104',
  'log:',
  '  level: info',
  'fleet:',
  '  leaseTtlMs: 15000',
  '',
].join('\n');

function lines(env: Record<string, string>): string[] {
  return configErrorLines(configError(() => parseGatewayConfig(text, 'gw.yaml', env)));
}

describe('environment overrides in config errors', () => {
  it('names the variable of a bad number', () => {
    expect(lines({ PILEGATE_HTTP_PORT: 'abc' })).toEqual(['error CONFIG_INVALID PILEGATE_HTTP_PORT=abc: /http/port: must be integer, got string "abc"']);
    const e = configError(() => parseGatewayConfig(text, 'gw.yaml', { PILEGATE_HTTP_PORT: '70000' }));
    expect(e.issues).toEqual([{ pointer: '/http/port', from: 'PILEGATE_HTTP_PORT=70000', reason: 'must be <= 65535, got 70000' }]);
    expect(e.message).toBe('PILEGATE_HTTP_PORT=70000: /http/port: must be <= 65535, got 70000');
  });

  it('names the variable of a bad enum', () => {
    expect(lines({ PILEGATE_LOG_LEVEL: 'loud' })).toEqual([expect.stringMatching(/^error CONFIG_INVALID PILEGATE_LOG_LEVEL=loud: \/log\/level: unknown level "loud"; expected one of /)]);
  });

  it('names the variable of a bad URL, without its user or password', () => {
    const bad = lines({ PILEGATE_CSMS_URL: 'http://csms.example/ocpp' });
    expect(bad).toEqual(['error CONFIG_INVALID PILEGATE_CSMS_URL=http://csms.example/ocpp: /csms/url: "http://csms.example/ocpp" does not match ^wss?://']);
    const secret = lines({ PILEGATE_CSMS_URL: 'http://depot:s3cret-pw@csms.example/ocpp' });
    expect(secret).toEqual(['error CONFIG_INVALID PILEGATE_CSMS_URL=http://[redacted]@csms.example/ocpp: /csms/url: "http://[redacted]@csms.example/ocpp" does not match ^wss?://']);
  });

  it('names the variable behind a check made after the schema, and a whole section', () => {
    expect(lines({ PILEGATE_FLEET_RENEWINTERVALMS: '20000' })).toEqual([
      'error CONFIG_INVALID PILEGATE_FLEET_RENEWINTERVALMS=20000: /fleet/renewIntervalMs: must be shorter than leaseTtlMs (15000 ms), or leases expire between renewals',
    ]);
    expect(lines({ PILEGATE_CSMS_SECURITYPROFILE: '2' })).toEqual([
      'error CONFIG_INVALID PILEGATE_CSMS_SECURITYPROFILE=2: /csms/securityProfile: security profile 2 needs "ca" (PEM file of the CSMS\'s CA)',
    ]);
    expect(lines({ PILEGATE_STORE: 'http://redis:6379' })[0]).toMatch(/^error CONFIG_INVALID PILEGATE_STORE=http:\/\/redis:6379: \/store/);
  });

  it('refuses a private key given as PEM text instead of a path, naming the variable and showing none of the key', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n-----END PRIVATE KEY-----\n';
    const bad = lines({ PILEGATE_CSMS_SECURITYPROFILE: '3', PILEGATE_CSMS_CA: 'ca.pem', PILEGATE_CSMS_CERT: 'cert.pem', PILEGATE_CSMS_KEY: pem });
    expect(bad).toEqual(['error CONFIG_INVALID PILEGATE_CSMS_KEY=(value not shown): /csms/key: is the PEM text itself; give the path of a PEM file (value not shown)']);
    for (const part of ['BEGIN', 'MIIE', 'PRIVATE']) expect(bad.join('\n')).not.toContain(part);
  });

  it('still blames a value from the file on its line', () => {
    expect(configErrorLines(configError(() => parseGatewayConfig(text.replace('level: info', 'level: loud'), 'gw.yaml', {})))[0]).toMatch(/^error CONFIG_INVALID gw\.yaml:8:3 \/log\/level: /);
  });
});
