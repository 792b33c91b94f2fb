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
