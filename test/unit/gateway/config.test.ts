import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { configErrorLines } from '../../../src/config/errors.js';
import { applyEnvOverrides, defaultGatewayConfig, loadGatewayConfig, parseGatewayConfig, parseStationRegistry } from '../../../src/gateway/config.js';
import { configError } from '../../support/config-error.js';

const example = fileURLToPath(new URL('../../../examples/pilegate.yaml', import.meta.url));
const exampleEnv = {
  PILEGATE_DEFAULT_PASSWORD: 'default-secret',
  STATION_DEPOT_A_DC_01_PASSWORD: 's1',
  STATION_DEPOT_A_DC_02_PASSWORD: 's2',
  STATION_DEPOT_B_YKC_01_PASSWORD: 's3',
  YKC_KEY_DEPOT_B_01: '0123456789ABCDEF1032547698BADCFE0F1E2D3C4B5A6978',
};

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const minimal = 'listeners:\n  - { port: 0, codec: iec104-points }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config', () => {
  it('loads the commented example with its station registry', () => {
    const c = loadGatewayConfig(example, exampleEnv);
    expect(c.listeners.map((l) => [l.port, l.codecs.map((x) => x.codec).join()])).toEqual([
      [2404, 'iec104-points'],
      [2405, 'iec104-points'],
      [8767, 'ykc'],
    ]);
    expect(c.listeners[2]?.codecs[0]?.mapping).toMatch(/mappings[/\\]ykc[/\\]example\.yaml$/);
    expect(c.connections.maxPerAddress).toBe(50);
    expect(c.fleet.leaseTtlMs).toBe(15000);
    expect(c.listeners[0]?.codecs[0]?.mapping).toMatch(/mappings[/\\]iec104-points[/\\]example-dc-2gun\.yaml$/);
    expect(c.csms).toEqual({ url: 'ws://127.0.0.1:9000/ocpp', securityProfile: 1 });
    expect(c.stations.unknownChargers).toBe('refuse');
    expect(c.stations.defaults.password).toBe('default-secret');
    expect(c.stations.registry.get('EXDC42')).toEqual({ stationId: 'depot-a-dc-01', password: 's1' });
    expect(c.stations.registry.get('EXAC7')?.csmsUrl).toBe('ws://127.0.0.1:9001/ocpp');
    expect(c.stations.registry.get('EXAC7')?.allowedSources).toEqual(['10.20.0.0/16', '2001:db8:20::/48']);
    expect(c.stations.registry.get('32010200000101')).toMatchObject({ stationId: 'depot-b-ykc-01', ykcKey: exampleEnv.YKC_KEY_DEPOT_B_01, duplicateLogin: 'keep-live' });
    expect(c.store).toBe('memory');
    expect(c.http.port).toBe(9104);
    expect(c.log.level).toBe('info');
  });

  it('fills in defaults for a minimal file', () => {
    const c = parseGatewayConfig(minimal, 'min.yaml', {});
    expect(c.csms.securityProfile).toBe(1);
    expect(c.stations.unknownChargers).toBe('refuse');
    expect(c.stations.registry.size).toBe(0);
    expect(c.store).toBe('memory');
  });

  it('reports a bad value with the file, line, column, pointer and reason', () => {
    const text = 'listeners:\n  - { port: 2404, codec: iec104-points }\ncsms:\n  url: ws://x/ocpp\n  securityProfile: 4\nstations:\n  unknownChargers: maybe\n';
    const e = configError(() => parseGatewayConfig(text, 'bad.yaml', {}));
    expect(e.code).toBe('CONFIG_INVALID');
    expect(e.file).toBe('bad.yaml');
    expect(e.issues.map((i) => i.pointer)).toEqual(['/csms/securityProfile', '/stations/unknownChargers']);
    const lines = configErrorLines(e);
    expect(lines[0]).toBe('error CONFIG_INVALID bad.yaml:5:3 /csms/securityProfile: unknown securityProfile 4; expected one of 1, 2, 3');
    expect(lines[1]).toMatch(/^error CONFIG_INVALID bad\.yaml:7:3 \/stations\/unknownChargers: .*refuse, provision/);
  });

  it('names a missing property and a misspelt one', () => {
    const e = configError(() => parseGatewayConfig('listeners:\n  - { port: 1, codec: x, maping: a.yaml }\n', 'c.yaml', {}));
    const reasons = e.issues.map((i) => `${i.pointer} ${i.reason}`);
    expect(reasons).toContain('/listeners/0/maping unknown property "maping"; did you mean "mapping"?');
    expect(reasons).toContain(' missing required property "csms"');
  });

  it('applies PILEGATE_<SECTION>_<KEY> overrides before validating them', () => {
    const c = parseGatewayConfig(minimal, 'min.yaml', {
      PILEGATE_CSMS_URL: 'ws://other:1/ocpp',
      PILEGATE_HTTP_PORT: '9300',
      PILEGATE_LOG_LEVEL: 'debug',
      PILEGATE_STORE: 'redis://127.0.0.1:6379',
      PILEGATE_STATIONS_UNKNOWNCHARGERS: 'provision',
    });
    expect(c.csms.url).toBe('ws://other:1/ocpp');
    expect(c.http.port).toBe(9300);
    expect(c.log.level).toBe('debug');
    expect(c.store).toEqual({ redis: 'redis://127.0.0.1:6379' });
    expect(c.stations.unknownChargers).toBe('provision');
    const e = configError(() => parseGatewayConfig(minimal, 'min.yaml', { PILEGATE_LOG_LEVEL: 'loud' }));
    expect(e.issues[0]?.pointer).toBe('/log/level');
    expect(applyEnvOverrides({ a: 1 }, {})).toEqual({ a: 1 });
  });

  it('takes the CSMS password from PILEGATE_CSMS_PASSWORD before the file', () => {
    const text = `${minimal}stations:\n  defaults: { password: "\${NOPE}" }\n`;
    expect(parseGatewayConfig(text, 'c.yaml', { PILEGATE_CSMS_PASSWORD: 'from-env' }).stations.defaults.password).toBe('from-env');
    const e = configError(() => parseGatewayConfig(text, 'c.yaml', {}));
    expect(e.issues[0]).toMatchObject({ pointer: '/stations/defaults/password', line: 6, reason: 'environment variable NOPE is not set (or set PILEGATE_CSMS_PASSWORD, which takes its place)' });
  });

  it('interpolates ${ENV} in registry passwords and points at a missing one', () => {
    const reg = parseStationRegistry('A1:\n  password: "pre-${PW}-post"\nB2: { stationId: b2 }\n', 'stations.yaml', { PW: 'x' });
    expect(reg.get('A1')?.password).toBe('pre-x-post');
    expect(reg.get('B2')).toEqual({ stationId: 'b2' });
    const e = configError(() => parseStationRegistry('A1:\n  password: ${MISSING}\n', 'stations.yaml', {}));
    expect(configErrorLines(e)).toEqual(['error CONFIG_INVALID stations.yaml:2:3 /A1/password: environment variable MISSING is not set']);
    const bad = configError(() => parseStationRegistry('A1: { stationId: "a:b", securityProfile: 5 }\n', 'stations.yaml', {}));
    expect(bad.issues.map((i) => i.pointer).sort()).toEqual(['/A1/securityProfile', '/A1/stationId']);
  });

  it('refuses a time zone the runtime does not know, in a listener and in the registry', () => {
    const e = configError(() => parseGatewayConfig('listeners:\n  - { port: 1, codec: ykc, timeZone: Asia/Shangai }\ncsms: { url: ws://x/ocpp }\n', 'tz.yaml', {}));
    expect(configErrorLines(e)).toEqual(['error CONFIG_INVALID tz.yaml:2:28 /listeners/0/timeZone: unknown time zone "Asia/Shangai" (expected an IANA name such as Asia/Shanghai)']);
    const r = configError(() => parseStationRegistry('A1:\n  timeZone: Europe/Berln\n', 'stations.yaml', {}));
    expect(configErrorLines(r)).toEqual(['error CONFIG_INVALID stations.yaml:2:3 /A1/timeZone: unknown time zone "Europe/Berln" (expected an IANA name such as Asia/Shanghai)']);
    expect(parseStationRegistry('A1:\n  timeZone: Europe/Berlin\n', 'stations.yaml', {}).get('A1')?.timeZone).toBe('Europe/Berlin');
  });

  it('resolves the registry file relative to the config file', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-config-'));
    writeFileSync(join(dir, 'reg.yaml'), 'C9: { stationId: nine }\n');
    writeFileSync(join(dir, 'gw.yaml'), `${minimal}stations: { file: reg.yaml, unknownChargers: provision }\n`);
    const c = loadGatewayConfig(join(dir, 'gw.yaml'), {});
    expect(c.stations.registry.get('C9')?.stationId).toBe('nine');
    expect(c.stations.file).toBe(join(dir, 'reg.yaml'));
  });

  it('requires the CA for security profile 2', () => {
    const text = 'listeners: [{ port: 1, codec: iec104-points }]\ncsms: { url: "wss://x/ocpp", securityProfile: 2 }\n';
    const e = configError(() => parseGatewayConfig(text, 'c.yaml', {}));
    expect(e.issues[0]).toMatchObject({ pointer: '/csms' });
    expect(e.issues[0]?.reason).toMatch(/needs "ca"/);
  });

  it('refuses a registry station on profile 2 when the config names no CA', () => {
    dir = mkdtempSync(join(tmpdir(), 'pilegate-config-'));
    writeFileSync(join(dir, 'reg.yaml'), 'C1: {}\nC2: { securityProfile: 2, password: pw }\n');
    writeFileSync(join(dir, 'gw.yaml'), `${minimal}stations: { file: reg.yaml }\n`);
    const e = configError(() => loadGatewayConfig(join(dir ?? '', 'gw.yaml'), {}));
    expect(e.file).toBe(join(dir, 'reg.yaml'));
    expect(e.issues).toEqual([{ pointer: '/C2/securityProfile', reason: 'security profile 2 needs csms.ca in the gateway config' }]);
  });

  it('has a built-in default: port 2404, the DC example mapping, unknown chargers refused', () => {
    const c = defaultGatewayConfig({});
    expect(c.listeners).toHaveLength(1);
    expect(c.listeners[0]?.port).toBe(2404);
    expect(c.listeners[0]?.codecs[0]?.mapping).toMatch(/example-dc-2gun\.yaml$/);
    expect(c.stations.unknownChargers).toBe('refuse');
  });
});
