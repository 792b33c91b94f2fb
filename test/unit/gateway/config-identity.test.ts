/**
 * Identity settings in the gateway config and the station registry: `allowedSources` (CIDR or single
 * addresses, IPv4 and IPv6), `duplicateLogin`, `replaceAfterIdleMs` and `ykcKey`, checked at load with
 * file, line and pointer; a key never quoted in a message.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configErrorLines } from '../../../src/config/errors.js';
import { parseGatewayConfig, parseStationRegistry } from '../../../src/gateway/config.js';
import { decodeRegistryEntry, encodeRegistryEntry } from '../../../src/gateway/registry-hash.js';
import { runCli } from '../../support/cli.js';
import { configError } from '../../support/config-error.js';

const head = 'listeners:\n  - { port: 0, codec: ykc }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';
const KEY = '0123456789ABCDEF1032547698BADCFE0F1E2D3C4B5A6978';

describe('identity settings in the gateway config', () => {
  it('defaults to keep-live, no source restriction and a 30 s idle for replace', () => {
    const c = parseGatewayConfig(head, 'g.yaml', {});
    expect(c.stations.defaults).toEqual({ duplicateLogin: 'keep-live', replaceAfterIdleMs: 30_000 });
  });

  it('reads the gateway-wide defaults', () => {
    const c = parseGatewayConfig(
      `${head}stations:\n  defaults:\n    allowedSources: [10.1.0.0/16, "2001:db8::/32", 192.0.2.7]\n    duplicateLogin: replace\n    replaceAfterIdleMs: 5000\n`,
      'g.yaml',
      {},
    );
    expect(c.stations.defaults).toEqual({ allowedSources: ['10.1.0.0/16', '2001:db8::/32', '192.0.2.7'], duplicateLogin: 'replace', replaceAfterIdleMs: 5000 });
  });

  it('points at a bad network with its line', () => {
    const e = configError(() =>
      parseGatewayConfig(`${head}stations:\n  defaults:\n    allowedSources:\n      - 10.1.0.0/16\n      - 10.1.0.0/33\n      - 300.1.2.3\n      - 10.1.2.3/16\n`, 'g.yaml', {}),
    );
    expect(configErrorLines(e)).toEqual([
      expect.stringMatching(/^error CONFIG_INVALID g\.yaml:9:\d+ \/stations\/defaults\/allowedSources\/1: .*prefix length .* 0\.\.32/) as string,
      expect.stringMatching(/^error CONFIG_INVALID g\.yaml:10:\d+ \/stations\/defaults\/allowedSources\/2: .*not an IPv4 or IPv6 address/) as string,
      expect.stringMatching(/^error CONFIG_INVALID g\.yaml:11:\d+ \/stations\/defaults\/allowedSources\/3: .*host bits.*10\.1\.0\.0\/16/) as string,
    ]);
  });

  it('refuses an unknown policy', () => {
    const e = configError(() => parseGatewayConfig(`${head}stations: { defaults: { duplicateLogin: steal } }\n`, 'g.yaml', {}));
    expect(e.issues.map((i) => i.pointer)).toEqual(['/stations/defaults/duplicateLogin']);
  });
});

describe('identity settings in the station registry', () => {
  it('reads allowedSources, duplicateLogin and a ${ENV} ykcKey', () => {
    const r = parseStationRegistry(`"32010200000001":\n  allowedSources: ["::ffff:10.0.0.0/104", fe80::1]\n  duplicateLogin: replace\n  ykcKey: \${K1}\n`, 's.yaml', { K1: KEY });
    expect(r.get('32010200000001')).toEqual({ allowedSources: ['::ffff:10.0.0.0/104', 'fe80::1'], duplicateLogin: 'replace', ykcKey: KEY });
  });

  it('points at a bad network or key with file, line and pointer, never quoting the key', () => {
    const text = `"32010200000001":\n  allowedSources:\n    - 10.0.0.0/8\n    - 10.0.0.0/x\n"32010200000002":\n  ykcKey: \${K2}\n"32010200000003":\n  ykcKey: 0123nothex-secret\n`;
    const e = configError(() => parseStationRegistry(text, 's.yaml', { K2: 'abcd-secret' }));
    const lines = configErrorLines(e);
    expect(lines).toEqual([
      expect.stringMatching(/^error CONFIG_INVALID s\.yaml:4:\d+ \/32010200000001\/allowedSources\/1: /) as string,
      expect.stringMatching(/^error CONFIG_INVALID s\.yaml:6:\d+ \/32010200000002\/ykcKey: .*48 hex digits/) as string,
      expect.stringMatching(/^error CONFIG_INVALID s\.yaml:8:\d+ \/32010200000003\/ykcKey: .*48 hex digits/) as string,
    ]);
    expect(lines.join('\n')).not.toMatch(/secret/);
  });

  it('keeps the settings through a Redis hash value, and refuses bad ones there without quoting the key', () => {
    const raw = encodeRegistryEntry({ stationId: 's1', allowedSources: ['10.0.0.0/8'], duplicateLogin: 'replace', ykcKey: '${K1}' });
    expect(decodeRegistryEntry(raw, { K1: KEY })).toEqual({ entry: { stationId: 's1', allowedSources: ['10.0.0.0/8'], duplicateLogin: 'replace', ykcKey: KEY } });
    const bad = decodeRegistryEntry(JSON.stringify({ allowedSources: ['10.0.0.0/40'], ykcKey: 'not-a-key-secret' }), {});
    expect('issues' in bad ? bad.issues.map((i) => i.pointer).sort() : []).toEqual(['/allowedSources/0', '/ykcKey']);
    expect(JSON.stringify(bad)).not.toMatch(/secret/);
  });

  it('makes `pilegate serve` exit 2 naming the registry file and line of a bad network', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilegate-identity-config-'));
    try {
      writeFileSync(join(dir, 'stations.yaml'), `"32010200000001":\n  allowedSources: [10.0.0.0/8, "2001:db8::/129"]\n`);
      writeFileSync(join(dir, 'pilegate.yaml'), `${head}stations: { file: stations.yaml }\nhttp: { port: 0, host: 127.0.0.1 }\n`);
      const r = await runCli(['serve', '--config', join(dir, 'pilegate.yaml')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/stations\.yaml:2:\d+ \/32010200000001\/allowedSources\/1: .*prefix length/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
