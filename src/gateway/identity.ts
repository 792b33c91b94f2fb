/**
 * Who may claim a charger's identity. Legacy protocols authenticate nothing (a YKC login is a pile
 * code, an IEC 104 station a common address), so the gateway checks what it can at every login:
 *
 * 1. the charger id is in the station registry (or unknown chargers are provisioned);
 * 2. the connection comes from one of the station's allowed source networks (`allowedSources`, else
 *    `stations.defaults.allowedSources`; none configured: any address);
 * 3. a charger with a key of its own (YKC `ykcKey`) used it (the codec's `LoginProof`);
 * 4. no other live connection holds the station identity on this instance, or the station's
 *    `duplicateLogin` policy lets the newcomer take it over (`duplicateVerdict`). Across instances
 *    the owner of the station's lease decides the same way (`considerTakeover`, see ownership.ts).
 *
 * Every refusal is counted (`pilegate_logins_refused_total{codec,reason}`, and with the refusals of
 * every other step in `pilegate_chargers_refused_total{reason}`), logged and, when the
 * claimed station runs here with its OCPP connection, sent to the CSMS as a SecurityEventNotification
 * `ChargerLoginRefused` whose techInfo starts with the reason. Logs and events are rate-limited per
 * reason and charger (one per `REPORT_WINDOW_MS`, the next one saying how many were held back), so a
 * flood of forged logins costs a counter increment each, not a log line or a CSMS message each.
 * Nothing here logs a key or a password.
 */
import type { Logger } from 'pino';
import type { LoginProof, LoginRefusal } from '../../codecs/codec.js';
import type { StationEngine } from '../station/engine.js';
import type { DuplicateLoginPolicy, StationDefaults, StationEntry } from './config.js';
import type { GatewayMetrics } from './metrics.js';
import { sameSource, SourceFilter } from './sources.js';

/** One log line and one security event per reason and charger within this window. */
const REPORT_WINDOW_MS = 60_000;

/** What the guard needs of a charger connection. */
export interface ClaimHolder {
  readonly state: string;
  readonly remoteAddress: string | undefined;
  /** Milliseconds since the charger last sent a byte. */
  readonly idleMs: number;
  close(reason: string): void;
}

/** A registry entry resolved for a charger: its station identity is known. */
export type ResolvedEntry = StationEntry & { readonly stationId: string };

export interface LoginAttempt {
  readonly codec: string;
  readonly chargerId: string;
  readonly session: ClaimHolder;
  readonly proof: LoginProof;
  /** Undefined: not in the registry (and not provisioned). */
  readonly entry: ResolvedEntry | undefined;
}

/** A second login of an identity with a live connection: `keep` refuses the newcomer, `replace` lets it take over. */
export function duplicateVerdict(policy: DuplicateLoginPolicy, live: Pick<ClaimHolder, 'remoteAddress' | 'idleMs'>, newcomer: string | undefined, replaceAfterIdleMs: number): 'keep' | 'replace' {
  if (policy !== 'replace') return 'keep';
  return sameSource(live.remoteAddress, newcomer) || live.idleMs >= replaceAfterIdleMs ? 'replace' : 'keep';
}

/**
 * One pass per key per window; what was held back meanwhile is counted and handed to the next pass.
 * Bounded: past `maxKeys` the expired keys are dropped, then the oldest.
 */
export class Throttle {
  private readonly seen = new Map<string, { until: number; held: number }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  /** The number of passes held back since the last one, or undefined when this one is held back too. */
  pass(key: string): number | undefined {
    const now = this.now();
    const s = this.seen.get(key);
    if (s !== undefined && now < s.until) {
      s.held += 1;
      return undefined;
    }
    this.seen.delete(key);
    if (this.seen.size >= this.maxKeys) this.prune(now);
    this.seen.set(key, { until: now + this.windowMs, held: 0 });
    return s?.held ?? 0;
  }

  private prune(now: number): void {
    for (const [k, s] of this.seen) if (s.until <= now) this.seen.delete(k);
    for (const k of this.seen.keys()) {
      if (this.seen.size < this.maxKeys) break;
      this.seen.delete(k);
    }
  }
}

/**
 * One connection's way through the guard. A codec with a login answer (YKC) is admitted at its login,
 * against the registry entry known then; every connection is checked (again) once its station is due,
 * against the entry read by then. A Redis registry reads a charger missing from its snapshot on
 * demand, so the entry found then may be one the login never saw (with `unknownChargers: provision`
 * the login was admitted as an unknown charger): its `allowedSources` and `ykcKey` decide as well,
 * a key being proved only by a login that was opened by it.
 */
export class Admission {
  private login: { readonly entry: StationEntry | undefined; readonly proof: LoginProof } | undefined;

  constructor(
    private readonly guard: IdentityGuard,
    private readonly codec: string,
    private readonly session: ClaimHolder,
  ) {}

