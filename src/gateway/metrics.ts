/**
 * The gateway's Prometheus metrics. Each Gateway owns one registry (never prom-client's global
 * default one), so several gateways in one process keep separate figures. Counters are incremented
 * by the charger sessions and the station engines as things happen; gauges that mirror the
 * gateway's state are read from it on every scrape. The Node.js process metrics live in one
 * registry per process (their collectors watch the event loop and GC, which there is one of) and
 * join each gateway's figures at scrape time.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { RECORD_HOLD_REASONS, type RecordHoldReason } from '../model/events.js';
import { IGNORED_REASONS, LOGIN_REFUSALS, type IgnoredReason, type LoginRefusal } from '../../codecs/codec.js';
import { isOcppAction } from '../ocpp/actions.js';
import { failureReason, FAILURE_REASONS, type ConnectionFailure } from '../ocpp/client-failures.js';
import { OCPP_ERROR_CODES } from '../ocpp/errors.js';
import { HOLD_REASONS, type HoldReason } from './held.js';
import { registerStateGauges, type GatewayState } from './metrics-state.js';
import { DETECT_REFUSALS } from './protocol-detect.js';

export type { GatewayState } from './metrics-state.js';

export type FrameDirection = 'in' | 'out';

/**
 * Why a charger was turned away, at whatever step: a bounded set, used as a label value. At the
 * connection: `address_limit`, `stopping`, and `protocol_*` (no codec of a listener with several
 * recognised the connection's first bytes); at the login: the `LOGIN_REFUSALS` (also counted by
 * codec in `logins_refused_total`); at the station's start: `no_password` (no CSMS password for
 * its security profile).
 */
const REFUSAL_REASONS = ['address_limit', 'stopping', ...DETECT_REFUSALS, ...LOGIN_REFUSALS, 'no_password'] as const;
export type RefusalReason = (typeof REFUSAL_REASONS)[number];

/**
 * Why a charger connection closed, as a label value. `silent`: it sent nothing at all before the
 * login timeout; `protocol_mismatch`: it spoke another codec's protocol than its listener's.
 */
export const DISCONNECT_REASONS = ['charger', 'login_timeout', 'silent', 'idle_timeout', 'bad_frames', 'slow_reader', 'refused', 'protocol', 'protocol_mismatch', 'engine_failed', 'gateway'] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

/** Upper bounds of the CALL latency histogram, in seconds: a CSMS answers in ms, a slow one in seconds. */
const CALL_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

const METRICS_PREFIX = 'pilegate_';

const ERROR_CODES: ReadonlySet<string> = new Set(OCPP_ERROR_CODES);

let processMetrics: Registry | undefined;

