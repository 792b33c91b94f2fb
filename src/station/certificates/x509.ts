/**
 * X.509 facts the certificate block needs, read with Node's own parser: PEM bundles split into
 * certificates, the checks a root or a signed chain must pass, and CertificateHashData
 * (OCPP 2.0.1 Part 2, CertificateHashDataType: hashes of the issuer's DER name and of the issuer's
 * public key, as OCSP's CertID does them, RFC 6960 §4.1.1). Pure functions: no store, no clock.
 */
import { X509Certificate, createHash } from 'node:crypto';
import type { RequestOf } from '../../ocpp/actions.js';

export type CertificateHashData = RequestOf<'DeleteCertificate'>['certificateHashData'];
export type HashAlgorithm = CertificateHashData['hashAlgorithm'];

/** Stable codes of {@link CertificateError}; each is also the `reasonCode` the CSMS is told (≤ 20 characters). */
export const CERTIFICATE_ERROR_CODES = [
  /** Not PEM, not a certificate, or more/fewer certificates than expected. */
  'InvalidCertificate',
  /** A root that is not a CA (basicConstraints cA) or not self-signed. */
  'NotARootCA',
  /** The current time is past notAfter. */
  'CertificateExpired',
  /** The current time is before notBefore. */
  'NotYetValid',
  /** A certificate of the chain is not signed by the next one. */
  'ChainBroken',
  /** No installed root (or configured CA) signs the chain. */
  'UntrustedChain',
  /** The signed certificate carries another public key than the one the station asked for. */
  'KeyMismatch',
  /** Subject CN or O other than the CSR's. */
  'WrongSubject',
  /** The chain is longer than SecurityCtrlr.MaxCertificateChainSize. */
  'ChainTooLong',
] as const;

export type CertificateErrorCode = (typeof CERTIFICATE_ERROR_CODES)[number];

/** A certificate refused; the message names the certificate by subject and serial, never key material. */
export class CertificateError extends Error {
  override readonly name = 'CertificateError';
  constructor(
    readonly code: CertificateErrorCode,
    message: string,
  ) {
    super(message);
  }
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * The certificates of a PEM bundle, in order.
 * @throws CertificateError `InvalidCertificate` when there is none or one does not parse.
 */
export function parsePemBundle(text: string): X509Certificate[] {
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new CertificateError('InvalidCertificate', 'no PEM certificate found');
  return blocks.map((pem, i) => {
    try {
      return new X509Certificate(pem);
    } catch {
      throw new CertificateError('InvalidCertificate', `certificate ${i + 1} of the bundle does not parse`);
    }
  });
}

/** PEM text of one certificate, normalised (what is stored and given to TLS). */
export function pemOf(cert: X509Certificate): string {
  return cert.toString().trim() + '\n';
}

/** Short name of a certificate for logs and messages: subject CN and serial number. */
export function describe(cert: X509Certificate): string {
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ', ');
  return `"${cn}" serial ${serialHex(cert)}`;
}

/**
 * @throws CertificateError `CertificateExpired` / `NotYetValid` when `now` is outside the validity period.
 */
function checkValidity(cert: X509Certificate, now: number): void {
  if (now > Date.parse(cert.validTo)) throw new CertificateError('CertificateExpired', `${describe(cert)} expired on ${cert.validTo}`);
  if (now < Date.parse(cert.validFrom)) throw new CertificateError('NotYetValid', `${describe(cert)} is valid only from ${cert.validFrom}`);
}

/**
 * What InstallCertificate accepts (M05.FR.07): one self-signed CA certificate, valid now. A bundle
 * or an intermediate CA is refused: TLS verification here anchors on self-signed roots only.
 * @throws CertificateError
 */
export function checkRoot(pem: string, now: number): X509Certificate {
  const certs = parsePemBundle(pem);
  const [cert] = certs;
  if (cert === undefined || certs.length !== 1) throw new CertificateError('InvalidCertificate', `expected one certificate, got ${certs.length}`);
  if (!cert.ca) throw new CertificateError('NotARootCA', `${describe(cert)} is not a CA certificate`);
  if (!cert.checkIssued(cert) || !cert.verify(cert.publicKey)) throw new CertificateError('NotARootCA', `${describe(cert)} is not self-signed`);
  checkValidity(cert, now);
  return cert;
}

/**
 * Checks a chain leaf first (CertificateSigned, A02.FR.06): each certificate signed by the next,
 * every one valid now, and the last one signed by one of `anchors` (or being one of them).
 * @throws CertificateError `ChainBroken`, `UntrustedChain` or a validity code.
 */
