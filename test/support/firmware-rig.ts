/**
 * Firmware tests' rig: a test manufacturer CA and a firmware signing certificate it issued (real
 * keys, real signatures), an in-memory FirmwareServer that records what it publishes, and a
 * station whose charger has a firmware update command, downloading over real HTTP.
 */
import { sign } from 'node:crypto';
import { generate } from 'selfsigned';
import { expect } from 'vitest';
import type { CommandResultEvent } from '../../src/model/events.js';
import type { Capabilities } from '../../src/model/capabilities.js';
import type { FirmwareSource } from '../../src/model/commands.js';
import { TransferDownloader } from '../../src/gateway/transfers/download.js';
import type { StationEngineOptions } from '../../src/station/engine.js';
import type { FirmwareServer, PublishedImage } from '../../src/station/firmware/ports.js';
import type { StateStore } from '../../src/store/state-store.js';
import type { TestCsms } from './csms.js';
import { createStation, PILE_CAPABILITIES, until, type TestStation } from './station.js';

export interface Signing {
  readonly rootPem: string;
  readonly certificatePem: string;
  /** Base64 signature of `image` by the signing certificate's key. */
  sign(image: Buffer): string;
}

const CA_EXTENSIONS = [
  { name: 'basicConstraints' as const, cA: true, critical: true },
  { name: 'keyUsage' as const, keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
];

/** A manufacturer root and a firmware signing certificate it issued (EC P-256). */
export async function makeSigning(name = 'Example'): Promise<Signing> {
  const root = await generate([{ name: 'commonName', value: `${name} manufacturer root` }], { keyType: 'ec', algorithm: 'sha256', extensions: CA_EXTENSIONS });
  const signer = await generate([{ name: 'commonName', value: `${name} firmware signing` }], { keyType: 'ec', algorithm: 'sha256', ca: { cert: root.cert, key: root.private } });
  return {
    rootPem: root.cert,
    certificatePem: signer.cert,
    sign: (image) => sign('sha256', image, signer.private).toString('base64'),
  };
}

/** A FirmwareServer that keeps images in memory and records what it published and released. */
export class MemoryFirmwareServer implements FirmwareServer {
  readonly published: { stationId: string; name: string; image: Buffer; source: FirmwareSource; released: boolean }[] = [];

  publish(stationId: string, image: Buffer, name: string): Promise<PublishedImage> {
    const source: FirmwareSource = { protocol: 'ftp', host: '127.0.0.1', port: 2121, user: `fw-${this.published.length + 1}`, password: 'one-time-secret', path: `/fw/${name}` };
    const entry = { stationId, name, image, source, released: false };
    this.published.push(entry);
    return Promise.resolve({ source, release: () => (entry.released = true) });
  }

  withdraw(stationId: string): void {
    for (const p of this.published) if (p.stationId === stationId) p.released = true;
  }
}

/** A one-connector pile (or `connectors`) whose protocol has a firmware update command. */
function firmwareCapabilities(connectors = 1): Capabilities {
  return { ...PILE_CAPABILITIES, connectorCount: connectors, commands: new Set([...PILE_CAPABILITIES.commands, 'updateFirmware', 'setAvailability']) };
}

export interface FirmwareStationOptions {
  readonly id: string;
  readonly csms: TestCsms;
  readonly server?: FirmwareServer;
  readonly store?: StateStore;
  readonly firmwareVersion?: string;
  readonly connectors?: number;
  readonly answer?: (type: string) => CommandResultEvent['status'] | undefined;
  readonly extra?: Partial<StationEngineOptions>;
  readonly preset?: Record<string, string>;
}

/** Creates, starts and boots a station with a firmware path (HTTP downloads, `server` publishing). */
export async function firmwareStation(o: FirmwareStationOptions): Promise<TestStation> {
  const s = await createStation({
    id: o.id,
    url: o.csms.url,
    ...(o.store !== undefined ? { store: o.store } : {}),
    ...(o.preset !== undefined ? { preset: o.preset } : {}),
    answer: (c) => (o.answer ?? (() => 'accepted'))(c.type),
    extra: {
      capabilities: firmwareCapabilities(o.connectors),
      identity: { vendor: 'Example', model: 'EX-DC120-2', serialNumber: 'SN-0001', firmwareVersion: o.firmwareVersion ?? '1.2.3' },
      downloader: new TransferDownloader(),
      ...(o.server !== undefined ? { firmwareServer: o.server } : {}),
      firmwareLimits: { defaultRetryIntervalS: 1 },
      ...o.extra,
    },
  });
  s.engine.start();
  await until(() => s.engine.bootState === 'accepted', 'boot accepted');
  return s;
}

/** The FirmwareStatusNotifications `identity` sent, as `status` or `status#requestId`. */
export function statuses(csms: TestCsms, identity: string): string[] {
  return csms.calls
    .filter((c) => c.identity === identity && c.action === 'FirmwareStatusNotification')
    .map((c) => (c.params['requestId'] !== undefined ? `${String(c.params['status'])}#${String(c.params['requestId'])}` : String(c.params['status'])));
}

/** Waits until `identity` sent exactly `expected` (so far), and checks it. */
export async function expectStatuses(csms: TestCsms, identity: string, expected: string[], timeoutMs = 10_000): Promise<void> {
  await until(() => statuses(csms, identity).length >= expected.length, `${expected.join(', ')} (saw ${statuses(csms, identity).join(', ')})`, timeoutMs);
  expect(statuses(csms, identity)).toEqual(expected);
}

/** The security event types `identity` sent. */
export function securityEvents(csms: TestCsms, identity: string): string[] {
  return csms.calls.filter((c) => c.identity === identity && c.action === 'SecurityEventNotification').map((c) => String(c.params['type']));
}

/** An UpdateFirmware request's firmware part, retrieve now unless said. */
export function firmware(location: string, more: Record<string, unknown> = {}): Record<string, unknown> {
  return { location, retrieveDateTime: new Date().toISOString(), ...more };
}
