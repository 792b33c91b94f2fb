/**
 * Reloading a station registry file (what SIGHUP does): a file caught while it is being written
 * (empty, or only comments so far) is refused and the previous copy stays, instead of every charger
 * being refused at its next login; `{}` still empties the registry on purpose. Real files.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { createStationRegistry } from '../../../src/gateway/registry.js';

let dir: string | undefined;
afterEach(() => {
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function registryOf(stations: string): ReturnType<typeof createStationRegistry> {
  dir = mkdtempSync(join(tmpdir(), 'pilegate-registry-reload-'));
  const file = join(dir, 'stations.yaml');
  writeFileSync(file, stations);
  const config = parseGatewayConfig(`listeners: [{ port: 0, codec: ykc }]\ncsms: { url: "ws://127.0.0.1:9/ocpp" }\nstations: { file: ${JSON.stringify(file)} }\n`, join(dir, 'g.yaml'), {
    PILEGATE_CSMS_PASSWORD: 'registry-reload-pw',
  });
  return createStationRegistry(config, pino({ enabled: false }), { PILEGATE_CSMS_PASSWORD: 'registry-reload-pw' });
}

describe('reloading the registry file', () => {
  it('refuses an empty or comment-only file (still being written) and keeps the previous copy', async () => {
    const registry = registryOf('EXDC1: { stationId: s-1 }\nEXDC2: { stationId: s-2 }\n');
    const file = join(dir ?? '', 'stations.yaml');
    for (const text of ['', '\n', '# stations of depot A\n']) {
      writeFileSync(file, text);
      const r = await registry.reload();
      expect(r).toMatchObject({ ok: false, problems: expect.stringContaining('empty') as string });
      expect(registry.size).toBe(2);
      expect(registry.get('EXDC1')?.stationId).toBe('s-1');
    }
    writeFileSync(file, '{}\n');
    expect(await registry.reload()).toMatchObject({ ok: true, stations: 0, removed: 2 });
    expect(registry.get('EXDC1')).toBeUndefined();
  });
});
