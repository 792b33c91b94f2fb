/**
 * The OCPP 2.0.1 station engine of one legacy charger: joins the charger's canonical events and
 * commands to one OCPP-J connection. Each functional block lives in its own folder (OCPP 2.0.1's
 * functional blocks) and is handed the same context, through which it reaches the engine (the
 * event chain, security events, reboots) and the other blocks when it uses them; this file builds
 * the context and the blocks. The CSMS's CALLs are routed to them in
 * `csms-handlers.ts`, the charger's events in `charger-events.ts`; the OCPP connection's hooks are
 * wired in `engine-connection.ts`.
 */
import type { ChargerEvent } from '../model/events.js';
import type { RequestOf, StationAction } from '../ocpp/actions.js';
import type { ConnectionState, OcppConnection } from '../ocpp/client.js';
import { RpcEndpoint, type CallOptions } from '../ocpp/rpc.js';
import { AlignedData } from './meter-values/aligned-data.js';
import { Authorization } from './authorization/authorization.js';
import { Certificates } from './certificates/certificates.js';
import { InvalidId } from './authorization/invalid-id.js';
import { Availability } from './availability/availability.js';
import { ChargerCommands } from './charger-commands.js';
import { ChargerEvents } from './charger-events.js';
import { settleBeforeClose, within } from './closing.js';
import { Faults } from './availability/faults.js';
import { systemClock } from '../core/clock.js';
import type { Log } from '../core/log.js';
import type { StationBlocks, StationContext } from './context.js';
import { registerHandlers } from './csms-handlers.js';
import { Logs } from './diagnostics/get-log.js';
import { DeviceModel, type VariableChange } from './device-model/device-model.js';
import { stationConnection } from './engine-connection.js';
import { Firmware } from './firmware/firmware.js';
import { NetworkProfiles } from './provisioning/network-profiles.js';
import { Provisioning, type BootReason, type BootState } from './provisioning/provisioning.js';
import { RemoteControl } from './remote-control/remote-control.js';
import { Reservations } from './reservations/reservations.js';
import { Reset } from './provisioning/reset.js';
import { SecurityEvents, type SecurityEventType } from './security/security-events.js';
import { SmartCharging } from './smart-charging/smart-charging.js';
import { callTimeoutMs, type StationEngineOptions } from './engine-options.js';
import { Transactions } from './transactions/transactions.js';
import { TxQueue } from './transactions/tx-queue.js';

/** How long `stop` waits for charger events still being handled (they may wait for the store). */
const STOP_CHAIN_WAIT_MS = 3_000;
/** How long a stopping station waits for its firmware statuses to be answered (a charger rebooting into new firmware). */
const FIRMWARE_FLUSH_MS = 5_000;

export type { StationEngineOptions } from './engine-options.js';

export class StationEngine {
  readonly id: string;
  private readonly ctx: StationContext;
  /** The blocks, as the context hands them to each other. */
  private readonly blocks: StationBlocks;
  private readonly connection: OcppConnection;
  /** Charger events are handled one after the other: their order is the transactions' order. */
  private chain: Promise<void> = Promise.resolve();
  /** Works queued on `chain` and not done yet. */
  private pending = 0;
  private connected = false;
  private commandSeq = 0;
  private reconnectAfterAnswer = false;

  private constructor(
    private readonly options: StationEngineOptions,
    dm: DeviceModel,
    rpc: RpcEndpoint,
  ) {
    this.id = options.id;
    const clock = options.clock ?? systemClock;
    const log: Log = options.log ?? (() => undefined);
    // Filled below, block by block, before any of them runs: a block reads another only when used.
    const blocks = {} as { -readonly [K in keyof StationBlocks]: StationBlocks[K] };
    this.blocks = blocks;
    const ctx: StationContext = (this.ctx = {
      id: options.id,
      identity: options.identity,
      capabilities: options.capabilities,
      store: options.store,
      dm,
      rpc,
      clock,
      log,
      charger: options.charger,
      blocks,
      call: <A extends StationAction>(action: A, payload: RequestOf<A>, callOptions?: CallOptions) => {
        blocks.provisioning.activity();
        return rpc.call(action, payload, callOptions);
      },
      isAccepted: () => blocks.provisioning.state === 'accepted',
      isOnline: () => this.connected && blocks.provisioning.state === 'accepted',
      commandId: (prefix) => `${prefix}-${++this.commandSeq}`,
      serialize: (what, work) => this.serialize(what, work),
      securityEvent: (type, techInfo) => this.securityEvent(type, techInfo),
      reboot: (reason) => this.reboot(reason),
      reconnect: (reason) => void this.reconnectAfterCall(reason),
      callTimeoutMs: () => callTimeoutMs(options, dm),
    });
    blocks.provisioning = new Provisioning(ctx);
    const commands = (blocks.commands = new ChargerCommands(ctx));
    blocks.availability = new Availability(ctx, commands);
    blocks.queue = new TxQueue(ctx);
    blocks.transactions = new Transactions(ctx, blocks.queue);
    blocks.reset = new Reset(ctx, commands);
    blocks.reservations = new Reservations(ctx, commands);
    blocks.authorization = new Authorization(ctx);
    blocks.invalidId = new InvalidId(ctx, commands);
    blocks.remote = new RemoteControl(ctx, commands);
    blocks.security = new SecurityEvents(ctx);
    blocks.logs = new Logs(ctx, {
      ...(options.uploader !== undefined ? { uploader: options.uploader } : {}),
      ...(options.diagnostics !== undefined ? { diagnostics: options.diagnostics } : {}),
    });
    blocks.certificates = new Certificates(ctx, options.security);
    blocks.aligned = new AlignedData(ctx, options.alignedSpreadMs);
    blocks.smartCharging = new SmartCharging(ctx, commands);
    blocks.network = new NetworkProfiles(ctx, { registry: { url: options.csmsUrl, security: options.security }, tls: options.csmsTls });
    blocks.firmware = new Firmware(ctx, commands, options);
    blocks.faults = new Faults(ctx);
    blocks.chargerEvents = new ChargerEvents(ctx, commands, options.onRecordHeld);
    registerHandlers(ctx, {
      dataTransferVendors: options.dataTransferVendors ?? [],
      afterSetVariables: () => this.afterSetVariables(),
    });
    this.connection = stationConnection(ctx, options, (open) => {
      this.connected = open;
    });
    blocks.network.attach(this.connection);
  }

