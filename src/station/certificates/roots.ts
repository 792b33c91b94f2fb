/**
 * The station's installed root certificates (M03 GetInstalledCertificateIds, M04 DeleteCertificate,
 * M05 InstallCertificate) for the two kinds a legacy charger behind the gateway can use:
 * CSMSRootCertificate (the roots the CSMS's TLS certificate is verified against) and
 * ManufacturerRootCertificate (the roots a firmware signing certificate must chain to).
 *
 * V2GRootCertificate and MORootCertificate belong to ISO 15118 (Plug & Charge), which no charger
 * behind the gateway speaks: installing one is Rejected with reasonCode `NotSupported` rather than
 * kept where nothing would ever use it, and a query for them (or for a V2GCertificateChain) finds
 * nothing.
 *
 * Roots are persisted per station in the StateStore, one key per certificate
 * (`cert:root:<SHA-256 fingerprint>`), and held in memory for the TLS client, which needs them
 * synchronously on every connection attempt.
 */
import { X509Certificate } from 'node:crypto';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import { ocppTimestamp } from '../../ocpp/schemas.js';
import type { JsonValue } from '../../store/state-store.js';
import type { StationContext } from '../context.js';
import { CertificateError, checkRoot, describe, hashData, matchesHashData, pemOf } from './x509.js';

export type RootType = 'CSMSRootCertificate' | 'ManufacturerRootCertificate';

const ROOT_PREFIX = 'cert:root:';

interface StoredRoot {
  readonly type: RootType;
  readonly pem: string;
  readonly installedAt: string;
}

interface Root {
  readonly type: RootType;
  readonly cert: X509Certificate;
  readonly key: string;
}

type Install = RequestOf<'InstallCertificate'>;
type Delete = RequestOf<'DeleteCertificate'>;

const fail = (reasonCode: string, additionalInfo?: string): { status: 'Failed'; statusInfo: { reasonCode: string; additionalInfo?: string } } => ({
  status: 'Failed',
  statusInfo: { reasonCode, ...(additionalInfo !== undefined ? { additionalInfo: additionalInfo.slice(0, 512) } : {}) },
});

export class InstalledRoots {
  private roots: Root[] = [];
  /** DER of the CSMS root that verified the open connection, if an installed one did. */
  private inUse: Buffer | undefined;

  constructor(
    private readonly ctx: StationContext,
    /** How many certificates the station may hold besides these roots (its own client certificate). */
    private readonly others: () => number,
    /** Called after every change, to publish CertificateEntries. */
    private readonly changed: () => void,
  ) {}

  /** Reads the persisted roots; one that no longer parses is logged and skipped. */
  async load(): Promise<void> {
    const stored = await this.ctx.store.getAll(this.ctx.id, ROOT_PREFIX);
    const roots: Root[] = [];
    for (const [key, value] of stored) {
      const v = value as Partial<StoredRoot> | null;
      try {
        if (v === null || typeof v.pem !== 'string' || (v.type !== 'CSMSRootCertificate' && v.type !== 'ManufacturerRootCertificate')) throw new Error('not a stored root');
        roots.push({ type: v.type, cert: new X509Certificate(v.pem), key });
      } catch (err) {
        this.ctx.log('warn', 'stored root certificate unreadable: ignored', { key, error: err instanceof Error ? err.message : String(err) });
      }
    }
    this.roots = roots;
  }

  get count(): number {
    return this.roots.length;
  }

  /** PEMs of the installed roots of `type`, oldest first. */
  pems(type: RootType): string[] {
    return this.roots.filter((r) => r.type === type).map((r) => pemOf(r.cert));
  }

  certificates(type: RootType): X509Certificate[] {
    return this.roots.filter((r) => r.type === type).map((r) => r.cert);
  }

