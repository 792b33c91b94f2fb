/**
 * Signed firmware (L01): the firmware signing certificate is checked before a request is accepted
 * (L01.FR.21/22), the image's signature after the download (L01.FR.03/04/12).
 *
 * - The certificate must parse as X.509 (PEM) and be valid now. When manufacturer root
 *   certificates are installed it must be issued directly by one of them (manufacturers use no
 *   intermediate certificate for firmware signing); with none installed the CSMS-supplied
 *   certificate is taken as the trust anchor of this update.
 * - The signature is base64 over the whole image with SHA-256: RSA-PSS or RSA PKCS#1 v1.5 for an
 *   RSA key, ECDSA (DER or raw r|s) for an EC key.
 */
import { X509Certificate, constants, verify, type KeyObject } from 'node:crypto';

export type CertificateCheck = { readonly ok: true; readonly certificate: X509Certificate } | { readonly ok: false; readonly reason: string };

/** Parses `pem` and checks it is valid at `now` and, when `roots` are given, issued by one of them. */
export function checkSigningCertificate(pem: string, now: number, roots: readonly string[]): CertificateCheck {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch {
    return { ok: false, reason: 'the signing certificate is not a PEM X.509 certificate' };
  }
  if (Date.parse(certificate.validFrom) > now) return { ok: false, reason: `the signing certificate is not valid before ${certificate.validFrom}` };
  if (Date.parse(certificate.validTo) < now) return { ok: false, reason: `the signing certificate expired ${certificate.validTo}` };
  if (roots.length === 0) return { ok: true, certificate };
  for (const pemRoot of roots) {
    let root: X509Certificate;
    try {
      root = new X509Certificate(pemRoot);
    } catch {
      continue;
    }
    try {
      if (certificate.checkIssued(root) && certificate.verify(root.publicKey)) return { ok: true, certificate };
    } catch {
      // A root of another key type cannot have signed it.
    }
  }
  return { ok: false, reason: 'the signing certificate is not issued by an installed manufacturer root certificate' };
}

/** True when `signatureB64` is a valid signature of `image` by the key of `certificate`. */
export function verifyImageSignature(image: Buffer, signatureB64: string, certificate: X509Certificate): boolean {
  const signature = Buffer.from(signatureB64, 'base64');
  if (signature.length === 0) return false;
  const key = certificate.publicKey;
  const attempts = attemptsFor(key);
  return attempts.some((options) => {
    try {
      return verify('sha256', image, { key, ...options }, signature);
    } catch {
      return false;
    }
  });
}

type VerifyOptions = { padding?: number; saltLength?: number; dsaEncoding?: 'der' | 'ieee-p1363' };

function attemptsFor(key: KeyObject): VerifyOptions[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return [{ padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }, { padding: constants.RSA_PKCS1_PADDING }];
    case 'rsa-pss':
      return [{ padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_AUTO }];
    case 'ec':
      return [{ dsaEncoding: 'der' }, { dsaEncoding: 'ieee-p1363' }];
    default:
      return [];
  }
}
