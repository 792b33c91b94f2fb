import { describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../../support/cli.js';

const GI = '68 0E 00 00 00 00 64 01 06 00 01 00 00 00 00 14';

describe('pilegate decode', () => {
  it('prints APCI, TI mnemonic, COT name, CA and each object', async () => {
    const r = await runCli(['decode', GI]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('I-frame N(S)=0 N(R)=0');
    expect(r.stdout).toContain('C_IC_NA_1 (100) COT 6 ACTIVATION CA 1 objects 1');
    expect(r.stdout).toContain('IOA 0 QOI 20 station');
  });

  it('accepts hex without spaces, split across arguments, with 0x prefixes', async () => {
    const a = await runCli(['decode', GI.replace(/ /g, '')]);
    const b = await runCli(['decode', ...GI.split(' ').map((x) => `0x${x}`)]);
    expect(a.stdout).toBe((await runCli(['decode', GI])).stdout);
    expect(b.stdout).toBe(a.stdout);
  });

  it('decodes several concatenated frames, with P/N and T bits, quality and time', async () => {
    const negative = '68 0E 02 00 02 00 2D 01 47 00 01 00 01 60 00 81'; // C_SC_NA_1 ACT_CON negative
    const test = '68 0E 04 00 02 00 01 01 83 00 01 00 05 00 00 91'; // M_SP_NA_1 T=1, ON with BL and IV
    const timed = '68 15 06 00 02 00 1E 01 03 00 01 00 05 00 00 01 98 B7 0E 11 10 03 14'; // M_SP_TB_1
    const r = await runCli(['decode', '68 04 07 00 00 00', negative, test, timed]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('U-frame STARTDT_ACT');
    expect(r.stdout).toContain('C_SC_NA_1 (45) COT 7 ACTIVATION_CON P/N=negative CA 1');
    expect(r.stdout).toContain('IOA 24577 ON QU 0 SELECT');
    expect(r.stdout).toContain('M_SP_NA_1 (1) COT 3 SPONTANEOUS T=test');
    expect(r.stdout).toContain('IOA 5 ON [BL,IV]');
    expect(r.stdout).toContain('time 2020-03-16 17:14:47.000 Asia/Shanghai = 2020-03-16T09:14:47.000Z');
    expect(r.stdout.match(/^frame \d+/gm)).toHaveLength(4);
  });

  it('applies --tz to CP56Time2a', async () => {
    const r = await runCli(['decode', '--tz', 'UTC', '68 15 06 00 02 00 1E 01 03 00 01 00 05 00 00 01 98 B7 0E 11 10 03 14']);
    expect(r.stdout).toContain('UTC = 2020-03-16T17:14:47.000Z');
  });

  it('prints JSON with --json', async () => {
    const r = await runCli(['decode', '--json', GI]);
    expect(r.code).toBe(0);
    const parsed = JSON.parse(r.stdout) as { frames: { offset: number; apdu: { asdu: { type: string; causeName: string; objects: unknown[] } } }[] };
    expect(parsed.frames).toHaveLength(1);
    expect(parsed.frames[0]?.apdu.asdu).toMatchObject({ typeId: 100, type: 'C_IC_NA_1', cause: 6, causeName: 'ACTIVATION', commonAddress: 1 });
    expect(parsed.frames[0]?.apdu.asdu.objects).toEqual([{ ioa: 0, qoi: 20 }]);
  });

  it('exits 2 naming the byte offset and code of bad frames, still printing the good ones', async () => {
    const r = await runCli(['decode', 'FF FF', GI, '68 0E 00 00 00 00 86 01 06 00 01 00 00 00 00 14', '68 0E']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('C_IC_NA_1');
    expect(r.stderr).toContain('error IEC104_BAD_START at byte 0');
    expect(r.stderr).toContain('error IEC104_UNKNOWN_TI at byte 24');
    expect(r.stderr).toContain('error IEC104_FRAME_TRUNCATED at byte 34');
  });

  it('exits 2 on bad hex and bad options', async () => {
    expect(await runCli(['decode', '68 0G'])).toMatchObject({ code: 2, stderr: expect.stringContaining('HEX_INVALID') as unknown });
    expect(await runCli(['decode', '68 0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('HEX_ODD') as unknown });
    expect(await runCli(['decode', '--tz', 'Nowhere/City', GI])).toMatchObject({ code: 2, stderr: expect.stringContaining('TZ_INVALID') as unknown });
    expect(await runCli(['decode', '--ioa-size', '4', GI])).toMatchObject({ code: 2, stderr: expect.stringContaining('--ioa-size') as unknown });
    expect((await runCli(['decode'])).code).toBe(2);
  });

  it('honours --cot-size/--ca-size/--ioa-size for dialects with narrower fields', async () => {
    // COT 1 octet, CA 1 octet, IOA 2 octets: TI 13, one float at IOA 0x4001.
    const r = await runCli(['decode', '--cot-size', '1', '--ca-size', '1', '--ioa-size', '2', '68 0F 00 00 00 00 0D 01 03 07 01 40 00 80 66 43 00']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('M_ME_NC_1 (13) COT 3 SPONTANEOUS CA 7 objects 1');
    expect(r.stdout).toContain('IOA 16385 230.5');
  });

  it('runs as a real process with the documented exit codes', () => {
    const ok = spawnCli(['decode', GI]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('C_IC_NA_1');
    const bad = spawnCli(['decode', '69 04 07 00 00 00']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('IEC104_BAD_START at byte 0');
  });
});