  /**
   * Notes which installed CSMS root anchors the CSMS's chain on the connection just opened
   * (`chain`: the DER certificates the CSMS sent, leaf first), so that root is not deleted under it.
   */
  connectionVerified(chain: readonly Buffer[] | undefined): void {
    this.inUse = undefined;
    if (chain === undefined || chain.length === 0) return;
    try {
      const top = new X509Certificate(chain[chain.length - 1] as Buffer);
      const anchor = this.roots.find((r) => r.type === 'CSMSRootCertificate' && (r.cert.raw.equals(top.raw) || (top.checkIssued(r.cert) && top.verify(r.cert.publicKey))));
      this.inUse = anchor?.cert.raw;
    } catch (err) {
      // TLS verified the chain already; a certificate Node's parser refuses here only means no root is marked in use.
      this.ctx.log('warn', 'CSMS certificate chain unreadable', { error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** InstallCertificate (M05). */
  async install(req: Install, capacity: number): Promise<ResponseOf<'InstallCertificate'>> {
    if (req.certificateType !== 'CSMSRootCertificate' && req.certificateType !== 'ManufacturerRootCertificate') {
      return { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported', additionalInfo: `${req.certificateType}: the charger has no ISO 15118` } };
    }
    let cert: X509Certificate;
    try {
      cert = checkRoot(req.certificate, this.ctx.clock.now());
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
      this.ctx.log('warn', 'InstallCertificate rejected', { certificateType: req.certificateType, code: err.code, reason: err.message });
      return { status: 'Rejected', statusInfo: { reasonCode: err.code, additionalInfo: err.message.slice(0, 512) } };
    }
    const key = ROOT_PREFIX + cert.fingerprint256.replace(/:/g, '').toLowerCase();
    const existing = this.roots.find((r) => r.key === key);
    if (existing !== undefined && existing.type === req.certificateType) return { status: 'Accepted' };
    if (existing === undefined && this.roots.length + this.others() >= capacity) {
      return fail('CertificateStoreFull', `the station keeps at most ${capacity} certificates (SecurityCtrlr.CertificateEntries)`);
    }
    const stored: StoredRoot = { type: req.certificateType, pem: pemOf(cert), installedAt: ocppTimestamp(this.ctx.clock.now()) };
    try {
      await this.ctx.store.set(this.ctx.id, key, stored as unknown as JsonValue);
    } catch (err) {
      this.ctx.log('error', 'InstallCertificate: store write failed', { error: err instanceof Error ? err.message : String(err) });
      return fail('StoreWriteFailed');
    }
    this.roots = [...this.roots.filter((r) => r.key !== key), { type: req.certificateType, cert, key }];
    this.ctx.log('info', 'root certificate installed', { certificateType: req.certificateType, certificate: describe(cert) });
    this.changed();
    return { status: 'Accepted' };
  }

  /** GetInstalledCertificateIds (M03): SHA-256 hash data, one chain entry per root. */
  getInstalledIds(req: RequestOf<'GetInstalledCertificateIds'>): ResponseOf<'GetInstalledCertificateIds'> {
    const wanted = req.certificateType;
    const chain = this.roots.filter((r) => wanted === undefined || wanted.includes(r.type)).map((r) => ({ certificateType: r.type, certificateHashData: hashData(r.cert, r.cert, 'SHA256') }));
    return chain.length === 0 ? { status: 'NotFound' } : { status: 'Accepted', certificateHashDataChain: chain };
  }

  /** True when `data` names one of the installed roots. */
  has(data: Delete['certificateHashData']): boolean {
    return this.roots.some((r) => matchesHashData(r.cert, r.cert, data));
  }

  /**
   * DeleteCertificate (M04) of a root: NotFound when no root matches, Failed for the CSMS root
   * that verified the open connection (deleting it could leave the station unable to reconnect).
   */
  async delete(data: Delete['certificateHashData']): Promise<ResponseOf<'DeleteCertificate'>> {
    const root = this.roots.find((r) => matchesHashData(r.cert, r.cert, data));
    if (root === undefined) return { status: 'NotFound' };
    if (root.type === 'CSMSRootCertificate' && this.inUse !== undefined && root.cert.raw.equals(this.inUse)) {
      return fail('CertificateInUse', 'this CSMS root verified the current connection');
    }
    try {
      await this.ctx.store.delete(this.ctx.id, root.key);
    } catch (err) {
      this.ctx.log('error', 'DeleteCertificate: store write failed', { error: err instanceof Error ? err.message : String(err) });
      return fail('StoreWriteFailed');
    }
    this.roots = this.roots.filter((r) => r !== root);
    this.ctx.log('info', 'root certificate deleted', { certificateType: root.type, certificate: describe(root.cert) });
    this.changed();
    return { status: 'Accepted' };
  }
}
