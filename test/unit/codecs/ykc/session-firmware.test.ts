/**
 * YKC session: the remote update (0x94 -> 0x93, docs/protocols/ykc.md §4.1). `updateFirmware` goes out as a
 * 0x94 carrying the FTP source as it fits the frame's fields (refused, with the field named, when
 * it does not); the pile's 0x93 is the command's result, awaited for the whole download window.
 */
import { describe, expect, it } from 'vitest';
import { describeYkcFrame } from '../../../../codecs/ykc/describe.js';
import type { YkcOptions } from '../../../../codecs/ykc/session.js';
import type { FirmwareSource, UpdateFirmwareCommand } from '../../../../src/model/commands.js';
import { ykcLoggedIn, ykcSession, type YkcSessionHarness } from '../../../support/ykc-session.js';

const PILE = '20231212000012';
const SOURCE: FirmwareSource = { protocol: 'ftp', host: '192.168.10.20', port: 2121, user: 'fw3k9q2m', password: 'Zx81pQ7rT5uV2wYa', path: '/fw/a1b2c3d4.bin' };

function loggedIn(options: YkcOptions = {}, pileType = 0): YkcSessionHarness & { results: () => [string, string, string?][] } {
  const h = ykcSession({ heartbeatIntervalMs: 10_000_000, ...options });
  h.feed({ type: 'login', sequence: 1, pileCode: PILE, pileType, gunCount: 1, protocolVersion: 0x10, firmwareVersion: 'SIM-1.0', networkType: 0, sim: '0', operator: 0 });
  let seen = 0;
  const results = (): [string, string, string?][] => {
    const all = h.take('commandResult');
    const fresh = all.slice(seen);
    seen = all.length;
    return fresh.map((r) => (r.reason === undefined ? [r.commandId, r.status] : [r.commandId, r.status, r.reason]));
  };
  return { ...h, results };
}

function update(over: Partial<UpdateFirmwareCommand> = {}, source: Partial<FirmwareSource> = {}): UpdateFirmwareCommand {
  return { type: 'updateFirmware', id: 'fw1', installWhen: 'now', downloadTimeoutS: 300, ...over, source: { ...SOURCE, ...source } };
}

describe('YKC updateFirmware -> 0x94', () => {
  it('is a capability of a YKC pile', () => {
    expect(ykcLoggedIn(PILE, 1).session.capabilities.commands.has('updateFirmware')).toBe(true);
  });

  it('sends the FTP source, the pile model and power, the install mode and the download timeout in minutes', () => {
    const s = loggedIn({ ratedPowerW: 120_000 });
    expect(s.session.command(update({ installWhen: 'idle', downloadTimeoutS: 150 }))).toEqual({ status: 'sent' });
    expect(s.sentOf('firmwareUpdate')).toEqual([
      expect.objectContaining({
        pileCode: PILE,
        pileModel: 1,
        pilePower: 120,
        serverAddress: '192.168.10.20',
        serverPort: 2121,
        username: 'fw3k9q2m',
        password: 'Zx81pQ7rT5uV2wYa',
        filePath: '/fw/a1b2c3d4.bin',
        mode: 2,
        downloadTimeoutMin: 3,
      }),
    ]);
  });

  it('an AC pile is model 2; an unknown rated power is sent as 0; no timeout is the default 10 min', () => {
    const s = loggedIn({}, 1);
    s.session.command(update({ downloadTimeoutS: undefined }));
    expect(s.sentOf('firmwareUpdate')[0]).toMatchObject({ pileModel: 2, pilePower: 0, mode: 1, downloadTimeoutMin: 10 });
  });

  it('a download timeout beyond the byte is sent as 255 min', () => {
    const s = loggedIn();
    s.session.command(update({ downloadTimeoutS: 24 * 3600 }));
    expect(s.sentOf('firmwareUpdate')[0]).toMatchObject({ downloadTimeoutMin: 255 });
  });

  it.each([
    [{ host: 'firmware.example.com.cn' }, /serverAddress.*16.*IPv4/],
    [{ path: `/${'x'.repeat(32)}` }, /filePath.*32/],
    [{ user: 'u'.repeat(17) }, /username.*16/],
    [{ password: 'p'.repeat(17) }, /password.*16/],
    [{ path: '/fw/固件.bin' }, /filePath.*ASCII/],
    [{ port: 0 }, /serverPort/],
  ])('refuses a source that does not fit 0x94 (%o), naming the field, sending nothing', (bad, reason) => {
    const s = loggedIn();
    const out = s.session.command(update({}, bad));
    expect(out.status).toBe('rejected');
    expect(out.status === 'rejected' && out.reason).toMatch(reason);
    expect(out.status === 'rejected' && out.reason.startsWith('YKC_FIELD')).toBe(true);
    expect(s.sentOf('firmwareUpdate')).toEqual([]);
  });

  it('never puts the password in a refusal reason', () => {
    const s = loggedIn();
    const out = s.session.command(update({}, { password: 'secret-password-too-long' }));
    expect(JSON.stringify(out)).not.toContain('secret-password');
  });

  it('is refused before the pile has logged in', () => {
    const s = ykcSession({ heartbeatIntervalMs: 10_000_000 });
    expect(s.session.command(update())).toEqual({ status: 'rejected', reason: 'charger has not logged in' });
  });
});

