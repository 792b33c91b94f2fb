/**
 * deploy/systemd/pilegate.service: `systemd-analyze verify` finds nothing to say about it, its
 * sandbox scores as hardened with `systemd-analyze security --offline`, and the directives pilegate
 * depends on are there (reload by SIGHUP, a stop timeout above the drain, the JIT left possible).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { repoRoot } from '../../support/cli.js';

const UNIT = 'pilegate.service';
const text = readFileSync(join(repoRoot, 'deploy/systemd', UNIT), 'utf8');
const dir = mkdtempSync(join(tmpdir(), 'pilegate-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `Key=value` lines of the [Service] section (a key may repeat). */
function service(unit: string): [string, string][] {
  const body = unit.split(/^\[Service\]$/m)[1]?.split(/^\[/m)[0] ?? '';
  return body
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]);
}
const directives = service(text);
const value = (key: string): string | undefined => directives.filter(([k]) => k === key).at(-1)?.[1];

/**
 * The unit as systemd-analyze can check it on any machine: node at this test's own path (the
 * executable must exist), the config and env file paths as written.
 */
function checkable(unit: string): string {
  const file = join(dir, UNIT);
  writeFileSync(file, unit.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
  return file;
}

function analyze(args: string[]): { code: number | null; out: string } {
  const r = spawnSync('systemd-analyze', args, { encoding: 'utf8', timeout: 60_000 });
  if (r.error !== undefined) throw new Error(`systemd-analyze (from systemd) must be on PATH: ${r.error.message}`);
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

/** What `verify` says about this unit file (lines about other units on the machine left out). */
function verify(unit: string): string[] {
  const file = checkable(unit);
  const r = analyze(['verify', file]);
  return r.out.split('\n').filter((l) => l.includes(UNIT));
}

describe('deploy/systemd/pilegate.service', () => {
  it('passes systemd-analyze verify without a warning', () => {
    expect(verify(text)).toEqual([]);
  });

  it('verify catches a misspelt directive and a bad value (so the check above means something)', () => {
    const bad = text.replace('ProtectSystem=strict', 'ProtectSytem=strict').replace('NoNewPrivileges=yes', 'NoNewPrivileges=maybe');
    const said = verify(bad).join('\n');
    expect(said).toMatch(/Unknown key.*ProtectSytem/);
    expect(said).toMatch(/Failed to parse boolean value.*maybe/);
  });

  it('scores at most 2.0 ("OK") in systemd-analyze security --offline, where a bare unit does not', () => {
    const good = analyze(['security', '--offline=yes', '--threshold=20', checkable(text)]);
    expect(good.out).toMatch(/Overall exposure level for pilegate\.service: (0|1)\.\d/);
    expect(good.code).toBe(0);
    const bare = analyze(['security', '--offline=yes', '--threshold=20', checkable('[Service]\nExecStart=/bin/true\n')]);
    expect(bare.code).not.toBe(0);
  });

  it('has the sandbox the deployment documents', () => {
    expect(value('DynamicUser')).toBe('yes');
    for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'PrivateDevices', 'ProtectKernelTunables', 'ProtectKernelModules', 'ProtectKernelLogs', 'ProtectControlGroups'])
      expect(value(key), key).toBe('yes');
    expect(value('ProtectSystem')).toBe('strict');
    expect(value('RestrictAddressFamilies')).toBe('AF_INET AF_INET6 AF_UNIX');
    expect(value('CapabilityBoundingSet')).toBe('');
    expect(directives.filter(([k]) => k === 'SystemCallFilter').map(([, v]) => v)).toContain('@system-service');
    // V8 needs writable and executable memory for its compiled code: node aborts at start with it on.
    expect(value('MemoryDenyWriteExecute')).toBe('no');
  });

  it('keeps secrets in an EnvironmentFile, state in StateDirectory, and starts serve with the deployment config', () => {
    expect(value('EnvironmentFile')).toBe('/etc/pilegate/pilegate.env');
    expect(text).not.toMatch(/^Environment=.*(PASSWORD|SECRET)/m);
    expect(value('StateDirectory')).toBe('pilegate');
    expect(value('ConfigurationDirectory')).toBe('pilegate');
    expect(value('ExecStart')).toMatch(/^\/\S*node \/opt\/pilegate\/dist\/src\/cli\/index\.js serve --config \/etc\/pilegate\/pilegate\.yaml$/);
    const example = readFileSync(join(repoRoot, 'deploy/pilegate.env.example'), 'utf8');
    for (const name of ['PILEGATE_CSMS_PASSWORD', 'PILEGATE_STORE_PASSWORD', 'PILEGATE_HTTP_SECRET']) expect(example).toMatch(new RegExp(`^${name}=$`, 'm'));
  });

  it('reloads with SIGHUP and stops with SIGTERM, waiting longer than the gateway drains', () => {
    expect(value('ExecReload')).toMatch(/kill -HUP \$MAINPID$/);
    expect(value('KillSignal')).toBe('SIGTERM');
    const configFile = join(repoRoot, 'deploy/config/pilegate.yaml');
    const config = parseGatewayConfig(readFileSync(configFile, 'utf8').replaceAll('/opt/pilegate/', repoRoot), configFile, {
      PILEGATE_CSMS_PASSWORD: 'a',
      PILEGATE_STORE_PASSWORD: 'b',
      PILEGATE_HTTP_SECRET: 'c',
    });
    expect(Number(value('TimeoutStopSec'))).toBeGreaterThan((config.shutdown.goodbyeTimeoutMs + config.shutdown.drainTimeoutMs) / 1000);
    // A bad config exits 2: restarting it in a loop would not mend it.
    expect(value('RestartPreventExitStatus')).toBe('2');
  });
});
