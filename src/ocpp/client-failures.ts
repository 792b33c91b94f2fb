/**
 * Why a connection attempt failed or a connection ended: the {@link ConnectionFailure} kinds and
 * the mapping of `ws`/`http`/`net`/`tls` errors onto them. Only messages and codes are kept, never
 * secrets.
 */

/**
 * Why the last attempt failed or the last connection ended, for health reports and for the
 * station engine's SecurityEventNotification (`tls` with `certificateRejected` →
 * InvalidCsmsCertificate).
 */
export type ConnectionFailure =
  | { readonly kind: 'http'; readonly status: number; readonly message: string }
  | { readonly kind: 'subprotocol'; readonly message: string; readonly received?: string }
  | { readonly kind: 'tls'; readonly code: string; readonly certificateRejected: boolean; readonly message: string }
  | { readonly kind: 'credentials'; readonly code?: string; readonly message: string }
  | { readonly kind: 'handshake-timeout'; readonly message: string }
  | { readonly kind: 'handshake'; readonly message: string }
  | { readonly kind: 'protocol'; readonly code: string; readonly message: string }
  | { readonly kind: 'network'; readonly code?: string; readonly message: string }
  | { readonly kind: 'pong-timeout'; readonly message: string }
  | { readonly kind: 'connection-lost'; readonly code: number; readonly reason: string; readonly message: string };

/** OpenSSL X509 verification results as Node reports them in `err.code`. */
const CERTIFICATE_ERROR_CODES = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_NOT_YET_VALID',
  'CERT_HAS_EXPIRED',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_CHAIN_TOO_LONG',
  'CERT_REVOKED',
  'INVALID_CA',
  'PATH_LENGTH_EXCEEDED',
  'INVALID_PURPOSE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** Maps an error from `ws`, `http`, `net` or `tls` to a failure; only message and code are kept. */
export function classifyError(err: unknown): ConnectionFailure {
  const message = err instanceof Error ? err.message : String(err);
  const code = (err as { code?: unknown } | null)?.code;
  const c = typeof code === 'string' ? code : undefined;
  if (message.startsWith('Server sent') && message.includes('subprotocol')) return { kind: 'subprotocol', message };
  if (message === 'Opening handshake has timed out') return { kind: 'handshake-timeout', message };
  if (c !== undefined && CERTIFICATE_ERROR_CODES.has(c)) {
    return { kind: 'tls', code: c, certificateRejected: true, message };
  }
  if (c !== undefined && /^ERR_(SSL|TLS|OSSL)_/.test(c)) return { kind: 'tls', code: c, certificateRejected: false, message };
  if (c !== undefined && c.startsWith('WS_ERR_')) return { kind: 'protocol', code: c, message };
  if (c !== undefined) return { kind: 'network', code: c, message };
  return { kind: 'handshake', message };
}

/**
 * An error thrown by `new WebSocket(...)` itself: only reachable with TLS material OpenSSL refuses
 * (checked at construction and on update, so an update slipped through).
 */
export function credentialsFailure(err: unknown): ConnectionFailure {
  const code = (err as { code?: unknown } | null)?.code;
  return {
    kind: 'credentials',
    code: typeof code === 'string' ? code : undefined,
    message: err instanceof Error ? err.message : String(err),
  };
}

/**
 * Short stable names of failures, for metric labels and health reports: a bounded set, whatever
 * the peer or the network says. `refused`: nothing listens there; `dns`: the host name does not
 * resolve; `network`: any other socket error (unreachable host, reset); `http_<status>`: the
 * CSMS answered the handshake with that status (`http_4xx` / `http_5xx` for the others).
 */
export const FAILURE_REASONS = [
  'refused',
  'timeout',
  'dns',
  'network',
  'http_401',
  'http_403',
  'http_404',
  'http_4xx',
  'http_5xx',
  'http_other',
  'tls_certificate',
  'tls',
  'subprotocol',
  'protocol',
  'handshake',
  'credentials',
  'pong_timeout',
  'connection_lost',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];

const NETWORK_REASONS: Readonly<Record<string, FailureReason>> = { ECONNREFUSED: 'refused', ETIMEDOUT: 'timeout', ENOTFOUND: 'dns', EAI_AGAIN: 'dns' };

/** The label of a failure (see `FAILURE_REASONS`). */
export function failureReason(f: ConnectionFailure): FailureReason {
  switch (f.kind) {
    case 'network':
      return (f.code !== undefined ? NETWORK_REASONS[f.code] : undefined) ?? 'network';
    case 'http':
      if (f.status === 401 || f.status === 403 || f.status === 404) return `http_${f.status}`;
      return f.status >= 500 && f.status < 600 ? 'http_5xx' : f.status >= 400 && f.status < 500 ? 'http_4xx' : 'http_other';
    case 'tls':
      return f.certificateRejected ? 'tls_certificate' : 'tls';
    case 'handshake-timeout':
      return 'timeout';
    case 'pong-timeout':
      return 'pong_timeout';
    case 'connection-lost':
      return 'connection_lost';
    default:
      return f.kind;
  }
}