describe('YKC 0x93 -> the result of updateFirmware', () => {
  it('status 0 accepts the command', () => {
    const s = loggedIn();
    s.session.command(update());
    const seq = s.sentOf('firmwareUpdate')[0]?.sequence ?? -1;
    s.feed({ type: 'firmwareUpdateAnswer', sequence: seq, pileCode: PILE, status: 0 });
    expect(s.results()).toEqual([['fw1', 'accepted']]);
    expect(s.take('commandResult')[0]).toMatchObject({ raw: 0 });
  });

  it.each([
    [1, /pile code/],
    [2, /does not match/],
    [3, /download.*time/],
    [9, /status 9/],
  ])('status %i rejects it with the reason in the pile words', (status, reason) => {
    const s = loggedIn();
    s.session.command(update());
    s.feed({ type: 'firmwareUpdateAnswer', sequence: s.sentOf('firmwareUpdate')[0]?.sequence ?? -1, pileCode: PILE, status });
    const [r] = s.take('commandResult');
    expect(r).toMatchObject({ commandId: 'fw1', status: 'rejected', raw: status });
    expect(r?.reason).toMatch(reason);
  });

  it('the answer is awaited for the download window plus the command timeout, then the command times out', () => {
    const s = loggedIn({ commandTimeoutMs: 8_000 });
    s.session.command(update({ downloadTimeoutS: 120 }));
    s.clock.advance(120_000 + 7_999);
    expect(s.results()).toEqual([]);
    s.clock.advance(1);
    expect(s.results()).toEqual([['fw1', 'timeout', 'no answer within 128000 ms']]);
  });

  it('an answer after the download (minutes later) still settles the command', () => {
    const s = loggedIn();
    s.session.command(update({ downloadTimeoutS: 600 }));
    s.clock.advance(540_000);
    s.feed({ type: 'firmwareUpdateAnswer', sequence: 0x7777, pileCode: PILE, status: 3 });
    expect(s.results()).toEqual([['fw1', 'rejected', expect.stringMatching(/download/) as string]]);
  });

  it('the connection closing fails the waiting command', () => {
    const s = loggedIn();
    s.session.command(update());
    s.session.stop('socket closed');
    expect(s.results()).toEqual([['fw1', 'failed', 'socket closed']]);
  });

  it('the password is never in the session logs', () => {
    const s = loggedIn();
    s.session.command(update());
    s.feed({ type: 'firmwareUpdateAnswer', sequence: 0x7777, pileCode: PILE, status: 0 });
    s.feed({ type: 'firmwareUpdateAnswer', sequence: 0x7778, pileCode: PILE, status: 0 });
    expect(s.logs).toContainEqual(
      expect.objectContaining({ level: 'info', message: 'ykc remote update sent (0x94)', data: expect.objectContaining({ commandId: 'fw1', host: SOURCE.host, path: SOURCE.path }) as unknown }),
    );
    expect(JSON.stringify(s.logs)).not.toContain(SOURCE.password);
    expect(JSON.stringify(s.logs)).not.toContain(SOURCE.user);
  });
});

describe('describe (pilegate decode) of a 0x94', () => {
  it('masks the password in the readable dump', () => {
    const lines = describeYkcFrame({
      type: 'firmwareUpdate',
      sequence: 1,
      pileCode: PILE,
      pileModel: 1,
      pilePower: 0,
      serverAddress: '10.0.0.1',
      serverPort: 21,
      username: 'u',
      password: 'hunter2',
      filePath: '/f.bin',
      mode: 1,
      downloadTimeoutMin: 5,
    });
    expect(lines.join('\n')).not.toContain('hunter2');
    expect(lines).toContain('  password: (7 characters, masked)');
  });
});
