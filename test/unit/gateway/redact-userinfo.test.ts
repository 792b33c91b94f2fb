/**
 * No URL with a user or password reaches a log as written: the gateway's logger hides the user info
 * of every URL in a line's fields (at any depth, in errors too) and in its message, and so does the
 * record a station keeps for GetLog(DiagnosticsLog).
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from '../../../src/gateway/config.js';
import { StationDiagnostics } from '../../../src/gateway/diagnostics/recorder.js';
import { Gateway } from '../../../src/gateway/gateway.js';

const SECRET = 'url-in-log-secret-51c2';

describe('URLs with user info in logs', () => {
  it('are redacted by the gateway logger in fields, nested fields, errors and messages', () => {
    let out = '';
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString('utf8');
        done();
      },
    });
    const gateway = new Gateway(parseGatewayConfig('listeners: [{ port: 0, codec: ykc }]\ncsms: { url: ws://127.0.0.1:9/ocpp }\n', 'gw.yaml', {}), { destination });
    const child = gateway.log.child({ chargerId: 'C1' });
    child.info({ url: `wss://cs-1:${SECRET}@csms.example/ocpp`, nested: { list: [`ftp://fw:${SECRET}@files.example/a.bin`] } }, 'endpoint changed');
    child.warn({ err: new Error(`connect to ws://cs-1:${SECRET}@csms.example/ocpp failed`) }, `OCPP connect to ws://cs-1:${SECRET}@csms.example/ocpp failed`);
    gateway.log.info('plain ws://csms.example/ocpp stays as it is');
    const lines = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(out).not.toContain(SECRET);
    expect(lines[0]).toMatchObject({ chargerId: 'C1', url: 'wss://[redacted]@csms.example/ocpp', nested: { list: ['ftp://[redacted]@files.example/a.bin'] }, msg: 'endpoint changed' });
    expect(lines[1]?.['msg']).toBe('OCPP connect to ws://[redacted]@csms.example/ocpp failed');
    expect(JSON.stringify(lines[1]?.['err'])).toContain('ws://[redacted]@csms.example/ocpp');
    expect(lines[2]?.['msg']).toBe('plain ws://csms.example/ocpp stays as it is');
  });

  it('are redacted in the log lines a station keeps for GetLog', async () => {
    const d = new StationDiagnostics(8192, () => Date.parse('2026-12-07T00:00:00Z'));
    const c = d.connection('10.0.0.1:5000');
    const log = c.wrap(
      () => undefined,
      () => true,
    );
    log('info', `firmware from ftp://fw:${SECRET}@files.example/a.bin`, { location: `ftp://fw:${SECRET}@files.example/a.bin` });
    c.bind('CS-1', undefined);
    const lines = await d.source('CS-1').diagnostics({});
    expect(lines.join('\n')).not.toContain(SECRET);
    expect(lines[1]).toContain('log info firmware from ftp://[redacted]@files.example/a.bin {"location":"ftp://[redacted]@files.example/a.bin"}');
  });
});
