/**
 * What the gateway keeps of each station for GetLog(DiagnosticsLog): its charger's frames in both
 * directions and the gateway's log lines about it (at the logger's level, secrets redacted), in a
 * bounded ring per station (`ring.ts`). A connection records into a ring of its own until its
 * charger is known as a station; the station's ring then takes its records and lives on across
 * the charger's reconnections for as long as the gateway runs. The frames are decoded only when a
 * log is asked for, with the codec's frame tools.
 *
 * A DiagnosticsLog line is `<time> <direction> <hex> (<n> bytes)` followed by the decoded fields,
 * indented; `<time> log <level> <message> <data as JSON>` for a log line; `<time> connection
 * <remote address>` where a connection of the charger began.
 */
import type { FrameTools } from '../../../codecs/codec.js';
import type { Log } from '../../core/log.js';
import { inWindow } from '../../station/diagnostics/get-log.js';
import type { DiagnosticsSource, LogWindow } from '../../station/diagnostics/ports.js';
import type { CaptureDirection, CaptureSink } from '../capture.js';
import { redactUserinfo } from '../../core/url-userinfo.js';
import { SECRET_KEYS } from '../redact.js';
import { RecordRing } from './ring.js';

/** A log line is cut to this many bytes of JSON. */
const MAX_LOG_LINE = 1024;

interface StationRecord {
  ring: RecordRing;
  tools: FrameTools | undefined;
}

/** The gateway's records of all its stations. */
export class StationDiagnostics {
  private readonly stations = new Map<string, StationRecord>();

  constructor(
    private readonly bytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new charger connection's recorder; `inner` is its capture file, if any. */
  connection(remote: string, inner?: CaptureSink): ConnectionRecorder {
    return new ConnectionRecorder(this, remote, inner);
  }

  /** The DiagnosticsLog lines of one station. */
  source(stationId: string): DiagnosticsSource {
    return { diagnostics: (window) => this.render(stationId, window) };
  }

  /** @internal the ring a connection of `stationId` records into from now on (its own records moved there). */
  adopt(stationId: string, own: RecordRing | undefined, tools: FrameTools | undefined): RecordRing | undefined {
    if (this.bytes <= 0) return undefined;
    const known = this.stations.get(stationId);
    if (known === undefined) {
      const ring = own ?? new RecordRing(this.bytes);
      this.stations.set(stationId, { ring, tools });
      return ring;
    }
    for (const r of own?.records() ?? []) known.ring.add(r.at, r.kind, r.bytes);
    known.tools = tools;
    return known.ring;
  }

  /** @internal */
  newRing(): RecordRing | undefined {
    return this.bytes > 0 ? new RecordRing(this.bytes) : undefined;
  }

  /** @internal */
  time(): number {
    return this.now();
  }

  private render(stationId: string, window: LogWindow): string[] {
    const station = this.stations.get(stationId);
    if (station === undefined) return [];
    const { tools } = station;
    let framers = tools === undefined ? undefined : { in: tools.framer(), out: tools.framer() };
    const out: string[] = [];
    for (const r of station.ring.records()) {
      const shown = inWindow(r.at, window);
      const time = new Date(r.at).toISOString();
      if (r.kind === 'log') {
        if (shown) out.push(`${time} ${r.bytes.toString('utf8')}`);
        continue;
      }
      if (r.kind === 'open') {
        // A new connection: its first bytes start a new frame.
        framers = tools === undefined ? undefined : { in: tools.framer(), out: tools.framer() };
        if (shown) out.push(`${time} connection ${r.bytes.toString('utf8')}`);
        continue;
      }
      const dir = r.kind === 'in' ? 'charger->gateway' : 'gateway->charger';
      if (framers === undefined || tools === undefined) {
        if (shown) out.push(`${time} ${dir} ${spaced(r.bytes)} (${r.bytes.length} bytes)`);
        continue;
      }
      for (const item of framers[r.kind].push(r.bytes)) {
        if (!shown) continue;
        if (item.kind === 'error') {
          out.push(`${time} ${dir} framing error ${item.error.code}: ${item.error.message}`);
          continue;
        }
        // The hex is of the frame as it may be shown (a one-time password overwritten); the fields are decoded from the frame itself and mask it too.
        out.push(`${time} ${dir} ${spaced(tools.shown(item.frame))} (${item.frame.length} bytes)`);
        const d = tools.decode(item.frame);
        out.push(...(d.ok ? d.lines : [`  error ${d.code}: ${d.message}`, ...(d.lines ?? [])]).map((l) => `  ${l}`));
      }
    }
    return out;
  }
}

function spaced(bytes: Buffer): string {
  return (bytes.toString('hex').match(/../g) ?? []).join(' ');
}

/**
 * One connection's recorder: the session's capture sink (teeing to the capture file, if any) and
 * a wrapper of its log. Allocates nothing until the first record.
 */
class ConnectionRecorder implements CaptureSink {
  private ring: RecordRing | undefined;
  private opened = false;
  private bound = false;

  constructor(
    private readonly owner: StationDiagnostics,
    private readonly remote: string,
    private readonly inner: CaptureSink | undefined,
  ) {}

  record(dir: CaptureDirection, bytes: Uint8Array): void {
    this.inner?.record(dir, bytes);
    this.add(dir, bytes);
  }

  identified(chargerId: string): void {
    this.inner?.identified(chargerId);
  }

  close(): void {
    this.inner?.close();
  }

  /** The charger is station `stationId`: its records join the station's. */
  bind(stationId: string, tools: FrameTools | undefined): void {
    this.bound = true;
    this.ring = this.owner.adopt(stationId, this.ring, tools);
  }

  /** `log`, with each line it lets through also recorded. */
  wrap(log: Log, enabled: (level: Parameters<Log>[0]) => boolean): Log {
    return (level, message, data) => {
      log(level, message, data);
      if (enabled(level)) this.add('log', Buffer.from(logLine(level, message, data), 'utf8'));
    };
  }

  private add(kind: 'in' | 'out' | 'log', bytes: Uint8Array): void {
    if (!this.opened) {
      this.opened = true;
      if (!this.bound) this.ring = this.owner.newRing();
      this.ring?.add(this.owner.time(), 'open', Buffer.from(this.remote, 'utf8'));
    }
    this.ring?.add(this.owner.time(), kind, bytes);
  }
}

/** `log <level> <message> <data>`, secrets and URL passwords replaced, cut to `MAX_LOG_LINE`. */
function logLine(level: string, message: string, data: Readonly<Record<string, unknown>> | undefined): string {
  let json = '';
  if (data !== undefined && Object.keys(data).length > 0) {
    try {
      json = ` ${JSON.stringify(data, (key, value: unknown) => (SECRET_KEYS.has(key) ? '[redacted]' : typeof value === 'bigint' ? value.toString() : value))}`;
    } catch {
      json = ' [data not serialisable]';
    }
  }
  const line = redactUserinfo(`log ${level} ${message}${json}`);
  return line.length > MAX_LOG_LINE ? `${line.slice(0, MAX_LOG_LINE)}…` : line;
}
