/**
 * What firmware downloads and log uploads share about a file server's location: how a log may
 * show it, the credentials it carries, and the roots its TLS is verified against.
 */
import { rootCertificates } from 'node:tls';

/** The location as logs may show it: scheme, host, port and path; never user, password or query. */
export function shownLocation(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}${url.search !== '' ? '?…' : ''}`;
}

export interface Credentials {
  readonly user: string;
  readonly password: string;
}

/** The URL's user and password decoded, or undefined when their percent-encoding is broken. */
export function urlCredentials(url: URL): Credentials | undefined {
  try {
    return { user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
  } catch {
    return undefined;
  }
}

/** The system's roots and the operator's own (`downloads.ca`), for https: and ftps:. */
export function trustedRoots(extra: readonly string[]): string[] {
  return [...rootCertificates, ...extra];
}
