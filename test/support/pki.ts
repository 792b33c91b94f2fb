/**
 * A small PKI for certificate tests, made with @peculiar/x509 over Node's WebCrypto: root CAs,
 * TLS server certificates for 127.0.0.1, certificates signed from a station's CSR, and the
 * CertificateHashData a CSMS would compute for a root (written here independently of the
 * station's own DER reading).
 */
// @peculiar/x509 2.x needs a Reflect metadata polyfill loaded first (its README says so).
import 'reflect-metadata';
import { createHash, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

export { x509 };

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
/** @peculiar/x509 is typed against the DOM's WebCrypto; Node's webcrypto is that API. */
type X509Crypto = Parameters<typeof x509.cryptoProvider.set>[0];

x509.cryptoProvider.set(webcrypto as unknown as X509Crypto);

const EC_KEY = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING = { name: 'ECDSA', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

export interface TestCa {
  /** PEM. */
  readonly cert: string;
  readonly x509: x509.X509Certificate;
  readonly keys: CryptoKeyPair;
}

export interface Validity {
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

function period(v: Validity): { notBefore: Date; notAfter: Date } {
  return { notBefore: v.notBefore ?? new Date(Date.now() - DAY), notAfter: v.notAfter ?? new Date(Date.now() + 30 * DAY) };
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(EC_KEY, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** PKCS#8 PEM of a private key. */
async function keyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  return `-----BEGIN PRIVATE KEY-----\n${(der.toString('base64').match(/.{1,64}/g) ?? []).join('\n')}\n-----END PRIVATE KEY-----\n`;
}

/** A self-signed root CA (or, with `ca: false`, a self-signed end-entity certificate). */
export async function makeRoot(cn: string, options: Validity & { ca?: boolean } = {}): Promise<TestCa> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=${cn}`,
    keys,
    signingAlgorithm: SIGNING,
    ...period(options),
    extensions: [
      new x509.BasicConstraintsExtension(options.ca ?? true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), x509: cert, keys };
}

/** A TLS server certificate for 127.0.0.1 / localhost signed by `ca`, with its key as PEM. */
export async function serverCertificate(ca: TestCa): Promise<{ cert: string; key: string }> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: 'CN=localhost',
    issuer: ca.x509.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING,
    ...period({}),
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    ],
  });
  return { cert: cert.toString('pem'), key: await keyPem(keys.privateKey) };
}

/** A client certificate for `cn` signed by `ca`, with its key (a station's configured profile-3 credentials). */
export async function clientCertificate(ca: TestCa, cn: string): Promise<{ cert: string; key: string }> {
  const keys = await keyPair();
  const cert = await clientCert(ca, cn, keys.publicKey, {});
  return { cert, key: await keyPem(keys.privateKey) };
}

/** Signs a CSR as a CA would: the CSR's subject and key, clientAuth, PEM. */
export async function signCsr(ca: TestCa, csrPem: string, options: Validity = {}): Promise<string> {
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  return clientCert(ca, csr.subject, (await csr.publicKey.export(webcrypto as unknown as X509Crypto)) as CryptoKey, options);
}

async function clientCert(ca: TestCa, subject: string, publicKey: CryptoKey, options: Validity): Promise<string> {
  const cert = await x509.X509CertificateGenerator.create({
    subject: subject.startsWith('CN=') ? subject : `CN=${subject}`,
    issuer: ca.x509.subject,
    publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: SIGNING,
    ...period(options),
    extensions: [new x509.BasicConstraintsExtension(false, undefined, true), new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth])],
  });
  return cert.toString('pem');
}

/** A CSR for another key than the station's (a certificate the station must refuse). */
export async function foreignCsr(cn: string): Promise<string> {
  const keys = await keyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({ name: `CN=${cn}`, keys, signingAlgorithm: SIGNING });
  return csr.toString('pem');
}

type HashName = 'SHA256' | 'SHA384' | 'SHA512';

/**
 * CertificateHashData as a CSMS computes it, for a certificate `issuer` signed (a root: itself):
 * the issuer DN's DER, and the issuer key's BIT STRING contents (for P-256 the 65-byte
 * uncompressed point that ends the SPKI).
 */
export function issuedHashData(cert: string | x509.X509Certificate, issuer: TestCa, algorithm: HashName = 'SHA256'): Record<string, string> {
  const c = typeof cert === 'string' ? new x509.X509Certificate(cert) : cert;
  const hash = (b: ArrayBuffer | Buffer): string =>
    createHash(algorithm.toLowerCase())
      .update(Buffer.from(b as ArrayBuffer))
      .digest('hex');
  const spki = Buffer.from(issuer.x509.publicKey.rawData);
  return {
    hashAlgorithm: algorithm,
    issuerNameHash: hash(c.issuerName.toArrayBuffer()),
    issuerKeyHash: hash(spki.subarray(spki.length - 65)),
    serialNumber: c.serialNumber.toLowerCase().replace(/^0+(?=.)/, ''),
  };
}

/** The CertificateHashData of a root. */
export function rootHashData(ca: TestCa, algorithm: HashName = 'SHA256'): Record<string, string> {
  return issuedHashData(ca.x509, ca, algorithm);
}
