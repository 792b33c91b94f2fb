import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadYkcOptions } from '../../../../codecs/ykc/options.js';
import { ConfigError } from '../../../../src/config/errors.js';
import { spawnCli } from '../../../support/cli.js';

const EXAMPLE = fileURLToPath(new URL('../../../../mappings/ykc/example.yaml', import.meta.url));

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function file(name: string, text: string): string {
  dir ??= mkdtempSync(join(tmpdir(), 'pilegate-ykc-options-'));
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function issues(text: string): Promise<{ code: string; lines: string[] }> {
  const path = file('ykc.yaml', text);
  try {
    await loadYkcOptions({ file: path });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return { code: e.code, lines: e.message.split('\n').map((l) => l.replace(`${path}:`, '')) };
  }
  throw new Error('expected a ConfigError');
}

describe('YKC options file', () => {
  it('loads the shipped example with its tariff and the shipped stop reasons', async () => {
    const o = await loadYkcOptions({ file: EXAMPLE });
    expect(o.timeZone).toBe('Asia/Shanghai');
    expect(o.tariff?.billingModelId).toBe('0100');
    expect(o.tariff?.periods).toHaveLength(48);
    expect(o.stopReasons?.codes.get(0x41)).toBe('socLimitReached');
    expect(o.stopReasons?.default).toBe('other');
  });

  it('names the line and the pointer of each mistake', async () => {
    expect(await issues('heartbeatIntervalMs: 10000\ncardFormat: dec\n')).toEqual({ code: 'CONFIG_INVALID', lines: [expect.stringMatching(/^2:\d+: \/cardFormat: .*hex.*int64le/)] });
    expect((await issues('heartBeatIntervalMs: 10000\n')).lines).toEqual([expect.stringMatching(/^1:\d+: .*heartBeatIntervalMs/)]);
    expect((await issues('timeZone: Asia/Shangai\n')).lines).toEqual([expect.stringMatching(/^1:\d+: \/timeZone: unknown time zone "Asia\/Shangai"/)]);
    expect((await issues('commandTimeoutMs: fast\n')).lines).toEqual([expect.stringMatching(/^1:\d+: \/commandTimeoutMs: .*integer/)]);
    const tariff = (periods: string, id = "'0100'"): string =>
      `tariff:\n  billingModelId: ${id}\n  tip: { electricity: 1, service: 0.5 }\n  peak: { electricity: 1, service: 0.5 }\n  flat: { electricity: 1, service: 0.5 }\n  valley: { electricity: 1, service: 0.5 }\n  periods: ${periods}\n`;
    expect((await issues(tariff(`[${Array(47).fill(2).join(', ')}]`))).lines).toEqual([expect.stringMatching(/^7:\d+: \/tariff\/periods: .*48/)]);
    expect((await issues(tariff(`[${Array(48).fill(4).join(', ')}]`))).lines[0]).toMatch(/^7:\d+: \/tariff\/periods\/0: /);
    expect((await issues(tariff(`[${Array(48).fill(2).join(', ')}]`, "'0000'"))).lines).toEqual([expect.stringMatching(/^2:\d+: \/tariff\/billingModelId: /)]);
    expect((await issues('tariffs:\n  "123": { }\n')).lines[0]).toMatch(/\/tariffs/);
  });

  it('reports a bad stop-reason mapping at the key that names it, resolved next to the options file', async () => {
    file('reasons.yaml', 'default: other\ncodes:\n  0x41: fullyCharged\n');
    const r = await issues('timeZone: UTC\nstopReasonsFile: reasons.yaml\n');
    expect(r.lines).toEqual([expect.stringMatching(/^2:\d+: \/stopReasonsFile: .*fullyCharged/)]);
    file('good.yaml', 'default: other\ncodes:\n  0x41: local\n');
    const o = await loadYkcOptions({ file: file('ok.yaml', 'stopReasonsFile: good.yaml\n') });
    expect(o.stopReasons?.codes.get(0x41)).toBe('local');
  });

  it('`pilegate serve` exits 2 naming the YKC options file, line and pointer', () => {
    const options = file('ykc.yaml', 'balanceYuan: -5\n');
    const config = file(
      'pilegate.yaml',
      `listeners:\n  - { port: 0, host: 127.0.0.1, codec: ykc, mapping: ${JSON.stringify(options)} }\ncsms: { url: "ws://127.0.0.1:9/ocpp" }\nhttp: { port: 0, host: 127.0.0.1 }\n`,
    );
    const r = spawnCli(['serve', '--config', config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`error CONFIG_INVALID ${options.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:1:\\d+ /balanceYuan: `));
  });
});
