/**
 * The station's own client certificate for security profile 3 (A02 by request of the CSMS through
 * TriggerMessage SignChargingStationCertificate; A03 is the same exchange started by the station).
 *
 * The gateway makes the key pair and the CSR (csr.ts), sends SignCertificateRequest, and waits
 * for CertificateSignedRequest: CertSigningWaitMinimum seconds, doubled at every repeat, resending
 * the same CSR up to CertSigningRepeatTimes times. The signed chain is checked (A02.FR.06: valid
 * now, our public key, CN = station identity, each certificate signed by the next and the last by
 * a trusted root), then kept with its key. Under profile 3 the station answers Accepted and
 * reconnects with it at once (A02.FR.08, 2025 errata); if that connection fails the next attempt
 * uses the previous certificate, alternating, and whichever connects first stays: the other is
 * discarded (A02.FR.10/28). Under profile 1 or 2 the certificate simply becomes the station's, for
 * a later move to profile 3 (A05).
 *
 * Secrets: the private key is written only to the StateStore (`cert:client`, `cert:client-new`,
 * `cert:csr`) and handed only to the TLS client; logs name certificates by subject and serial.
 */
import type { X509Certificate } from 'node:crypto';
import type { RequestOf, ResponseOf } from '../../ocpp/actions.js';
import type { JsonValue } from '../../store/state-store.js';
import { background, type StationContext } from '../context.js';
import { createKeyRequest } from './csr.js';
import { CertificateError, checkChain, describe, matchesHashData, parsePemBundle, type CertificateHashData } from './x509.js';

const ACTIVE_KEY = 'cert:client';
const RENEWED_KEY = 'cert:client-new';
const CSR_KEY = 'cert:csr';

/** A client certificate chain (leaf first) and its private key, as stored. */
interface ClientMaterial {
  readonly chainPem: string;
  readonly keyPem: string;
}

/** A CSR waiting for its certificate, as stored. */
interface PendingRequest {
  readonly keyPem: string;
  /** SPKI DER, base64. */
  readonly publicKey: string;
  readonly csrPem: string;
}

export interface ClientCertificateHost {
  /** Roots the signed chain may end at: installed CSMS roots, else the operator's configured CA. */
  anchors(): X509Certificate[];
  /** The security profile of the current connection. */
  profile(): number;
}

/** What a connection attempt presents: a stored certificate, or the one configured in the station registry. */
type Which = 'active' | 'renewed' | 'configured';

export class ClientCertificate {
  private active: ClientMaterial | undefined;
  private renewed: ClientMaterial | undefined;
  private pending: PendingRequest | undefined;
  /** What the current connection attempt presents. */
  private offered: Which | undefined;
  /** The renewed certificate is tried first; flipped by each failed attempt. */
  private preferRenewed = true;
  private retryTimer: unknown;
  private disposed = false;

  constructor(
    private readonly ctx: StationContext,
    private readonly host: ClientCertificateHost,
    private readonly changed: () => void,
  ) {}

  async load(): Promise<void> {
    this.active = material(await this.ctx.store.get(this.ctx.id, ACTIVE_KEY));
    this.renewed = material(await this.ctx.store.get(this.ctx.id, RENEWED_KEY));
    const p = (await this.ctx.store.get(this.ctx.id, CSR_KEY)) as Partial<PendingRequest> | undefined | null;
    this.pending = p !== undefined && p !== null && typeof p.keyPem === 'string' && typeof p.publicKey === 'string' && typeof p.csrPem === 'string' ? (p as PendingRequest) : undefined;
  }

  /** Certificates this block holds (for CertificateEntries). */
  get count(): number {
    return (this.active !== undefined ? 1 : 0) + (this.renewed !== undefined ? 1 : 0);
  }

  /** The chain and key the next connection attempt presents, or undefined for the configured ones. */
  tls(): { cert: string; key: string } | undefined {
    const which: Which = this.renewed !== undefined && this.preferRenewed ? 'renewed' : this.active !== undefined ? 'active' : 'configured';
    this.offered = which;
    const m = which === 'configured' ? undefined : this[which];
    return m === undefined ? undefined : { cert: m.chainPem, key: m.keyPem };
  }

  /** True when `data` names the leaf of the station's client certificate (current or renewed). */
  matches(data: CertificateHashData, anchors: readonly X509Certificate[]): boolean {
    return [this.active, this.renewed].some((m) => {
      if (m === undefined) return false;
      try {
        const [leaf, next] = parsePemBundle(m.chainPem);
        if (leaf === undefined) return false;
        const issuer = next ?? anchors.find((a) => leaf.checkIssued(a));
        return issuer !== undefined && matchesHashData(leaf, issuer, data);
      } catch {
        return false;
      }
    });
  }

  /** A connection opened: the certificate it presented is kept, the other one discarded (A02.FR.10). */
  opened(): void {
    const used = this.offered;
    if (this.renewed === undefined || used === undefined) return;
    if (used === 'renewed') {
      this.active = this.renewed;
      this.renewed = undefined;
      this.ctx.log('info', 'renewed client certificate in use; the previous one is discarded');
      background(
        this.ctx,
        'client certificate',
        this.ctx.store.set(this.ctx.id, ACTIVE_KEY, this.active as unknown as JsonValue).then(() => this.ctx.store.delete(this.ctx.id, RENEWED_KEY)),
      );
    } else {
      this.renewed = undefined;
      this.ctx.log('warn', 'connected with the previous client certificate; the renewed one is discarded');
      void this.ctx.securityEvent('DiscardedRenewedClientCertificate', 'the CSMS did not accept a connection with the renewed client certificate');
      background(this.ctx, 'client certificate', this.ctx.store.delete(this.ctx.id, RENEWED_KEY));
    }
    this.preferRenewed = true;
    this.changed();
  }

