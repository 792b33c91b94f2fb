/**
 * The `firmware` section of the gateway config: the FTP server where the gateway serves verified
 * firmware images to chargers whose protocol fetches them over FTP (YKC 0x94). Off unless the
 * section names `publicHost`, the IPv4 address chargers reach the gateway at (YKC carries the server
 * in 16 ASCII characters: an address, not a host name).
 */
import { isIPv4 } from 'node:net';
import type { PointerIssue } from '../config/document.js';

const DEFAULT_FIRMWARE_FTP_PORT = 2121;

export interface FirmwareServerConfig {
  /** Address the FTP server listens on (default every interface). */
  readonly host: string;
  /** Control port it listens on (0: any free port, for tests). */
  readonly port: number;
  /** IPv4 address chargers are told to fetch from (also the address of passive-mode replies). */
  readonly publicHost: string;
  /** Port chargers are told (default `port`: differs behind port forwarding). */
  readonly publicPort?: number;
  /** Passive data ports, inclusive; 0 and 0: any free port. A firewall in between needs a range. */
  readonly passivePortMin: number;
  readonly passivePortMax: number;
}

/** The section as the schema lets it through. */
export interface RawFirmwareConfig {
  host?: string;
  port?: number;
  publicHost?: string;
  publicPort?: number;
  passivePortMin?: number;
  passivePortMax?: number;
}

/** Plain data from the validated section, undefined when it is off; problems are appended to `issues`. */
export function parseFirmwareConfig(raw: RawFirmwareConfig | undefined, issues: PointerIssue[]): FirmwareServerConfig | undefined {
  if (raw === undefined) return undefined;
  if (raw.publicHost === undefined) {
    issues.push({ pointer: '/firmware', reason: 'publicHost is required: the IPv4 address chargers reach the gateway at' });
    return undefined;
  }
  if (!isIPv4(raw.publicHost))
    issues.push({ pointer: '/firmware/publicHost', reason: `must be an IPv4 address (chargers are told it; YKC 0x94 carries 16 characters, no host names), not ${JSON.stringify(raw.publicHost)}` });
  const min = raw.passivePortMin ?? 0;
  const max = raw.passivePortMax ?? (raw.passivePortMin === undefined ? 0 : 65535);
  if (min > max) issues.push({ pointer: '/firmware/passivePortMax', reason: `must not be below passivePortMin (${min})` });
  return {
    host: raw.host ?? '0.0.0.0',
    port: raw.port ?? DEFAULT_FIRMWARE_FTP_PORT,
    publicHost: raw.publicHost,
    ...(raw.publicPort !== undefined ? { publicPort: raw.publicPort } : {}),
    passivePortMin: min,
    passivePortMax: max,
  };
}
