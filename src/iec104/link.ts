/**
 * The IEC 60870-5-104 link layer of either station. The gateway runs the *controlling* side on an
 * accepted TCP connection: chargers dial out to the gateway but remain the controlled station, so
 * the gateway sends STARTDT act. The charger simulator runs the *controlled* side, which waits for
 * STARTDT act instead. Both roles share the sequence numbers, k/w flow control and t1/t2/t3; only
 * the U-frame procedures differ. Pure state machine: bytes, time and timers come in through the
 * constructor, nothing here touches a socket, a real timer or a logger.
 *
 * Clauses cited are IEC 60870-5-104: §5.1 sequence numbers, acknowledgements, t1/t2; §5.2 test
 * procedure and t3; §5.3 STARTDT/STOPDT; §5.5 flow control with k and w.
 */
import { monotonicClock, type Clock } from '../core/clock.js';
import { seqNext, type UFunction } from './apci.js';
import { ApduFramer } from './framer.js';
import { LinkTimer, resolveLinkParameters, type LinkParameters } from './link-params.js';
import type { IFrameApci, LinkCloseReason, LinkOptions, LinkRole, LinkState, LinkStateReason, LinkWire } from './link-types.js';
import { iec104Wire } from './link-wire.js';
import { FlowWatch } from './link-flow.js';
import { AsduQueue, SendWindow } from './link-window.js';

export { DEFAULT_LINK_PARAMETERS, resolveLinkParameters } from './link-params.js';
export type { LinkParameters } from './link-params.js';
export type { FlowWarning, IFrameApci, LinkCloseReason, LinkOptions, LinkRole, LinkState, LinkStateReason, LinkWire } from './link-types.js';
export { iec104Wire } from './link-wire.js';

type Procedure = 'STARTDT' | 'STOPDT' | 'TESTFR';

/**
 * IEC 104 link of either role: STARTDT/STOPDT, TESTFR, sequence numbers, k/w flow control,
 * t1..t3. `ControllingLink` and `ControlledLink` fix the role.
 */
export class Iec104Link {
  /** The validated parameters in force. */
  readonly params: LinkParameters;
  readonly role: LinkRole;
  private readonly opts: LinkOptions;
  private readonly clock: Clock;
  private readonly framer: ApduFramer;
  private readonly wire: LinkWire;
  private current: LinkState = 'idle';
  private recvSeq = 0;
  /** V(S), the sent I-frames awaiting an ack and t1 for the oldest of them. */
  private readonly window: SendWindow;
  private readonly queue = new AsduQueue();
  /** Received I-frames not yet acknowledged to the peer. */
  private recvUnacked = 0;
  /** t1 for each U-frame act awaiting its con. */
  private readonly t1Con: Readonly<Record<Procedure, LinkTimer>>;
  private readonly t2: LinkTimer;
  private readonly t3: LinkTimer;
  private readonly flow: FlowWatch;

  /** @throws RangeError when `options.params` is out of range. */
  constructor(options: LinkOptions) {
    this.params = resolveLinkParameters(options.params);
    this.role = options.role ?? 'controlling';
    this.opts = options;
    this.clock = options.clock ?? monotonicClock;
    this.framer = new ApduFramer({ maxApduLength: this.params.maxApduLength });
    this.wire = options.wire ?? iec104Wire(this.params.maxApduLength);
    const closeOnT1 = (): void => this.closeLink('t1');
    this.window = new SendWindow(this.clock, this.params, closeOnT1);
    this.t1Con = {
      STARTDT: new LinkTimer(this.clock, closeOnT1),
      STOPDT: new LinkTimer(this.clock, closeOnT1),
      TESTFR: new LinkTimer(this.clock, closeOnT1),
    };
    this.flow = new FlowWatch(this.clock, this.params, options.onFlowWarning);
    this.t2 = new LinkTimer(this.clock, () => {
      this.flow.ackedOnT2(this.recvUnacked);
      this.sendAck();
    });
    this.t3 = new LinkTimer(this.clock, () => this.onIdle());
  }

  /** Current state. */
  get state(): LinkState {
    return this.current;
  }

  /** V(S): N(S) of the next I-frame to send. */
  get vs(): number {
    return this.window.vs;
  }

  /** V(R): N(S) expected in the next received I-frame. */
  get vr(): number {
    return this.recvSeq;
  }

  /** Sent I-frames not yet acknowledged by the peer (at most k). */
  get unackedCount(): number {
    return this.window.count;
  }

  /** ASDUs waiting for the link to be active or for the k-window to open. */
  get queuedCount(): number {
    return this.queue.length;
  }

  /** Received I-frames not yet acknowledged to the peer (below w). */
  get pendingAckCount(): number {
    return this.recvUnacked;
  }

  /**
   * Sends STARTDT act (from `idle` or `stopped`) and waits t1 for the con (§5.3). Otherwise a no-op,
   * and always one in the controlled role, where only the peer starts data transfer.
   */
  start(): void {
    if (this.role === 'controlled') return;
    if (this.current !== 'idle' && this.current !== 'stopped') return;
    this.setState('starting', 'start');
    this.restartIdleTimer();
    this.sendAct('STARTDT');
  }

