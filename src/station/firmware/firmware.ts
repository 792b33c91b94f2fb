/**
 * Firmware management (L01 secure, L02 unsigned): UpdateFirmware, FirmwareStatusNotification and
 * its TriggerMessage. The gateway downloads and checks the image itself (`UpdateJob`); the
 * charger installs it through its own protocol's update command, fetching it from the gateway
 * (`FirmwareServer`). A charger whose protocol has no firmware update (an IEC 104 point table) gets
 * UpdateFirmware Rejected `NotSupported`: nothing the gateway could do would change its firmware.
 *
 * Once the charger took the update, it reboots into the new firmware and logs in again: that is a
 * new engine (a new charger connection), so what is awaited is kept in the StateStore, and the
 * station boots with reason FirmwareUpdate. Its identification decides: another firmware version
 * than before (or one it does not tell) is Installed (+ security event FirmwareUpdated); the same
 * version keeps the wait, and a charger not back with a new version within `installWaitMs` is
 * InstallationFailed. An update still running when the engine stops (the charger's connection
 * dropped, the gateway restarted) resumes from its request when the station runs again.
 */
import { X509Certificate } from 'node:crypto';
import type { HandlerResult } from '../../ocpp/rpc-types.js';
import type { JsonValue } from '../../store/state-store.js';
import { info, type ChargerCommands } from '../charger-commands.js';
import { background, type StationContext } from '../context.js';
import type { BootReason } from '../provisioning/provisioning.js';
import { DEFAULT_LIMITS, UpdateJob, type FirmwareLimits, type FirmwareStatus, type JobHost, type UpdateRequest } from './job.js';
import type { Downloader, FirmwareServer, PublishedImage } from './ports.js';
import { checkSigningCertificate } from './signature.js';
import { Condition } from './timing.js';

/** What the runtime lends the firmware block (engine options). */
export interface FirmwarePorts {
  readonly downloader?: Downloader;
  readonly firmwareServer?: FirmwareServer;
  /** Installed ManufacturerRootCertificates (PEM): a signing certificate must be issued by one, when any. */
  readonly manufacturerRoots?: () => Promise<readonly string[]>;
  readonly firmwareLimits?: FirmwareLimits;
}

/** StateStore keys: the last status sent (TriggerMessage), and the update in progress. */
const LAST_KEY = 'firmware:last';
const JOB_KEY = 'firmware:job';

type Stored =
  { readonly phase: 'running'; readonly request: UpdateRequest } | { readonly phase: 'charger'; readonly requestId: number; readonly previousVersion: string | null; readonly deadline: number };

interface Awaiting {
  readonly requestId: number;
  readonly previousVersion: string | null;
  timer: unknown;
  published: PublishedImage | undefined;
  /** Until then the charger may still be fetching the published image. */
  readonly releaseAt: number;
}

export class Firmware {
  private job: UpdateJob | undefined;
  private awaiting: Awaiting | undefined;
  private last: { requestId: number; status: FirmwareStatus } | undefined;
  /** Statuses being stored or sent and not answered yet (see `flush`). */
  /** Statuses not settled yet; created on the first (most stations never update their firmware). */
  private sending: Set<Promise<void>> | undefined;
  /** Statuses produced before the CSMS accepted the boot, sent once it does. */
  private pending: { requestId: number; status: FirmwareStatus }[] = [];
  private readonly sessions = new Condition();
  private readonly limits: Required<FirmwareLimits>;
  private disposed = false;

  constructor(
    private readonly ctx: StationContext,
    private readonly commands: ChargerCommands,
    private readonly ports: FirmwarePorts,
  ) {
    // The defaults are shared, not copied, by the stations that keep them.
    this.limits = ports.firmwareLimits === undefined ? DEFAULT_LIMITS : { ...DEFAULT_LIMITS, ...ports.firmwareLimits };
  }

