/**
 * 3DES keys never reach a log line: the full Gateway with pino at debug level, a YKC listener whose
 * options file names its keys as `${ENV_NAME}`, an encrypted simulator running a card session and
 * a charger sending frames under a wrong key. The whole log output is searched for the keys (hex
 * in either case, and base64).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { YkcCipher } from '../../codecs/ykc/cipher.js';
import { encodeYkcFrame } from '../../codecs/ykc/index.js';
import { parseGatewayConfig } from '../../src/gateway/config.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { connectYkcSimulator, type YkcChargerSimulator } from '../../src/simulator/ykc/simulator.js';
import { startCsms, type TestCsms } from '../support/csms.js';
import { until } from '../support/station.js';

const PILE = '32010200000078';
const OTHER_PILE = '32010200000079';
const PASSWORD = 'ykc-encryption-logs-secret-0123';
const KEY = 'A1B2C3D4E5F60718293A4B5C6D7E8F900112233445566778';
const PILE_KEY = '0F1E2D3C4B5A69788796A5B4C3D2E1F00112233445566778';
const ENV = { PILEGATE_TEST_YKC_KEY: KEY, PILEGATE_TEST_YKC_PILE_KEY: PILE_KEY } as const;

let csms: TestCsms | undefined;
let gateway: Gateway | undefined;
let sim: YkcChargerSimulator | undefined;
let dir: string | undefined;

afterEach(async () => {
  sim?.close();
  await gateway?.stop();
  await csms?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  for (const name of Object.keys(ENV)) Reflect.deleteProperty(process.env, name);
  sim = gateway = csms = dir = undefined;
});

describe('YKC 3DES keys and the log', () => {
  it('no key appears in any log line, from load through a card session and wrong-key frames', async () => {
    Object.assign(process.env, ENV);
    dir = mkdtempSync(join(tmpdir(), 'pilegate-ykc-keys-'));
    const options = join(dir, 'ykc.yaml');
    writeFileSync(options, `encryption:\n  padding: pkcs7\n  key: \${PILEGATE_TEST_YKC_KEY}\n  keys:\n    '${OTHER_PILE}': \${PILEGATE_TEST_YKC_PILE_KEY}\n`);
    csms = await startCsms({ passwords: { [PILE]: PASSWORD, [OTHER_PILE]: PASSWORD } });
    const config = parseGatewayConfig(
      [
        'listeners:',
        `  - { port: 0, host: 127.0.0.1, codec: ykc, mapping: ${JSON.stringify(options)} }`,
        `csms: { url: ${JSON.stringify(csms.url)}, securityProfile: 1 }`,
        'stations: { unknownChargers: provision }',
        'store: memory',
        'http: { port: 0, host: 127.0.0.1 }',
        'log: { level: debug }',
      ].join('\n'),
      '<ykc-encryption-logs>',
      { PILEGATE_CSMS_PASSWORD: PASSWORD },
    );
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString('utf8');
        done();
      },
    });
    gateway = new Gateway(config, { destination, callTimeoutMs: 3_000 });
    await gateway.start();
    const port = gateway.ports[0] ?? 0;
    const c = csms;

    sim = await connectYkcSimulator({ host: '127.0.0.1', port, pileCode: PILE, encryption: { key: KEY, padding: 'pkcs7' }, realTimeIntervalMs: 100, recordResendMs: 5_000 });
    await c.waitForCall((x) => x.identity === PILE && x.action === 'StatusNotification', 10_000);
    const confirm = await sim.swipeCard(1, 'D14B0A54');
    expect(confirm.authResult).toBe(1);
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Started', 10_000);
    sim.stopCharging(1, 0x45);
    await c.waitForCall((x) => x.action === 'TransactionEvent' && x.params['eventType'] === 'Ended', 10_000);
    await sim.waitFor((f) => f.type === 'transactionRecordConfirm', 10_000);
    expect(sim.received.every((f) => f.encrypted === true)).toBe(true);

    // a charger whose key is wrong: typed errors in the log, and still no key
    const wrong = new YkcCipher('FFEEDDCCBBAA99887766554433221100FFEEDDCCBBAA9988', { padding: 'pkcs7' });
    const socket = connect({ host: '127.0.0.1', port });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    for (let i = 0; i < 3; i++) socket.write(encodeYkcFrame({ type: 'heartbeat', sequence: i, pileCode: OTHER_PILE, gun: '01', gunState: 0 }, { cipher: wrong }));
    const lines = (): Record<string, unknown>[] =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    await until(() => lines().filter((l) => l['code'] === 'YKC_DECRYPT_FAILED').length >= 3, 'three YKC_DECRYPT_FAILED log lines', 10_000);
    socket.destroy();
    await gateway.stop();
    gateway = undefined;

    expect(lines().some((l) => /3DES-encrypted frames/.test(String(l['msg'])))).toBe(true);
    expect(out.length).toBeGreaterThan(1_000);
    for (const key of [KEY, PILE_KEY]) {
      expect(out.toLowerCase()).not.toContain(key.toLowerCase());
      expect(out).not.toContain(Buffer.from(key, 'hex').toString('base64'));
      // no 8-byte part of it either (the DES sub-keys)
      for (let i = 0; i < 48; i += 16) expect(out.toLowerCase()).not.toContain(key.slice(i, i + 16).toLowerCase());
    }
  }, 40_000);
});
