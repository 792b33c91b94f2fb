/** The `firmware` section of the gateway config: off by default, on with `publicHost`, checked, overridable from the environment. */
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { configError } from '../../support/config-error.js';

const minimal = 'listeners:\n  - { port: 0, codec: ykc }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config: firmware', () => {
  it('is off without the section', () => {
    expect(parseGatewayConfig(minimal, 'c.yaml', {}).firmware).toBeUndefined();
  });

  it('takes the public address and defaults the rest', () => {
    const c = parseGatewayConfig(`${minimal}firmware: { publicHost: 192.0.2.10 }\n`, 'c.yaml', {});
    expect(c.firmware).toEqual({ host: '0.0.0.0', port: 2121, publicHost: '192.0.2.10', passivePortMin: 0, passivePortMax: 0 });
  });

  it('takes every setting', () => {
    const c = parseGatewayConfig(`${minimal}firmware: { host: 10.0.0.2, port: 21, publicHost: 203.0.113.7, publicPort: 2100, passivePortMin: 30000, passivePortMax: 30019 }\n`, 'c.yaml', {});
    expect(c.firmware).toEqual({ host: '10.0.0.2', port: 21, publicHost: '203.0.113.7', publicPort: 2100, passivePortMin: 30000, passivePortMax: 30019 });
  });

  it.each([
    ['firmware: { port: 2121 }', '/firmware', /publicHost/],
    ['firmware: { publicHost: firmware.example.com }', '/firmware/publicHost', /IPv4/],
    ['firmware: { publicHost: 192.0.2.300 }', '/firmware/publicHost', /IPv4/],
    ['firmware: { publicHost: 192.0.2.1, passivePortMin: 30010, passivePortMax: 30000 }', '/firmware/passivePortMax', /passivePortMin/],
    ['firmware: { publicHost: 192.0.2.1, user: x }', '/firmware/user', /unknown property/],
  ])('refuses %s at its pointer', (yaml, pointer, reason) => {
    const e = configError(() => parseGatewayConfig(`${minimal}${yaml}\n`, 'c.yaml', {}));
    expect(e.issues).toContainEqual(expect.objectContaining({ pointer, reason: expect.stringMatching(reason) as string }));
  });

  it('is switched on and set from the environment (PILEGATE_FIRMWARE_*)', () => {
    const c = parseGatewayConfig(minimal, 'c.yaml', {
      PILEGATE_FIRMWARE_PUBLICHOST: '198.51.100.4',
      PILEGATE_FIRMWARE_PORT: '2200',
      PILEGATE_FIRMWARE_PASSIVEPORTMIN: '31000',
      PILEGATE_FIRMWARE_PASSIVEPORTMAX: '31009',
    });
    expect(c.firmware).toEqual({ host: '0.0.0.0', port: 2200, publicHost: '198.51.100.4', passivePortMin: 31000, passivePortMax: 31009 });
  });
});