  /** Loads what survives a restart; `FirmwareUpdate` when the charger comes back from an installation. */
  async load(): Promise<BootReason | undefined> {
    const last = (await this.ctx.store.get(this.ctx.id, LAST_KEY)) as { requestId: number; status: FirmwareStatus } | undefined;
    if (last !== undefined) this.last = last;
    const stored = (await this.ctx.store.get(this.ctx.id, JOB_KEY)) as Stored | undefined;
    if (stored?.phase === 'running') {
      const noPath = this.noPath();
      if (noPath !== undefined) {
        // The gateway's configuration changed since the request was accepted.
        this.ctx.log('warn', 'stored firmware update dropped: the station can no longer carry it out', { requestId: stored.request.requestId, reason: noPath });
        await this.ctx.store.delete(this.ctx.id, JOB_KEY);
        await this.notify(stored.request.requestId, 'InstallationFailed');
        return undefined;
      }
      this.ctx.log('info', 'firmware update resumed after a restart', { requestId: stored.request.requestId });
      const cert = stored.request.firmware.signingCertificate;
      let certificate: X509Certificate | undefined;
      try {
        certificate = cert !== undefined ? new X509Certificate(cert) : undefined;
      } catch {
        // Checked when the request was accepted: only a damaged store gets here.
        this.ctx.log('warn', 'stored firmware update dropped: its signing certificate does not parse', { requestId: stored.request.requestId });
        await this.ctx.store.delete(this.ctx.id, JOB_KEY);
        return undefined;
      }
      this.job = new UpdateJob(stored.request, certificate, this.host());
      this.start(this.job);
      return undefined;
    }
    if (stored?.phase !== 'charger') return undefined;
    this.awaitCharger(stored.requestId, stored.previousVersion, stored.deadline, undefined);
    const now = this.ctx.identity.firmwareVersion;
    return now === undefined || now !== stored.previousVersion ? 'FirmwareUpdate' : undefined;
  }

  async updateFirmware(req: UpdateRequest): Promise<HandlerResult<'UpdateFirmware'>> {
    const noPath = this.noPath();
    if (noPath !== undefined) return { status: 'Rejected', statusInfo: info('NotSupported', noPath) };
    const fw = req.firmware;
    let certificate: X509Certificate | undefined;
    if (fw.signingCertificate !== undefined) {
      // The roots a firmware signing certificate must chain to: those injected, else those the CSMS installed.
      const roots = await (this.ports.manufacturerRoots?.() ?? this.ctx.blocks.certificates.manufacturerRoots());
      const check = checkSigningCertificate(fw.signingCertificate, this.ctx.clock.now(), roots);
      if (!check.ok) return this.invalidCertificate(req.requestId, check.reason);
      certificate = check.certificate;
    } else if (fw.signature !== undefined) {
      return this.invalidCertificate(req.requestId, 'a signature came without the signing certificate to check it with');
    }
    // L01.FR.24/27: a newer request cancels the one in progress, unless the charger has it already.
    if (this.awaiting !== undefined || this.job?.cancellable === false) {
      const running = this.awaiting?.requestId ?? this.job?.requestId;
      return { status: 'Rejected', statusInfo: info('UnableToCancel', `the charger is installing the firmware of request ${running}: that cannot be taken back`) };
    }
    const cancelled = this.job;
    if (cancelled !== undefined) {
      this.ctx.log('info', 'firmware update cancelled by a newer request', { requestId: cancelled.requestId, newRequestId: req.requestId });
      cancelled.cancel();
      this.job = undefined;
    }
    const job = new UpdateJob(req, certificate, this.host());
    this.job = job;
    await this.ctx.store.set(this.ctx.id, JOB_KEY, { phase: 'running', request: req } as unknown as JsonValue);
    return { response: { status: cancelled !== undefined ? 'AcceptedCanceled' : 'Accepted' }, after: () => this.start(job) };
  }

  /** TriggerMessage FirmwareStatusNotification (L01.FR.25/26): the last status, Idle after Installed or when none. */
  triggered(): void {
    const last = this.last;
    const payload = last === undefined || last.status === 'Installed' ? { status: 'Idle' as const } : { status: last.status, requestId: last.requestId };
    background(this.ctx, 'FirmwareStatusNotification', this.ctx.call('FirmwareStatusNotification', payload));
  }

  /** The CSMS accepted the boot: statuses held back go out now, in order. */
  accepted(): void {
    for (const p of this.pending.splice(0)) this.send(p.requestId, p.status);
  }

