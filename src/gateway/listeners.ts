/**
 * The gateway's charger listeners: each port's codecs and their options loaded and checked before
 * anything listens, the TCP server bound, and what protocol detection and captures see of a
 * listener (its port, codecs and detection limits; a connection's codec, mapping and time zone).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { IgnoredReason } from '../../codecs/codec.js';
import { findCodec, codecNames } from '../../codecs/registry.js';
import { ConfigError } from '../config/errors.js';
import type { CaptureDescription } from './capture.js';
import { mappingRecord } from './capture-header.js';
import type { ServedCodec } from './listener-detect.js';
import type { DetectLimits } from './protocol-detect.js';
import type { GatewayConfig, ListenerConfig } from './config.js';

export interface Listener {
  readonly config: ListenerConfig;
  /** One codec, or several told apart by each connection's first bytes. */
  readonly codecs: readonly ListenerCodec[];
  readonly server: Server;
  port: number;
}

export interface ListenerCodec extends ServedCodec {
  /** `ConnectionInfo.memoryOf` and the ignored-message count of its codec: once per listener, not per connection. */
  readonly memoryOf: (chargerId: string) => Map<string, unknown>;
  readonly ignored: (reason: IgnoredReason) => void;
  /** Its options file and the file's SHA-256 at start, for capture headers. */
  readonly mapping?: CaptureDescription['mapping'];
}

/** A listener's config with its codecs' options loaded. */
export interface PreparedListener {
  readonly config: ListenerConfig;
  readonly codecs: readonly ServedCodec[];
}

/** Loads every listener's codec options: an unknown codec or a bad mapping is a config error before anything listens. */
export async function prepareListeners(config: GatewayConfig): Promise<PreparedListener[]> {
  const prepared: PreparedListener[] = [];
  for (const l of config.listeners) {
    const codecs: ServedCodec[] = [];
    for (const c of l.codecs) {
      const codec = findCodec(c.codec);
      const { pointer, line, column } = c;
      const where = { pointer, ...(line !== undefined ? { line } : {}), ...(column !== undefined ? { column } : {}) };
      if (codec === undefined) throw new ConfigError('CONFIG_INVALID', config.file, [{ ...where, reason: `unknown codec ${JSON.stringify(c.codec)}; expected one of ${codecNames().join(', ')}` }]);
      if (l.codecs.length > 1 && codec.sniff === undefined) {
        throw new ConfigError('CONFIG_INVALID', config.file, [{ ...where, reason: `codec ${codec.name} cannot share a port: it cannot recognise its chargers by their first bytes` }]);
      }
      codecs.push({ codec, codecOptions: await codec.loadOptions(c.mapping !== undefined ? { file: c.mapping } : {}) });
    }
    prepared.push({ config: l, codecs });
  }
  return prepared;
}

/**
 * Binds a prepared listener's port and logs it; `perCodec` gives each codec its charger memory and
 * ignored-message count, `accept` is called with every connection.
 */
export async function openListener(
  p: PreparedListener,
  perCodec: (codec: string) => Pick<ListenerCodec, 'memoryOf' | 'ignored'>,
  accept: (listener: Listener, socket: Socket) => void,
  log: Logger,
): Promise<Listener> {
  const server = createServer((socket) => accept(listener, socket));
  const codecs = p.codecs.map((c, i): ListenerCodec => {
    const mapping = mappingRecord(p.config.codecs[i]?.mapping);
    return { ...c, ...(mapping !== undefined ? { mapping } : {}), ...perCodec(c.codec.name) };
  });
  const listener: Listener = { config: p.config, codecs, server, port: 0 };
  const host = p.config.host ?? '0.0.0.0';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(p.config.port, host, () => resolve());
  });
  listener.port = (server.address() as AddressInfo).port;
  const served = p.config.codecs.map((c) => ({ codec: c.codec, mapping: c.mapping }));
  log.info({ port: listener.port, host, ...(served.length === 1 ? served[0] : { codecs: served }) }, 'listening for chargers');
  return listener;
}

/** What detection needs of a listener. */
export function viewOf(l: Listener): { port: number; codecs: readonly ListenerCodec[]; detect?: DetectLimits } {
  return { port: l.port, codecs: l.codecs, ...(l.config.detect !== undefined ? { detect: l.config.detect } : {}) };
}

/** A charger's time zone: its registry entry's, else its listener's, else its codec's default. */
export function chargerTimeZone(listener: Listener, served: ListenerCodec, registered: string | undefined): string {
  return registered ?? listener.config.timeZone ?? served.codec.timeZone(served.codecOptions);
}

/** What a capture of a connection served by `served` records in its header. */
export function captureDescription(listener: Listener, served: ListenerCodec, registeredTimeZone: string | undefined): CaptureDescription {
  return {
    codec: served.codec.name,
    ...(served.mapping !== undefined ? { mapping: served.mapping } : {}),
    timeZone: chargerTimeZone(listener, served, registeredTimeZone),
    listenerPort: listener.port,
  };
}