/** The process metrics (CPU, memory, event loop, GC), collected once per process. */
function processRegistry(): Registry {
  if (processMetrics === undefined) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: METRICS_PREFIX });
  }
  return processMetrics;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly frames: Counter<'codec' | 'direction'>;
  private readonly decodeErrors: Counter<'code'>;
  private readonly ignoredFrames: Counter<'codec' | 'reason'>;
  private readonly refusals: Counter<'reason'>;
  private readonly loginRefusals: Counter<'codec' | 'reason'>;
  private readonly loginReplacements: Counter<'codec'>;
  private readonly disconnects: Counter<'reason'>;
  private readonly recordsHeld: Counter<'reason'>;
  private readonly callDuration: Histogram<'action'>;
  private readonly detections: Counter<'codec' | 'by'>;
  private readonly mismatches: Counter<'configured' | 'detected'>;
  private readonly held: Counter<'reason'>;
  private readonly connectFailures: Counter<'reason'>;
  private readonly connectionsLost: Counter<'reason'>;
  private readonly callErrors: Counter<'direction' | 'action' | 'code'>;
  private readonly scrapes: { newScrape(): void };

  /**
   * `codecs`: the listeners' codec names, shown with zero values before the first charger; `shared`:
   * those of listeners with several codecs (their detections likewise).
   */
  constructor(state: GatewayState, codecs: readonly string[], shared: readonly string[] = []) {
    const registers = [this.registry];
    const p = METRICS_PREFIX;
    this.scrapes = registerStateGauges(this.registry, p, state, codecs);
    this.frames = new Counter({ name: `${p}frames_total`, help: 'Charger protocol frames, by codec and direction (in: from the charger)', labelNames: ['codec', 'direction'], registers });
    for (const codec of codecs) for (const direction of ['in', 'out']) this.frames.inc({ codec, direction }, 0);
    this.decodeErrors = new Counter({ name: `${p}decode_errors_total`, help: 'Bad input from chargers (framing and decoding errors), by error code', labelNames: ['code'], registers });
    this.ignoredFrames = new Counter({
      name: `${p}frames_ignored_total`,
      help: 'Well-framed charger frames (or parts of them) the gateway had no use for, by codec and reason; never counted as bad frames',
      labelNames: ['codec', 'reason'],
      registers,
    });
    for (const codec of codecs) for (const reason of IGNORED_REASONS) this.ignoredFrames.inc({ codec, reason }, 0);
    this.refusals = new Counter({
      name: `${p}chargers_refused_total`,
      help: 'Chargers turned away, by reason: at the connection (address_limit, stopping, protocol_*), at the login (unknown_charger, source_not_allowed, bad_key, duplicate_login; by codec in logins_refused_total) or at the station start (no_password)',
      labelNames: ['reason'],
      registers,
    });
    this.disconnects = new Counter({ name: `${p}charger_disconnects_total`, help: 'Charger connections closed, by reason', labelNames: ['reason'], registers });
    // Zero series from the start, so that rate() sees the first increment.
    for (const reason of REFUSAL_REASONS) this.refusals.inc({ reason }, 0);
    for (const reason of DISCONNECT_REASONS) this.disconnects.inc({ reason }, 0);
    this.recordsHeld = new Counter({
      name: `${p}records_held_total`,
      help: 'Billing records held as implausible (not confirmed to the charger, not billed), by their most telling reason; resends of a held record are not counted again',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of RECORD_HOLD_REASONS) this.recordsHeld.inc({ reason }, 0);
    this.loginRefusals = new Counter({
      name: `${p}logins_refused_total`,
      help: 'Charger logins refused, by codec and reason (unknown_charger, source_not_allowed, duplicate_login, bad_key); each is counted in chargers_refused_total too',
      labelNames: ['codec', 'reason'],
      registers,
    });
    this.loginReplacements = new Counter({
      name: `${p}logins_replaced_total`,
      help: 'Second logins of a connected identity that took it over (duplicateLogin: replace), by codec',
      labelNames: ['codec'],
      registers,
    });
    for (const codec of codecs) {
      for (const reason of LOGIN_REFUSALS) this.loginRefusals.inc({ codec, reason }, 0);
      this.loginReplacements.inc({ codec }, 0);
    }
    this.detections = new Counter({
      name: `${p}protocol_detections_total`,
      help: 'Connections on a listener with several codecs given to one, by codec and how (sniff: its first bytes; silence: it sent nothing and the codec waits for the gateway)',
      labelNames: ['codec', 'by'],
      registers,
    });
    for (const codec of shared) for (const by of ['sniff', 'silence']) this.detections.inc({ codec, by }, 0);
    this.mismatches = new Counter({
      name: `${p}protocol_mismatches_total`,
      help: "Chargers whose first bytes are another codec's protocol than the one their listener gave them (served on regardless), by the configured and the detected codec",
      labelNames: ['configured', 'detected'],
      registers,
    });
    this.held = new Counter({
      name: `${p}chargers_held_total`,
      help: 'Identified chargers held back from their station start, by reason (store_unreachable, ownership_lease, previous_connection, slow_start); once per reason per start',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of HOLD_REASONS) this.held.inc({ reason }, 0);
    this.connectFailures = new Counter({
      name: `${p}ocpp_connect_failures_total`,
      help: 'OCPP connection attempts to the CSMS that failed, by reason (refused, timeout, dns, network, http_401, http_403, http_404, http_4xx, http_5xx, tls_certificate, tls, ...)',
      labelNames: ['reason'],
      registers,
    });
    this.connectionsLost = new Counter({
      name: `${p}ocpp_connections_lost_total`,
      help: 'Open OCPP connections lost (not closed by the gateway), by reason (connection_lost, pong_timeout, ...)',
      labelNames: ['reason'],
      registers,
    });
    for (const reason of FAILURE_REASONS) {
      this.connectFailures.inc({ reason }, 0);
      this.connectionsLost.inc({ reason }, 0);
    }
    this.callErrors = new Counter({
      name: `${p}ocpp_callerrors_total`,
      help: 'OCPP CALLERRORs by direction (received: the CSMS answered our CALL with one; sent: we answered its CALL with one), action (unknown: not an OCPP action) and error code (other: not an OCPP 2.0.1 code)',
      labelNames: ['direction', 'action', 'code'],
      registers,
    });
    this.callDuration = new Histogram({
      name: `${p}ocpp_call_duration_seconds`,
      help: 'Time from sending an OCPP CALL to its CALLRESULT or CALLERROR, by action',
      labelNames: ['action'],
      buckets: CALL_BUCKETS,
      registers,
    });
  }

  frame(codec: string, direction: FrameDirection, count = 1): void {
    if (count > 0) this.frames.inc({ codec, direction }, count);
  }

  decodeError(code: string): void {
    this.decodeErrors.inc({ code });
  }

  /** A frame (or part of one) the codec had no use for. */
  ignored(codec: string, reason: IgnoredReason): void {
    this.ignoredFrames.inc({ codec, reason });
  }

  refused(reason: RefusalReason): void {
    this.refusals.inc({ reason });
  }

  /** A charger login refused (one per refusal, however few are logged). */
  loginRefused(codec: string, reason: LoginRefusal): void {
    this.loginRefusals.inc({ codec, reason });
  }

  /** A second login that took a connected identity over. */
  loginReplaced(codec: string): void {
    this.loginReplacements.inc({ codec });
  }

  /** A connection on a listener with several codecs given to `codec`. */
  detected(codec: string, by: 'sniff' | 'silence'): void {
    this.detections.inc({ codec, by });
  }

  /** A charger that speaks `detected` on a connection given to `configured`. */
  mismatch(configured: string, detected: string): void {
    this.mismatches.inc({ configured, detected });
  }

  disconnected(reason: DisconnectReason): void {
    this.disconnects.inc({ reason });
  }

  /** A billing record held as implausible. */
  recordHeld(reason: RecordHoldReason): void {
    this.recordsHeld.inc({ reason });
  }

  /** A charger held back from its station start (see held.ts). */
  chargerHeld(reason: HoldReason): void {
    this.held.inc({ reason });
  }

  /** A failed OCPP connection attempt (`wasOpen` false) or a lost connection. */
  ocppFailure(failure: ConnectionFailure, wasOpen: boolean): void {
    (wasOpen ? this.connectionsLost : this.connectFailures).inc({ reason: failureReason(failure) });
  }

  /** A CALLERROR received or sent; action and code bounded to the OCPP names. */
  callError(direction: 'received' | 'sent', action: string | undefined, code: string): void {
    const known = action !== undefined && isOcppAction(action);
    this.callErrors.inc({ direction, action: known ? action : 'unknown', code: ERROR_CODES.has(code) ? code : 'other' });
  }

  /** A CALL answered after `seconds`. */
  callDone(action: string, seconds: number): void {
    this.callDuration.observe({ action }, seconds);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text exposition of every metric: this gateway's and the process's. */
  text(): Promise<string> {
    this.scrapes.newScrape();
    return Registry.merge([this.registry, processRegistry()]).metrics();
  }
}
