import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadMappingFile } from '../../../codecs/iec104-points/load-mapping.js';
import { describeMapping } from '../../../codecs/iec104-points/mapping-report.js';
import { runCli, spawnCli } from '../../support/cli.js';
import { REPO_ROOT } from '../../support/fixtures.js';

/** A repository file as a path relative to the working directory, as a user would type it. */
const repoPath = (p: string): string => relative(process.cwd(), `${REPO_ROOT}${p}`).replace(/\\/g, '/');

const DC = repoPath('mappings/iec104-points/example-dc-2gun.yaml');
const AC = repoPath('mappings/iec104-points/example-ac-1gun.yaml');
const BAD = (name: string): string => repoPath(`fixtures/iec104-points/bad-mappings/${name}.yaml`);

describe('pilegate mapping check', () => {
  it('summarises example-dc-2gun: charger, identity, addressing, points, commands and counts', async () => {
    const r = await runCli(['mapping', 'check', DC]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`mapping example-dc-2gun (${DC}): valid`);
    expect(r.stdout).toMatch(/^charger +Example EX-DC120-2, DC, 2 connectors, max 120000 W$/m);
    expect(r.stdout).toMatch(/^identity +from commonAddress, template EXDC\{ca\}$/m);
    expect(r.stdout).toMatch(/^common address +65535$/m);
    expect(r.stdout).toMatch(/^time zone +Asia\/Shanghai$/m);
    expect(r.stdout).toMatch(/^asdu +COT 2, CA 2, IOA 3 octets$/m);
    expect(r.stdout).toMatch(/^link +k 12, w 8, t1 15 s, t2 10 s, t3 20 s$/m);
    expect(r.stdout).toContain('points (26)');
    expect(r.stdout).toMatch(/^ {2}0x6401 +25601 +M_IT_NA_1 +1 +measurand +gun 1 energy register +energy in kWh, scale 0\.01$/m);
    expect(r.stdout).toMatch(/^ {2}0x0001 +1 +M_SP_NA_1 +1 +fault +gun 1 emergency stop +EMERGENCY_STOP critical \(Emergency stop pressed\), stop reason emergencyStop$/m);
    expect(r.stdout).toMatch(/^ {2}0x4011 +16401 +M_ME_NB_1 +2 +status +gun 2 state code +0=available\/idle unplugged; 1=occupied\/evConnected plugged; .*6=faulted\/idle$/m);
    expect(r.stdout).toContain('commands (10)');
    expect(r.stdout).toMatch(/^ {2}setLimit +0 +C_SE_NB_1 +0x6201 +25089 +unit kW, scale 0\.1$/m);
    expect(r.stdout).toMatch(/^ {2}stopCharging +2 +C_SC_NA_1 +0x6002 +24578 +value off$/m);
    expect(lines.filter((l) => /^ {2}0x[0-9A-F]{4} /.test(l))).toHaveLength(26);
    expect(lines.filter((l) => /^ {2}(startCharging|stopCharging|setAvailability|reset|unlock|setLimit) /.test(l))).toHaveLength(10);
    expect(r.stdout).toContain('26 points (10 fault, 1 available, 2 status, 13 measurand), 10 commands (2 startCharging, 2 stopCharging, 2 setAvailability, 1 reset, 3 setLimit)');
  });

  it('summarises example-ac-1gun, marking defaults and select-before-operate', async () => {
    const r = await runCli(['mapping', 'check', AC]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^charger +Example EX-AC7-1, AC, 1 connector, max 7040 W$/m);
    expect(r.stdout).toMatch(/^asdu +COT 2, CA 2, IOA 3 octets \(default\)$/m);
    expect(r.stdout).toMatch(/^link +k 12, w 8, t1 15 s, t2 10 s, t3 20 s \(default\)$/m);
    expect(r.stdout).toMatch(/^interrogation +general on connect \+ every 10 min, counters on connect \+ every 5 min, clock sync on connect \+ every 720 min$/m);
    expect(r.stdout).toMatch(/^command timeout +8 s$/m);
    expect(r.stdout).toMatch(/^ {2}0x4004 +16388 +M_ME_NB_1 +1 +measurand +socket temperature +temperature in Celsius, scale 0\.1, offset -40$/m);
    expect(r.stdout).toMatch(/^ {2}startCharging +1 +C_DC_NA_1 +0x6001 +24577 +value on, select-before-operate$/m);
    expect(r.stdout).toContain('12 points (1 plugged, 1 charging, 1 available, 4 fault, 5 measurand), 5 commands (1 startCharging, 1 stopCharging, 1 setAvailability, 1 reset, 1 setLimit)');
  });

  it('prints the quality policy, the clock-sync retry, the maximum current and the stop reason a fault names', async () => {
    const r = await runCli(['mapping', 'check', DC]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^quality +NT drop, OV mark, SB mark, BL mark \(default\)$/m);
    expect(r.stdout).toMatch(/^clock sync retry +10, 30, 60, 120, 300 s \(default\)$/m);
    expect(r.stdout).toMatch(/^max current +250 A per connector$/m);
    expect(r.stdout).toMatch(/^ {2}0x0001 +1 +M_SP_NA_1 +1 +fault +gun 1 emergency stop +EMERGENCY_STOP critical \(Emergency stop pressed\), stop reason emergencyStop$/m);
    expect(r.stdout).toMatch(/^ {2}0x0002 +2 +M_SP_NA_1 +1 +fault +gun 1 over-temperature +CONNECTOR_OVERTEMP error \(Gun over-temperature\)$/m);

    const dc = loadMappingFile(DC);
    const own = describeMapping({ ...dc, quality: { notTopical: 'mark', blocked: 'drop' }, interrogation: { ...dc.interrogation, clockSyncRetrySeconds: [5, 60] } }, DC).join('\n');
    expect(own).toMatch(/^quality +NT mark, OV mark, SB mark, BL drop$/m);
    expect(own).toMatch(/^clock sync retry +5, 60 s$/m);
  });

  it('prints the normalised mapping as JSON with --json', async () => {
    const r = await runCli(['mapping', 'check', '--json', DC]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { name: string; points: { ioa: number }[] };
    expect(parsed).toEqual(JSON.parse(JSON.stringify(loadMappingFile(DC))));
    expect(parsed.name).toBe('example-dc-2gun');
    expect(parsed.points.at(-1)?.ioa).toBe(25602);
  });

  it('exits 2 naming file, line, pointer and reason of an invalid mapping', async () => {
    const file = BAD('unit-not-fitting-measurand');
    const r = await runCli(['mapping', 'check', file]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`error CONFIG_INVALID ${file}:31:87 /points/3/unit: unit "V" does not fit measurand energy; expected one of Wh, kWh, MWh\n`);
  });

  it('exits 2 with CONFIG_SYNTAX for a YAML syntax error', async () => {
    const file = BAD('yaml-syntax');
    const r = await runCli(['mapping', 'check', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^error CONFIG_SYNTAX ${file.replace(/\./g, '\\.')}:11:\\d+: `));
  });

  it('exits 2 with CONFIG_READ for a missing file', async () => {
    const r = await runCli(['mapping', 'check', 'no-such-dir/missing.yaml']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('error CONFIG_READ no-such-dir/missing.yaml: cannot read file: no such file\n');
  });

  it('exits 2 when the file argument is missing', async () => {
    const r = await runCli(['mapping', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'file'");
  });

  it('runs as a real process, finding the schema from the sources', () => {
    const ok = spawnCli(['mapping', 'check', 'mappings/iec104-points/example-ac-1gun.yaml']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('mapping example-ac-1gun');
    const bad = spawnCli(['mapping', 'check', 'fixtures/iec104-points/bad-mappings/command-monitor-ti.yaml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      'error CONFIG_INVALID fixtures/iec104-points/bad-mappings/command-monitor-ti.yaml:33:45 /commands/0/ti: command startCharging uses monitor type M_SP_NA_1; commands need C_SC_NA_1 or C_DC_NA_1',
    );
  });
});
