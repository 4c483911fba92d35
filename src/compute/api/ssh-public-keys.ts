/**
 * @module Key pair material as nova/crypto.py makes and checks it: OpenSSH public keys parsed
 * and validated, fingerprinted as the MD5 of the key blob ("aa:bb:..."), x509 certificates
 * fingerprinted by SHA-1, and generated key pairs (RSA 2048 for ssh, a self-signed WinRM
 * client certificate for x509).
 */
import { createHash, createPublicKey, generateKeyPair, X509Certificate } from 'node:crypto'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Reads the SSH wire format: length-prefixed strings. */
function wireStrings(blob: Buffer): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  while (at < blob.length) {
    if (at + 4 > blob.length) throw new Error('truncated key')
    const len = blob.readUInt32BE(at)
    at += 4
    if (at + len > blob.length) throw new Error('truncated key')
    out.push(blob.subarray(at, at + len))
    at += len
  }
  return out
}

const b64url = (b: Buffer) => b.toString('base64url')
/** An SSH mpint without its sign byte. */
const unsigned = (b: Buffer) => (b.length > 1 && b[0] === 0 ? b.subarray(1) : b)

const CURVES: Record<string, { crv: string; size: number }> = {
  nistp256: { crv: 'P-256', size: 32 }, nistp384: { crv: 'P-384', size: 48 }, nistp521: { crv: 'P-521', size: 66 },
}

/** Throws unless `blob` is a well-formed public key of type `type` (what cryptography's load_ssh_public_key checks). */
function checkKeyBlob(type: string, blob: Buffer): void {
  const parts = wireStrings(blob)
  if (parts[0]?.toString() !== type) throw new Error('key type mismatch')
  if (type === 'ssh-rsa' && parts.length === 3) {
    createPublicKey({ key: { kty: 'RSA', e: b64url(unsigned(parts[1])), n: b64url(unsigned(parts[2])) }, format: 'jwk' })
  } else if (type === 'ssh-ed25519' && parts.length === 2 && parts[1].length === 32) {
    createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(parts[1]) }, format: 'jwk' })
  } else if (type.startsWith('ecdsa-sha2-') && parts.length === 3) {
    const curve = CURVES[parts[1].toString()]
    const point = parts[2]
    if (!curve || `ecdsa-sha2-${parts[1]}` !== type || point[0] !== 4 || point.length !== 1 + 2 * curve.size) throw new Error('bad ecdsa key')
    createPublicKey({ key: { kty: 'EC', crv: curve.crv, x: b64url(point.subarray(1, 1 + curve.size)), y: b64url(point.subarray(1 + curve.size)) }, format: 'jwk' })
  } else if (type === 'ssh-dss' && parts.length === 5) {
    // DSA keys parse but Node cannot import them from their parts; the structure check above is what remains.
  } else {
    throw new Error(`unsupported key type ${type}`)
  }
}

/** The fingerprint Nova stores for an ssh key, or undefined when the key is not a valid OpenSSH public key. */
export function sshFingerprint(publicKey: string): string | undefined {
  const fields = publicKey.trim().split(/\s+/)
  if (fields.length < 2) return undefined
  const [type, data] = fields
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data)) return undefined
  const blob = Buffer.from(data, 'base64')
  try {
    checkKeyBlob(type, blob)
  } catch {
    return undefined
  }
  return colons(createHash('md5').update(blob).digest('hex'))
}

/** The SHA-1 fingerprint of a PEM certificate, or undefined when it is not one. */
export function x509Fingerprint(pem: string): string | undefined {
  try {
    return new X509Certificate(pem).fingerprint.toLowerCase()
  } catch {
    return undefined
  }
}

const colons = (hex: string) => hex.match(/../g)!.join(':')

function sshString(b: Buffer): Buffer {
  const len = Buffer.alloc(4)
  len.writeUInt32BE(b.length)
  return Buffer.concat([len, b])
}
const mpint = (b: Buffer) => sshString(b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b)

export type GeneratedKeypair = { privateKey: string; publicKey: string; fingerprint: string }

/** A new RSA 2048 key as Nova makes it: PEM private key, `ssh-rsa ... Generated-by-Nova`. Runs off the event loop. */
export async function generateSshKeypair(): Promise<GeneratedKeypair> {
  const { publicKey, privateKey } = await new Promise<{ publicKey: import('node:crypto').KeyObject; privateKey: string }>((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048, publicExponent: 0x10001, privateKeyEncoding: { type: 'pkcs1', format: 'pem' } },
      (err, pub, priv) => (err ? reject(err) : resolve({ publicKey: pub, privateKey: priv })))
  })
  const jwk = publicKey.export({ format: 'jwk' })
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), mpint(Buffer.from(jwk.e!, 'base64url')), mpint(Buffer.from(jwk.n!, 'base64url'))])
  const ssh = `ssh-rsa ${blob.toString('base64')} Generated-by-Nova`
  return { privateKey, publicKey: ssh, fingerprint: colons(createHash('md5').update(blob).digest('hex')) }
}

/** A WinRM client certificate for `userId` (nova's generate_winrm_x509_cert): the PEM cert, and the key as base64 PKCS#12. */
export async function generateX509Keypair(userId: string): Promise<GeneratedKeypair> {
  const dir = await mkdtemp(join(tmpdir(), 'nubis-x509-'))
  try {
    const conf = join(dir, 'temp.conf')
    const keyFile = join(dir, 'temp.key')
    const certFile = join(dir, 'temp.crt')
    await writeFile(conf, 'distinguished_name  = req_distinguished_name\n[req_distinguished_name]\n[v3_req_client]\n' +
      `extendedKeyUsage = clientAuth\nsubjectAltName = otherName:1.3.6.1.4.1.311.20.2.3;UTF8:${userId}@localhost\n`)
    await run('openssl', ['req', '-x509', '-nodes', '-days', '3650', '-config', conf, '-newkey', 'rsa:2048', '-outform', 'PEM',
      '-keyout', keyFile, '-out', certFile, '-subj', `/CN=${userId}`, '-extensions', 'v3_req_client'])
    const p12 = join(dir, 'temp.p12')
    await run('openssl', ['pkcs12', '-export', '-inkey', keyFile, '-in', certFile, '-password', 'pass:', '-out', p12])
    const certificate = await readFile(certFile, 'utf8')
    return { privateKey: (await readFile(p12)).toString('base64'), publicKey: certificate, fingerprint: x509Fingerprint(certificate)! }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
