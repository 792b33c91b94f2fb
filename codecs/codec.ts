/**
 * The plug-in contract for a legacy protocol. A codec is pure: bytes in, canonical events and
 * reply bytes out, with time and timers injected. It never touches sockets, Redis or a logger;
 * policy (error budgets, closing, metrics) belongs to the gateway session that hosts it.
 */
import type { Clock } from '../src/core/clock.js';
import type { Log } from '../src/core/log.js';
import type { Capabilities } from '../src/model/capabilities.js';
import type { ChargerCommand, CommandOutcome } from '../src/model/commands.js';
import type { ChargerEvent } from '../src/model/events.js';

/** A typed, non-fatal protocol problem with a stable code (framing, decoding, unexpected message). */
export interface CodecError {
  readonly code: string;
  readonly message: string;
  /** Byte offset in the connection's stream, where it applies. */
  readonly offset?: number;
}

/**
 * Why well-framed input was of no use (a bounded set: hosts use it as a metric label).
 * `unknown_type`: a message type the codec cannot decode (unknown or private);
 * `unused_type`: a type it decodes but this charger's configuration does not use;
 * `unmapped_address`: an address (IEC 104 IOA) the configuration does not name;
 * `unmapped_value`: a value it has no meaning for (a status code missing from the mapping);
 * `test`: marked as test data (IEC 104 T bit); `foreign_address`: of another station (IEC 104
 * common address, YKC pile code); `repeat`: already processed (a frame resent after a reconnect);
 * `unsolicited`: a confirmation that matches no command in flight; `quality`: a value its charger
 * flagged (IEC 104 quality descriptor) that the codec does not use.
 */
export const IGNORED_REASONS = ['unknown_type', 'unused_type', 'unmapped_address', 'unmapped_value', 'test', 'foreign_address', 'repeat', 'unsolicited', 'quality'] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

/** Where a session's output goes. The host (gateway session, test, simulator) implements it. */
export interface SessionSink {
  /** A canonical event. */
  event(event: ChargerEvent): void;
  /** Bytes to write to the charger. */
  send(bytes: Buffer): void;
  /**
   * Bad input from the charger (framing, length, sequence): counted against the connection's
   * bad-frame budget by the host.
   */
  error(error: CodecError): void;
  /**
   * A well-framed message (or part of one) the charger may legitimately send but that is of no use
   * here. Counted by the host; never against the bad-frame budget. The codec logs each kind once.
   */
  ignored?(reason: IgnoredReason): void;
  /** The protocol requires the connection to close (link failure, fatal sequence error). */
  close(reason: string): void;
  /**
   * The codec refused a login by itself, before it could tell whose it was (an encrypted login that
   * no configured key opens); it closes the connection next. Refusals of a known charger id are
   * the host's (`ConnectionInfo.admit`) and never come here.
   */
  loginRefused?(reason: LoginRefusal, detail: string): void;
  /** A structured log line; the host adds charger identity and routes it to its logger. */
  log: Log;
}

/**
 * What a charger's login proved about its identity, as far as its protocol can tell: `verified`,
 * the login was opened by the charger's own key (YKC 3DES per pile); `missing`, the charger has a
 * key of its own and the login did not use it (in clear, or under another key); `none`, it has no
 * key of its own (or its protocol has no keys).
 */
export interface LoginProof {
  readonly key: 'verified' | 'missing' | 'none';
}

/** Why a charger's login is refused: a bounded set (a metric label). */
export const LOGIN_REFUSALS = ['unknown_charger', 'source_not_allowed', 'duplicate_login', 'bad_key'] as const;
export type LoginRefusal = (typeof LOGIN_REFUSALS)[number];

/**
 * Keys the host keeps per charger (the station registry), for protocols whose login a key
 * authenticates. Values are secrets: a codec never logs them nor puts them in an error.
 */
export interface ChargerKeys {
  /** The charger's key as configured (hex digits), or undefined. */
  keyOf(chargerId: string): string | undefined;
  /** Every charger with a key, as [charger id, key]. */
  entries(): Iterable<readonly [string, string]>;
  /** Changes whenever a key is added, changed or removed: what a codec derives from `entries()` holds for one revision. */
  readonly revision: number;
}

/** Per-connection facts the host knows before the charger says anything. */
export interface ConnectionInfo {
  /** Charger id configured for this connection/listener, when the protocol does not carry one. */
  readonly chargerId?: string;
  readonly remoteAddress?: string;
  /** IANA zone of the charger's clock; overrides the codec's configured default. */
  readonly timeZone?: string;
  /**
   * Whether the host will serve the charger with this id, given what its login proved (the station
   * registry, the unknown-charger policy, allowed source networks, a charger key that was not used,
   * a second login of a connected identity). A protocol whose login has an answer (YKC 0x02)
   * refuses there, so the charger learns it was refused instead of seeing the connection drop.
   * Without this hook a codec refuses a login whose proof is `missing` and accepts the others.
   */
  readonly admit?: (chargerId: string, proof: LoginProof) => boolean;
  /** Keys per charger id from the host (see `ChargerKeys`); they take precedence over the codec options' own. */
  readonly keys?: ChargerKeys;
  /**
   * The zone the host keeps for one charger (the station registry's `timeZone`), for protocols
   * that learn the charger's id from the charger; when it names one it overrides `timeZone` from
   * the moment the charger identified itself.
   */
  readonly timeZoneOf?: (chargerId: string) => string | undefined;
  /**
   * A small store the host keeps for one charger across its connections (in process memory: lost
   * on restart, not shared between gateway instances). A codec keeps there what makes a frame the
   * charger resends after a reconnect recognisable as already processed; it namespaces its keys.
   */
  readonly memoryOf?: (chargerId: string) => Map<string, unknown>;
}

export interface SessionContext<Options> {
  readonly options: Options;
  /** `now()` in epoch milliseconds (`systemClock`; tests inject a fake one): sessions stamp events with it. */
  readonly clock: Clock;
  readonly sink: SessionSink;
  readonly connection: ConnectionInfo;
}

/** One charger connection. */
export interface CodecSession {
  /** The TCP connection is open: send whatever the protocol sends first. */
  start(): void;
  /** Bytes from the charger, in whatever chunks TCP delivered them. */
  receive(chunk: Uint8Array): void;
  /** A command for the charger. Returns at once; never throws on a well-typed command. */
  command(command: ChargerCommand): CommandOutcome;
  /** What this charger can do (known from configuration, refined after identification). */
  readonly capabilities: Capabilities;
  /** The connection closed (either side): stop timers, fail pending commands. */
  stop(reason: string): void;
  /**
   * The host is about to close the connection (the gateway is stopping): send the protocol's
   * goodbye, e.g. IEC 104 STOPDT act, and resolve once the charger confirmed it. The host bounds
   * the wait and calls `stop` afterwards. Absent when the protocol has no goodbye (YKC).
   */
  goodbye?(): Promise<void>;
}

/** A protocol, registered in `registry.ts`. */
export interface Codec<Options = unknown> {
  /** Stable name used in configuration and on the CLI (`iec104-points`, `ykc`...). */
  readonly name: string;
  readonly description: string;
  /** Loads and validates this codec's options (a mapping file, a dialect); throws a typed config error. */
  loadOptions(source: { readonly file?: string; readonly value?: unknown }): Promise<Options>;
  createSession(context: SessionContext<Options>): CodecSession;
}
