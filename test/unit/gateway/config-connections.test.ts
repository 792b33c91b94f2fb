/** The `connections` and `capture` sections of the gateway config: defaults, values, env overrides, bad values with pointers. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';
import { configErrorLines } from '../../../src/config/errors.js';
import { DEFAULT_CONNECTION_LIMITS, parseGatewayConfig } from '../../../src/gateway/config.js';
import { DEFAULT_CAPTURE_LIMITS } from '../../../src/gateway/capture-store.js';
import { expectConfigIssue } from '../../support/config-error.js';

const minimal = 'listeners:\n  - { port: 0, codec: iec104-points }\ncsms:\n  url: ws://127.0.0.1:9000/ocpp\n';

describe('gateway config: connections and capture', () => {
  it('defaults to 50 connections per address, 60 s login, 300 s idle, 20 bad frames a minute and no capture', () => {
    const c = parseGatewayConfig(minimal, 'gw.yaml', {});
    expect(c.connections).toEqual({ maxPerAddress: 50, loginTimeoutMs: 60_000, idleTimeoutMs: 300_000, badFrameLimit: 20, badFrameWindowMs: 60_000 });
    expect(c.connections).toEqual(DEFAULT_CONNECTION_LIMITS);
    expect(c.capture).toEqual({ format: 'jsonl', ...DEFAULT_CAPTURE_LIMITS });
    expect(c.diagnostics).toEqual({ bytes: 8192 });
  });

  it('reads the diagnostics budget per station, also from PILEGATE_DIAGNOSTICS_BYTES', () => {
    expect(parseGatewayConfig(`${minimal}diagnostics: { bytes: 65536 }\n`, 'gw.yaml', {}).diagnostics).toEqual({ bytes: 65536 });
    expect(parseGatewayConfig(minimal, 'gw.yaml', { PILEGATE_DIAGNOSTICS_BYTES: '0' }).diagnostics).toEqual({ bytes: 0 });
  });

  it('reads every key; 0 disables a limit; the capture dir is resolved against the config file', () => {
    const text = `${minimal}connections:\n  maxPerAddress: 0\n  loginTimeoutMs: 5000\n  idleTimeoutMs: 0\n  badFrameLimit: 3\n  badFrameWindowMs: 1000\ncapture:\n  dir: caps\n`;
    const c = parseGatewayConfig(text, join('/srv', 'pilegate', 'gw.yaml'), {});
    expect(c.connections).toEqual({ maxPerAddress: 0, loginTimeoutMs: 5000, idleTimeoutMs: 0, badFrameLimit: 3, badFrameWindowMs: 1000 });
    expect(c.capture.dir).toBe(join('/srv', 'pilegate', 'caps'));
  });

  it('takes PILEGATE_CONNECTIONS_* and PILEGATE_CAPTURE_DIR from the environment', () => {
    const c = parseGatewayConfig(`${minimal}connections: { maxPerAddress: 7 }\n`, 'gw.yaml', {
      PILEGATE_CONNECTIONS_MAXPERADDRESS: '9',
      PILEGATE_CONNECTIONS_IDLETIMEOUTMS: '1234',
      PILEGATE_CAPTURE_DIR: '/var/captures',
    });
    expect(c.connections.maxPerAddress).toBe(9);
    expect(c.connections.idleTimeoutMs).toBe(1234);
    expect(c.connections.loginTimeoutMs).toBe(60_000);
    expect(c.capture.dir).toBe('/var/captures');
  });

  it('reads the capture format and limits, also from PILEGATE_CAPTURE_*', () => {
    const text = `${minimal}capture: { dir: caps, format: pcapng, maxFileBytes: 1048576, maxFileHours: 24, maxAgeHours: 168, maxTotalBytes: 1073741824 }\n`;
    expect(parseGatewayConfig(text, join('/srv', 'gw.yaml'), {}).capture).toEqual({
      dir: join('/srv', 'caps'),
      format: 'pcapng',
      maxFileBytes: 1_048_576,
      maxFileHours: 24,
      maxAgeHours: 168,
      maxTotalBytes: 1_073_741_824,
    });
    const env = parseGatewayConfig(minimal, 'gw.yaml', {
      PILEGATE_CAPTURE_DIR: '/var/caps',
      PILEGATE_CAPTURE_FORMAT: 'pcap',
      PILEGATE_CAPTURE_MAXTOTALBYTES: '5000000',
      PILEGATE_CAPTURE_MAXAGEHOURS: '48',
    });
    expect(env.capture).toEqual({ dir: '/var/caps', format: 'pcap', maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 5_000_000, maxAgeHours: 48 });
  });

  it('bounds the disk a capture may fill by default (64 MiB a file, 1 GiB in all); 0 lifts a limit', () => {
    expect(parseGatewayConfig(`${minimal}capture: { dir: caps }\n`, join('/srv', 'gw.yaml'), {}).capture).toEqual({
      dir: join('/srv', 'caps'),
      format: 'jsonl',
      maxFileBytes: 64 * 1024 * 1024,
      maxTotalBytes: 1024 * 1024 * 1024,
    });
    const unbounded = parseGatewayConfig(`${minimal}capture: { dir: caps, maxFileBytes: 0, maxTotalBytes: 0 }\n`, join('/srv', 'gw.yaml'), {}).capture;
    expect(unbounded).toEqual({ dir: join('/srv', 'caps'), format: 'jsonl' });
  });

  it.each([
    ['capture:\n  format: wireshark\n', '/capture/format', 'unknown format "wireshark"; expected one of jsonl, pcap, pcapng'],
    ['capture:\n  maxFileBytes: 10\n', '/capture/maxFileBytes', 'must be 0 (no limit) or at least 1024'],
    ['capture:\n  maxAgeHours: 0\n', '/capture/maxAgeHours', 'must be > 0'],
    ['capture:\n  maxTotalBytes: lots\n', '/capture/maxTotalBytes', 'must be integer'],
    ['connections:\n  maxPerAddress: -1\n', '/connections/maxPerAddress', 'must be >= 0'],
    ['connections:\n  loginTimeoutMs: 1.5\n', '/connections/loginTimeoutMs', 'must be integer'],
    ['connections:\n  idleTimeoutMs: "soon"\n', '/connections/idleTimeoutMs', 'must be integer'],
    ['connections:\n  badFrameLimit: 0\n', '/connections/badFrameLimit', 'must be >= 1'],
    ['connections:\n  badFrameWindowMs: 9999999999\n', '/connections/badFrameWindowMs', 'must be <= 2147483647'],
    ['connections:\n  maxPerAdress: 5\n', '/connections/maxPerAdress', 'did you mean "maxPerAddress"?'],
    ['capture:\n  dir: ""\n', '/capture/dir', 'must be at least 1 character'],
    ['capture: on\n', '/capture', 'must be object'],
    ['diagnostics:\n  bytes: -1\n', '/diagnostics/bytes', 'must be >= 0'],
    ['diagnostics:\n  frames: 10\n', '/diagnostics/frames', 'unknown property "frames"'],
  ])('refuses %j with a pointer', (extra, pointer, reason) => {
    const e = expectConfigIssue(() => parseGatewayConfig(`${minimal}${extra}`, 'gw.yaml', {}), pointer, reason);
    // The CLI prints it with the file and the line of the bad value.
    expect(configErrorLines(e).join('\n')).toMatch(new RegExp(`gw\\.yaml:\\d+:\\d+ ${pointer.replace(/\//g, '\\/')}`));
  });

  it('makes `pilegate serve` exit 2 naming the file, line and pointer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pilegate-connections-'));
    try {
      const file = join(dir, 'gw.yaml');
      writeFileSync(file, `${minimal}connections:\n  idleTimeoutMs: -5\n`);
      const r = await runCli(['serve', '--config', file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`error CONFIG_INVALID ${file}:6:3 /connections/idleTimeoutMs: must be >= 0, got -5`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
