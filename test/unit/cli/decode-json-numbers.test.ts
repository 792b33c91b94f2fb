/** `pilegate decode --json` keeps NaN and ±Infinity (JSON has neither: they would print as null). */
import { describe, expect, it } from 'vitest';
import { runCli } from '../../support/cli.js';

/** M_ME_NC_1 with three short floats: NaN, +Infinity, -Infinity (IEEE 754 single, little-endian). */
const FLOATS = '68 22 00 00 00 00 0D 03 03 00 01 00 01 40 00 00 00 C0 7F 00 02 40 00 00 00 80 7F 00 03 40 00 00 00 80 FF 00';

describe('pilegate decode --json', () => {
  it('prints NaN and infinite floats as the strings "NaN", "Infinity" and "-Infinity"', async () => {
    const r = await runCli(['decode', '--json', FLOATS]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { frames: { apdu: { asdu: { objects: { value: unknown }[] } } }[] };
    expect(out.frames[0]?.apdu.asdu.objects.map((o) => o.value)).toEqual(['NaN', 'Infinity', '-Infinity']);
    expect(r.stdout).not.toMatch(/"value": null/);
  });

  it('leaves finite numbers as numbers', async () => {
    const r = await runCli(['decode', '--json', '68 12 00 00 00 00 0D 01 03 00 01 00 01 40 00 00 80 66 43 00']);
    const out = JSON.parse(r.stdout) as { frames: { apdu: { asdu: { objects: { value: unknown }[] } } }[] };
    expect(out.frames[0]?.apdu.asdu.objects.map((o) => o.value)).toEqual([230.5]);
  });
});
