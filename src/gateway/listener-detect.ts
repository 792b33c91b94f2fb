/**
 * What a listener does with a connection's first bytes (see protocol-detect.ts): with several codecs,
 * holds them until one codec claims them and hands the connection over, or refuses it with a log
 * line and a metric; with one, or once a silent charger was given to a codec, warns once when the
 * charger speaks another registered codec's protocol (and serves it as configured regardless).
 */
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Codec } from '../../codecs/codec.js';
import { allCodecs } from '../../codecs/registry.js';
import type { Clock } from '../core/clock.js';
import type { GatewayMetrics } from './metrics.js';
import { DEFAULT_DETECT_LIMITS, FirstBytes, FirstFrameCheck, type DetectLimits, type Sniffer } from './protocol-detect.js';

/** A codec a listener serves, with its loaded options. */
export interface ServedCodec {
  readonly codec: Codec<unknown>;
  readonly codecOptions: unknown;
}

/** How a connection came to its codec: the listener's only one, its first bytes, or its silence. */
export type ServedBy = 'configured' | 'sniff' | 'silence';

interface ListenerView<S extends ServedCodec = ServedCodec> {
  readonly port: number;
  readonly codecs: readonly S[];
  readonly detect?: DetectLimits;
}

function snifferOf(served: ServedCodec): Sniffer | undefined {
  const { codec, codecOptions } = served;
  const sniff = codec.sniff;
  if (sniff === undefined) return undefined;
  return { name: codec.name, sniff: (head) => sniff.call(codec, head, codecOptions), ...(codec.gatewaySpeaksFirst === true ? { gatewaySpeaksFirst: true } : {}) };
}

/**
 * Holds the connection's first bytes until one of the listener's codecs claims them, then calls
 * `serve` with it and the bytes held; a connection none claims is refused (`refused` is called,
 * then the socket destroyed). Returns the hold, to cancel when the socket closes first.
 */
export function holdUntilDetected<S extends ServedCodec>(
  socket: Socket,
  listener: ListenerView<S>,
  deps: { readonly log: Logger; readonly metrics: GatewayMetrics; readonly clock: Clock },
  serve: (served: S, held: Buffer, by: 'sniff' | 'silence') => void,
): FirstBytes {
  const sniffers = listener.codecs.map((c) => snifferOf(c) as Sniffer);
  const limits = listener.detect ?? DEFAULT_DETECT_LIMITS;
  const address = socket.remoteAddress ?? 'unknown';
  return new FirstBytes(socket, sniffers, limits, deps.clock, (d, held) => {
    if (d.kind === 'refuse') {
      deps.metrics.refused(d.reason);
      deps.log.warn(
        { remote: address, port: listener.port, codecs: sniffers.map((s) => s.name), reason: d.reason, bytes: held.length, ...limits },
        `charger at ${address} refused: listener :${listener.port} could not tell its protocol (${d.detail})`,
      );
      socket.destroy();
      return;
    }
    const served = listener.codecs[d.index] as S;
    deps.metrics.detected(served.codec.name, d.by);
    deps.log.info({ remote: address, port: listener.port, codec: served.codec.name, by: d.by, bytes: held.length }, `charger at ${address} speaks ${served.codec.name}`);
    serve(served, held, d.by);
  });
}

/**
 * Watches the first bytes of a connection served by `served` without having recognised them (the
 * listener's only codec, or a silent charger's) and warns once, with a metric, when another
 * registered codec claims them; `found` gets the warning's words (for the connection's close).
 * Returns the watch, to cancel when the socket closes. Created before the connection's session
 * reads the socket, it judges each chunk before the session acts on it.
 */
export function warnOnMismatch(
  socket: Socket,
  listener: ListenerView,
  served: ServedCodec,
  by: 'configured' | 'silence',
  deps: { readonly log: Logger; readonly metrics: GatewayMetrics },
  found?: (words: string, data: Readonly<Record<string, unknown>>) => void,
): FirstFrameCheck | undefined {
  const configured = snifferOf(served);
  if (configured === undefined) return undefined;
  const others = allCodecs()
    .filter((c) => c.name !== served.codec.name)
    .flatMap((codec) => snifferOf(listener.codecs.find((s) => s.codec.name === codec.name) ?? { codec, codecOptions: undefined }) ?? []);
  const address = socket.remoteAddress ?? 'unknown';
  const name = served.codec.name;
  const maxBytes = listener.detect?.maxBytes ?? DEFAULT_DETECT_LIMITS.maxBytes;
  return new FirstFrameCheck(socket, configured, others, maxBytes, (speaks) => {
    for (const detected of speaks) deps.metrics.mismatch(name, detected);
    const what = speaks.join(' or ');
    const why = by === 'configured' ? `is configured for ${name}` : `gave it to ${name} when it sent nothing at first`;
    const words = `charger at ${address} speaks ${what} but listener :${listener.port} ${why}`;
    const data = { remote: address, port: listener.port, configured: name, detected: speaks };
    deps.log.warn(data, words);
    found?.(words, data);
  });
}

/** How long a silent charger goes before the hint, unless half the login timeout comes sooner. */
const SILENCE_HINT_MS = 5_000;

/**
 * On a connection served by a codec whose chargers speak first (YKC, family-B), warns once when the
 * charger has sent nothing after a few seconds (`SILENCE_HINT_MS`, or half `loginTimeoutMs` if
 * sooner): chargers of the protocols that wait for the gateway (IEC 104's STARTDT) look just like
 * that on the wrong port. Returns a cancel, for the first byte or the close; undefined when the
 * codec's chargers wait for the gateway themselves, or no registered codec's do.
 */
export function hintOnSilence(
  socket: Socket,
  listener: { readonly port: number },
  served: ServedCodec,
  loginTimeoutMs: number,
  deps: { readonly log: Logger; readonly clock: Clock },
): (() => void) | undefined {
  if (served.codec.gatewaySpeaksFirst === true) return undefined;
  const waiting = allCodecs().flatMap((c) => (c.gatewaySpeaksFirst === true && c.waitingChargers !== undefined ? [c.waitingChargers] : []));
  if (waiting.length === 0) return undefined;
  const afterMs = loginTimeoutMs > 0 ? Math.min(SILENCE_HINT_MS, loginTimeoutMs / 2) : SILENCE_HINT_MS;
  const address = socket.remoteAddress ?? 'unknown';
  const name = served.codec.name;
  const cancel = (): void => {
    deps.clock.clearTimeout(timer);
    socket.off('data', cancel);
  };
  const timer = deps.clock.setTimeout(() => {
    socket.off('data', cancel);
    if (socket.destroyed) return;
    deps.log.warn(
      { remote: address, port: listener.port, codec: name, silentMs: afterMs },
      `charger at ${address} has sent nothing for ${afterMs / 1000} s: listener :${listener.port} (${name}) waits for the charger to speak first, while ${waiting.join('; ')}: is it on the right port?`,
    );
  }, afterMs);
  socket.on('data', cancel);
  return cancel;
}
