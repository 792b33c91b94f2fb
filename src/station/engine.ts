/**
 * The OCPP 2.0.1 station engine of one legacy charger: joins the charger's canonical events and
 * commands to one OCPP-J connection. Each functional block lives in its own file and is handed
 * the same context; this file builds and wires them. The CSMS's CALLs are routed to them in
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
import { systemEngineClock, type EngineLog, type StationContext } from './context.js';
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

/** Readings a triggered MeterValues carries: those measured at most this long before a connector's newest. */
const TRIGGERED_WINDOW_MS = 600_000;

/** How long `stop` waits for charger events still being handled (they may wait for the store). */
export const STOP_CHAIN_WAIT_MS = 3_000;
/** How long a stopping station waits for its firmware statuses to be answered (a charger rebooting into new firmware). */
const FIRMWARE_FLUSH_MS = 5_000;

export type { StationEngineOptions } from './engine-options.js';

export class StationEngine {
  readonly id: string;
  private readonly ctx: StationContext;
  private readonly connection: OcppConnection;
  private readonly provisioning: Provisioning;
  private readonly availability: Availability;
  private readonly reset: Reset;
  private readonly queue: TxQueue;
  private readonly transactions: Transactions;
  private readonly remote: RemoteControl;
  private readonly chargerEvents: ChargerEvents;
  private readonly authorization: Authorization;
  private readonly reservations: Reservations;
  private readonly smartCharging: SmartCharging;
  private readonly aligned: AlignedData;
  private readonly security: SecurityEvents;
  private readonly firmware: Firmware;
  private readonly network: NetworkProfiles;
  private readonly logs: Logs;
  private readonly certificates: Certificates;
  /** Commands a CSMS request waits for: the one bounded wait for the charger's answers. */
  private readonly commands: ChargerCommands;
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
    const clock = options.clock ?? systemEngineClock;
    const log: EngineLog = options.log ?? (() => undefined);
    // Late-bound: the context is needed by the blocks, the blocks by the context's `isAccepted`.
    let provisioning: Provisioning | undefined;
    this.ctx = {
      id: options.id,
      identity: options.identity,
      capabilities: options.capabilities,
      store: options.store,
      dm,
      rpc,
      clock,
      log,
      charger: options.charger,
      call: <A extends StationAction>(action: A, payload: RequestOf<A>, callOptions?: CallOptions) => {
        provisioning?.activity();
        return rpc.call(action, payload, callOptions);
      },
      isAccepted: () => provisioning?.state === 'accepted',
      isOnline: () => this.connected && provisioning?.state === 'accepted',
      commandId: (prefix) => `${prefix}-${++this.commandSeq}`,
    };
    this.provisioning = provisioning = new Provisioning(this.ctx);
    this.commands = new ChargerCommands(this.ctx);
    this.availability = new Availability(this.ctx, { sessionRunning: (evse) => this.chargerEvents.sessionRunning(evse), reservations: () => this.reservations }, this.commands);
    this.queue = new TxQueue(this.ctx, (req, res) => {
      this.authorization.transactionEventAnswered(req, res);
      invalidId.answered(req, res);
    });
    this.transactions = new Transactions(this.ctx, this.queue, () => this.connected && this.provisioning.state === 'accepted');
    const hooks = { sessionRunning: () => this.chargerEvents.sessionRunning(0), serialize: (what: string, work: () => Promise<void>) => this.serialize(what, work), reboot: (reason: BootReason) => this.reboot(reason) };
    this.reset = new Reset(this.ctx, { ...hooks, transactions: this.transactions, delivered: () => this.queue.drained(), callTimeoutMs: () => callTimeoutMs(options, dm) }, this.commands);
    this.reservations = new Reservations(this.ctx, this.commands, this.availability, {
      inUse: (evse) => this.chargerEvents.sessionRunning(evse) || this.transactions.transactionOf(evse) !== undefined,
      listedGroup: (token) => this.authorization.localList.lookup(token)?.groupIdToken,
    });
    this.transactions.useReservations((connector, idToken) => this.reservations.use(connector, idToken));
    this.authorization = new Authorization(this.ctx, this.reservations, (c) => this.availability.heldOff(c));
    const invalidId = new InvalidId(this.ctx, { transactions: this.transactions, commands: this.commands, serialize: (what, work) => this.serialize(what, work) });
    this.remote = new RemoteControl(
      this.ctx,
      this.transactions,
      this.queue,
      (c) => this.availability.startBlocked(c),
      this.authorization,
      this.commands,
      this.reservations,
    );
    this.security = new SecurityEvents(this.ctx);
    this.logs = new Logs(this.ctx, {
      ...(options.uploader !== undefined ? { uploader: options.uploader } : {}),
      ...(options.diagnostics !== undefined ? { diagnostics: options.diagnostics } : {}),
    });
    this.certificates = new Certificates(this.ctx, options.security, {
      reconnect: (reason) => void this.reconnectAfterCall(reason),
      securityEvent: (type, techInfo) => void this.securityEvent(type, techInfo),
    });
    this.aligned = new AlignedData(this.ctx, this.transactions, {
      latest: () => this.transactions.latestValues,
      serialize: (work) => this.serialize('clock-aligned meter values', work),
      online: () => this.connected && this.provisioning.state === 'accepted',
      ...(options.alignedSpreadMs !== undefined ? { spreadMs: options.alignedSpreadMs } : {}),
    });
    this.smartCharging = new SmartCharging(this.ctx, this.commands);
    this.network = new NetworkProfiles(this.ctx, { registry: { url: options.csmsUrl, security: options.security }, tls: options.csmsTls, securityEvent: (type, info) => void this.securityEvent(type, info) });
    this.transactions.listen({
      started: (connector, transactionId, startedAt, remote) => this.smartCharging.transactionStarted(connector, transactionId, startedAt, remote?.chargingProfile),
      ended: (connector) => {
        this.reset.idle();
        this.smartCharging.transactionEnded(connector).catch((err: unknown) => this.ctx.log('warn', 'smart charging', { error: err instanceof Error ? err.message : String(err) }));
      },
    });
    this.firmware = new Firmware(
      this.ctx,
      this.commands,
      {
        sessionRunning: () => this.chargerEvents.sessionRunning(0),
        hold: (on) => this.availability.firmwareHold(on),
        securityEvent: (type, techInfo) => this.securityEvent(type, techInfo),
      },
      // The roots a firmware signing certificate must chain to: those the CSMS installed, unless injected.
      { ...options, manufacturerRoots: options.manufacturerRoots ?? (() => this.certificates.manufacturerRoots()) },
    );
    const { availability, transactions, authorization, remote, smartCharging, firmware, reset } = this;
    this.chargerEvents = new ChargerEvents(this.ctx, {
      availability,
      reset,
      transactions,
      faults: new Faults(this.ctx),
      authorization,
      firmware,
      commands: this.commands,
      // Already on the chain of charger events: stored in their order, not queued behind them again.
      securityEvent: (type, techInfo) => this.security.record(type, techInfo),
      ...(options.onRecordHeld !== undefined ? { recordHeld: options.onRecordHeld } : {}),
    });
    this.provisioning.onAccepted(() => {
      this.reservations.accepted();
      this.availability.reportAll(true);
      this.queue.setOnline(true);
      this.security.setOnline(true);
      this.firmware.accepted();
    });
    registerHandlers(this.ctx, {
      provisioning: this.provisioning, availability, reset, transactions, remote, smartCharging, authorization, firmware, network: this.network, logs: this.logs, reservations: this.reservations, certificates: this.certificates,
      // Read on each TriggerMessage(MeterValues): the latest reading of every measurand. A function,
      // not a getter: an accessor in an object literal turns the object into a dictionary (~1 KiB
      // per station).
      lastMeasurements: () => transactions.latestValues.recent(TRIGGERED_WINDOW_MS),
      dataTransferVendors: options.dataTransferVendors ?? [],
      serialize: (what, work) => this.serialize(what, work),
      afterSetVariables: () => this.afterSetVariables(),
    });
    this.connection = stationConnection({
      ctx: this.ctx, options, network: this.network, certificates: this.certificates, provisioning: this.provisioning, availability, queue: this.queue, security: this.security,
      securityEvent: (type, techInfo) => this.securityEvent(type, techInfo),
      connected: (open) => {
        this.connected = open;
      },
    });
    this.network.attach(this.connection);
  }

  /** Builds the engine: loads the device model and the persisted availability. */
  static async create(options: StationEngineOptions): Promise<StationEngine> {
    const clock = options.clock ?? systemEngineClock;
    const password = options.security.profile === 3 ? undefined : options.security.password;
    // The device model calls back into the engine, which needs the model to be built first.
    const ref: { engine?: StationEngine } = {};
    const dm = await DeviceModel.load({
      vet: (change) => ref.engine?.network.vet(change),
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
    });
    const engine = new StationEngine(options, dm, rpc);
    ref.engine = engine;
    await engine.network.load();
    await engine.reservations.load();
    await engine.availability.load();
    await engine.smartCharging.load();
    await engine.transactions.load();
    await engine.authorization.localList.load();
    const bootReason = await engine.firmware.load();
    if (bootReason !== undefined) engine.provisioning.firstBootReason(bootReason);
    await engine.authorization.cache.load();
    await engine.certificates.load();
    return engine;
  }

  get bootState(): BootState {
    return this.provisioning.state;
  }

  get connectionState(): ConnectionState {
    return this.connection.state;
  }

  /** Opens the OCPP connection; the boot follows. */
  start(): void {
    this.aligned.start();
    // B10.FR.04: a boot connects with the first usable slot of NetworkConfigurationPriority.
    if (this.network.first()) this.connection.start();
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
    this.aligned.dispose();
    // Charger events wait for the store (a Redis outage): stopping waits for them only so long.
    const handled = await within(this.chain, STOP_CHAIN_WAIT_MS);
    if (!handled) this.ctx.log('warn', 'station stopped with charger events still waiting for the store: abandoned', { pending: this.pending, waitedMs: STOP_CHAIN_WAIT_MS });
    await Promise.all([this.security.flush(2_000), this.firmware.flush(FIRMWARE_FLUSH_MS)]);
    this.provisioning.dispose();
    this.queue.dispose();
    this.security.dispose();
    this.logs.dispose();
    this.smartCharging.dispose();
    this.availability.dispose();
    this.firmware.dispose();
    this.reservations.dispose();
    this.commands.dispose();
    this.certificates.dispose();
    await this.settleCalls('station stopped');
    await this.connection.stop(1000, 'station stopped');
    this.ctx.rpc.dispose('station stopped');
  }

  /**
   * A canonical event from the charger's codec session, handled in arrival order; an authorization
   * request is answered at once instead (it needs no store write, see `ChargerEvents.handleAtOnce`).
   */
  chargerEvent(e: ChargerEvent): void {
    if (this.chargerEvents.handleAtOnce(e)) return;
    void this.serialize(e, () => this.chargerEvents.handle(e));
  }

  /** Resolves once every charger event so far is handled (and its TransactionEvents queued). */
  async eventsHandled(): Promise<void> {
    await this.chain;
  }

  /** Resolves once every charger event so far is handled and queued, and the queue is empty. */
  async settled(): Promise<void> {
    await this.chain;
    await this.queue.drained();
    await this.authorization.cache.flushed();
  }

  /** Number of TransactionEvents waiting in the durable queue. */
  queuedTransactionEvents(): Promise<number> {
    return this.queue.size();
  }

  /**
   * A security-relevant happening (A04), e.g. `InvalidMessages` when the charger spent its
   * bad-frame budget. Stored in the station's own security queue in the order of the charger's
   * events and sent as SecurityEventNotification once the CSMS accepted the boot (now, or after an
   * outage or restart). Resolves once stored; never rejects (a store failure is logged).
   */
  securityEvent(type: SecurityEventType, techInfo?: string): Promise<void> {
    const at = this.ctx.clock.now();
    return this.serialize('security event', () => this.security.record(type, techInfo, at));
  }

  /** Security events waiting to be sent. */
  queuedSecurityEvents(): Promise<number> {
    return this.security.size();
  }

  /**
   * Runs `work` after every charger event so far; resolves when it ran, failures logged (`what`
   * names the work, or is the charger event it handles). Two promises per work: it runs for every
   * charger event.
   */
  private serialize(what: string | ChargerEvent, work: () => Promise<void>): Promise<void> {
    // Clock-aligned samples still waiting for their share of the spread keep their place.
    this.aligned.flush();
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
    if (name === 'OCPPCommCtrlr.HeartbeatInterval') this.provisioning.heartbeatIntervalChanged();
    else if (name === 'AlignedDataCtrlr.Interval' || name === 'AlignedDataCtrlr.TxEndedInterval') this.aligned.start();
    else if (name === 'OCPPCommCtrlr.WebSocketPingInterval') this.connection.restartKeepAlive();
    else if (name === 'SecurityCtrlr.BasicAuthPassword' && this.network.passwordChanged()) this.reconnectAfterAnswer = true;
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
    this.provisioning.reboot(reason);
    await this.settleCalls('the station reboots');
    this.network.first();
    this.connection.reconnectNow(1000, 'reset');
  }

  /** Before our side closes the OCPP connection: the CALL in flight answered (bounded, see `closing.ts`). */
  private settleCalls(why: string): Promise<void> {
    return settleBeforeClose({ rpc: this.ctx.rpc, queue: this.queue, offline: () => this.security.setOnline(false), log: this.ctx.log }, callTimeoutMs(this.options, this.ctx.dm), why);
  }
}
