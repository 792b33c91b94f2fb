/**
 * A CSMS URL with a user or password in it (`ws://user:password@host`) is a config error wherever
 * it is written: `csms.url` in the file or from `PILEGATE_CSMS_URL`, a registry file entry's
 * `csmsUrl`, a Redis registry entry. The error says where the password belongs and never quotes it.
 */
import { describe, expect, it } from 'vitest';
import { configErrorLines } from '../../../src/config/errors.js';
import { parseGatewayConfig, parseStationRegistry } from '../../../src/gateway/config.js';
import { decodeRegistryEntry } from '../../../src/gateway/registry-hash.js';
import { configError } from '../../support/config-error.js';

const SECRET = 'csms-url-secret-9f3e';
const listeners = 'listeners:\n  - { port: 0, codec: iec104-points }\n';

describe('a CSMS URL with a user or password', () => {
  it('is refused in csms.url with its position, naming PILEGATE_CSMS_PASSWORD', () => {
    for (const url of [`ws://depot:${SECRET}@csms.example/ocpp`, `wss://${SECRET}@csms.example/ocpp`, `ws://depot:${SECRET}@x@csms.example/ocpp`]) {
      const e = configError(() => parseGatewayConfig(`${listeners}csms:\n  url: "${url}"\n`, 'gw.yaml', {}));
      const out = configErrorLines(e);
      expect(out, url).toEqual([expect.stringMatching(/^error CONFIG_INVALID gw\.yaml:4:3 \/csms\/url: must not carry a user name or password .*PILEGATE_CSMS_PASSWORD/)]);
      expect(`${e.message}\n${out.join('\n')}`).not.toContain(SECRET);
    }
  });

  it('is refused from PILEGATE_CSMS_URL, blamed on the variable without the password', () => {
    const e = configError(() => parseGatewayConfig(`${listeners}csms:\n  url: ws://127.0.0.1:9000/ocpp\n`, 'gw.yaml', { PILEGATE_CSMS_URL: `ws://depot:${SECRET}@csms.example/ocpp` }));
    expect(configErrorLines(e)).toEqual([
      expect.stringMatching(/^error CONFIG_INVALID PILEGATE_CSMS_URL=ws:\/\/\[redacted\]@csms\.example\/ocpp: \/csms\/url: must not carry a user name or password/),
    ]);
    expect(e.message).not.toContain(SECRET);
  });

  it('is refused in a registry file entry and in a Redis registry entry', () => {
    const e = configError(() => parseStationRegistry(`A1:\n  stationId: a-1\n  csmsUrl: "ws://a-1:${SECRET}@csms.example/ocpp"\n`, 'stations.yaml', {}));
    expect(configErrorLines(e)).toEqual([expect.stringMatching(/^error CONFIG_INVALID stations\.yaml:3:3 \/A1\/csmsUrl: must not carry a user name or password .*"password"/)]);
    expect(e.message).not.toContain(SECRET);
    const decoded = decodeRegistryEntry(JSON.stringify({ csmsUrl: `wss://a-1:${SECRET}@csms.example/ocpp` }), {}, { url: 'ws://x/ocpp', securityProfile: 1 });
    expect('issues' in decoded ? decoded.issues.map((i) => i.pointer) : decoded).toEqual(['/csmsUrl']);
    expect(JSON.stringify(decoded)).not.toContain(SECRET);
    // A schema error about such a URL does not quote the password either.
    const http = configError(() => parseStationRegistry(`A1: { csmsUrl: "http://a-1:${SECRET}@csms.example/ocpp" }\n`, 'stations.yaml', {}));
    expect(http.message).toContain('/A1/csmsUrl');
    expect(http.message).not.toContain(SECRET);
  });

  it('accepts a URL with an @ only in its path or query', () => {
    const c = parseGatewayConfig(`${listeners}csms:\n  url: "ws://csms.example/ocpp/tenant@depot?x=a@b"\n`, 'gw.yaml', {});
    expect(c.csms.url).toBe('ws://csms.example/ocpp/tenant@depot?x=a@b');
  });
});
