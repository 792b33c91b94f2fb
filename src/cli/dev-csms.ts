/**
 * A local development CSMS for `pilegate demo`: a `ws` server speaking `ocpp2.0.1` that accepts
 * every station and answers every CALL with a minimal schema-valid response (BootNotification
 * Accepted, Heartbeat with the time, Authorize Accepted, `{}` otherwise), printing each frame as
 * it flows: time, station, direction, action. With `remoteStart` it also sends a
 * RequestStartTransaction when a connector turns Occupied (a cable plugged in), so a charger sees
 * the CSMS act on it. Not for production: no authentication at all.
 */
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import { ocppTimestamp } from '../ocpp/schemas.js';

export interface DevCsmsFrame {
  readonly at: number;
  readonly station: string;
  /** `in`: station → CSMS; `out`: CSMS → station. */
  readonly direction: 'in' | 'out';
  readonly kind: 'CALL' | 'CALLRESULT' | 'CALLERROR';
  readonly action: string;
  /** A few words from the payload (TransactionEvent type and trigger, connector status...). */
  readonly detail?: string;
}

export interface DevCsmsOptions {
  readonly port?: number;
  readonly host?: string;
  /** One line per frame; default nothing. */
  readonly print?: (line: string, frame: DevCsmsFrame) => void;
  /** Send RequestStartTransaction for an EVSE whose connector turns Occupied (default false). */
  readonly remoteStart?: boolean;
}

/** The id token of the development CSMS's remote starts. */
const DEV_CSMS_ID_TOKEN = { idToken: 'DEV-CSMS', type: 'Central' } as const;

export interface DevCsms {
  readonly url: string;
  readonly port: number;
  readonly frames: DevCsmsFrame[];
  close(): Promise<void>;
}

/** Minimal valid answers to station CALLs. */
export function devAnswer(action: string, payload: Record<string, unknown>): Record<string, unknown> {
  const now = ocppTimestamp(Date.now());
  switch (action) {
    case 'BootNotification':
      return { currentTime: now, interval: 300, status: 'Accepted' };
    case 'Heartbeat':
      return { currentTime: now };
    case 'Authorize':
      return { idTokenInfo: { status: 'Accepted' } };
    case 'TransactionEvent':
      return payload['idToken'] !== undefined ? { idTokenInfo: { status: 'Accepted' } } : {};
    case 'DataTransfer':
      return { status: 'UnknownVendorId' };
    case 'Get15118EVCertificate':
      return { status: 'Failed', exiResponse: '' };
    case 'GetCertificateStatus':
      return { status: 'Failed' };
    case 'NotifyEVChargingNeeds':
    case 'NotifyEVChargingSchedule':
    case 'SignCertificate':
      return { status: 'Accepted' };
    default:
      return {};
  }
}

/** `12:00:01.234  EXDC42  ->  BootNotification`: `->` station to CSMS, `<-` CSMS to station. */
export function formatFrame(f: DevCsmsFrame): string {
  const time = new Date(f.at).toISOString().slice(11, 23);
  const arrow = f.direction === 'in' ? '->' : '<-';
  const suffix = f.kind === 'CALL' ? '' : f.kind === 'CALLRESULT' ? ' (result)' : ' (error)';
  return `${time}  ${f.station.padEnd(12)} ${arrow}  ${f.action}${suffix}${f.detail !== undefined ? `  ${f.detail}` : ''}`;
}

/** The interesting bit of a station CALL, for the printed line. */
export function callDetail(action: string, payload: Record<string, unknown>): string | undefined {
  switch (action) {
    case 'TransactionEvent': {
      const tx = payload['transactionInfo'] as { transactionId?: unknown } | undefined;
      return `${String(payload['eventType'])} ${String(payload['triggerReason'])} seqNo ${String(payload['seqNo'])} tx ${String(tx?.transactionId)}${payload['offline'] === true ? ' offline' : ''}`;
    }
    case 'StatusNotification':
      return `evse ${String(payload['evseId'])}/${String(payload['connectorId'])} ${String(payload['connectorStatus'])}`;
    case 'BootNotification':
      return String(payload['reason']);
    default:
      return undefined;
  }
}

/** The interesting bit of a station's answer to a CSMS CALL. */
function resultDetail(payload: unknown): string | undefined {
  const status = (payload as { status?: unknown } | null)?.status;
  return typeof status === 'string' ? status : undefined;
}