  /** Builds the engine: loads the device model and the persisted availability. */
  static async create(options: StationEngineOptions): Promise<StationEngine> {
    const clock = options.clock ?? systemClock;
    const password = options.security.profile === 3 ? undefined : options.security.password;
    // The device model calls back into the engine, which needs the model to be built first.
    const ref: { engine?: StationEngine } = {};
    const dm = await DeviceModel.load({
      vet: (change) => ref.engine?.blocks.network.vet(change),
      store: options.store,
      capabilities: options.capabilities,
      config: { ...options.deviceModel, identity: options.id, securityProfile: options.security.profile, ...(password !== undefined ? { basicAuthPassword: password } : {}) },
      now: () => new Date(clock.now()),
      onChange: (change) => ref.engine?.variableChanged(change),
    });
    for (const w of dm.warnings) options.log?.('warn', 'device model', { warning: w });
    const log = options.log ?? (() => undefined);
    const rpc = new RpcEndpoint({
      callTimeoutMs: callTimeoutMs(options, dm),
      ...(options.badMessageLimit !== undefined ? { badMessageLimit: options.badMessageLimit } : {}),
      clock,
      log: (level, msg, data) => log(level, msg, data),
      onBadMessageLimit: (info) => log('warn', 'CSMS sent too many invalid messages: connection closed', { count: info.count, last: info.lastError.code }),
      ...(options.onCallLatency !== undefined ? { onCallLatency: options.onCallLatency } : {}),
      ...(options.onCallError !== undefined ? { onCallError: options.onCallError } : {}),
      ...(options.ocppTrace !== undefined ? { trace: options.ocppTrace } : {}),
    });
    const engine = new StationEngine(options, dm, rpc);
    ref.engine = engine;
    await engine.blocks.network.load();
    await engine.blocks.reservations.load();
    await engine.blocks.availability.load();
    await engine.blocks.smartCharging.load();
    await engine.blocks.transactions.load();
    await engine.blocks.authorization.localList.load();
    const bootReason = await engine.blocks.firmware.load();
    if (bootReason !== undefined) engine.blocks.provisioning.firstBootReason(bootReason);
    await engine.blocks.authorization.cache.load();
    await engine.blocks.certificates.load();
    return engine;
  }

