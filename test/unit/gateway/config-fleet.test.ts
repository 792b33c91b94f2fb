/** The `fleet` section of the gateway config: defaults, values, env overrides, bad values with pointers. */
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { defaultInstanceId } from '../../../src/gateway/ownership.js';
import { expectConfigIssue } from '../../support/config-error.js';

const minimal = 'listeners:\n  - { port: 0, codec: iec104-points }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config: fleet', () => {
  it('defaults to a 15 s lease renewed every 5 s, a 30 s takeover wait and a generated instance id', () => {
    const c = parseGatewayConfig(minimal, 'gw.yaml', {});
    expect(c.fleet).toEqual({ leaseTtlMs: 15_000, renewIntervalMs: 5_000, takeoverTimeoutMs: 30_000 });
    expect(defaultInstanceId()).toMatch(/^.+-\d+-[0-9a-f]{6}$/);
    expect(defaultInstanceId()).not.toBe(defaultInstanceId());
  });

  it('derives the renewal period and the takeover wait from the lease TTL unless given', () => {
    expect(parseGatewayConfig(`${minimal}fleet: { instanceId: gw-a, leaseTtlMs: 3000 }\n`, 'gw.yaml', {}).fleet).toEqual({
      instanceId: 'gw-a',
      leaseTtlMs: 3000,
      renewIntervalMs: 1000,
      takeoverTimeoutMs: 6000,
    });
    expect(parseGatewayConfig(`${minimal}fleet: { leaseTtlMs: 3000, renewIntervalMs: 500, takeoverTimeoutMs: 0 }\n`, 'gw.yaml', {}).fleet).toEqual({
      leaseTtlMs: 3000,
      renewIntervalMs: 500,
      takeoverTimeoutMs: 0,
    });
  });

  it('takes PILEGATE_FLEET_* from the environment', () => {
    const c = parseGatewayConfig(`${minimal}fleet: { leaseTtlMs: 3000 }\n`, 'gw.yaml', { PILEGATE_FLEET_INSTANCEID: 'node-b', PILEGATE_FLEET_LEASETTLMS: '9000' });
    expect(c.fleet).toEqual({ instanceId: 'node-b', leaseTtlMs: 9000, renewIntervalMs: 3000, takeoverTimeoutMs: 18_000 });
  });

  it.each([
    ['fleet:\n  leaseTtlMs: 50\n', '/fleet/leaseTtlMs', 'must be >= 100'],
    ['fleet:\n  instanceId: ""\n', '/fleet/instanceId', 'must be at least 1 character'],
    ['fleet:\n  leaseTtl: 5000\n', '/fleet/leaseTtl', 'did you mean "leaseTtlMs"?'],
    ['fleet:\n  leaseTtlMs: 3000\n  renewIntervalMs: 3000\n', '/fleet/renewIntervalMs', 'must be shorter than leaseTtlMs (3000 ms)'],
  ])('refuses %j with a pointer', (extra, pointer, reason) => {
    expectConfigIssue(() => parseGatewayConfig(`${minimal}${extra}`, 'gw.yaml', {}), pointer, reason);
  });
});
