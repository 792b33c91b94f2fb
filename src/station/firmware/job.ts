/**
 * One firmware update (L01 signed, L02 unsigned) from the accepted request to the charger taking
 * the image: DownloadScheduled until retrieveDateTime, Downloading per attempt (retries,
 * retryInterval), Downloaded or DownloadFailed, SignatureVerified or InvalidSignature, InstallScheduled
 * until installDateTime, the wait for transactions to end (L01.FR.06/07), then the image published
 * for the charger and the charger's own answer to the update command: Installing, or
 * InstallationFailed. What follows (the charger coming back) is the firmware block's, since it
 * outlives this engine.
 */
import type { X509Certificate } from 'node:crypto';
import type { RequestOf } from '../../ocpp/actions.js';
import { statusInfo, type ChargerCommands } from '../charger-commands.js';
import type { StationContext } from '../context.js';
import type { SecurityEventType } from '../security/security-events.js';
import type { Downloader, FirmwareServer, PublishedImage } from './ports.js';
import { verifyImageSignature } from './signature.js';
import { sleepUntil, UpdateCancelled, type Condition } from './timing.js';

export type FirmwareStatus = RequestOf<'FirmwareStatusNotification'>['status'];
export type UpdateRequest = RequestOf<'UpdateFirmware'>;

/** Bounds of a firmware update; every field has a default. */
export interface FirmwareLimits {
  /** One download attempt gives up after this long (default 10 min). */
  readonly downloadTimeoutMs?: number;
  /** Largest image accepted (default 64 MiB). */
  readonly maxImageBytes?: number;
  /** Retries when the request says nothing (default 2), and the wait between them (default 30 s). */
  readonly defaultRetries?: number;
  readonly defaultRetryIntervalS?: number;
  /** The most retries a request gets, whatever it asks (default 10): the schema sets no bound. */
  readonly maxRetries?: number;
  /** Time the charger is given to fetch the image from the gateway (the command's downloadTimeoutS; default 600). */
  readonly chargerDownloadTimeoutS?: number;
  /** After the charger took the update, how long it may take to come back with it (default 30 min). */
  readonly installWaitMs?: number;
}

export const DEFAULT_LIMITS: Required<FirmwareLimits> = {
  downloadTimeoutMs: 600_000,
  maxImageBytes: 64 * 1024 * 1024,
  defaultRetries: 2,
  defaultRetryIntervalS: 30,
  maxRetries: 10,
  chargerDownloadTimeoutS: 600,
  installWaitMs: 1_800_000,
};

export interface JobHost {
  readonly ctx: StationContext;
  readonly downloader: Downloader;
  readonly server: FirmwareServer;
  readonly limits: Required<FirmwareLimits>;
  readonly commands: ChargerCommands;
  /** Poked when a charger session ends. */
  readonly sessions: Condition;
  notify(requestId: number, status: FirmwareStatus): Promise<void>;
  securityEvent(type: SecurityEventType, techInfo: string): Promise<void>;
  sessionRunning(): boolean;
  /** EVSEs not in use are shown Unavailable and refuse new starts while on (L01.FR.07). */
  hold(on: boolean): void;
  /** The update command is about to go to the charger: what the next engine must know is stored. */
  committing(requestId: number): Promise<void>;
}

/** How a job ended: nothing more to do, or the charger took the image and is installing it. */
export type JobEnd = { readonly kind: 'done' } | { readonly kind: 'charger'; readonly published: PublishedImage; readonly fetchUntil: number };

export class UpdateJob {
  private readonly abort = new AbortController();
  /** Set once the update command went to the charger: from then on it cannot be cancelled. */
  private commandSent = false;
  /** When the update command went out (epoch ms). */
  private commandAt = 0;
  private published: PublishedImage | undefined;
  private holding = false;

  constructor(
    readonly request: UpdateRequest,
    private readonly certificate: X509Certificate | undefined,
    private readonly host: JobHost,
  ) {}

  get requestId(): number {
    return this.request.requestId;
  }

  /** False once the charger was told to update (L01.FR.27: it cannot be taken back). */
  get cancellable(): boolean {
    return !this.commandSent;
  }

  /** Stops every wait and the download; the published image, if any, is taken down. */
  cancel(): void {
    this.abort.abort();
    this.cleanUp();
  }

  /**
   * The station stops (the charger's connection dropped, the gateway stops): like `cancel`, except
   * that an image the charger was already told to fetch is handed back with the time it was given
   * to fetch it. The charger may be fetching it right now (YKC answers only after the download).
   */
  stop(): { readonly published: PublishedImage; readonly until: number } | undefined {
    const published = this.commandSent ? this.published : undefined;
    if (published !== undefined) this.published = undefined;
    this.cancel();
    return published !== undefined ? { published, until: this.fetchUntil } : undefined;
  }

  /** Until then the charger may still be fetching the image it was told to (epoch ms). */
  private get fetchUntil(): number {
    return this.commandAt + this.host.limits.chargerDownloadTimeoutS * 1000;
  }

  /** Runs the update; resolves how it ended. A cancel ends it as `done`, sending nothing more. */
  async run(): Promise<JobEnd> {
    try {
      const end = await this.steps();
      if (end.kind === 'done') this.cleanUp();
      return end;
    } catch (err) {
      if (!(err instanceof UpdateCancelled)) {
        this.host.ctx.log('warn', 'firmware update failed', { requestId: this.requestId, error: err instanceof Error ? err.message : String(err) });
        await this.host.notify(this.requestId, 'InstallationFailed');
      }
      this.cleanUp();
      return { kind: 'done' };
    }
  }