/** One station's connection: its CALLs in flight, its running transactions and remote starts. */
class DevStation {
  private next = 0;
  private readonly pending = new Map<string, string>();
  /** EVSEs with a transaction the station reported Started and not yet Ended: transactionId → evseId. */
  private readonly open = new Map<string, number>();
  /** EVSEs that got a remote start for their current Occupied (until they turn Available). */
  private readonly asked = new Set<number>();

  constructor(
    private readonly ws: WebSocket,
    private readonly station: string,
    private readonly record: (f: DevCsmsFrame) => void,
    private readonly remoteStart: boolean,
  ) {}

  /** A frame from the station. */
  receive(frame: unknown[]): void {
    const [type, id] = frame;
    if (typeof id !== 'string') return;
    if (type === 2) return this.call(id, String(frame[2]), (frame[3] ?? {}) as Record<string, unknown>);
    const action = this.pending.get(id);
    if (action === undefined || (type !== 3 && type !== 4)) return;
    this.pending.delete(id);
    const detail = type === 3 ? resultDetail(frame[2]) : `${String(frame[2])} ${String(frame[3])}`;
    this.record({ at: Date.now(), station: this.station, direction: 'in', kind: type === 3 ? 'CALLRESULT' : 'CALLERROR', action, ...(detail !== undefined ? { detail } : {}) });
  }

  private call(id: string, action: string, payload: Record<string, unknown>): void {
    const detail = callDetail(action, payload);
    this.record({ at: Date.now(), station: this.station, direction: 'in', kind: 'CALL', action, ...(detail !== undefined ? { detail } : {}) });
    this.ws.send(JSON.stringify([3, id, devAnswer(action, payload)]));
    this.record({ at: Date.now(), station: this.station, direction: 'out', kind: 'CALLRESULT', action });
    if (action === 'TransactionEvent') this.transaction(payload);
    if (action === 'StatusNotification') this.statusChanged(payload);
  }

  /** Keeps which EVSEs have a transaction running, whoever started it (card, cable, remote start). */
  private transaction(payload: Record<string, unknown>): void {
    const txId = (payload['transactionInfo'] as { transactionId?: unknown } | undefined)?.transactionId;
    if (typeof txId !== 'string') return;
    if (payload['eventType'] === 'Ended') {
      this.open.delete(txId);
      return;
    }
    const evseId = (payload['evse'] as { id?: unknown } | undefined)?.id;
    if (typeof evseId === 'number') this.open.set(txId, evseId);
  }

  /**
   * A connector that turns Occupied (plugged in) gets one remote start on its EVSE, unless the
   * station already reported a transaction Started there (a card or the cable started it).
   */
  private statusChanged(payload: Record<string, unknown>): void {
    const evseId = payload['evseId'];
    const status = payload['connectorStatus'];
    if (typeof evseId !== 'number' || typeof status !== 'string') return;
    if (status === 'Available') this.asked.delete(evseId);
    if (!this.remoteStart || status !== 'Occupied' || this.asked.has(evseId)) return;
    if ([...this.open.values()].includes(evseId)) return;
    this.asked.add(evseId);
    this.next += 1;
    this.send('RequestStartTransaction', { idToken: DEV_CSMS_ID_TOKEN, remoteStartId: this.next, evseId }, `evse ${evseId} remoteStartId ${this.next}`);
  }

  private send(action: string, payload: Record<string, unknown>, detail: string): void {
    const id = `dev-csms-${this.next}-${action}`;
    this.pending.set(id, action);
    this.ws.send(JSON.stringify([2, id, action, payload]));
    this.record({ at: Date.now(), station: this.station, direction: 'out', kind: 'CALL', action, detail });
  }
}

export async function startDevCsms(options: DevCsmsOptions = {}): Promise<DevCsms> {
  const frames: DevCsmsFrame[] = [];
  const wss = new WebSocketServer({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    handleProtocols: (protocols) => (protocols.has('ocpp2.0.1') ? 'ocpp2.0.1' : false),
  });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const record = (f: DevCsmsFrame): void => {
    frames.push(f);
    options.print?.(formatFrame(f), f);
  };
  wss.on('connection', (ws: WebSocket, req) => {
    const station = decodeURIComponent(
      (req.url ?? '/')
        .split('?')[0]
        ?.split('/')
        .filter((s) => s !== '')
        .at(-1) ?? 'unknown',
    );
    const peer = new DevStation(ws, station, record, options.remoteStart ?? false);
    ws.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(String(data));
      } catch {
        return;
      }
      if (Array.isArray(frame)) peer.receive(frame);
    });
  });
  const port = (wss.address() as AddressInfo).port;
  return {
    url: `ws://${options.host ?? '127.0.0.1'}:${port}/ocpp`,
    port,
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
