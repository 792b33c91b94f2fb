/**
 * The station's key pair and certificate signing request (A02/A03, PKCS #10, RFC 2986): an ECDSA
 * P-256 key (A00.FR.5xx allow RSA ≥ 2048 or EC ≥ 224 bits; P-256 is the one every TLS stack takes)
 * and a CSR whose subject is CN = station identity, O = SecurityCtrlr.OrganizationName, signed
 * ecdsa-with-SHA256.
 *
 * The CSR is DER-encoded here with Node's crypto doing the key and the signature: a CSR is four
 * small structures, and @peculiar/x509 2.x needs a global Reflect metadata polyfill at load time,
 * which the gateway does not otherwise carry.
 *
 * The private key leaves this file only as PKCS#8 PEM for the StateStore and the TLS client;
 * nothing here logs.
 */
import { generateKeyPair, sign } from 'node:crypto';
import { promisify } from 'node:util';

export interface StationKeyRequest {
  /** PKCS#8 PEM of the new private key. */
  readonly keyPem: string;
  /** SPKI DER of the public key, base64: what the signed certificate must carry. */
  readonly publicKey: string;
  /** The CSR, PEM. */
  readonly csrPem: string;
}

const OID_COMMON_NAME = '2.5.4.3';
const OID_ORGANIZATION = '2.5.4.10';
const OID_ECDSA_SHA256 = '1.2.840.10045.4.3.2';
/** DirectoryString upper bound for CN and O (RFC 5280 ub-common-name, ub-organization-name). */
const NAME_MAX = 64;

/** A fresh key pair and its CSR for `identity` in organisation `organization` (omitted when empty). */
export async function createKeyRequest(identity: string, organization: string): Promise<StationKeyRequest> {
  const { publicKey, privateKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const rdns = [rdn(OID_COMMON_NAME, identity), ...(organization !== '' ? [rdn(OID_ORGANIZATION, organization)] : [])];
  // CertificationRequestInfo ::= SEQUENCE { version 0, subject Name, subjectPKInfo, attributes [0] }
  const info = tlv(0x30, integer(0), tlv(0x30, ...rdns), spki, tlv(0xa0));
  const signature = sign('sha256', info, privateKey);
  const csr = tlv(0x30, info, tlv(0x30, oid(OID_ECDSA_SHA256)), tlv(0x03, Buffer.from([0]), signature));
  return {
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: spki.toString('base64'),
    csrPem: pem('CERTIFICATE REQUEST', csr),
  };
}

/** RelativeDistinguishedName ::= SET { SEQUENCE { type OID, value UTF8String } } */
function rdn(type: string, value: string): Buffer {
  const text = Buffer.from(value.slice(0, NAME_MAX), 'utf8');
  return tlv(0x31, tlv(0x30, oid(type), tlv(0x0c, text)));
}

function tlv(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function integer(n: number): Buffer {
  return tlv(0x02, Buffer.from([n]));
}

function oid(dotted: string): Buffer {
  const [a = 0, b = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [a * 40 + b];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = arc >> 7; v > 0; v >>= 7) base128.unshift((v & 0x7f) | 0x80);
    bytes.push(...base128);
  }
  return tlv(0x06, Buffer.from(bytes));
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}