  /**
   * Sends STOPDT act (from `starting` or `active`) after acknowledging everything received, and
   * waits t1 for the con (§5.3). Queued ASDUs stay queued until the next `start()`. A no-op in the
   * controlled role.
   */
  stop(): void {
    if (this.role === 'controlled') return;
    if (this.current !== 'active' && this.current !== 'starting') return;
    this.t1Con.STARTDT.stop();
    this.sendAck();
    this.setState('stopping', 'stop');
    this.sendAct('STOPDT');
  }

  /**
   * Queues one ASDU for an I-frame. It is sent at once while the link is active and fewer than k
   * frames are unacknowledged, otherwise when that becomes true (§5.5). Returns false (and drops
   * the ASDU) when the link is closed.
   * @throws RangeError when the ASDU is empty or longer than the wire carries (`maxApduLength - 4` on the standard wire).
   */
  sendAsdu(asdu: Uint8Array): boolean {
    const max = this.wire.maxAsdu;
    if (asdu.length === 0 || asdu.length > max) {
      throw new RangeError(`ASDU of ${asdu.length} octets, expected 1..${max}`);
    }
    if (this.isClosed()) return false;
    if (this.canSendI() && this.queue.length === 0) {
      this.sendI(asdu);
    } else {
      // Copy: the caller may reuse its buffer before the window opens.
      this.queue.push(Uint8Array.from(asdu));
      if (this.current === 'active' && !this.window.hasRoom()) this.flow.windowFull();
    }
    return true;
  }

  /** Feeds bytes received from the transport (any chunking). Ignored once closed. */
  receive(chunk: Uint8Array): void {
    if (this.isClosed()) return;
    for (const item of this.framer.push(chunk)) {
      if (item.kind === 'frame') this.opts.onFrame?.();
      // A callback or a protocol error may have closed the link part way through the chunk: the rest is only counted.
      if (this.isClosed()) continue;
      if (item.kind === 'error') {
        this.opts.onError?.(item.error);
        continue;
      }
      this.receiveFrame(item.frame, item.offset);
    }
  }

  /**
   * Acts on one whole APDU that the owner framed itself (a dialect's wire, see `LinkOptions.wire`):
   * what `receive` does with each frame its framer yields. `offset` (the frame's place in the
   * stream) shifts the offsets of reported errors. `onFrame` is not called: the owner counts the
   * frames it frames. Ignored once closed.
   */
  receiveFrame(frame: Buffer, offset = 0): void {
    if (this.isClosed()) return;
    // §5.2: t3 measures idle time since the last frame received, whatever its format.
    this.restartIdleTimer();
    const decoded = this.wire.apci(frame);
    if (!decoded.ok) {
      this.opts.onError?.(decoded.error.shifted(offset));
      return;
    }
    const apci = decoded.value;
    if (apci.format === 'I') this.onIFrame(apci, frame);
    else if (apci.format === 'S') this.onSFrame(apci.nr);
    else this.onUFrame(apci.fn);
  }

  /** Stops all timers and drops queued ASDUs; the state becomes `closed`. Call when the connection is gone. */
  dispose(): void {
    this.stopTimers();
    this.queue.clear();
    this.setState('closed', 'disposed');
  }

  private onIFrame(apci: IFrameApci, frame: Buffer): void {
    // §5.1: I-frames arrive in sequence; a gap or a repeat means lost or duplicated data.
    if (apci.ns !== this.recvSeq) {
      this.closeLink('ns-out-of-order');
      return;
    }
    if (!this.acceptAck(apci.nr)) return;
    this.flow.iFrame();
    this.recvSeq = seqNext(this.recvSeq);
    this.recvUnacked += 1;
    // Window may have opened; any I-frame sent now piggybacks the ack for this frame.
    this.flushQueue();
    // §5.5: ack at the latest after w I-frames; §5.1: otherwise within t2 of the first unacked one.
    if (this.recvUnacked >= this.params.w) this.sendAck();
    else if (this.recvUnacked > 0 && !this.t2.running) this.t2.start(this.params.t2);
    this.opts.onAsdu?.(this.wire.asdu(frame), apci);
  }

  private onSFrame(nr: number): void {
    if (this.acceptAck(nr)) this.flushQueue();
  }

