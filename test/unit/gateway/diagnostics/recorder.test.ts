import { describe, expect, it } from 'vitest';
import { ykcFrameTools } from '../../../../codecs/ykc/tools.js';
import { StationDiagnostics } from '../../../../src/gateway/diagnostics/recorder.js';
import { fixturePath, loadHexFixture } from '../../../support/fixtures.js';

// YKC heartbeat (0x03) of pile 32010200000001, gun 1, state 0 (fixtures/ykc/frames/03-heartbeat-spec.hex).
const HEARTBEAT = Buffer.from('680d000100033201020000000101 00f11a'.replace(/ /g, ''), 'hex');

describe('StationDiagnostics', () => {
  it('records nothing for a connection until its first record, and nothing at all with a budget of 0', async () => {
    let now = 1_000;
    const d = new StationDiagnostics(0, () => now);
    const c = d.connection('10.0.0.1:5000');
    c.record('in', HEARTBEAT);
    c.bind('CS-1', ykcFrameTools(undefined, { timeZone: 'Asia/Shanghai' }));
    now += 1;
    expect(await d.source('CS-1').diagnostics({})).toEqual([]);
  });

  it('keeps log lines with secret keys redacted, at the levels the logger lets through', async () => {
    const d = new StationDiagnostics(8192, () => Date.parse('2026-12-07T00:00:00Z'));
    const c = d.connection('10.0.0.1:5000');
    const written: string[] = [];
    const log = c.wrap(
      (_level, message) => written.push(message),
      (level) => level !== 'debug',
    );
    log('info', 'station engine started', { csmsUrl: 'ws://csms/ocpp', password: 'hunter2-secret', nested: { secret: 's3', key: 'k' } });
    log('debug', 'CALL sent', { action: 'Heartbeat' });
    c.bind('CS-2', undefined);
    const lines = await d.source('CS-2').diagnostics({});
    expect(written).toEqual(['station engine started', 'CALL sent']);
    expect(lines).toEqual([
      '2026-12-07T00:00:00.000Z connection 10.0.0.1:5000',
      '2026-12-07T00:00:00.000Z log info station engine started {"csmsUrl":"ws://csms/ocpp","password":"[redacted]","nested":{"secret":"[redacted]","key":"[redacted]"}}',
    ]);
  });

  it('moves a connection’s records into its station’s, across reconnections, and decodes frames when asked', async () => {
    let now = Date.parse('2026-12-07T00:00:00Z');
    const d = new StationDiagnostics(8192, () => now);
    const tools = ykcFrameTools(undefined, { timeZone: 'Asia/Shanghai' });
    const first = d.connection('10.0.0.1:5000');
    first.record('in', HEARTBEAT.subarray(0, 5));
    first.record('in', HEARTBEAT.subarray(5));
    first.bind('CS-3', tools);
    now += 60_000;
    const second = d.connection('10.0.0.1:5001');
    second.record('in', HEARTBEAT);
    second.bind('CS-3', tools);
    const lines = await d.source('CS-3').diagnostics({});
    const frames = lines.filter((l) => l.includes('charger->gateway'));
    expect(frames).toEqual([
      `2026-12-07T00:00:00.000Z charger->gateway ${HEARTBEAT.toString('hex').match(/../g)?.join(' ')} (17 bytes)`,
      `2026-12-07T00:01:00.000Z charger->gateway ${HEARTBEAT.toString('hex').match(/../g)?.join(' ')} (17 bytes)`,
    ]);
    expect(lines.filter((l) => l.includes(' connection '))).toHaveLength(2);
    expect(lines.some((l) => /heartbeat.*\(0x03\)/i.test(l))).toBe(true);
    expect(await d.source('CS-3').diagnostics({ from: now })).toEqual(lines.slice(lines.findIndex((l) => l.startsWith('2026-12-07T00:01:00.000Z'))));
  });

  it('never shows the one-time FTP password of a YKC remote update (0x94), in hex or decoded', async () => {
    const update = loadHexFixture(fixturePath('ykc', 'frames', '94-firmware-update-gateway-ipv4-idle.hex')).bytes;
    const password = 'Zx81pQ7rT5uV2wYa';
    const d = new StationDiagnostics(8192, () => Date.parse('2026-12-07T00:00:00Z'));
    const c = d.connection('10.0.0.1:5000');
    c.bind('CS-4', ykcFrameTools(undefined, { timeZone: 'Asia/Shanghai' }));
    c.record('out', update);
    const text = (await d.source('CS-4').diagnostics({})).join('\n');
    expect(text).toContain('(102 bytes)');
    expect(text).toContain('fwk3q9z2m7xa');
    expect(text).not.toContain(password);
    expect(text.replace(/ /g, '')).not.toContain(Buffer.from(password).toString('hex'));
    expect(text.replace(/ /g, '').toLowerCase()).not.toContain(Buffer.from(password).toString('hex').toLowerCase());
  });

  it("never shows a YKC card start's password (0x31: its MD5 is a PIN's, reversed in a moment), in hex or decoded", async () => {
    const start = loadHexFixture(fixturePath('ykc', 'frames', '31-start-request-card-password.hex')).bytes;
    const md5 = 'e10adc3949ba59ab';
    const d = new StationDiagnostics(8192, () => Date.parse('2026-12-07T00:00:00Z'));
    const c = d.connection('10.0.0.1:5000');
    c.bind('CS-5', ykcFrameTools(undefined, { timeZone: 'Asia/Shanghai' }));
    c.record('in', start);
    const text = (await d.source('CS-5').diagnostics({})).join('\n');
    expect(text).toContain('(59 bytes)');
    expect(text).toContain('00000000D14B0A54');
    expect(text).not.toContain(md5);
    expect(text.replace(/ /g, '').toLowerCase()).not.toContain(Buffer.from(md5).toString('hex'));
  });
});
