/**
 * The shipped examples against what a newcomer runs: `examples/dev.yaml` loads with nothing set in
 * the environment, keeps unknown chargers refused, and lists the charger ids `pilegate simulate`
 * plays by default for every codec with a simulator, each on a listener of that codec;
 * `examples/pilegate.yaml`'s registry knows the default simulated IEC 104 charger too, and `serve`
 * on it with nothing set names the variable the README tells a newcomer to set.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { allCodecs } from '../../../codecs/registry.js';
import { findPackageFile } from '../../../src/config/read.js';
import { loadGatewayConfig } from '../../../src/gateway/config.js';
import { systemSimulatorClock } from '../../../src/simulator/clock.js';
import { repoRoot, runCliProcess } from '../../support/cli.js';

/** The names `pilegate simulate --codec <name>` gives its first `count` chargers by default. */
async function simulatedNames(count: number): Promise<Map<string, string[]>> {
  const names = new Map<string, string[]>();
  for (const codec of allCodecs()) {
    const sim = codec.simulator;
    if (sim === undefined) continue;
    const file = sim.defaultOptionsFile === undefined ? undefined : findPackageFile(import.meta.url, sim.defaultOptionsFile);
    const options = await codec.loadOptions(file === undefined ? {} : { file });
    names.set(
      codec.name,
      sim.fleetIds(sim.firstId.default, count).map((id, index) => {
        const charger = sim.create({ options, id, index, clock: systemSimulatorClock, meterIntervalMs: 1_000, sessions: 'idle', report: () => undefined });
        charger.dispose();
        return charger.name;
      }),
    );
  }
  return names;
}

describe('examples', () => {
  it('dev.yaml: no environment needed, unknown chargers refused, the simulator default chargers of every codec registered', async () => {
    const config = loadGatewayConfig(join(repoRoot, 'examples', 'dev.yaml'), {});
    expect(config.stations.unknownChargers).toBe('refuse');
    expect(config.stations.defaults.password).toBeDefined();
    expect(config.csms.url).toBe('ws://127.0.0.1:9000/ocpp');
    const names = await simulatedNames(3);
    expect([...names.keys()].sort()).toEqual(['iec104-points', 'sgcc104', 'ykc']);
    for (const [codec, ids] of names) {
      expect(
        config.listeners.some((l) => l.codecs.some((c) => c.codec === codec)),
        codec,
      ).toBe(true);
      for (const id of ids) expect(config.stations.registry.has(id), `${codec} ${id}`).toBe(true);
    }
  });

  it("pilegate.yaml: its registry knows simulate's default IEC 104 charger", async () => {
    const env = {
      PILEGATE_CSMS_PASSWORD: 'p',
      STATION_DEPOT_A_DC_01_PASSWORD: 'a',
      STATION_DEPOT_A_DC_02_PASSWORD: 'b',
      STATION_DEPOT_B_YKC_01_PASSWORD: 'c',
      YKC_KEY_DEPOT_B_01: '0123456789ABCDEF'.repeat(3),
    };
    const config = loadGatewayConfig(join(repoRoot, 'examples', 'pilegate.yaml'), env);
    const first = (await simulatedNames(1)).get('iec104-points')?.[0];
    expect(first).toBe('EXDC101');
    expect(config.stations.registry.has(first ?? '')).toBe(true);
  });

  it('pilegate.yaml with nothing set: serve exits 2 naming PILEGATE_CSMS_PASSWORD, the default password the README names', async () => {
    const r = await runCliProcess(['serve', '--config', 'examples/pilegate.yaml'], 30_000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error CONFIG_INVALID examples\/pilegate\.yaml:\d+:\d+ \/stations\/defaults\/password: .*PILEGATE_CSMS_PASSWORD/m);
  }, 40_000);
});
