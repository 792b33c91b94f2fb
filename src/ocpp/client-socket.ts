/**
 * What one WebSocket of an OCPP connection tells it: the CSMS's TLS chain from the handshake, a
 * handshake answered with an HTTP status instead of an upgrade, text frames (binary ones dropped:
 * OCPP-J uses text frames), pongs, errors and the close. The connection state machine in
 * `client.ts` decides what each means.
 */
import type { IncomingMessage } from 'node:http';
import { TLSSocket, type DetailedPeerCertificate } from 'node:tls';
import type { RawData, WebSocket } from 'ws';

/** The hooks of one socket; called only while `current()` says it is the connection's socket. */
export interface SocketHooks {
  current(): boolean;
  /** The CSMS's TLS chain (DER, leaf first), on a TLS handshake. */
  peer(chain: Buffer[] | undefined): void;
  /** The handshake was answered with this HTTP status (the socket is dropped). */
  refused(status: number): void;
  open(): void;
  text(text: string): void;
  binary(): void;
  pong(): void;
  error(err: Error): void;
  close(code: number, reason: string): void;
}

/** Wires the events of `ws` to `hooks`. */
export function listenToSocket(ws: WebSocket, hooks: SocketHooks): void {
  ws.on('upgrade', (res: IncomingMessage) => {
    if (hooks.current() && res.socket instanceof TLSSocket) hooks.peer(peerChain(res.socket.getPeerCertificate(true)));
  });
  ws.on('unexpected-response', (_req, res: IncomingMessage) => {
    if (!hooks.current()) return;
    hooks.refused(res.statusCode ?? 0);
    res.resume();
    ws.terminate();
  });
  ws.on('open', () => {
    if (hooks.current()) hooks.open();
  });
  ws.on('message', (data: RawData, isBinary: boolean) => {
    if (!hooks.current()) return;
    if (isBinary) return hooks.binary();
    // ws delivers a Buffer with the default binaryType; the other RawData shapes are handled anyway.
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    hooks.text(buf.toString('utf8'));
  });
  ws.on('pong', () => {
    if (hooks.current()) hooks.pong();
  });
  ws.on('error', (err) => {
    if (hooks.current()) hooks.error(err);
  });
  ws.on('close', (code, reason) => {
    if (hooks.current()) hooks.close(code, reason.toString('utf8'));
  });
}

/** The DER certificates of a TLS peer's chain, leaf first (Node links each to its issuer; a root links to itself). */
function peerChain(leaf: DetailedPeerCertificate): Buffer[] | undefined {
  const out: Buffer[] = [];
  let cert: DetailedPeerCertificate | undefined = leaf;
  while (cert?.raw !== undefined && out.length < 10) {
    out.push(cert.raw);
    if (cert.issuerCertificate === undefined || cert.issuerCertificate === cert || cert.issuerCertificate.raw.equals(cert.raw)) break;
    cert = cert.issuerCertificate;
  }
  return out.length > 0 ? out : undefined;
}
