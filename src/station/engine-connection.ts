/**
 * The station's OCPP connection and what its life does to the functional blocks: the boot, the
 * queues and the availability reports follow the socket opening and closing, the network profiles
 * follow failed attempts, the certificates see the CSMS's TLS chain and failures, and a refused
 * handshake becomes a security event.
 */
import { OcppConnection } from '../ocpp/client.js';
import { background, type StationContext } from './context.js';
import type { StationEngineOptions } from './engine-options.js';

/** The station's OCPP connection, its hooks wired to the blocks; not started. */
export function stationConnection(
  ctx: StationContext,
  options: StationEngineOptions,
  /** The socket opened (true) or closed (false). */
  connected: (open: boolean) => void,
): OcppConnection {
  const { dm, rpc, blocks } = ctx;
  const { network, certificates, provisioning, availability, queue, security } = blocks;
  /** A 401 on the handshake was already recorded as a security event since the last open socket. */
  let credentialsRejected = false;
  return new OcppConnection({
    identity: options.id,
    url: options.csmsUrl,
    security: network.registryEndpoint().security,
    tlsMaterial: () => certificates.tlsMaterial(),
    retryBackOff: () => ({
      waitMinimumS: dm.getNumber('OCPPCommCtrlr', 'RetryBackOffWaitMinimum'),
      randomRangeS: dm.getNumber('OCPPCommCtrlr', 'RetryBackOffRandomRange'),
      repeatTimes: dm.getNumber('OCPPCommCtrlr', 'RetryBackOffRepeatTimes'),
    }),
    pingIntervalS: () => dm.getNumber('OCPPCommCtrlr', 'WebSocketPingInterval'),
    log: (level, message, data) => {
      // The CSMS refused our credentials (A04 FailedToAuthenticateAtCsms): once per run of failures.
      if (data['kind'] === 'http' && data['status'] === 401 && !credentialsRejected) {
        credentialsRejected = true;
        void ctx.securityEvent('FailedToAuthenticateAtCsms', `CSMS answered the WebSocket handshake with HTTP 401 for ${options.id}`);
      }
      if (message === 'connection failure') certificates.connectionFailed(data);
      ctx.log(level, message, data);
    },
    timers: ctx.clock,
    ...(options.random !== undefined ? { random: options.random } : {}),
    // B10.FR.10: connected through another slot, the station boots again, and nothing but its
    // BootNotification goes first: CALLs queued for the old slot are dropped (as on a reboot).
    onAttemptFailed: ({ failure, wasOpen }) => {
      if (failure !== undefined) options.onOcppFailure?.(failure, wasOpen);
      if (!network.attemptFailed(wasOpen)) return;
      const dropped = rpc.dropQueued('the station boots again on another network slot');
      if (dropped > 0) ctx.log('info', 'CALLs queued for the previous network slot: dropped', { dropped });
      if (provisioning.state !== 'unbooted') provisioning.reboot('Unknown');
    },
    onOpen: (transport) => {
      connected(true);
      options.onOcppConnection?.(true);
      credentialsRejected = false;
      background(ctx, 'network profile', network.connected());
      certificates.connectionOpened(transport.peerCertificates);
      rpc.attach(transport);
      provisioning.connectionOpened();
      if (provisioning.state === 'accepted') {
        availability.reportAll(true);
        queue.setOnline(true);
        security.setOnline(true);
      }
    },
    onMessage: (text) => {
      provisioning.activity();
      rpc.receive(text);
    },
    onClose: (code, reason) => {
      connected(false);
      options.onOcppConnection?.(false);
      queue.setOnline(false);
      security.setOnline(false);
      rpc.detach(`closed ${code} ${reason}`);
      provisioning.connectionClosed();
    },
  });
}