  /** A charger session ended: an installation waiting for idle may go on. */
  sessionEnded(): void {
    this.sessions.poke();
  }

  /** The charger identified itself (after an installation: with its new firmware version). */
  identified(version: string | undefined): void {
    const a = this.awaiting;
    if (a === undefined) return;
    if (version !== undefined && version === a.previousVersion) {
      this.ctx.log('info', 'charger identified with the firmware version it had: the installation is still awaited', { requestId: a.requestId, version });
      return;
    }
    this.ctx.log('info', 'charger came back after the firmware update', { requestId: a.requestId, previousVersion: a.previousVersion, version });
    background(this.ctx, 'firmware installed', this.endAwaiting('Installed'));
  }

  /** The station stops: waits end, a running download is aborted, a published image taken down. */
  dispose(): void {
    this.disposed = true;
    // Not `cancel`led for the store: a running update resumes when the station runs again.
    const kept = this.job?.stop();
    this.job = undefined;
    if (kept !== undefined) this.releaseLater(kept.published, kept.until);
    const a = this.awaiting;
    this.awaiting = undefined;
    if (a === undefined) return;
    this.ctx.clock.clearTimeout(a.timer);
    if (a.published !== undefined) this.releaseLater(a.published, a.releaseAt);
  }

  /**
   * The charger may drop its connection while it fetches the image: the image stays for the rest
   * of the time it was given to fetch it. The timer must not keep the process alive.
   */
  private releaseLater(published: PublishedImage, at: number): void {
    const handle = this.ctx.clock.setTimeout(() => published.release(), Math.max(0, at - this.ctx.clock.now()));
    (handle as { unref?: () => void } | undefined)?.unref?.();
  }

  private start(job: UpdateJob): void {
    if (this.disposed || this.job !== job) return;
    void job
      .run()
      .then(async (end) => {
        if (this.job !== job || this.disposed) {
          // Stopped just as the charger took the update: its image still gets the charger's download time.
          if (end.kind === 'charger') this.releaseLater(end.published, end.fetchUntil);
          return;
        }
        this.job = undefined;
        if (end.kind === 'charger') {
          await this.notify(job.requestId, 'Installing');
          const stored = (await this.ctx.store.get(this.ctx.id, JOB_KEY)) as Stored | undefined;
          const deadline = stored?.phase === 'charger' ? stored.deadline : this.ctx.clock.now() + this.limits.installWaitMs;
          this.awaitCharger(job.requestId, this.ctx.identity.firmwareVersion ?? null, deadline, end);
        } else {
          await this.ctx.store.delete(this.ctx.id, JOB_KEY);
        }
      })
      .catch((err: unknown) => this.ctx.log('warn', 'firmware update', { error: err instanceof Error ? err.message : String(err) }));
  }

  private awaitCharger(requestId: number, previousVersion: string | null, deadline: number, image: { readonly published: PublishedImage; readonly fetchUntil: number } | undefined): void {
    const timer = this.ctx.clock.setTimeout(
      () => {
        if (this.awaiting?.requestId !== requestId) return;
        this.ctx.log('warn', 'charger not back with new firmware in time: installation failed', { requestId, waitedMs: this.limits.installWaitMs, previousVersion });
        background(this.ctx, 'firmware installation failed', this.endAwaiting('InstallationFailed'));
      },
      Math.max(0, deadline - this.ctx.clock.now()),
    );
    this.awaiting = { requestId, previousVersion, timer, published: image?.published, releaseAt: image?.fetchUntil ?? this.ctx.clock.now() };
  }

  private async endAwaiting(status: 'Installed' | 'InstallationFailed'): Promise<void> {
    const a = this.awaiting;
    if (a === undefined) return;
    this.awaiting = undefined;
    this.ctx.clock.clearTimeout(a.timer);
    a.published?.release();
    // After a restart or a new charger connection the image was published by an engine gone since.
    this.ports.firmwareServer?.withdraw(this.ctx.id);
    this.ctx.blocks.availability.firmwareHold(false);
    await this.ctx.store.delete(this.ctx.id, JOB_KEY);
    await this.notify(a.requestId, status);
    // L01.FR.31: an installed firmware is a security event.
    if (status === 'Installed')
      await this.ctx.securityEvent('FirmwareUpdated', `firmware request ${a.requestId} installed${this.ctx.identity.firmwareVersion !== undefined ? `: ${this.ctx.identity.firmwareVersion}` : ''}`);
  }

