/** The `downloads` section of the gateway configuration: how firmware images are fetched. */

/** How the gateway fetches files the CSMS points it to (firmware images over http(s)/ftp(s)). */
export interface DownloadsConfig {
  /** A CA (PEM file) trusted for https: and ftps: besides Node's default CAs. */
  readonly ca?: string;
  /** One download attempt gives up after this long. */
  readonly timeoutMs: number;
  /** Largest file accepted. */
  readonly maxBytes: number;
}

export interface RawDownloadsConfig {
  ca?: string;
  timeoutMs?: number;
  maxBytes?: number;
}

const DEFAULT_DOWNLOADS: Omit<DownloadsConfig, 'ca'> = { timeoutMs: 600_000, maxBytes: 64 * 1024 * 1024 };

/** The section with its defaults; `rel` resolves the CA file against the config file's folder. */
export function parseDownloadsConfig(raw: RawDownloadsConfig | undefined, rel: (path: string) => string): DownloadsConfig {
  return {
    timeoutMs: raw?.timeoutMs ?? DEFAULT_DOWNLOADS.timeoutMs,
    maxBytes: raw?.maxBytes ?? DEFAULT_DOWNLOADS.maxBytes,
    ...(raw?.ca !== undefined ? { ca: rel(raw.ca) } : {}),
  };
}
