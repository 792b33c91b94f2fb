/** The `downloads` section of the gateway config: defaults, values, the CA file's path, bad values with pointers. */
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { expectConfigIssue } from '../../support/config-error.js';

const minimal = 'listeners:\n  - { port: 0, codec: iec104-points }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config: downloads', () => {
  it('defaults to 10 minutes and 64 MiB per download, no extra CA', () => {
    expect(parseGatewayConfig(minimal, 'gw.yaml', {}).downloads).toEqual({ timeoutMs: 600_000, maxBytes: 64 * 1024 * 1024 });
  });

  it('takes a CA file relative to the config file, a time-out and a size limit, also from the environment', () => {
    const c = parseGatewayConfig(`${minimal}downloads: { ca: certs/fw-ca.pem, timeoutMs: 30000 }\n`, '/etc/pilegate/gw.yaml', { PILEGATE_DOWNLOADS_MAXBYTES: '1000000' });
    expect(c.downloads).toEqual({ ca: resolve('/etc/pilegate/certs/fw-ca.pem'), timeoutMs: 30_000, maxBytes: 1_000_000 });
  });

  it.each([
    ['downloads:\n  timeoutMs: 10\n', '/downloads/timeoutMs', 'must be >= 1000'],
    ['downloads:\n  maxBytes: 0\n', '/downloads/maxBytes', 'must be >= 1'],
    ['downloads:\n  ca: ""\n', '/downloads/ca', 'must be at least 1 character'],
  ])('refuses %j with a pointer', (extra, pointer, reason) => {
    expectConfigIssue(() => parseGatewayConfig(`${minimal}${extra}`, 'gw.yaml', {}), pointer, reason);
  });
});
