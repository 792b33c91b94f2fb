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
import type { ChargerSimulatorFactory } from '../src/simulator/factory.js';

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
 * flagged (IEC 104 quality descriptor) that the codec does not use; `malformed`: a well-framed
 * message whose content cannot be read (a record shorter than its fields, a BCD digit above 9: a
 * family-B record), which the charger's framing says nothing against.
 */
export const IGNORED_REASONS = ['unknown_type', 'unused_type', 'unmapped_address', 'unmapped_value', 'test', 'foreign_address', 'repeat', 'unsolicited', 'quality', 'malformed'] as const;
export type IgnoredReason = (typeof IGNORED_REASONS)[number];

/** Where a session's output goes. The host (gateway session, test, simulator) implements it. */
export interface SessionSink {
  /** A canonical event. */
  event(event: ChargerEvent): void;
  /**
   * One whole frame came from the charger (the host counts them). Called for every frame the
   * session's framer yields from the bytes given to `receive`, good or bad, before the session acts
   * on it, and for the rest of a chunk that made the session close; never for framing errors.
   */
  frameReceived?(): void;
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

/** Where a framer found something: a whole frame, or bytes that are not one. */
export type FramerItem = { readonly kind: 'frame'; readonly frame: Buffer; readonly offset: number } | { readonly kind: 'error'; readonly error: FramingError };

/** Bytes a framer could not make a frame of, with a stable code. */
export interface FramingError {
  readonly code: string;
  readonly message: string;
  /** Byte offset in the stream given to the framer. */
  readonly offset: number;
  /** The bytes skipped, where the framer kept them. */
  readonly raw?: Uint8Array;
}

/** A framer over one direction of a connection: arbitrary chunks in, whole frames or errors out. */
export interface ChunkFramer {
  /** Frames and framing errors completed by `chunk`, in stream order (offsets count from the first chunk). */
  push(chunk: Uint8Array): Iterable<FramerItem>;
  /** The input has ended: the error for a frame it ends inside (offset: where that frame starts), or undefined. */
  end(): FramingError | undefined;
}

/** One whole frame read for people: its fields, or why they cannot be read. */
export type DecodedFrame =
  | { readonly ok: true; readonly lines: string[]; readonly json: unknown }
  | {
      readonly ok: false;
      readonly code: string;
      readonly message: string;
      /** Where in the frame its fault lies (0: the frame as a whole). */
      readonly offset: number;
      /** What can still be read (e.g. the header of an encrypted frame without its key). */
      readonly lines?: string[];
    };

/**
 * How a tool reads frames: the zone of their times and the values of the codec's CLI flags
 * (`Codec.cliFlags`, by name, already checked).
 */
export interface FrameView {
  readonly timeZone: string;
  readonly flags?: Readonly<Record<string, string>>;
}

/**
 * Framing and describing a codec's frames without a session, for `pilegate decode` and `replay`
 * and a station's DiagnosticsLog. Pure: bytes in, text out.
 */
export interface FrameTools {
  /** A new framer (one per direction and connection). */
  framer(): ChunkFramer;
  /** The frame's fields, one line each indented by two spaces, and as JSON; or why they cannot be read. */
  decode(frame: Buffer): DecodedFrame;
  /** The frame's bytes as a dump may show them: a copy with secrets overwritten, or the frame itself. */
  shown(frame: Buffer): Buffer;
  /** The key `pilegate decode --json` gives a decoded frame (default `frame`; IEC 104 keeps `apdu`). */
  readonly jsonKey?: string;
  /**
   * For replaying a capture through a session that cannot answer like the captured one (its replies
   * go nowhere): what the session wrote, and each frame from the charger adapted to it (IEC 104:
   * the N(R) of the charger's frames acknowledges what the replaying session sent). Absent: frames
   * go to the session as captured.
   */
  replayer?(): FrameReplayer;
}

/** See `FrameTools.replayer`; one per replay. */
export interface FrameReplayer {
  /** Bytes the replaying session wrote. */
  sent(bytes: Buffer): void;
  /** A frame from the charger as the replaying session gets it. */
  toSession(frame: Buffer): Buffer;
}

/** Reads frames out of their connection's context into canonical events (`pilegate decode --mapping`). */
export interface FrameInterpreter {
  /**
   * Interprets one whole frame as if it came on an established connection (no link procedures,
   * state kept across calls); its events and logs go to the sink it was made with. Returns false
   * when the frame carries nothing to interpret (a link-control frame).
   */
  interpret(frame: Buffer): boolean;
}

/** A command-line flag a codec understands, offered by `pilegate decode` (`--<name> <value>`). */
export interface CodecFlag {
  /** Lower-case words joined by `-`: `cot-size`, `ykc-key`. */
  readonly name: string;
  /** Its value's placeholder in help: `n`, `hex`. */
  readonly value: string;
  readonly description: string;
  /** Why `value` is not acceptable (a usage error; never quotes a secret), or undefined when it is. */
  check?(value: string): string | undefined;
}

/** What `pilegate mapping check` prints of a valid options file. */
export interface OptionsReport {
  /** A summary, line by line. */
  readonly lines: readonly string[];
  /** The options as loaded (normalised), for `--json`. */
  readonly json: unknown;
}

/**
 * A protocol, registered in `registry.ts`: everything the gateway and the CLI know of it. The
 * gateway loads a listener's options once, creates one session per charger connection and shows a
 * station's frames with `frameTools`; `pilegate decode`, `replay` and `mapping check` use the same
 * members. Nothing outside the codec's folder imports its files.
 */
export interface Codec<Options = unknown> {
  /** Stable name used in configuration and on the CLI (`iec104-points`, `ykc`...). */
  readonly name: string;
  readonly description: string;
  /** Loads and validates this codec's options (a mapping file, a dialect); throws a typed config error. */
  loadOptions(source: { readonly file?: string; readonly value?: unknown }): Promise<Options>;
  /** What the options file is (`--mapping` on the CLI, `mapping:` on a listener). */
  readonly optionsFile: {
    /** How messages name it: `point-table mapping`, `YKC options file`. */
    readonly noun: string;
    /** Sessions need one (it has no defaults): without it the CLI shows frames only, no events. */
    readonly required: boolean;
  };
  /** One per charger connection; reads no files (everything it needs is in `context.options`). */
  createSession(context: SessionContext<Options>): CodecSession;
  /** The zone of the charger's clock when nothing else names one: the options' zone, else the codec's default. */
  timeZone(options: Options | undefined): string;
  /** Framing and describing frames, given the options when there are any. */
  frameTools(options: Options | undefined, view: FrameView): FrameTools;
  /** Flags `pilegate decode` offers for this codec; their values reach `frameTools` and `interpreter` in `FrameView.flags`. */
  readonly cliFlags?: readonly CodecFlag[];
  /** Canonical events of frames read one by one out of context (`pilegate decode --mapping`); events go to `context.sink`. */
  interpreter?(context: SessionContext<Options>, view: FrameView): FrameInterpreter;
  /**
   * The top-level `kind:` values of the files this codec's `loadOptions` reads (`iec104-points`,
   * `sgcc104-dialect`): `pilegate mapping check` without `--codec` picks the codec a file's kind names.
   */
  readonly optionsKinds?: readonly string[];
  /** What `pilegate mapping check` prints of loaded options; absent: the codec has nothing to check beyond loading. */
  checkOptions?(options: Options, file: string): OptionsReport;
  /** Simulated chargers of this protocol, for `pilegate simulate` and `pilegate demo` (a type-only, `net`-free contract). */
  readonly simulator?: ChargerSimulatorFactory<Options>;
  /**
   * Whether the first bytes of a connection are this protocol (`docs/protocols/state-grid-dialects.md §1`):
   * `yes` (a whole first frame of it, checked as far as its framing allows), `no`, or `more` (a
   * prefix of one: more bytes are needed). Pure and cheap; never throws. `head` holds every byte
   * the charger sent so far; `options` are the listener's when it names this codec, else undefined.
   * A codec with `sniff` can share a port with others (a listener's `codecs:`) and is named when a
   * charger dials a port configured for another protocol.
   */
  sniff?(head: Uint8Array, options: Options | undefined): SniffResult;
  /**
   * The protocol's chargers say nothing until the gateway spoke (IEC 104: the controlled station
   * waits for STARTDT act). A listener serving several codecs gives a charger that stays silent
   * through its detection time to the one codec it serves that says so.
   */
  readonly gatewaySpeaksFirst?: boolean;
  /**
   * With `gatewaySpeaksFirst`: how its chargers wait, in an operator's words (`IEC 104 chargers
   * wait for the gateway's STARTDT act`), for the hint logged when a charger stays silent on a port
   * whose protocol expects the charger to speak first.
   */
  readonly waitingChargers?: string;
}

/** See `Codec.sniff`. */
export type SniffResult = 'yes' | 'no' | 'more';
