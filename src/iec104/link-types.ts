/**
 * The contract between the IEC 60870-5-104 link and its owner: the link's states and roles, why it
 * changes state or asks for the connection to be closed, and the options it is built with. Kept
 * apart from `link.ts` so the state machine reads on its own; `link.ts` re-exports all of it.
 */
import type { Clock } from '../core/clock.js';
import type { Apci, UFunction } from './apci.js';
import type { DecodeError, DecodeResult } from './errors.js';
import type { LinkParameters } from './link-params.js';

/** Link states; changed only by `setState`, which reports every `from -> to`. */
export type LinkState = 'idle' | 'starting' | 'active' | 'stopping' | 'stopped' | 'closed';

/**
 * Why the link asks its owner to close the connection: a t1 time-out (ack or con missing), an
 * N(R) acknowledging a frame never sent, or an I-frame whose N(S) is not the expected one.
 */
export type LinkCloseReason = 't1' | 'invalid-nr' | 'ns-out-of-order';

/**
 * Cause reported with each state change. The controlling role moves on its own act and the peer's
 * con (`start`, `startdt-con`, `stop`, `stopdt-con`); the controlled role on the peer's act
 * (`startdt-act`, `stopdt-act`).
 */
export type LinkStateReason = 'start' | 'startdt-con' | 'stop' | 'stopdt-con' | 'startdt-act' | 'stopdt-act' | 'disposed' | LinkCloseReason;

/**
 * Which end of the link this is (IEC 60870-5-104 §5.3). `controlling` sends STARTDT/STOPDT act and
 * waits for the con; `controlled` answers them and only sends I-frames between STARTDT and STOPDT.
 */
export type LinkRole = 'controlling' | 'controlled';

/** The APCI of a received I-frame. */
export type IFrameApci = Extract<Apci, { format: 'I' }>;

/**
 * A sign that the peer's k or w does not fit this link's (§5.5), each kind reported at most once:
 * `peer-waits`: the peer repeatedly stopped after `unacknowledged` I-frames and resumed as soon as
 * the t2 acknowledgement came (its k is below our w); `window-full`: our k frames stayed
 * unacknowledged for `waitedMs` while more waited to go (the peer acknowledges after more than k
 * frames, or late).
 */
export type FlowWarning = { readonly kind: 'peer-waits'; readonly unacknowledged: number } | { readonly kind: 'window-full'; readonly waitedMs: number };

/**
 * How APDUs look on the wire: the standard IEC 104 form (`iec104Wire`, the default) or a dialect's
 * (a two-octet length, a checksum after each I-frame, seven-octet U-frames). The link reads and
 * writes every frame through it and never looks at the octets itself.
 */
export interface LinkWire {
  /** The APCI of one whole frame (as the owner's framer delivered it). */
  apci(frame: Buffer): DecodeResult<Apci>;
  /** The ASDU of a whole I-frame (a view into `frame`, without any trailer). */
  asdu(frame: Buffer): Buffer;
  iFrame(ns: number, nr: number, asdu: Uint8Array): Buffer;
  sFrame(nr: number): Buffer;
  uFrame(fn: UFunction): Buffer;
  /** The longest ASDU an I-frame carries. */
  readonly maxAsdu: number;
}

/** What the link needs from its owner. Callbacks must not throw. */
export interface LinkOptions {
  /** Writes bytes to the transport. */
  send(bytes: Buffer): void;
  /** Asks the owner to close the TCP connection; the link is already `closed` when this is called. */
  close(reason: LinkCloseReason): void;
  /** Every whole APDU framed from received bytes, before it is read (the owner counts them), also the rest of a chunk that closed the link. */
  onFrame?(): void;
  /** A received I-frame's ASDU (a view into the received bytes: copy it to keep it). */
  onAsdu?(asdu: Buffer, apci: IFrameApci): void;
  /** Every state transition, in order; the owner logs it. */
  onStateChange?(from: LinkState, to: LinkState, reason: LinkStateReason): void;
  /** Framing and APCI decode errors, reported only: error budgets are the owner's policy. */
  onError?(error: DecodeError): void;
  /** k/w that do not fit the peer's (see `FlowWarning`); the owner logs it. */
  onFlowWarning?(warning: FlowWarning): void;
  /** Overrides of the IEC defaults; validated (RangeError). */
  params?: Partial<LinkParameters>;
  /** Time and timers; `now()` only measures intervals (t1, t2). Default `monotonicClock`. */
  clock?: Clock;
  /** Default `controlling`. */
  role?: LinkRole;
  /**
   * How frames look on the wire; default the standard IEC 104 form (`iec104Wire`) with
   * `params.maxApduLength`. An owner with another wire frames the bytes itself and hands each whole
   * APDU to `receiveFrame`.
   */
  wire?: LinkWire;
}
