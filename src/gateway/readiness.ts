/**
 * What `/readyz` answers: ready when the gateway listens (started, not stopping), its state store
 * answers, and the CSMS is not unreachable (see csms-health.ts: no running station has had its
 * OCPP connection for the grace period). The body says so line by line, `[+]` for a check that
 * passes, `[-]` for one that fails, `[!]` for what an operator should know without it failing
 * readiness (chargers held back), each with the figures and the last error:
 *
 *     not ready
 *     [+] gateway: listening
 *     [-] store: redis unreachable since 2026-12-07T22:40:01.123Z (41 s): connect ECONNREFUSED ...
 *     [+] csms: 3 of 3 stations connected
 *     [!] chargers: 2 held back (store_unreachable 2)
 */
import { redactUserinfo } from '../core/url-userinfo.js';
import { CsmsReachability, type CsmsStatus, type StationLink } from './csms-health.js';
import { HeldChargers, type HoldReason } from './held.js';
import type { StoreHealth } from './store.js';

/** What the gateway's health is made of: its store's, its stations' CSMS connections, its held chargers. */
export class GatewayHealth {
  readonly csms = new CsmsReachability();
  readonly held: HeldChargers;
  /** There once the store is created. */
  store: StoreHealth | undefined;

  constructor(
    private readonly csmsGraceMs: number,
    /** A charger held back (for the metrics). */
    counted: (reason: HoldReason) => void,
  ) {
    this.held = new HeldChargers({ storeReachable: () => this.store?.reachable ?? true, counted });
  }

  report(g: { readonly listening: boolean; readonly stopping: boolean; readonly stations: Iterable<StationLink> }): Readiness {
    return readiness({ ...g, store: this.store, csms: this.csms.status(g.stations, this.csmsGraceMs), held: this.held.counts(), now: Date.now() });
  }
}

export interface ReadinessView {
  /** Started and not stopping. */
  readonly listening: boolean;
  readonly stopping: boolean;
  readonly store: Pick<StoreHealth, 'kind' | 'reachable' | 'since' | 'lastError'> | undefined;
  readonly csms: CsmsStatus;
  readonly held: ReadonlyMap<HoldReason, number>;
  readonly now: number;
}

export interface Readiness {
  readonly ready: boolean;
  /** The text `/readyz` answers with, one line per check. */
  readonly body: string;
}

export function readiness(v: ReadinessView): Readiness {
  const checks: { ok: boolean | 'warn'; line: string }[] = [];
  checks.push({ ok: v.listening, line: `gateway: ${v.stopping ? 'stopping' : v.listening ? 'listening' : 'starting'}` });
  checks.push(storeCheck(v));
  checks.push(csmsCheck(v.csms, v.now));
  const held = [...v.held].filter(([, n]) => n > 0);
  if (held.length > 0) {
    const total = held.reduce((n, [, k]) => n + k, 0);
    checks.push({ ok: 'warn', line: `chargers: ${total} held back (${held.map(([reason, n]) => `${reason} ${n}`).join(', ')})` });
  }
  const ready = checks.every((c) => c.ok !== false);
  const mark = (ok: boolean | 'warn'): string => (ok === 'warn' ? '[!]' : ok ? '[+]' : '[-]');
  return { ready, body: [ready ? 'ready' : 'not ready', ...checks.map((c) => `${mark(c.ok)} ${c.line}`)].join('\n') + '\n' };
}

function storeCheck(v: ReadinessView): { ok: boolean; line: string } {
  const s = v.store;
  if (s === undefined) return { ok: false, line: 'store: not open' };
  if (s.kind === 'memory') return { ok: true, line: 'store: memory' };
  if (s.reachable) return { ok: true, line: `store: ${s.kind} reachable` };
  return { ok: false, line: `store: ${s.kind} unreachable since ${since(s.since, v.now)}${s.lastError !== undefined ? `: ${oneLine(s.lastError)}` : ''}` };
}

function csmsCheck(c: CsmsStatus, now: number): { ok: boolean; line: string } {
  // The latest failure of any station, with its time: it may be older than the last connection.
  const failure = c.lastFailure !== undefined ? `; last error at ${since(c.lastFailure.at, now)}: ${c.lastFailure.reason} (${oneLine(c.lastFailure.message)})` : '';
  if (c.stations === 0) return { ok: true, line: 'csms: no station running' };
  if (c.unreachable) return { ok: false, line: `csms: unreachable for ${c.stations} of ${c.stations} stations since ${since(c.offlineSince ?? now, now)}${failure}` };
  const waiting = c.offlineSince !== undefined ? `, none since ${since(c.offlineSince, now)}` : '';
  return { ok: true, line: `csms: ${c.connected} of ${c.stations} stations connected${waiting}${c.connected < c.stations ? failure : ''}` };
}

/** An instant with how long ago it was: `2026-12-07T22:40:01.123Z (41 s)`. */
function since(at: number, now: number): string {
  return `${new Date(at).toISOString()} (${Math.max(0, Math.round((now - at) / 1000))} s)`;
}

/** An error message as one line of the body: it may come from a peer (line breaks would forge checks) or quote a URL. */
function oneLine(message: string): string {
  return redactUserinfo(message).replace(/\p{Cc}+/gu, ' ');
}
