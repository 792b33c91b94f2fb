import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/errors.js';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { Gateway } from '../../../src/gateway/gateway.js';

describe('Gateway start', () => {
  it('refuses an unknown codec with a pointer to the listener', async () => {
    const config = parseGatewayConfig('listeners: [{ port: 0, codec: nope }]\ncsms: { url: "ws://127.0.0.1:1/ocpp" }\nhttp: { port: 0 }\n', 'gw.yaml', {});
    const gateway = new Gateway(config, { destination: { write: () => undefined } });
    const error = await gateway.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await gateway.stop();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues[0]).toMatchObject({ pointer: '/listeners/0/codec' });
    expect((error as ConfigError).issues[0]?.reason).toMatch(/unknown codec "nope"; expected one of .*iec104-points/);
    expect(gateway.isReady).toBe(false);
  });

  it('refuses an unknown codec among several with its line and pointer', async () => {
    const text = 'listeners:\n  - port: 0\n    codecs:\n      - { codec: ykc }\n      - { codec: nope }\ncsms: { url: "ws://127.0.0.1:1/ocpp" }\nhttp: { port: 0 }\n';
    const gateway = new Gateway(parseGatewayConfig(text, 'gw.yaml', {}), { destination: { write: () => undefined } });
    const error = await gateway.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await gateway.stop();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toMatch(/^gw\.yaml:5:\d+: \/listeners\/0\/codecs\/1\/codec: unknown codec "nope"/);
  });

  it('reads the CSMS CA file at start: a missing one is CONFIG_READ naming it', async () => {
    const mapping = fileURLToPath(new URL('../../../mappings/iec104-points/example-dc-2gun.yaml', import.meta.url));
    const config = parseGatewayConfig(
      `listeners: [{ port: 0, codec: iec104-points, mapping: ${JSON.stringify(mapping)} }]\ncsms: { url: "wss://127.0.0.1:1/ocpp", securityProfile: 2, ca: no-such-ca.pem }\nhttp: { port: 0 }\n`,
      'gw.yaml',
      {},
    );
    const gateway = new Gateway(config, { destination: { write: () => undefined } });
    const error = await gateway.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    await gateway.stop();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).code).toBe('CONFIG_READ');
    expect((error as ConfigError).file).toMatch(/no-such-ca\.pem$/);
  });
});
