/**
 * GetLog (OCPP 2.0.1 N01): the station builds the requested log — DiagnosticsLog: the charger's
 * frames and the gateway's log lines for this station, SecurityLog: its security events — within
 * `oldestTimestamp`..`latestTimestamp`, and uploads it to `remoteLocation`, telling the CSMS with
 * LogStatusNotification: Uploading, then Uploaded or how it failed (UploadFailure after the last of
 * `retries` + 1 attempts spaced `retryInterval` s, retries capped at 10; PermissionDenied, NotSupportedOperation and
 * BadMessage at once: another attempt would meet the same answer). One upload runs at a time: a
 * newer request is answered AcceptedCanceled, the running upload is aborted and its requestId gets
 * LogStatusNotification AcceptedCanceled before the new one starts.
 */
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { StationContext } from '../context.js';
import { UploadError, type DiagnosticsSource, type LogWindow, type Uploader, type UploadFailureStatus } from './ports.js';
import { readSecurityLog, securityLogLine } from '../security/security-log.js';

type LogStatus = RequestOf<'LogStatusNotification'>;

/** Attempts after the first when the request names none (the station's choice, N01). */
const DEFAULT_RETRIES = 1;
/** Seconds between attempts when the request names none. */
const DEFAULT_RETRY_INTERVAL_S = 30;
/** The most retries a request gets, whatever it asks: the schema bounds neither retries nor retryInterval. */
const MAX_RETRIES = 10;
/** setTimeout's longest delay: a longer retryInterval would fire at once instead. */
const LONGEST_WAIT_MS = 2 ** 31 - 1;
/** One attempt gives up after this long. */
const UPLOAD_TIMEOUT_MS = 120_000;

export interface LogsPorts {
  readonly uploader?: Uploader;
  readonly diagnostics?: DiagnosticsSource;
}

interface Job {
  readonly requestId: number;
  readonly request: RequestOf<'GetLog'>;
  readonly filename: string;
  readonly abort: AbortController;
}

export class Logs {
  private running: Job | undefined;

  constructor(
    private readonly ctx: StationContext,
    private readonly ports: LogsPorts,
  ) {}

  getLog(req: RequestOf<'GetLog'>): { response: ResponseOf<'GetLog'>; after: () => void } {
    const none = (): void => undefined;
    const refused = (reasonCode: string, additionalInfo: string): { response: ResponseOf<'GetLog'>; after: () => void } => {
      this.ctx.log('warn', 'GetLog rejected', { requestId: req.requestId, reasonCode, additionalInfo });
      return { response: { status: 'Rejected', statusInfo: { reasonCode, additionalInfo } }, after: none };
    };
    const { uploader } = this.ports;
    if (uploader === undefined) return refused('NoUploader', 'this gateway has no upload transport configured');
    const scheme = schemeOf(req.log.remoteLocation);
    if (scheme === undefined) return refused('InvalidURL', 'remoteLocation is not a URL');
    if (!uploader.schemes.includes(scheme)) return refused('UnsupportedProtocol', `supported: ${uploader.schemes.join(', ')}`);
    const window = windowOf(req.log);
    if (window.from !== undefined && window.to !== undefined && window.from > window.to) return refused('InvalidWindow', 'oldestTimestamp is after latestTimestamp');
    const filename = logFileName(this.ctx.id, req.logType, this.ctx.clock.now());
    const job: Job = { requestId: req.requestId, request: req, filename, abort: new AbortController() };
    const previous = this.running;
    this.running = job;
    if (previous !== undefined) previous.abort.abort();
    return {
      response: { status: previous === undefined ? 'Accepted' : 'AcceptedCanceled', filename },
      after: () => {
        // The cancelled upload's own notification goes out before the new one's Uploading.
        if (previous !== undefined) void this.notify({ status: 'AcceptedCanceled', requestId: previous.requestId });
        void this.run(job, uploader, window);
      },
    };
  }

  /** What a triggered LogStatusNotification says (F06): Uploading with its requestId, or Idle. */
  status(): LogStatus {
    return this.running !== undefined ? { status: 'Uploading', requestId: this.running.requestId } : { status: 'Idle' };
  }

  /** The station stops: a running upload is aborted without a notification. */
  dispose(): void {
    const job = this.running;
    this.running = undefined;
    job?.abort.abort();
  }

  private async run(job: Job, uploader: Uploader, window: LogWindow): Promise<void> {
    const { signal } = job.abort;
    await this.notify({ status: 'Uploading', requestId: job.requestId });
    const status = await this.upload(job, uploader, window).catch((e: unknown): LogStatus['status'] => {
      this.ctx.log('error', 'log upload', { requestId: job.requestId, error: e instanceof Error ? e.message : String(e) });
      return 'UploadFailure';
    });
    // Idle for a TriggerMessage from the moment the outcome is known, not once the CSMS answered it.
    if (this.running === job) this.running = undefined;
    if (!signal.aborted) await this.notify({ status, requestId: job.requestId });
  }

