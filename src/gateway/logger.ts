/**
 * The gateway's pino logger and where it writes. `log.format: json` writes one JSON object per
 * line (for log shippers); `pretty` writes pino-pretty's readable lines (for a person at a
 * terminal); `auto`, the default, is `pretty` when the output is a terminal and `json` otherwise.
 * pino-pretty runs in this process and writes synchronously: no worker thread, nothing left
 * unwritten at exit.
 */
import { destination as pinoDestination, pino, type DestinationStream, type Logger } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import type { GatewayConfig } from './config.js';
import { REDACTED_PATHS, USERINFO_REDACTION } from './redact.js';

export type LogFormat = 'json' | 'pretty' | 'auto';

/** Fields of every line a person at a terminal does not need to read. */
const PRETTY_IGNORE = 'pid,hostname,service';

/** `json` or `pretty`: `auto` decided by whether the output is a terminal. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  return format === 'auto' ? (isTTY ? 'pretty' : 'json') : format;
}

export interface GatewayLogger {
  readonly logger: Logger;
  readonly format: 'json' | 'pretty';
}

/**
 * The gateway's root logger for `config`, writing to `destination` (default: stdout). `terminal`
 * says whether the output is a terminal (decides `auto`); default: whether stdout is one when no
 * destination is given, else no.
 */
export function createGatewayLogger(config: GatewayConfig['log'], destination?: DestinationStream, terminal?: boolean): GatewayLogger {
  const isTTY = terminal ?? (destination === undefined && process.stdout.isTTY === true);
  const format = resolveLogFormat(config.format, isTTY);
  const options = { level: config.level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, ...USERINFO_REDACTION, base: { service: 'pilegate' } };
  if (format === 'json') return { logger: pino(options, destination ?? pinoDestination(1)), format };
  const pretty = prettyStream({
    colorize: isTTY,
    sync: true,
    ignore: PRETTY_IGNORE,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ...(destination !== undefined ? { destination: destination as NodeJS.WritableStream } : { destination: 1 }),
  });
  return { logger: pino(options, pretty), format };
}
