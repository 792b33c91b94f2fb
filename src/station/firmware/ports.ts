/**
 * What the firmware block (L01/L02) needs from the runtime, injected through the engine options:
 * fetching an image over HTTP(S)/FTP(S), and publishing a verified image where the charger can
 * fetch it (a charger with a firmware path, e.g. YKC 0x94, downloads over FTP from the gateway).
 */
import type { FirmwareSource } from '../../model/commands.js';

export interface DownloadOptions {
  /** Gives up after this long, ms. */
  readonly timeoutMs: number;
  /** Largest image accepted, bytes. */
  readonly maxBytes: number;
  /** Aborts the download (the station is stopping, or a newer request replaced it). */
  readonly signal?: AbortSignal;
}

/** Fetches a file from an http(s)://, ftp:// or ftps:// URL; rejects with a message safe to log. */
export interface Downloader {
  download(location: string, options: DownloadOptions): Promise<Buffer>;
}

/** An image published for the charger: where it is, and how to take it down again. */
export interface PublishedImage {
  readonly source: FirmwareSource;
  /** Removes the image and its one-time credentials. */
  release(): void;
}

/** Serves verified images to chargers (one-time credentials per image). */
export interface FirmwareServer {
  publish(stationId: string, image: Buffer, name: string): Promise<PublishedImage>;
  /**
   * Takes down every image published for `stationId`. The engine that published an image is gone
   * by the time the charger comes back with the new firmware (a new connection, a new engine):
   * the new one ends the update with this, holding no `PublishedImage`.
   */
  withdraw(stationId: string): void;
}