  /** At the codec's login: `entry` is the registry's (undefined: not there), `resolved` what it resolves to. */
  atLogin(chargerId: string, given: LoginProof, entry: StationEntry | undefined, resolved: ResolvedEntry | undefined): boolean {
    // A codec without keys (family B, IEC 104) says `none`: for an entry with a key, that is no proof.
    const proof: LoginProof = entry?.ykcKey !== undefined && given.key !== 'verified' ? { key: 'missing' } : given;
    const ok = this.guard.admit({ codec: this.codec, chargerId, session: this.session, proof, entry: resolved }).ok;
    this.login = ok ? { entry, proof } : undefined;
    return ok;
  }

  /** Before the station starts, with the registry's entry as it is now. */
  atStation(chargerId: string, entry: StationEntry | undefined, resolved: ResolvedEntry | undefined): LoginVerdict {
    const login = this.login;
    if (login !== undefined && login.entry === entry) return { ok: true };
    const proof: LoginProof = login === undefined ? { key: 'none' } : entry?.ykcKey !== undefined && login.proof.key !== 'verified' ? { key: 'missing' } : login.proof;
    return this.guard.admit({ codec: this.codec, chargerId, session: this.session, proof, entry: resolved });
  }
}

/** What to do about chargers refused as unknown: in the refusal's log line and the start-up warning of an empty registry. */
export const UNKNOWN_CHARGER_HINT =
  "add the charger id to the station registry (stations.file, or `pilegate stations import` for stations.redis; examples/dev-stations.yaml lists the simulator's) or set stations.unknownChargers: provision to accept any charger";

export interface IdentityGuardOptions {
  readonly defaults: StationDefaults;
  readonly metrics: GatewayMetrics;
  readonly log: Logger;
  /** The engine running a station on this instance, if any (security events go there). */
  readonly engineOf: (stationId: string) => StationEngine | undefined;
  readonly now?: () => number;
}

export type LoginVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: LoginRefusal; readonly detail: string };

export class IdentityGuard {
  /** The connection holding each station identity on this instance, from its admission on. */
  private readonly claims = new Map<string, ClaimHolder>();
  private readonly filters = new Map<string, SourceFilter>();
  private readonly logThrottle: Throttle;
  private readonly eventThrottle: Throttle;

  constructor(private readonly options: IdentityGuardOptions) {
    this.logThrottle = new Throttle(REPORT_WINDOW_MS, options.now);
    this.eventThrottle = new Throttle(REPORT_WINDOW_MS, options.now);
  }

  /**
   * Decides a login and reports a refusal. Admitted, the connection holds the station's claim; a
   * live connection it replaces (`duplicateLogin: replace`) is reported and closed.
   */
  admit(a: LoginAttempt): LoginVerdict {
    const verdict = this.decide(a);
    if (!verdict.ok) {
      const policy = verdict.reason === 'duplicate_login' ? (a.entry?.duplicateLogin ?? this.options.defaults.duplicateLogin) : undefined;
      this.refused(a.codec, verdict.reason, verdict.detail, {
        chargerId: a.chargerId,
        address: a.session.remoteAddress,
        ...(a.entry !== undefined ? { stationId: a.entry.stationId } : {}),
        ...(policy !== undefined ? { policy } : {}),
      });
      return verdict;
    }
    const stationId = (a.entry as ResolvedEntry).stationId;
    const live = this.live(stationId, a.session);
    if (live !== undefined) {
      this.replaced(a.codec, stationId, a.chargerId, live, a.session.remoteAddress);
      live.close(`replaced by a new connection from ${a.session.remoteAddress ?? 'an unknown address'}`);
    }
    this.claims.set(stationId, a.session);
    return verdict;
  }

  /** The connection is gone: it holds no claim any more. */
  release(session: ClaimHolder): void {
    for (const [id, s] of this.claims) if (s === session) this.claims.delete(id);
  }

  /**
   * Another instance asks for a station whose lease this one holds, for a login from `address`:
   * undefined hands the station over (its connection is gone, or the policy lets the newcomer
   * replace it), else why it is refused, for the asking instance. Reported here, where the station
   * runs (the asking instance counts the refusal).
   */
  considerTakeover(a: { codec: string; chargerId: string; entry: ResolvedEntry; session: ClaimHolder }, claim: { by: string; address?: string }): string | undefined {
    if (a.session.state === 'closed') return undefined;
    const policy = a.entry.duplicateLogin ?? this.options.defaults.duplicateLogin;
    if (duplicateVerdict(policy, a.session, claim.address, this.options.defaults.replaceAfterIdleMs) === 'replace') {
      this.replaced(a.codec, a.entry.stationId, a.chargerId, a.session, claim.address, claim.by);
      return undefined;
    }
    const detail = `login of ${a.chargerId} from ${claim.address ?? 'an unknown address'} on instance ${claim.by} refused: the live connection from ${a.session.remoteAddress ?? 'an unknown address'} keeps the identity (${policy})`;
    this.event(a.entry.stationId, 'duplicate_login', 'ChargerLoginRefused', `duplicate_login: ${detail}`);
    this.log('duplicate_login', a.chargerId, 'charger login on another instance refused: this instance keeps the live connection', {
      codec: a.codec,
      chargerId: a.chargerId,
      stationId: a.entry.stationId,
      remote: claim.address,
      instance: claim.by,
      live: a.session.remoteAddress,
      policy,
    });
    return detail;
  }

