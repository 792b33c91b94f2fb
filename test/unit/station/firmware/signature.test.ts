/** Firmware signing certificates and image signatures, with keys and certificates made here. */
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { generate } from 'selfsigned';
import { describe, expect, it } from 'vitest';
import { checkSigningCertificate, verifyImageSignature } from '../../../../src/station/firmware/signature.js';
import { makeSigning } from '../../../support/firmware-rig.js';

const IMAGE = Buffer.from('firmware image bytes '.repeat(100));

describe('checkSigningCertificate', () => {
  it('takes a valid certificate issued by an installed root, or any valid one when no root is installed', async () => {
    const s = await makeSigning();
    expect(checkSigningCertificate(s.certificatePem, Date.now(), [s.rootPem]).ok).toBe(true);
    expect(checkSigningCertificate(s.certificatePem, Date.now(), []).ok).toBe(true);
  });

  it('refuses a certificate of another root, an unparsable one, and one outside its validity', async () => {
    const s = await makeSigning('A');
    const other = await makeSigning('B');
    expect(checkSigningCertificate(s.certificatePem, Date.now(), [other.rootPem, 'junk'])).toMatchObject({ ok: false, reason: expect.stringContaining('manufacturer root') });
    expect(checkSigningCertificate('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', Date.now(), [])).toMatchObject({ ok: false, reason: expect.stringContaining('not a PEM') });
    expect(checkSigningCertificate(s.certificatePem, Date.now() + 5 * 365 * 86_400_000, [])).toMatchObject({ ok: false, reason: expect.stringContaining('expired') });
    expect(checkSigningCertificate(s.certificatePem, Date.now() - 86_400_000, [])).toMatchObject({ ok: false, reason: expect.stringContaining('not valid before') });
  });
});

describe('verifyImageSignature', () => {
  it('verifies ECDSA signatures (DER and raw) and refuses another image or garbage', async () => {
    const s = await makeSigning();
    const check = checkSigningCertificate(s.certificatePem, Date.now(), []);
    if (!check.ok) throw new Error(check.reason);
    expect(verifyImageSignature(IMAGE, s.sign(IMAGE), check.certificate)).toBe(true);
    expect(verifyImageSignature(Buffer.concat([IMAGE, Buffer.from([0])]), s.sign(IMAGE), check.certificate)).toBe(false);
    expect(verifyImageSignature(IMAGE, '', check.certificate)).toBe(false);
    expect(verifyImageSignature(IMAGE, 'bm90IGEgc2lnbmF0dXJl', check.certificate)).toBe(false);
  });

  it('verifies RSA-PSS and RSA PKCS#1 v1.5 signatures with SHA-256', async () => {
    const pems = await generate([{ name: 'commonName', value: 'RSA firmware signing' }], { keyType: 'rsa', keySize: 2048, algorithm: 'sha256' });
    const check = checkSigningCertificate(pems.cert, Date.now(), []);
    if (!check.ok) throw new Error(check.reason);
    const pss = sign('sha256', IMAGE, { key: pems.private, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }).toString('base64');
    const pkcs1 = sign('sha256', IMAGE, pems.private).toString('base64');
    expect(verifyImageSignature(IMAGE, pss, check.certificate)).toBe(true);
    expect(verifyImageSignature(IMAGE, pkcs1, check.certificate)).toBe(true);
    const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    expect(verifyImageSignature(IMAGE, sign('sha256', IMAGE, stranger).toString('base64'), check.certificate)).toBe(false);
  });
});