  /** Builds the file and uploads it, retrying; resolves with the final status. */
  private async upload(job: Job, uploader: Uploader, window: LogWindow): Promise<LogStatus['status']> {
    const { signal } = job.abort;
    const body = Buffer.from(`${(await this.build(job.request, window)).join('\n')}\n`, 'utf8');
    const attempts = 1 + Math.min(MAX_RETRIES, Math.max(0, job.request.retries ?? DEFAULT_RETRIES));
    const intervalMs = Math.min(LONGEST_WAIT_MS, Math.max(0, job.request.retryInterval ?? DEFAULT_RETRY_INTERVAL_S) * 1000);
    for (let attempt = 1; ; attempt++) {
      const failed = await this.attempt(job, uploader, body, attempt);
      if (failed === undefined) return 'Uploaded';
      if (failed !== 'UploadFailure' || attempt >= attempts || signal.aborted) return failed;
      await this.pause(intervalMs, signal);
    }
  }

  /** One upload; resolves undefined on success, else the failure's status (logged). */
  private async attempt(job: Job, uploader: Uploader, body: Buffer, attempt: number): Promise<UploadFailureStatus | undefined> {
    try {
      await uploader.upload(job.request.log.remoteLocation, { name: job.filename, body }, { timeoutMs: UPLOAD_TIMEOUT_MS, signal: job.abort.signal });
      this.ctx.log('info', 'log uploaded', { requestId: job.requestId, logType: job.request.logType, filename: job.filename, bytes: body.length, attempt });
      return undefined;
    } catch (e) {
      const status = e instanceof UploadError ? e.status : 'UploadFailure';
      if (!job.abort.signal.aborted) {
        this.ctx.log('warn', 'log upload failed', {
          requestId: job.requestId,
          attempt,
          status,
          code: e instanceof UploadError ? e.code : undefined,
          error: e instanceof Error ? e.message : String(e),
        });
      }
      return status;
    }
  }

  private async build(req: RequestOf<'GetLog'>, window: LogWindow): Promise<string[]> {
    const span = `${window.from !== undefined ? ocppTimestamp(window.from) : 'start'} .. ${window.to !== undefined ? ocppTimestamp(window.to) : 'now'}`;
    const head = [`# pilegate ${req.logType} of station ${this.ctx.id}`, `# window: ${span}`, `# written: ${ocppTimestamp(this.ctx.clock.now())}`];
    if (req.logType === 'SecurityLog') {
      const events = (await readSecurityLog(this.ctx.store, this.ctx.id)).filter((e) => inWindow(Date.parse(e.timestamp), window));
      return [...head, ...(events.length === 0 ? ['# no security events in the window'] : events.map(securityLogLine))];
    }
    const source = this.ports.diagnostics;
    const lines = source === undefined ? [] : await source.diagnostics(window);
    return [...head, ...(lines.length === 0 ? ['# no frames or log lines recorded in the window'] : lines)];
  }

  private async notify(payload: LogStatus): Promise<void> {
    try {
      await this.ctx.call('LogStatusNotification', payload);
    } catch (e) {
      this.ctx.log('warn', 'LogStatusNotification failed', { ...payload, error: e instanceof Error ? e.message : String(e) });
    }
  }

  private pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.ctx.clock.setTimeout(done, ms);
      function done(): void {
        signal.removeEventListener('abort', cancel);
        resolve();
      }
      const clock = this.ctx.clock;
      function cancel(): void {
        clock.clearTimeout(timer);
        done();
      }
      signal.addEventListener('abort', cancel, { once: true });
    });
  }
}

/** `<station>-<DiagnosticsLog|SecurityLog>-<yyyymmddThhmmss>Z.log`, safe as a file name on any server. */
function logFileName(station: string, logType: string, now: number): string {
  const safe = station.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${safe}-${logType}-${stamp}.log`;
}

function schemeOf(location: string): string | undefined {
  try {
    return new URL(location).protocol.replace(/:$/, '').toLowerCase();
  } catch {
    return undefined;
  }
}

function windowOf(log: RequestOf<'GetLog'>['log']): LogWindow {
  const from = log.oldestTimestamp !== undefined ? Date.parse(log.oldestTimestamp) : NaN;
  const to = log.latestTimestamp !== undefined ? Date.parse(log.latestTimestamp) : NaN;
  return { ...(Number.isFinite(from) ? { from } : {}), ...(Number.isFinite(to) ? { to } : {}) };
}

/** True when `at` (epoch ms) lies in the window, ends included. */
export function inWindow(at: number, window: LogWindow): boolean {
  return (window.from === undefined || at >= window.from) && (window.to === undefined || at <= window.to);
}

declare module '../context.js' {
  interface StationBlocks {
    readonly logs: Logs;
  }
}
