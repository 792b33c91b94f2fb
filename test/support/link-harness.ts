/**
 * An IEC 104 link of either role on a fake clock with everything it sends and reports captured,
 * and the frames a peer sends it: for the link unit tests.
 */
import { decodeApci, encodeIFrame, type Apci } from '../../src/iec104/apci.js';
import type { DecodeError } from '../../src/iec104/errors.js';
import { ControlledLink, ControllingLink, type LinkCloseReason, type LinkOptions, type LinkParameters, type LinkRole } from '../../src/iec104/link.js';
import { FakeClock } from './fake-clock.js';

/** C_IC_NA_1 act, CA 1, IOA 0, QOI 20: a realistic ASDU body for I-frames. */
export const ASDU = Buffer.from([100, 0x01, 6, 0, 1, 0, 0, 0, 0, 20]);

export const STARTDT_ACT = Buffer.from('680407000000', 'hex');
export const STARTDT_CON = Buffer.from('68040b000000', 'hex');
export const STOPDT_ACT = Buffer.from('680413000000', 'hex');
export const STOPDT_CON = Buffer.from('680423000000', 'hex');
export const TESTFR_ACT = Buffer.from('680443000000', 'hex');
export const TESTFR_CON = Buffer.from('680483000000', 'hex');

/** A controlling link (the gateway's end) not yet started, with these parameters over the defaults. */
export function controllingLink(params: Partial<LinkParameters> = {}) {
  return linkHarness('controlling', params);
}

/** A controlled link (the charger's end) not yet started, with these parameters over the defaults. */
export function controlledLink(params: Partial<LinkParameters> = {}) {
  return linkHarness('controlled', params);
}

function linkHarness(role: LinkRole, params: Partial<LinkParameters>) {
  const clock = new FakeClock(1_000);
  const sent: Buffer[] = [];
  const closes: LinkCloseReason[] = [];
  const asdus: Buffer[] = [];
  const transitions: string[] = [];
  const errors: DecodeError[] = [];
  const options: LinkOptions = {
    clock,
    params,
    send: (bytes) => sent.push(Buffer.from(bytes)),
    close: (reason) => closes.push(reason),
    onAsdu: (asdu) => asdus.push(Buffer.from(asdu)),
    onStateChange: (from, to, reason) => transitions.push(`${from} -> ${to} (${reason})`),
    onError: (error) => errors.push(error),
  };
  const link = role === 'controlling' ? new ControllingLink(options) : new ControlledLink(options);
  const p = link.params;
  /** Decoded APCI of everything sent since the last call. */
  const drain = (): Apci[] => sent.splice(0).map(apciOf);
  /**
   * Data transfer started: the controlling end starts and gets the con, the controlled end gets
   * the act (its con is discarded).
   */
  const activate = (): void => {
    if (role === 'controlling') {
      link.start();
      link.receive(STARTDT_CON);
    } else link.receive(STARTDT_ACT);
    sent.length = 0;
  };
  return { clock, link, p, sent, closes, asdus, transitions, errors, drain, activate };
}

export function apciOf(frame: Buffer): Apci {
  const r = decodeApci(frame);
  if (!r.ok) throw r.error;
  return r.value;
}

/** An I-frame from the peer carrying `ASDU`. */
export const peerI = (ns: number, nr = 0): Buffer => encodeIFrame(ns, nr, ASDU);