  /**
   * Counts, logs (throttled) and reports (throttled, when the station runs here) a refused login.
   * `chargerId` is unknown for a login the codec could not read.
   */
  refused(codec: string, reason: LoginRefusal, detail: string, who: { chargerId?: string; stationId?: string; address: string | undefined; policy?: DuplicateLoginPolicy }): void {
    // By codec here; every refusal, whatever its step, in chargers_refused_total.
    this.options.metrics.loginRefused(codec, reason);
    this.options.metrics.refused(reason);
    const { chargerId, stationId, address, policy } = who;
    const message = reason === 'unknown_charger' ? 'unknown charger refused at login (not in the station registry)' : 'charger login refused';
    const hint = reason === 'unknown_charger' ? { hint: UNKNOWN_CHARGER_HINT } : {};
    this.log(reason, chargerId ?? address ?? 'unknown', message, { codec, reason, chargerId, stationId, remote: address, detail, ...(policy !== undefined ? { policy } : {}), ...hint });
    if (stationId !== undefined && reason !== 'unknown_charger')
      this.event(stationId, reason, 'ChargerLoginRefused', `${reason}: login of ${chargerId ?? '?'} from ${address ?? 'an unknown address'} refused: ${detail}`);
  }

  private decide(a: LoginAttempt): LoginVerdict {
    const address = a.session.remoteAddress;
    if (a.entry === undefined) return { ok: false, reason: 'unknown_charger', detail: 'not in the station registry' };
    const sources = a.entry.allowedSources ?? this.options.defaults.allowedSources;
    if (sources !== undefined && !this.filter(sources).allows(address))
      return { ok: false, reason: 'source_not_allowed', detail: `${address ?? 'an unknown address'} is outside its allowed networks` };
    if (a.proof.key === 'missing') return { ok: false, reason: 'bad_key', detail: 'the login did not use its key' };
    const holder = this.claims.get(a.entry.stationId);
    if (holder === undefined || holder === a.session || holder.state === 'closed') return { ok: true };
    const policy = a.entry.duplicateLogin ?? this.options.defaults.duplicateLogin;
    if (duplicateVerdict(policy, holder, address, this.options.defaults.replaceAfterIdleMs) === 'replace') return { ok: true };
    return { ok: false, reason: 'duplicate_login', detail: `the live connection from ${holder.remoteAddress ?? 'an unknown address'} keeps the identity (${policy})` };
  }

  /** The live connection `session` would replace, if any. */
  private live(stationId: string, session: ClaimHolder): ClaimHolder | undefined {
    const holder = this.claims.get(stationId);
    return holder === undefined || holder === session || holder.state === 'closed' ? undefined : holder;
  }

  private replaced(codec: string, stationId: string, chargerId: string, live: Pick<ClaimHolder, 'remoteAddress' | 'idleMs'>, address: string | undefined, instance?: string): void {
    this.options.metrics.loginReplaced(codec);
    const why = sameSource(live.remoteAddress, address) ? 'from the same address' : `after ${Math.round(live.idleMs)} ms without a byte`;
    const detail = `duplicate_login: login of ${chargerId} from ${address ?? 'an unknown address'}${instance !== undefined ? ` on instance ${instance}` : ''} replaced the live connection from ${live.remoteAddress ?? 'an unknown address'} (${why})`;
    this.event(stationId, 'replaced', 'ChargerLoginReplaced', detail);
    this.log('replaced', chargerId, 'charger login replaced the live connection of its identity', {
      codec,
      chargerId,
      stationId,
      remote: address,
      live: live.remoteAddress,
      idleMs: Math.round(live.idleMs),
      policy: 'replace',
      ...(instance !== undefined ? { instance } : {}),
    });
  }

  private log(reason: string, who: string, message: string, data: Record<string, unknown>): void {
    const held = this.logThrottle.pass(`${reason}|${who}`);
    if (held === undefined) return;
    this.options.log.warn({ ...data, ...(held > 0 ? { repeated: held } : {}) }, message);
  }

  private event(stationId: string, reason: string, type: 'ChargerLoginRefused' | 'ChargerLoginReplaced', techInfo: string): void {
    const engine = this.options.engineOf(stationId);
    if (engine === undefined || engine.connectionState !== 'open') return;
    const held = this.eventThrottle.pass(`${reason}|${stationId}`);
    if (held === undefined) return;
    void engine.securityEvent(type, held > 0 ? `${techInfo} (${held} more since the last report)` : techInfo).catch(() => undefined);
  }

  private filter(sources: readonly string[]): SourceFilter {
    const key = sources.join(',');
    let f = this.filters.get(key);
    if (f === undefined) {
      f = new SourceFilter(sources);
      this.filters.set(key, f);
    }
    return f;
  }
}
