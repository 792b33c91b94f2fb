/**
 * What the log block (N01 GetLog) needs from the runtime, injected through the engine options:
 * an uploader for the finished file, and the station's recorded diagnostics (the charger's frames
 * and the gateway's log lines for it). The station knows nothing of sockets, files or codecs.
 */

/**
 * How an upload failed, as LogStatusNotification names it: `PermissionDenied` (the server refused
 * the credentials or the path), `NotSupportedOperation` (the server does not take uploads this
 * way), `BadMessage` (the server did not understand the request), `UploadFailure` (anything else:
 * network, time-out, server error). Only `UploadFailure` is worth another attempt.
 */
export type UploadFailureStatus = 'UploadFailure' | 'BadMessage' | 'NotSupportedOperation' | 'PermissionDenied';

/** A failed upload; `message` is safe to log (no credentials of the URL). */
export class UploadError extends Error {
  constructor(
    /** Stable code, e.g. `UPLOAD_HTTP_STATUS`, `UPLOAD_TIMEOUT`, `UPLOAD_PROTOCOL`. */
    readonly code: string,
    readonly status: UploadFailureStatus,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export interface UploadOptions {
  /** Gives up after this long, ms. */
  readonly timeoutMs: number;
  /** Aborts the upload (a newer request replaced it, or the station is stopping). */
  readonly signal?: AbortSignal;
}

/** Puts a file at an http(s)://, ftp:// or ftps:// location; rejects with an `UploadError`. */
export interface Uploader {
  /** URL schemes this uploader handles, lower case without `:` (e.g. `http`, `ftps`). */
  readonly schemes: readonly string[];
  upload(location: string, file: { readonly name: string; readonly body: Buffer }, options: UploadOptions): Promise<void>;
}

/** A time window, epoch ms, both ends included; an absent end is open. */
export interface LogWindow {
  readonly from?: number;
  readonly to?: number;
}

/**
 * The station's recorded diagnostics: readable text lines (time, direction, hex, decoded frame; or
 * time, level, message of a log line), oldest first, within the window.
 */
export interface DiagnosticsSource {
  diagnostics(window: LogWindow): Promise<string[]> | string[];
}
