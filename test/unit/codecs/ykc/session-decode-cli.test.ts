import { describe, expect, it } from 'vitest';
import { runCli } from '../../../support/cli.js';
import { fixturePath, loadHexFixture } from '../../../support/fixtures.js';

const hexOf = (name: string): string => loadHexFixture(fixturePath('ykc', 'frames', name)).bytes.toString('hex');

describe('pilegate decode --codec ykc', () => {
  it('prints type name, sequence and fields with units for public fixtures', async () => {
    const r = await runCli(['decode', '--codec', 'ykc', hexOf('01-login-jcpp.hex'), hexOf('13-real-time-data-charging.hex'), hexOf('56-time-sync-jcpp.hex')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('login (0x01) seq 6400');
    expect(r.stdout).toContain('pileCode: "20231212000010"');
    expect(r.stdout).toContain('firmwareVersion: "GV.95r13"');
    expect(r.stdout).toContain('sim: "898604D11722D0348606"');
    expect(r.stdout).toContain('realTimeData (0x13)');
    expect(r.stdout).toContain('outputVoltageV: 225.1 V');
    expect(r.stdout).toContain('energyKwh: 4.1234 kWh');
    expect(r.stdout).toContain('timeSync (0x56)');
    expect(r.stdout).toContain('2025-08-21 12:12:12.000 local = 2025-08-21T04:12:12.000Z');
    expect(r.stdout.match(/^frame \d+/gm)).toHaveLength(3);
  });

  it('accepts a CRC sent high byte first (JCPP) and prints JSON with --json', async () => {
    const r = await runCli(['decode', '--codec', 'ykc', '--json', hexOf('03-heartbeat-jcpp-crc-be.hex')]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { frames: { offset: number; frame: Record<string, unknown> }[] };
    expect(parsed.frames).toHaveLength(1);
    expect(parsed.frames[0]?.frame).toMatchObject({ type: 'heartbeat', crcOrder: 'be', pileCode: '20231212000010', gun: '01' });
  });

  it('exits 2 naming the error code and stream offset, still printing good frames', async () => {
    const login = hexOf('01-login-jcpp.hex');
    const badCrc = `${login.slice(0, -4)}0000`;
    const r = await runCli(['decode', '--codec', 'ykc', 'FF', login, badCrc, '68 0C 00']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('login (0x01)');
    expect(r.stderr).toContain('error YKC_BAD_START at byte 0');
    expect(r.stderr).toContain('error YKC_CRC at byte 75');
    expect(r.stderr).toContain('error YKC_TRUNCATED at byte 77');
  });

  it('rejects an unknown codec name', async () => {
    const r = await runCli(['decode', '--codec', 'nope', '68 04 07 00 00 00']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--codec must be one of iec104-points, ykc');
  });
});
