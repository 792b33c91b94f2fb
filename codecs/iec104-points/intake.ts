/**
 * The door every ASDU from the charger comes through: decoded, then kept only when it is the
 * charger's process data. A broken ASDU (its header or object count contradicts the frame) is bad
 * input for the host's budget; a well-framed one of no use (a type this library does not decode, a
 * test ASDU, another station's common address) is counted and logged once per kind instead, and so
 * are the unmapped objects of an ASDU that is used.
 *
 * One per connection: it is the connection's `IgnoredInput` too (one object instead of two), and
 * what it is told of objects comes through its methods (`MonitorReports`), not per-connection closures.
 */
import { typeInfo, type TypeInfo } from '../../src/iec104/constants.js';
import { decodeAsduAt } from '../../src/iec104/asdu-parser.js';
import { DecodeError } from '../../src/iec104/errors.js';
import type { Asdu, AsduParameters, InformationObject } from '../../src/iec104/types.js';
import type { IgnoredReason, SessionSink } from '../codec.js';
import { IgnoredInput } from './ignored.js';
import type { MonitorReports } from './monitor.js';
import { flagNames, type Verdict } from './quality.js';

/** Broadcast common address by CA size (IEC 60870-5-101 §7.2.4). */
const BROADCAST_CA = { 1: 0xff, 2: 0xffff } as const;

/** `typeInfo` by TI as an array: read for every ASDU. */
export const TYPE_INFO: readonly (TypeInfo | undefined)[] = Array.from({ length: 256 }, (_, ti) => typeInfo(ti));

export class AsduIntake extends IgnoredInput implements MonitorReports {
  readonly broadcastCa: number;
  /** The charger's common address once learned; before, the mapping's (or broadcast), for addressing. */
  private address: number;
  /** True once the charger's own common address is known (from its first ASDU). */
  private learned = false;
  /** The ASDU whose unmapped objects were last counted, and for which reasons (bit per reason). */
  private countedAsdu: Asdu | undefined;
  private countedReasons = 0;

  constructor(
    sink: SessionSink,
    private readonly params: AsduParameters,
    configuredAddress: number | undefined,
  ) {
    super(sink);
    this.broadcastCa = BROADCAST_CA[params.caSize];
    this.address = configuredAddress ?? this.broadcastCa;
  }

  /** The address commands go to: the charger's once known. */
  get commonAddress(): number {
    return this.address;
  }

  /** True once the charger's own common address is known (from the first ASDU `accept` returned with it). */
  get addressLearned(): boolean {
    return this.learned;
  }

  /**
   * The ASDU in `bytes` when it is the charger's process data; undefined when it was bad input
   * (reported to the host's budget) or of no use (counted).
   */
  accept(bytes: Buffer): Asdu | undefined {
    const asdu = decodeAsduAt(bytes, 0, this.params);
    if (asdu instanceof DecodeError) {
      if (asdu.code === 'IEC104_UNKNOWN_TI') {
        // The APCI framed it and its length is consistent: only its type is unknown here (a vendor's
        // private type: IEC 60870-5-101 §7.2.1.1 leaves 128..255 to them). Not bad input.
        const ti = bytes[0] as number;
        this.report('unknown_type', String(ti), 'ASDU of a type this gateway does not decode: ignored', { ti, hex: bytes.subarray(0, 32).toString('hex') });
        return undefined;
      }
      // A header or object count that contradicts the frame's length: the framing is broken.
      this.sink.error({ code: asdu.code, message: asdu.message });
      return undefined;
    }
    if (asdu.test) {
      // IEC 60870-5-101 §7.2.3: T = 1 marks ASDUs generated for testing, not process data.
      this.report('test', 'test', "ASDUs with the test bit set (T = 1) are ignored, never used as the charger's data", { ti: nameOf(asdu), cause: asdu.cause, commonAddress: asdu.commonAddress });
      return undefined;
    }
    const ca = asdu.commonAddress;
    if (ca === this.broadcastCa || ca === this.address) {
      if (!this.learned && ca !== this.broadcastCa) this.learn(ca);
      return asdu;
    }
    if (!this.learned) {
      this.learn(ca);
      return asdu;
    }
    // One connection carries one charger: another address is not its (a foreign station's data).
    this.report('foreign_address', String(ca), `ASDUs of common address ${ca} ignored: this connection carries the charger of common address ${this.address}`, {
      ti: nameOf(asdu),
      cause: asdu.cause,
      commonAddress: ca,
    });
    return undefined;
  }

  /** An object at an IOA the mapping does not name, or with a status code it has no state for. */
  unknownObject(asdu: Asdu, o: InformationObject, why?: string): void {
    // Counted once per ASDU and reason: the metric counts ASDUs, the log names each IOA once.
    if (why === undefined) this.count(asdu, 1, 'unmapped_address');
    else this.count(asdu, 2, 'unmapped_value');
    const name = nameOf(asdu);
    const message = why ?? 'IOA not in the mapping';
    if (!this.first(`${name}/${o.ioa}/${message}`)) return;
    const { ioa: _ioa, ...value } = o;
    this.sink.log('warn', message, { ti: name, ioa: o.ioa, cause: asdu.cause, value });
  }

  /**
   * An object whose quality descriptor flags it: logged once per point and flags; a dropped one is
   * counted (once per ASDU).
   */
  flaggedObject(asdu: Asdu, o: InformationObject, q: number, verdict: Verdict): void {
    if (verdict === undefined) this.count(asdu, 4, 'quality');
    const name = nameOf(asdu);
    if (!this.first(`${name}/${o.ioa}/q${q}`)) return;
    const flags = flagNames(q);
    const { ioa: _ioa, ...value } = o;
    const fate = verdict === undefined ? 'not used' : 'reported with its flags';
    this.sink.log('info', `value flagged ${flags.join(', ')}: ${fate}`, { ti: name, ioa: o.ioa, flags, value });
  }

  /** A time-tagged object processed before: the charger resent its frame after a reconnect. */
  repeatedObject(asdu: Asdu, o: InformationObject): void {
    this.count(asdu, 8, 'repeat');
    const name = nameOf(asdu);
    this.once('info', `repeat/${name}/${o.ioa}`, 'time-tagged object processed before (resent after a reconnect): ignored', { ti: name, ioa: o.ioa, cause: asdu.cause });
  }

  /** Counts an ignored part of `asdu` once per ASDU and reason (`bit` stands for the reason). */
  private count(asdu: Asdu, bit: number, reason: IgnoredReason): void {
    if (this.countedAsdu !== asdu) {
      this.countedAsdu = asdu;
      this.countedReasons = 0;
    }
    if ((this.countedReasons & bit) !== 0) return;
    this.countedReasons |= bit;
    this.sink.ignored?.(reason);
  }

  private learn(ca: number): void {
    // The charger's address is the one of its first ASDU; from then on another is not its.
    this.learned = true;
    this.address = ca;
  }
}

function nameOf(asdu: Asdu): string {
  return TYPE_INFO[asdu.typeId]?.name ?? String(asdu.typeId);
}
