/**
 * The station registry as one Redis hash: field = charger id, value = the JSON of one registry
 * entry (`stationId`, `password`, `csmsUrl`, `securityProfile`, `timeZone`, `allowedSources`,
 * `duplicateLogin`, `ykcKey`, `vendor`, `model`), checked with the same
 * schema and rules as an entry of the registry file. Shared by the gateway's Redis registry and the
 * `pilegate stations` commands. A whole hash lives in one Redis Cluster slot, which suits a registry.
 */
import type { Cluster, Redis } from 'ioredis';
import type { PointerIssue } from '../config/document.js';
import { parseStationEntry, type Env, type GatewayConfig, type StationEntry } from './config.js';
import { profileIssues } from './stations-config.js';

export { profileIssues };

export type RegistryClient = Redis | Cluster;

/** HSCAN page size: 100 000 entries take 100 round trips, none of which blocks Redis for long. */
const REGISTRY_SCAN_COUNT = 1_000;

/** A decoded hash value: the entry, or why it is ignored (reasons never carry a password). */
export type DecodedEntry = { readonly entry: StationEntry } | { readonly issues: readonly PointerIssue[] };

/** Reads the whole hash page by page (HSCAN); raw values by charger id. `bound` wraps each command (a timeout). */
export async function scanRegistryHash(client: RegistryClient, key: string, bound: <T>(work: Promise<T>) => Promise<T> = (w) => w, count: number = REGISTRY_SCAN_COUNT): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let cursor = '0';
  do {
    const [next, flat] = await bound(client.hscan(key, cursor, 'COUNT', count));
    for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] ?? '', flat[i + 1] ?? '');
    cursor = next;
  } while (cursor !== '0');
  return out;
}

/** The JSON stored for an entry: only the registry's own fields. */
export function encodeRegistryEntry(entry: StationEntry): string {
  const { stationId, password, csmsUrl, securityProfile, timeZone, allowedSources, duplicateLogin, ykcKey, vendor, model } = entry;
  return JSON.stringify({ stationId, password, csmsUrl, securityProfile, timeZone, allowedSources, duplicateLogin, ykcKey, vendor, model });
}

/**
 * Decodes one hash value: JSON, the registry entry schema, `${ENV}` in the password from `env`,
 * a known time zone, and a security profile the gateway's `csms` section can serve.
 */
export function decodeRegistryEntry(raw: string, env: Env, csms?: GatewayConfig['csms']): DecodedEntry {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    // The parser's message quotes the text, which may hold the password.
    return { issues: [{ pointer: '', reason: 'value is not valid JSON' }] };
  }
  const parsed = parseStationEntry(value, env);
  if ('issues' in parsed) return { issues: parsed.issues.map(scrub) };
  const issues = csms === undefined ? [] : profileIssues(parsed.entry, csms);
  return issues.length > 0 ? { issues } : parsed;
}

/**
 * Issues about a secret (the password, the YKC key), or about the whole value, describe the rule
 * and never the value: a numeric password or a bare string would otherwise be quoted in the reason.
 */
function scrub(issue: PointerIssue): PointerIssue {
  if (issue.pointer === '') return { pointer: '', reason: 'must be a JSON object (value not shown)' };
  return scrubSecret(issue);
}

/** An issue about a `password` or `ykcKey` (at any depth) with a reason that cannot quote its value. */
export function scrubSecret<T extends PointerIssue>(issue: T): T {
  const last = issue.pointer.slice(issue.pointer.lastIndexOf('/') + 1);
  const secret = last === 'password' || last === 'ykcKey';
  if (secret && !issue.reason.startsWith('environment variable') && !issue.reason.includes('(value not shown)')) return { ...issue, reason: 'must be a non-empty string (value not shown)' };
  return issue;
}

/** `issues` as one line for logs and the CLI. */
export function describeIssues(issues: readonly PointerIssue[]): string {
  return issues.map((i) => (i.pointer === '' ? i.reason : `${i.pointer}: ${i.reason}`)).join('; ');
}
