/**
 * The gateway's `Log` sink on a pino logger. pino writes a child's bindings and then the line's
 * own fields without looking: a field the line repeats (a charger id the child already carries,
 * a codec's record field named `time`) would appear twice in one JSON object, and log pipelines
 * keep either value or reject the line. A repeated field with the same value is dropped; one
 * with another value is kept under `data`, so nothing is lost and no key is named twice.
 */
import type { Logger } from 'pino';
import type { Log } from '../core/log.js';

/** Keys pino writes on every line itself. */
const PINO_KEYS = ['level', 'time', 'msg'] as const;

/** Each logger's bindings, read once (pino parses them from its serialized form on every call). */
const boundOf = new WeakMap<Logger, Readonly<Record<string, unknown>>>();

function bindings(logger: Logger): Readonly<Record<string, unknown>> {
  let bound = boundOf.get(logger);
  if (bound === undefined) {
    bound = logger.bindings();
    boundOf.set(logger, bound);
  }
  return bound;
}

/** `data` without the keys `logger` writes already: same value dropped, another value moved under `data`. */
function lineFields(logger: Logger, data: Readonly<Record<string, unknown>> | undefined): Record<string, unknown> {
  if (data === undefined) return {};
  const bound = bindings(logger);
  let out: Record<string, unknown> | undefined;
  let moved: Record<string, unknown> | undefined;
  for (const key of Object.keys(data)) {
    if (!(key in bound) && !(PINO_KEYS as readonly string[]).includes(key)) continue;
    out ??= { ...data };
    const value = out[key];
    delete out[key];
    if (key in bound && bound[key] === value) continue;
    (moved ??= {})[key] = value;
  }
  if (out === undefined) return data as Record<string, unknown>;
  if (moved !== undefined) out['data'] = 'data' in out ? { data: out['data'], ...moved } : moved;
  return out;
}

/** A `Log` that writes to the logger `current()` returns at the time of each line (a connection's logger changes once its charger is known). */
export function pinoLog(current: () => Logger): Log {
  return (level, message, data) => {
    const logger = current();
    logger[level](lineFields(logger, data), message);
  };
}
