/**
 * Whether the stations reach the CSMS, gateway-wide, for `/readyz`. One station without its OCPP
 * connection is that station's trouble (its CSMS URL, its credentials) and shows in the metrics;
 * the CSMS counts as unreachable only when no running station has its connection, and that has
 * lasted the grace period (`http.csmsGraceMs`): a CSMS restart or a station's reconnect is not an
 * outage. The clock starts when the last connection closed, or when the longest-waiting station
 * started if none has connected since.
 */
import { failureReason, type ConnectionFailure, type FailureReason } from '../ocpp/client-failures.js';

/** The latest failed attempt or lost connection of any station. */
export interface CsmsFailure {
  readonly stationId: string;
  readonly reason: FailureReason;
  readonly message: string;
  readonly at: number;
}

export interface CsmsStatus {
  /** Stations running. */
  readonly stations: number;
  /** Stations whose OCPP connection is open. */
  readonly connected: number;
  /** Since when no station has had its connection (epoch ms), while stations run and none has it. */
  readonly offlineSince?: number;
  /** No station has had its connection for the grace period. */
  readonly unreachable: boolean;
  readonly lastFailure?: CsmsFailure;
}

/** What the status needs of one running station. */
export interface StationLink {
  /** When the station started (epoch ms). */
  readonly startedAt: number;
  readonly open: boolean;
}

export class CsmsReachability {
  /** The last time a connection opened or closed: the last moment one was known open. */
  private lastOpenAt: number | undefined;
  private failure: CsmsFailure | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** A station's OCPP connection opened or closed. */
  connection(): void {
    this.lastOpenAt = this.now();
  }

  /** A station's attempt failed, or its open connection was lost. */
  failed(stationId: string, failure: ConnectionFailure): void {
    this.failure = { stationId, reason: failureReason(failure), message: failure.message, at: this.now() };
  }

  status(stations: Iterable<StationLink>, graceMs: number): CsmsStatus {
    let total = 0;
    let connected = 0;
    let firstStart = Infinity;
    for (const s of stations) {
      total += 1;
      if (s.open) connected += 1;
      firstStart = Math.min(firstStart, s.startedAt);
    }
    const failure = this.failure !== undefined ? { lastFailure: this.failure } : {};
    if (total === 0 || connected > 0) return { stations: total, connected, unreachable: false, ...failure };
    const offlineSince = Math.max(this.lastOpenAt ?? -Infinity, firstStart);
    return { stations: total, connected, offlineSince, unreachable: this.now() - offlineSince >= graceMs, ...failure };
  }
}