export function checkChain(chain: readonly X509Certificate[], anchors: readonly X509Certificate[], now: number): void {
  for (const cert of chain) checkValidity(cert, now);
  for (let i = 0; i + 1 < chain.length; i++) {
    const child = chain[i] as X509Certificate;
    const parent = chain[i + 1] as X509Certificate;
    if (!child.checkIssued(parent) || !child.verify(parent.publicKey)) {
      throw new CertificateError('ChainBroken', `${describe(child)} is not signed by ${describe(parent)}`);
    }
  }
  const top = chain[chain.length - 1];
  if (top === undefined) throw new CertificateError('InvalidCertificate', 'empty chain');
  const trusted = anchors.some((a) => a.raw.equals(top.raw) || (top.checkIssued(a) && top.verify(a.publicKey)));
  if (!trusted) throw new CertificateError('UntrustedChain', `no trusted root signs ${describe(top)}`);
}

/** The serial number as the hash data carries it: lowercase hex without leading zeroes. */
function serialHex(cert: X509Certificate): string {
  return cert.serialNumber.toLowerCase().replace(/^0+(?=.)/, '');
}

const NODE_HASH: Record<HashAlgorithm, string> = { SHA256: 'sha256', SHA384: 'sha384', SHA512: 'sha512' };

/**
 * CertificateHashData of `cert` issued by `issuer` (itself for a root): issuerNameHash over the
 * DER issuer Name of `cert`, issuerKeyHash over the issuer's subjectPublicKey bits (no tag, length
 * or unused-bits octet), both lowercase hex.
 */
export function hashData(cert: X509Certificate, issuer: X509Certificate, algorithm: HashAlgorithm): CertificateHashData {
  const hash = (data: Buffer): string => createHash(NODE_HASH[algorithm]).update(data).digest('hex');
  return {
    hashAlgorithm: algorithm,
    issuerNameHash: hash(issuerNameDer(cert.raw)),
    issuerKeyHash: hash(subjectPublicKeyBits(issuer.publicKey.export({ type: 'spki', format: 'der' }))),
    serialNumber: serialHex(cert),
  };
}

/** True when `data` names `cert` (hex compared without regard to case, serial without leading zeroes). */
export function matchesHashData(cert: X509Certificate, issuer: X509Certificate, data: CertificateHashData): boolean {
  const mine = hashData(cert, issuer, data.hashAlgorithm);
  return (
    mine.issuerNameHash === data.issuerNameHash.toLowerCase() &&
    mine.issuerKeyHash === data.issuerKeyHash.toLowerCase() &&
    mine.serialNumber === data.serialNumber.toLowerCase().replace(/^0+(?=.)/, '')
  );
}

// ---------------------------------------------------------------------------------------------
// The few DER reads Node's X509Certificate does not offer.

interface Tlv {
  readonly tag: number;
  /** First byte of the contents. */
  readonly start: number;
  /** One past the last byte of the contents. */
  readonly end: number;
}

/** One TLV at `at`, bounds checked. @throws CertificateError on a truncated or oversized length. */
function tlv(der: Buffer, at: number): Tlv {
  const tag = der[at];
  const first = der[at + 1];
  if (tag === undefined || first === undefined) throw new CertificateError('InvalidCertificate', 'truncated DER');
  let start = at + 2;
  let length = first;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new CertificateError('InvalidCertificate', 'unsupported DER length');
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + (der[start + i] ?? 0);
    start += n;
  }
  if (start + length > der.length) throw new CertificateError('InvalidCertificate', 'truncated DER');
  return { tag, start, end: start + length };
}

/** Certificate ::= SEQUENCE { tbs SEQUENCE { [0] version?, serial, signature, issuer, ... } }: the issuer's bytes. */
function issuerNameDer(certDer: Buffer): Buffer {
  const tbs = tlv(certDer, tlv(certDer, 0).start);
  let at = tbs.start;
  if (certDer[at] === 0xa0) at = tlv(certDer, at).end; // explicit version
  at = tlv(certDer, at).end; // serialNumber
  at = tlv(certDer, at).end; // signature AlgorithmIdentifier
  const issuer = tlv(certDer, at);
  return certDer.subarray(at, issuer.end);
}

/** SubjectPublicKeyInfo ::= SEQUENCE { algorithm, subjectPublicKey BIT STRING }: the key bits. */
function subjectPublicKeyBits(spki: Buffer): Buffer {
  const outer = tlv(spki, 0);
  const bits = tlv(spki, tlv(spki, outer.start).end);
  if (bits.tag !== 0x03) throw new CertificateError('InvalidCertificate', 'public key is not a BIT STRING');
  return spki.subarray(bits.start + 1, bits.end);
}