  /** A connection attempt failed: with a renewed certificate on trial, the next attempt presents the other one. */
  failed(): void {
    if (this.renewed !== undefined && this.offered !== undefined) this.preferRenewed = this.offered !== 'renewed';
  }

  /** TriggerMessage(SignChargingStationCertificate): a new key and CSR, sent once the answer is out. */
  trigger(): void {
    background(this.ctx, 'SignCertificate', this.requestSigning());
  }

  /** A new key pair and CSR (replacing any unanswered one), then SignCertificateRequest. */
  async requestSigning(): Promise<void> {
    this.clearRetry();
    const organization = this.ctx.dm.getString('SecurityCtrlr', 'OrganizationName') ?? '';
    const request = await createKeyRequest(this.ctx.id, organization);
    const pending: PendingRequest = { keyPem: request.keyPem, publicKey: request.publicKey, csrPem: request.csrPem };
    await this.ctx.store.set(this.ctx.id, CSR_KEY, pending as unknown as JsonValue);
    this.pending = pending;
    this.ctx.log('info', 'certificate signing request made', { commonName: this.ctx.id, organization });
    await this.send(pending, 0);
  }

  private async send(pending: PendingRequest, attempt: number): Promise<void> {
    if (this.disposed || this.pending !== pending) return;
    const answer = await this.ctx.call('SignCertificate', { csr: pending.csrPem, certificateType: 'ChargingStationCertificate' });
    if (answer.status !== 'Accepted') {
      this.ctx.log('warn', 'SignCertificate rejected by the CSMS', { reasonCode: answer.statusInfo?.reasonCode });
      return;
    }
    if (attempt >= this.ctx.dm.getNumber('SecurityCtrlr', 'CertSigningRepeatTimes')) return;
    // A02/A03: no CertificateSigned within CertSigningWaitMinimum → send again, the wait doubling each time.
    const waitMs = this.ctx.dm.getNumber('SecurityCtrlr', 'CertSigningWaitMinimum') * 1000 * 2 ** attempt;
    this.clearRetry();
    this.retryTimer = this.ctx.clock.setTimeout(() => {
      this.retryTimer = undefined;
      this.ctx.log('info', 'no CertificateSigned in time: sending the CSR again', { attempt: attempt + 1 });
      background(this.ctx, 'SignCertificate', this.send(pending, attempt + 1));
    }, waitMs);
  }

  /** CertificateSigned (A02.FR.06–08). */
  async certificateSigned(req: RequestOf<'CertificateSigned'>): Promise<{ response: ResponseOf<'CertificateSigned'>; after: () => void }> {
    const none = (): void => undefined;
    if (req.certificateType === 'V2GCertificate') {
      return { response: { status: 'Rejected', statusInfo: { reasonCode: 'NotSupported', additionalInfo: 'the charger has no ISO 15118' } }, after: none };
    }
    let leaf: X509Certificate;
    const pending = this.pending;
    try {
      const max = this.ctx.dm.getNumber('SecurityCtrlr', 'MaxCertificateChainSize');
      if (req.certificateChain.length > max) throw new CertificateError('ChainTooLong', `certificateChain has ${req.certificateChain.length} characters, more than MaxCertificateChainSize ${max}`);
      const chain = parsePemBundle(req.certificateChain);
      leaf = chain[0] as X509Certificate;
      if (pending === undefined || leaf.publicKey.export({ type: 'spki', format: 'der' }).toString('base64') !== pending.publicKey) {
        throw new CertificateError('KeyMismatch', `${describe(leaf)} does not carry the public key of the station's pending request`);
      }
      const cn = /(?:^|\n)CN=([^\n]*)/.exec(leaf.subject)?.[1];
      if (cn !== this.ctx.id) throw new CertificateError('WrongSubject', `${describe(leaf)} is not issued to CN=${this.ctx.id}`);
      checkChain(chain, this.host.anchors(), this.ctx.clock.now());
    } catch (err) {
      if (!(err instanceof CertificateError)) throw err;
      this.ctx.log('warn', 'CertificateSigned rejected', { code: err.code, reason: err.message });
      void this.ctx.securityEvent('InvalidChargingStationCertificate', `${err.code}: ${err.message}`);
      return { response: { status: 'Rejected', statusInfo: { reasonCode: err.code, additionalInfo: err.message.slice(0, 512) } }, after: none };
    }
    this.clearRetry();
    const m: ClientMaterial = { chainPem: req.certificateChain, keyPem: pending.keyPem };
    const switching = this.host.profile() === 3;
    if (switching) {
      await this.ctx.store.set(this.ctx.id, RENEWED_KEY, m as unknown as JsonValue);
      this.renewed = m;
      this.preferRenewed = true;
    } else {
      await this.ctx.store.set(this.ctx.id, ACTIVE_KEY, m as unknown as JsonValue);
      this.active = m;
    }
    await this.ctx.store.delete(this.ctx.id, CSR_KEY);
    this.pending = undefined;
    this.ctx.log('info', 'client certificate accepted', { certificate: describe(leaf), validTo: leaf.validTo, inUseFrom: switching ? 'next connection' : 'security profile 3' });
    this.changed();
    return { response: { status: 'Accepted' }, after: switching ? () => this.ctx.reconnect('client certificate renewed') : none };
  }

  dispose(): void {
    this.disposed = true;
    this.clearRetry();
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) this.ctx.clock.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }
}

function material(v: JsonValue | undefined): ClientMaterial | undefined {
  const m = v as Partial<ClientMaterial> | undefined | null;
  return m !== undefined && m !== null && typeof m.chainPem === 'string' && typeof m.keyPem === 'string' ? { chainPem: m.chainPem, keyPem: m.keyPem } : undefined;
}
