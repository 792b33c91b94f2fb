/**
 * The user-info part of a URL (`scheme://user:password@host`): found, to refuse it in configuration,
 * and hidden, so a URL that carries one never reaches a log line or an error message as written.
 */

/** `scheme://` and an authority with an `@` before any path, query or fragment; greedy, as a URL parser takes the last `@`. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#"'<>]*@/gi;

/** Whether `url` names a user or a password before its host (`ws://user:pass@host`, `ws://user@host`). */
export function hasUserinfo(url: string): boolean {
  USERINFO.lastIndex = 0;
  return USERINFO.test(url);
}

/** `text` with the user info of every URL in it replaced by `[redacted]` (`ws://[redacted]@host/...`). */
export function redactUserinfo(text: string): string {
  USERINFO.lastIndex = 0;
  return USERINFO.test(text) ? text.replace(USERINFO, '$1[redacted]@') : text;
}