  private async steps(): Promise<JobEnd> {
    const { ctx } = this.host;
    const fw = this.request.firmware;
    const notify = (s: FirmwareStatus): Promise<void> => this.host.notify(this.requestId, s);
    const retrieveAt = Date.parse(fw.retrieveDateTime);
    if (retrieveAt > ctx.clock.now()) {
      await notify('DownloadScheduled');
      await sleepUntil(ctx.clock, retrieveAt, this.abort.signal);
    }
    const image = await this.download();
    if (image === undefined) {
      await notify('DownloadFailed');
      return { kind: 'done' };
    }
    await notify('Downloaded');
    if (this.certificate !== undefined) {
      if (fw.signature === undefined || !verifyImageSignature(image, fw.signature, this.certificate)) {
        const why = fw.signature === undefined ? 'no signature came with the signing certificate' : 'the signature does not match the image and the signing certificate';
        ctx.log('warn', 'firmware image refused: invalid signature', { requestId: this.requestId, reason: why });
        await notify('InvalidSignature');
        await this.host.securityEvent('InvalidFirmwareSignature', `firmware request ${this.requestId}: ${why}`);
        return { kind: 'done' };
      }
      await notify('SignatureVerified');
    }
    const installAt = fw.installDateTime !== undefined ? Date.parse(fw.installDateTime) : Number.NaN;
    if (installAt > ctx.clock.now()) {
      await notify('InstallScheduled');
      await sleepUntil(ctx.clock, installAt, this.abort.signal);
    }
    await this.waitForTransactions();
    return this.install(image);
  }

  /** L01.FR.30: one Downloading per attempt; undefined when every attempt failed. */
  private async download(): Promise<Buffer | undefined> {
    const { ctx, limits } = this.host;
    // Any integer passes the schema: below zero is no retry, above the cap is the cap.
    const retries = Math.min(limits.maxRetries, Math.max(0, this.request.retries ?? limits.defaultRetries));
    const intervalMs = Math.max(0, this.request.retryInterval ?? limits.defaultRetryIntervalS) * 1000;
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleepUntil(ctx.clock, ctx.clock.now() + intervalMs, this.abort.signal);
      await this.host.notify(this.requestId, 'Downloading');
      try {
        return await this.host.downloader.download(this.request.firmware.location, { timeoutMs: limits.downloadTimeoutMs, maxBytes: limits.maxImageBytes, signal: this.abort.signal });
      } catch (err) {
        if (this.abort.signal.aborted) throw new UpdateCancelled('cancelled');
        // The downloader's messages are safe to log: no credential of the URL in them.
        ctx.log('warn', 'firmware download failed', { requestId: this.requestId, attempt: attempt + 1, of: retries + 1, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return undefined;
  }

  /**
   * L01.FR.06: the charger cannot charge while it installs, so installing waits for every
   * transaction to end; meanwhile (L01.FR.07, unless ChargingStation.AllowNewSessionsPendingFirmwareUpdate)
   * the EVSEs not in use are Unavailable, until the update is over.
   */
  private async waitForTransactions(): Promise<void> {
    if (!this.host.sessionRunning()) return;
    const allowNew = this.host.ctx.dm.getBoolean('ChargingStation', 'AllowNewSessionsPendingFirmwareUpdate');
    this.host.ctx.log('info', 'firmware installation waits for the transactions to end', { requestId: this.requestId, newSessions: allowNew ? 'allowed' : 'refused' });
    if (!allowNew) this.setHold(true);
    await this.host.sessions.wait(() => !this.host.sessionRunning(), this.abort.signal);
  }

  /**
   * The image goes where the charger can fetch it, and the charger is told to install it once idle
   * (it is: the gateway waited; a session begun at the charger in between is not cut). The
   * charger's answer decides: yes is Installing, a refusal or silence InstallationFailed.
   */
  private async install(image: Buffer): Promise<JobEnd> {
    const { ctx } = this.host;
    this.published = await this.host.server.publish(ctx.id, image, imageName(this.request));
    if (this.abort.signal.aborted) throw new UpdateCancelled('cancelled');
    this.commandSent = true;
    this.commandAt = ctx.clock.now();
    await this.host.committing(this.requestId);
    // The charger answers once it has fetched the image (YKC 0x93 after the download): the wait
    // covers the time it is given for that.
    const downloadTimeoutS = this.host.limits.chargerDownloadTimeoutS;
    const outcome = await this.host.commands.run(
      { type: 'updateFirmware', id: ctx.commandId('firmware'), source: this.published.source, installWhen: 'idle', downloadTimeoutS },
      { extraWaitMs: downloadTimeoutS * 1000 },
    );
    if (this.abort.signal.aborted) throw new UpdateCancelled('cancelled');
    if (!outcome.ok) {
      ctx.log('warn', 'charger did not take the firmware update', { requestId: this.requestId, ...statusInfo(outcome) });
      await this.host.notify(this.requestId, 'InstallationFailed');
      return { kind: 'done' };
    }
    const published = this.published;
    this.published = undefined;
    return { kind: 'charger', published, fetchUntil: this.fetchUntil };
  }

  private setHold(on: boolean): void {
    if (this.holding === on) return;
    this.holding = on;
    this.host.hold(on);
  }

  private cleanUp(): void {
    this.published?.release();
    this.published = undefined;
    this.setHold(false);
  }
}

/** A file name for the published image: the location's last path part, within [A-Za-z0-9._-]. */
function imageName(r: UpdateRequest): string {
  let base = '';
  try {
    base = new URL(r.firmware.location).pathname.split('/').pop() ?? '';
  } catch {
    base = '';
  }
  const clean = base
    .replace(/[^A-Za-z0-9._-]/g, '')
    .replace(/^\.+/, '')
    .slice(0, 64);
  return clean !== '' ? clean : `firmware-${r.requestId}.bin`;
}