  private host(): JobHost {
    return {
      ctx: this.ctx,
      downloader: this.ports.downloader as Downloader,
      server: this.ports.firmwareServer as FirmwareServer,
      limits: this.limits,
      commands: this.commands,
      sessions: this.sessions,
      notify: (requestId, status) => this.notify(requestId, status),
      securityEvent: (type, techInfo) => this.ctx.securityEvent(type, techInfo),
      sessionRunning: () => this.ctx.blocks.chargerEvents.sessionRunning(0),
      hold: (on) => this.ctx.blocks.availability.firmwareHold(on),
      committing: (requestId) =>
        // Before the command goes out: a charger that takes it and reboots at once finds it stored.
        this.ctx.store.set(this.ctx.id, JOB_KEY, {
          phase: 'charger',
          requestId,
          previousVersion: this.ctx.identity.firmwareVersion ?? null,
          deadline: this.ctx.clock.now() + this.limits.installWaitMs,
        }),
    };
  }

  /** L01.FR.01/10: every new state is sent with the request's id; remembered for TriggerMessage. */
  private notify(requestId: number, status: FirmwareStatus): Promise<void> {
    const p = this.record(requestId, status);
    this.track(p);
    return p;
  }

  /** Remembers `p` until it settles, for `flush`. */
  private track(p: Promise<unknown>): void {
    const settled: Promise<void> = p.then(
      () => void this.sending?.delete(settled),
      () => void this.sending?.delete(settled),
    );
    (this.sending ??= new Set()).add(settled);
  }

  private async record(requestId: number, status: FirmwareStatus): Promise<void> {
    this.last = { requestId, status };
    await this.ctx.store.set(this.ctx.id, LAST_KEY, { requestId, status });
    if (this.ctx.isAccepted()) this.send(requestId, status);
    else this.pending.push({ requestId, status });
  }

  private send(requestId: number, status: FirmwareStatus): void {
    const call = this.ctx.call('FirmwareStatusNotification', { status, requestId });
    background(this.ctx, 'FirmwareStatusNotification', call);
    this.track(call);
  }

  /**
   * The station is about to close its connection: statuses still queued or unanswered go out first
   * (bounded). A charger that reboots into its new firmware drops its connection at once, while
   * the statuses that led there (Downloaded, SignatureVerified, Installing) may still wait behind
   * one another for a slow CSMS; they are not kept for the next connection.
   */
  async flush(maxMs: number): Promise<void> {
    const { sending } = this;
    if (sending === undefined || sending.size === 0) return;
    let timer: unknown;
    const late = new Promise<void>((resolve) => (timer = this.ctx.clock.setTimeout(resolve, maxMs)));
    const all = (async (): Promise<void> => {
      while (sending.size > 0) await Promise.all([...sending]);
    })();
    await Promise.race([all, late]);
    this.ctx.clock.clearTimeout(timer);
  }

  /** L01.FR.02/22: the signing certificate is refused before anything is downloaded. */
  private invalidCertificate(requestId: number, reason: string): HandlerResult<'UpdateFirmware'> {
    this.ctx.log('warn', 'firmware update refused: invalid signing certificate', { requestId, reason });
    background(this.ctx, 'security event', this.ctx.securityEvent('InvalidFirmwareSigningCertificate', `firmware request ${requestId}: ${reason}`));
    return { status: 'InvalidCertificate', statusInfo: info('InvalidCertificate', reason) };
  }

  /** Why this station cannot update its charger's firmware at all, or undefined when it can. */
  private noPath(): string | undefined {
    if (!this.ctx.capabilities.commands.has('updateFirmware')) return "this charger's protocol has no firmware update: its firmware cannot be changed through the gateway";
    if (this.ports.downloader === undefined) return 'the gateway has no downloader for firmware images';
    if (this.ports.firmwareServer === undefined) return 'the gateway serves no firmware to chargers (no firmware server configured)';
    return undefined;
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly firmware: Firmware;
  }
}
