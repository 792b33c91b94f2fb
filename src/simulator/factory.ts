/**
 * What a codec offers `pilegate simulate` and `pilegate demo` (`Codec.simulator`): charger models
 * of its protocol, pure like the codec (bytes in, bytes out, an injected clock). The CLI puts each
 * on a socket (`socket.ts`) and prints what it reports; it never reaches into the codec's folder.
 * This file imports only the core's clock type, so that `codecs/codec.ts` can name it without reaching `net`.
 */
import type { Clock } from '../core/clock.js';

/** Epoch milliseconds and timers, injected (tests run a charger model on a fake clock). */
export type SimulatorClock = Clock;

/** Where a charger model's bytes go while a connection is up. */
export interface LineOutput {
  /** Writes to the current connection; nothing happens while there is none. */
  write(bytes: Buffer): void;
  /** Drops the current connection (the model's protocol gave up on it); reconnect decides what next. */
  drop(): void;
}

/** The charger model's side of a connection (`socket.ts` feeds it). Its methods must not throw. */
export interface ChargerLine {
  /** A TCP connection is up (the first one, or a new one after a drop); bytes go out through `output`. */
  connected(output: LineOutput): void;
  /** Bytes from the gateway, in whatever chunks TCP delivered them. */
  receive(chunk: Buffer): void;
  /**
   * The connection dropped; `again` says whether another one will be dialled, `by` who ended it:
   * `peer` (the gateway closed it, or it was lost) or `charger` (this side's `drop()` or `close()`).
   */
  dropped(again: boolean, by?: DropCause): void;
}

/** Who ended a connection: the gateway (or the network), or the charger itself. */
export type DropCause = 'peer' | 'charger';

/** What the chargers do on their own: charging sessions in a loop, one session, or nothing (connect only). */
export type SimulatedSessions = 'loop' | 'once' | 'idle';

/** What a simulated charger tells the CLI (each becomes one printed line). */
export type SimulatorReport =
  /** The gateway accepted the charger in its protocol's terms (YKC: login answer result 0; IEC 104: STARTDT and interrogation, and the connection kept). */
  | { readonly type: 'online'; readonly text: string }
  /** The gateway refused the charger: a refusing answer, or the connection closed before it was accepted. */
  | { readonly type: 'refused'; readonly text: string }
  /** Its connection dropped. */
  | { readonly type: 'offline' }
  /** A charging session started, as the gateway's answer said (a card accepted, a remote start). */
  | { readonly type: 'sessionStarted'; readonly text: string }
  /** The gateway refused to start a session (a card refused). */
  | { readonly type: 'sessionRefused'; readonly text: string }
  /** A charging session is over (counted in the summary). */
  | { readonly type: 'sessionEnded'; readonly text: string }
  | { readonly type: 'note'; readonly text: string };

export interface SimulatedChargerSetup<Options> {
  /** The codec's options (`Codec.loadOptions`), e.g. an IEC 104 point table. */
  readonly options: Options;
  /** The charger's id, one of `fleetIds`. */
  readonly id: string;
  /** Its place in the fleet, from 0 (spreads single sessions over connectors). */
  readonly index: number;
  readonly clock: SimulatorClock;
  /** Report meter values this often while charging. */
  readonly meterIntervalMs: number;
  readonly sessions: SimulatedSessions;
  /** Must not throw. */
  readonly report: (report: SimulatorReport) => void;
}

/** One simulated charger: the line a socket feeds, and a name for people. */
export interface SimulatedCharger extends ChargerLine {
  /** As the charger shows up at the gateway and the CSMS (e.g. `EXDC101`, a pile code). */
  readonly name: string;
  /** Stops its sessions and every timer for good. */
  dispose(): void;
}

export interface ChargerSimulatorFactory<Options = unknown> {
  /** The codec options file (package-relative) used when none is given; absent: the codec's defaults, no file. */
  readonly defaultOptionsFile?: string;
  /** The CLI option naming the first charger's id (the others follow), its help and its default. */
  readonly firstId: { readonly option: string; readonly description: string; readonly default: string };
  /** Meter report interval while charging when none is given, ms. */
  readonly meterIntervalMs: number;
  /** The ids of `count` chargers from `first`. @throws RangeError with a message for the user. */
  fleetIds(first: string, count: number): string[];
  create(setup: SimulatedChargerSetup<Options>): SimulatedCharger;
}