  private onUFrame(fn: UFunction): void {
    if (this.role === 'controlled' && this.onControlledUFrame(fn)) return;
    switch (fn) {
      // A controlled station has no business sending STARTDT/STOPDT act, but answering costs nothing.
      case 'STARTDT_ACT':
        this.transmit(this.wire.uFrame('STARTDT_CON'));
        break;
      case 'STOPDT_ACT':
        this.transmit(this.wire.uFrame('STOPDT_CON'));
        break;
      // §5.2: TESTFR act is answered in any state (chargers use it as their heartbeat).
      case 'TESTFR_ACT':
        this.transmit(this.wire.uFrame('TESTFR_CON'));
        break;
      case 'STARTDT_CON':
        if (!this.t1Con.STARTDT.running) break; // unsolicited con: ignore
        this.t1Con.STARTDT.stop();
        if (this.current === 'starting') {
          this.setState('active', 'startdt-con');
          this.flushQueue();
        }
        break;
      case 'STOPDT_CON':
        if (!this.t1Con.STOPDT.running) break;
        this.t1Con.STOPDT.stop();
        if (this.current === 'stopping') this.setState('stopped', 'stopdt-con');
        break;
      case 'TESTFR_CON':
        this.t1Con.TESTFR.stop();
        break;
    }
  }

  /**
   * The controlled station's side of §5.3: STARTDT act opens data transfer (queued ASDUs go out
   * after the con), STOPDT act closes it after acknowledging everything received. Returns false for
   * the functions both roles handle alike.
   */
  private onControlledUFrame(fn: UFunction): boolean {
    if (fn === 'STARTDT_ACT') {
      this.transmit(this.wire.uFrame('STARTDT_CON'));
      if (this.current !== 'active') {
        this.setState('active', 'startdt-act');
        // t3 runs from the start of data transfer; before it the peer owes us nothing.
        this.restartIdleTimer();
        this.flushQueue();
      }
      return true;
    }
    if (fn === 'STOPDT_ACT') {
      // §5.3: received I-frames are acknowledged before the con, so the peer can stop cleanly.
      this.sendAck();
      this.transmit(this.wire.uFrame('STOPDT_CON'));
      if (this.current === 'active') this.setState('stopped', 'stopdt-act');
      return true;
    }
    return false;
  }

  /** Applies a received N(R) to the send window (§5.1); closes the link when it is out of range. */
  private acceptAck(nr: number): boolean {
    if (this.window.acknowledge(nr)) {
      this.flow.acknowledged(this.window.hasRoom());
      return true;
    }
    this.closeLink('invalid-nr');
    return false;
  }

  private canSendI(): boolean {
    return this.current === 'active' && this.window.hasRoom();
  }

  private flushQueue(): void {
    while (this.canSendI()) {
      const asdu = this.queue.shift();
      if (asdu === undefined) return;
      this.sendI(asdu);
    }
  }

  private sendI(asdu: Uint8Array): void {
    const frame = this.wire.iFrame(this.window.vs, this.recvSeq, asdu);
    this.window.sent();
    // §5.1: the I-frame's N(R) acknowledges everything received, so no S-frame is due.
    this.recvUnacked = 0;
    this.t2.stop();
    this.transmit(frame);
  }

  /** S-frame acknowledging every received I-frame (§5.1). */
  private sendAck(): void {
    this.t2.stop();
    if (this.recvUnacked === 0) return;
    this.recvUnacked = 0;
    this.transmit(this.wire.sFrame(this.recvSeq));
  }

  private sendAct(procedure: Procedure): void {
    this.t1Con[procedure].start(this.params.t1);
    this.transmit(this.wire.uFrame(`${procedure}_ACT`));
  }

  /** §5.2: t3 expired without any frame received: probe the peer with TESTFR act, con expected within t1. */
  private onIdle(): void {
    if (!this.t1Con.TESTFR.running) this.sendAct('TESTFR');
  }

  private restartIdleTimer(): void {
    if (this.current !== 'idle' && this.current !== 'closed') this.t3.restart(this.params.t3);
  }

  private transmit(bytes: Buffer): void {
    if (!this.isClosed()) this.opts.send(bytes);
  }

  /** A method, not an inline comparison, so TypeScript does not narrow the state across callbacks. */
  private isClosed(): boolean {
    return this.current === 'closed';
  }

  private closeLink(reason: LinkCloseReason): void {
    if (this.isClosed()) return;
    this.stopTimers();
    this.queue.clear();
    this.setState('closed', reason);
    this.opts.close(reason);
  }

  private stopTimers(): void {
    this.window.stopTimer();
    this.t1Con.STARTDT.stop();
    this.t1Con.STOPDT.stop();
    this.t1Con.TESTFR.stop();
    this.t2.stop();
    this.t3.stop();
  }

  /** The one place the state changes. */
  private setState(to: LinkState, reason: LinkStateReason): void {
    const from = this.current;
    if (from === to) return;
    this.current = to;
    this.opts.onStateChange?.(from, to, reason);
  }
}

/** The controlling station's link (the gateway's side of a charger connection). */
export class ControllingLink extends Iec104Link {
  constructor(options: Omit<LinkOptions, 'role'>) {
    super({ ...options, role: 'controlling' });
  }
}

/** The controlled station's link (a charger's side, as the simulator plays it). */
export class ControlledLink extends Iec104Link {
  constructor(options: Omit<LinkOptions, 'role'>) {
    super({ ...options, role: 'controlled' });
  }
}
