/**
 * The YKC remote update (docs/protocols/ykc.md §4.1): `updateFirmware` -> 0x94, the pile fetches the image
 * from the FTP server the frame names, and answers 0x93 with its outcome.
 *
 * 0x94's fields are fixed-width ASCII (server 16, user 16, password 16, path 32): a source that
 * does not fit is refused with the field named (`YKC_FIELD`), never cut short. The server field
 * holds an IPv4 address (a dotted quad is at most 15 characters; most host names are longer).
 *
 * When the pile answers is not written down: its status 3 ("download timed out") can only be known
 * after the download window, so the answer may come minutes after the command. The wait for 0x93 is
 * therefore the frame's download timeout plus the session's command timeout, not the command timeout
 * alone. The password is a secret: it goes into the frame only, never into a log or a reason.
 */
import type { CommandOutcome, UpdateFirmwareCommand } from '../../src/model/commands.js';
import type { CurrentType } from '../../src/model/events.js';
import type { YkcOutbox } from './session-io.js';
import type { YkcFrameOf } from './types.js';

/** Download timeout sent when the command gives none, seconds. */
const DEFAULT_DOWNLOAD_TIMEOUT_S = 600;
/** The largest download timeout 0x94's one byte of minutes carries. */
const MAX_DOWNLOAD_MIN = 255;

/** 0x93 status -> why the pile refused, in its own words (docs/protocols/ykc.md §4.1). */
const REFUSALS: Readonly<Record<number, string>> = {
  1: 'the pile says the pile code of the update is wrong (0x93 status 1)',
  2: 'the pile says the firmware does not match its model (0x93 status 2)',
  3: 'the pile could not download the firmware within the download timeout (0x93 status 3)',
};

/** The 0x94 text fields and their widths, with what the command calls them. */
const TEXT_FIELDS = [
  ['serverAddress', 'host', 16],
  ['username', 'user', 16],
  ['password', 'password', 16],
  ['filePath', 'path', 32],
] as const;

/** Why `source` does not fit 0x94, as `YKC_FIELD <field>: ...`, or undefined. Never quotes the password. */
function firmwareSourceProblem(source: UpdateFirmwareCommand['source']): string | undefined {
  if (source.protocol !== 'ftp') return `YKC_FIELD serverAddress: 0x94 fetches over FTP only, not ${String(source.protocol)}`;
  for (const [field, key, width] of TEXT_FIELDS) {
    const value = source[key];
    const shown = key === 'password' ? '' : ` (${JSON.stringify(value)})`;
    if (!/^[\x21-\x7e]*$/.test(value)) return `YKC_FIELD ${field}: 0x94 carries printable ASCII without spaces only${shown}`;
    if (value.length > width) {
      const hint = key === 'host' ? ': give the IPv4 address the pile reaches' : '';
      return `YKC_FIELD ${field}: longer than the ${width} characters 0x94 carries${shown}${hint}`;
    }
  }
  if (!Number.isInteger(source.port) || source.port < 1 || source.port > 0xffff) return `YKC_FIELD serverPort: ${source.port} is not a TCP port`;
  return undefined;
}

export class YkcFirmware {
  constructor(private readonly io: YkcOutbox) {}

  /** Sends the 0x94 of `c` to the logged-in pile `pile` of `currentType`, and waits for its 0x93. */
  command(c: UpdateFirmwareCommand, pile: string, currentType: CurrentType): CommandOutcome {
    const problem = firmwareSourceProblem(c.source);
    if (problem !== undefined) return { status: 'rejected', reason: problem };
    const seconds = c.downloadTimeoutS ?? DEFAULT_DOWNLOAD_TIMEOUT_S;
    const minutes = Math.min(MAX_DOWNLOAD_MIN, Math.max(1, Math.ceil(seconds / 60)));
    const rated = this.io.ctx.options.ratedPowerW;
    const sequence = this.io.send({
      type: 'firmwareUpdate',
      pileCode: pile,
      pileModel: currentType === 'AC' ? 2 : 1,
      // kW, as the public sample suggests (200 for a DC pile); 0 when the gateway is not told.
      pilePower: rated === undefined ? 0 : Math.min(0xffff, Math.round(rated / 1000)),
      serverAddress: c.source.host,
      serverPort: c.source.port,
      username: c.source.user,
      password: c.source.password,
      filePath: c.source.path,
      mode: c.installWhen === 'idle' ? 2 : 1,
      downloadTimeoutMin: minutes,
    });
    const waitMs = minutes * 60_000 + this.io.timeoutMs();
    this.io.expect(c.id, 'firmware', 0, { sequence }, waitMs);
    // Where the pile was sent, for the operator; never the credentials.
    this.io.ctx.sink.log('info', 'ykc remote update sent (0x94)', {
      commandId: c.id,
      host: c.source.host,
      port: c.source.port,
      path: c.source.path,
      mode: c.installWhen,
      downloadTimeoutMin: minutes,
      waitMs,
    });
    return { status: 'sent' };
  }

  /** 0x93: status 0 accepts the update it answers, any other refuses it. */
  answer(f: YkcFrameOf<'firmwareUpdateAnswer'>): void {
    const p = this.io.answerOf('firmware', f);
    if (p === undefined) return;
    if (f.status === 0) this.io.result(p.commandId, 'accepted', undefined, 0);
    else this.io.result(p.commandId, 'rejected', REFUSALS[f.status] ?? `the pile refused the update (0x93 status ${f.status})`, f.status);
  }
}
