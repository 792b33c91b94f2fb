/**
 * `PILEGATE_<SECTION>_<KEY>` environment overrides of gateway config scalars (e.g.
 * `PILEGATE_CSMS_URL`, `PILEGATE_HTTP_PORT`) and `PILEGATE_STORE`, applied before validation. Each
 * override remembers its variable, so a bad value is blamed on `PILEGATE_HTTP_PORT=abc`, not on a
 * line of the file it replaced.
 */
import { pointerOf } from '../config/document.js';
import { redactUserinfo } from '../core/url-userinfo.js';
import type { Env } from './config-values.js';

/** Scalar keys that `PILEGATE_<SECTION>_<KEY>` may set (the key upper-cased, without separators). */
const OVERRIDABLE: Readonly<Record<string, readonly string[]>> = {
  csms: ['url', 'securityProfile', 'ca', 'cert', 'key'],
  stations: ['file', 'unknownChargers', 'refreshIntervalMs'],
  http: ['port', 'host', 'csmsGraceMs'],
  log: ['level', 'format', 'ocppTrace'],
  connections: ['maxPerAddress', 'loginTimeoutMs', 'idleTimeoutMs', 'badFrameLimit', 'badFrameWindowMs', 'maxWriteBufferBytes'],
  capture: ['dir', 'format', 'maxFileBytes', 'maxFileHours', 'maxAgeHours', 'maxTotalBytes'],
  diagnostics: ['bytes'],
  fleet: ['instanceId', 'leaseTtlMs', 'renewIntervalMs', 'takeoverTimeoutMs'],
  shutdown: ['goodbyeTimeoutMs', 'drainTimeoutMs'],
  downloads: ['ca', 'timeoutMs', 'maxBytes'],
  firmware: ['host', 'port', 'publicHost', 'publicPort', 'passivePortMin', 'passivePortMax'],
};

/** Overridable keys whose value stays text when it is all digits (station ids are). */
const TEXT_KEYS: ReadonlySet<string> = new Set(['log.ocppTrace']);

/** A config value with its overrides applied, and where each came from: JSON pointer → `NAME=value`. */
export interface Overridden {
  readonly value: unknown;
  readonly sources: ReadonlyMap<string, string>;
}

/** Applies the overrides set in `env` to a copy of `value` (`PILEGATE_STORE` = `memory` or a Redis URL). */
export function envOverrides(value: unknown, env: Env): Overridden {
  const sources = new Map<string, string>();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { value, sources };
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const [section, keys] of Object.entries(OVERRIDABLE)) {
    for (const key of keys) {
      const name = `PILEGATE_${section.toUpperCase()}_${key.toUpperCase()}`;
      const v = env[name];
      if (v === undefined || v === '') continue;
      const current = out[section];
      const obj = current !== null && typeof current === 'object' && !Array.isArray(current) ? { ...(current as Record<string, unknown>) } : {};
      obj[key] = /^\d+$/.test(v) && !TEXT_KEYS.has(`${section}.${key}`) ? Number(v) : v;
      out[section] = obj;
      sources.set(pointerOf(section, key), shown(name, v, HIDDEN_KEYS.has(`${section}.${key}`)));
    }
  }
  const store = env['PILEGATE_STORE'];
  if (store !== undefined && store !== '') {
    out['store'] = store === 'memory' ? 'memory' : { redis: store };
    sources.set('/store', shown('PILEGATE_STORE', store));
  }
  return { value: out, sources };
}

/** A copy of `value` with `PILEGATE_*` overrides applied. */
export function applyEnvOverrides(value: unknown, env: Env): unknown {
  return envOverrides(value, env).value;
}

/** Overridable keys whose value an error never shows (`csms.key` may be mistaken for the key itself). */
const HIDDEN_KEYS: ReadonlySet<string> = new Set(['csms.key']);

/** `NAME=value` as an error shows it: a URL's user and password hidden, a long value cut, a key or PEM text not shown. */
function shown(name: string, value: string, hidden = false): string {
  if (hidden || value.includes('-----BEGIN') || /[\r\n]/.test(value)) return `${name}=(value not shown)`;
  const v = redactUserinfo(value);
  return `${name}=${v.length > 60 ? `${v.slice(0, 57)}...` : v}`;
}
