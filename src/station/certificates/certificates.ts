/**
 * The certificate block of a station: its installed roots (roots.ts), its own client certificate
 * (client-certificate.ts), and what the OCPP connection takes from them on every attempt.
 *
 * Trust: while the station has installed CSMSRootCertificates, they alone verify the CSMS's TLS
 * certificate; the CA the operator configured for the station is used only while none is installed
 * (it bootstraps the first connection, and deleting the last installed root falls back to it).
 * Likewise a client certificate obtained through SignCertificate/CertificateSigned replaces the
 * configured one for security profile 3.
 */
import type { X509Certificate } from 'node:crypto';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { SecurityProfileConfig, StationTlsMaterial } from '../../ocpp/client.js';
import type { StationContext } from '../context.js';
import { ClientCertificate } from './client-certificate.js';
import { InstalledRoots } from './roots.js';
import { parsePemBundle } from './x509.js';

/** How many certificates a station keeps: SecurityCtrlr.CertificateEntries' maxLimit (SecurityCtrlr.json). */
const CERTIFICATE_CAPACITY = 20;

export class Certificates {
  private readonly roots: InstalledRoots;
  private readonly client: ClientCertificate;
  /** An InvalidCsmsCertificate event was raised since the last open connection. */
  private csmsCertificateReported = false;

  constructor(
    private readonly ctx: StationContext,
    /** The station's configured profile and credentials: its `ca` anchors trust until roots are installed. */
    private readonly configured: SecurityProfileConfig,
  ) {
    const changed = (): void => this.publishEntries();
    this.roots = new InstalledRoots(ctx, () => this.client.count, changed);
    this.client = new ClientCertificate(ctx, { anchors: () => this.anchors(), profile: () => ctx.dm.getNumber('SecurityCtrlr', 'SecurityProfile') }, changed);
  }

  async load(): Promise<void> {
    await this.roots.load();
    await this.client.load();
    this.publishEntries();
  }

  /** Read by the OCPP client before every connection attempt. */
  tlsMaterial(): StationTlsMaterial {
    const ca = this.roots.pems('CSMSRootCertificate');
    const client = this.client.tls();
    return { ...(ca.length > 0 ? { ca } : {}), ...(client ?? {}) };
  }

  /** The connection opened; `peerChain` is the CSMS's TLS chain (DER, leaf first) when on TLS. */
  connectionOpened(peerChain: readonly Buffer[] | undefined): void {
    this.csmsCertificateReported = false;
    this.roots.connectionVerified(peerChain);
    this.client.opened();
  }

  /** A connection attempt failed (the OCPP client's failure record). */
  connectionFailed(failure: Readonly<Record<string, unknown>>): void {
    this.client.failed();
    // A00.FR.3xx: a CSMS certificate the station cannot verify is a security event, once per run.
    if (failure['kind'] === 'tls' && failure['certificateRejected'] === true && !this.csmsCertificateReported) {
      this.csmsCertificateReported = true;
      void this.ctx.securityEvent('InvalidCsmsCertificate', `CSMS TLS certificate refused: ${String(failure['code'])}`);
    }
  }

  installCertificate(req: RequestOf<'InstallCertificate'>): Promise<ResponseOf<'InstallCertificate'>> {
    return this.roots.install(req, CERTIFICATE_CAPACITY);
  }

  getInstalledCertificateIds(req: RequestOf<'GetInstalledCertificateIds'>): ResponseOf<'GetInstalledCertificateIds'> {
    return this.roots.getInstalledIds(req);
  }

  /** DeleteCertificate (M04); the station's own client certificate is never deleted this way (Failed). */
  async deleteCertificate(req: RequestOf<'DeleteCertificate'>): Promise<ResponseOf<'DeleteCertificate'>> {
    if (this.client.matches(req.certificateHashData, this.anchors())) {
      return { status: 'Failed', statusInfo: { reasonCode: 'NotDeletable', additionalInfo: 'the ChargingStationCertificate cannot be deleted with DeleteCertificate' } };
    }
    return this.roots.delete(req.certificateHashData);
  }

  certificateSigned(req: RequestOf<'CertificateSigned'>): ReturnType<ClientCertificate['certificateSigned']> {
    return this.client.certificateSigned(req);
  }

  /** TriggerMessage(SignChargingStationCertificate), once its answer is out. */
  triggerSigning(): void {
    this.client.trigger();
  }

  /** The installed ManufacturerRootCertificates, PEM: what a firmware signing certificate must chain to. */
  manufacturerRoots(): Promise<readonly string[]> {
    return Promise.resolve(this.roots.pems('ManufacturerRootCertificate'));
  }

  dispose(): void {
    this.client.dispose();
  }

  /** Roots a chain the CSMS has signed for the station may end at. */
  private anchors(): X509Certificate[] {
    const installed = this.roots.certificates('CSMSRootCertificate');
    if (installed.length > 0) return installed;
    const out: X509Certificate[] = [];
    const c = this.configured;
    for (const pem of c.profile === 1 ? [] : typeof c.ca === 'string' ? [c.ca] : c.ca) {
      try {
        out.push(...parsePemBundle(pem));
      } catch {
        // The configured CA was checked when the connection was built; what Node cannot read is no anchor.
      }
    }
    return out;
  }

  private publishEntries(): void {
    this.ctx.dm.setRuntime('SecurityCtrlr', 'CertificateEntries', this.roots.count + this.client.count);
  }
}

declare module '../context.js' {
  interface StationBlocks {
    readonly certificates: Certificates;
  }
}