  get bootState(): BootState {
    return this.blocks.provisioning.state;
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /** Opens the OCPP connection; the boot follows. */
  start(): void {
    this.blocks.aligned.start();
    // B10.FR.04: a boot connects with the first usable slot of NetworkConfigurationPriority.
    if (this.blocks.network.first()) this.connection.start();
  }

  /**
   * Closes the connection for good and stops every timer. Every call resolves only once the
   * connection is closed (the gateway releases an ownership lease only after that).
   */
  stop(): Promise<void> {
    this.stopping ??= this.stopOnce();
    return this.stopping;
  }

  private stopping: Promise<void> | undefined;

  private async stopOnce(): Promise<void> {
    this.blocks.aligned.dispose();
    // Charger events wait for the store (a Redis outage): stopping waits for them only so long.
    const handled = await within(this.chain, STOP_CHAIN_WAIT_MS);
    if (!handled) this.ctx.log('warn', 'station stopped with charger events still waiting for the store: abandoned', { pending: this.pending, waitedMs: STOP_CHAIN_WAIT_MS });
    await Promise.all([this.blocks.security.flush(2_000), this.blocks.firmware.flush(FIRMWARE_FLUSH_MS)]);
    this.blocks.provisioning.dispose();
    this.blocks.queue.dispose();
    this.blocks.security.dispose();
    this.blocks.logs.dispose();
    this.blocks.smartCharging.dispose();
    this.blocks.availability.dispose();
    this.blocks.firmware.dispose();
    this.blocks.reservations.dispose();
    this.blocks.commands.dispose();
    this.blocks.certificates.dispose();
    await this.settleCalls('station stopped');
    await this.connection.stop(1000, 'station stopped');
    this.ctx.rpc.dispose('station stopped');
  }

  /**
   * A canonical event from the charger's codec session, handled in arrival order; an authorization
   * request is answered at once instead (it needs no store write, see `ChargerEvents.handleAtOnce`).
   */
  chargerEvent(e: ChargerEvent): void {
    if (this.blocks.chargerEvents.handleAtOnce(e)) return;
    void this.serialize(e, () => this.blocks.chargerEvents.handle(e));
  }

  /** Resolves once every charger event so far is handled (and its TransactionEvents queued). */
  async eventsHandled(): Promise<void> {
    await this.chain;
  }

  /** Resolves once every charger event so far is handled and queued, and the queue is empty. */
  async settled(): Promise<void> {
    await this.chain;
    await this.blocks.queue.drained();
    await this.blocks.authorization.cache.flushed();
  }

  /** Number of TransactionEvents waiting in the durable queue. */
  queuedTransactionEvents(): Promise<number> {
    return this.blocks.queue.size();
  }

  /**
   * A security-relevant happening (A04), e.g. `InvalidMessages` when the charger spent its
   * bad-frame budget. Stored in the station's own security queue in the order of the charger's
   * events and sent as SecurityEventNotification once the CSMS accepted the boot (now, or after an
   * outage or restart). Resolves once stored; never rejects (a store failure is logged).
   */
  securityEvent(type: SecurityEventType, techInfo?: string): Promise<void> {
    const at = this.ctx.clock.now();
    return this.serialize('security event', () => this.blocks.security.record(type, techInfo, at));
  }

  /** Security events waiting to be sent. */
  queuedSecurityEvents(): Promise<number> {
    return this.blocks.security.size();
  }

  /**
   * Runs `work` after every charger event so far; resolves when it ran, failures logged (`what`
   * names the work, or is the charger event it handles). Two promises per work: it runs for every
   * charger event.
   */
  private serialize(what: string | ChargerEvent, work: () => Promise<void>): Promise<void> {
    // Clock-aligned samples still waiting for their share of the spread keep their place.
    this.blocks.aligned.flush();
    this.pending += 1;
    const logged = this.chain.then(work, work).then(
      () => {
        this.pending -= 1;
      },
      (err: unknown) => {
        try {
          this.ctx.log('error', typeof what === 'string' ? what : `charger event ${what.type}`, { error: err instanceof Error ? err.message : String(err) });
        } finally {
          this.pending -= 1;
        }
      },
    );
    this.chain = logged;
    return logged;
  }

  private variableChanged(change: VariableChange): void {
    const name = `${change.component.name}.${change.variable.name}`;
    if (name === 'OCPPCommCtrlr.HeartbeatInterval') this.blocks.provisioning.heartbeatIntervalChanged();
    else if (name === 'AlignedDataCtrlr.Interval' || name === 'AlignedDataCtrlr.TxEndedInterval') this.blocks.aligned.start();
    else if (name === 'OCPPCommCtrlr.WebSocketPingInterval') this.connection.restartKeepAlive();
    else if (name === 'SecurityCtrlr.BasicAuthPassword' && this.blocks.network.passwordChanged()) this.reconnectAfterAnswer = true;
  }

  /** A new BasicAuthPassword applies on a new connection, opened once the answer is out (A09). */
  private afterSetVariables(): void {
    if (!this.reconnectAfterAnswer) return;
    this.reconnectAfterAnswer = false;
    this.ctx.log('info', 'BasicAuthPassword changed: reconnecting');
    void this.reconnectAfterCall('credentials changed');
  }

  /** A new connection, the old one closed once its CALL in flight is answered; queued CALLs wait for it. */
  private async reconnectAfterCall(reason: string): Promise<void> {
    await this.ctx.rpc.drain(callTimeoutMs(this.options, this.ctx.dm));
    this.connection.reconnectNow(1000, reason);
  }

  /** The virtual station reboots: a new connection and BootNotification, the old one closed once its CALL in flight is answered. */
  private async reboot(reason: BootReason): Promise<void> {
    this.blocks.provisioning.reboot(reason);
    await this.settleCalls('the station reboots');
    this.blocks.network.first();
    this.connection.reconnectNow(1000, 'reset');
  }

  /** Before our side closes the OCPP connection: the CALL in flight answered (bounded, see `closing.ts`). */
  private settleCalls(why: string): Promise<void> {
    return settleBeforeClose({ rpc: this.ctx.rpc, queue: this.blocks.queue, offline: () => this.blocks.security.setOnline(false), log: this.ctx.log }, callTimeoutMs(this.options, this.ctx.dm), why);
  }
}
