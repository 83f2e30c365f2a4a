import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { BackupFileError } from './tar.js';

/*
 * Optional encryption of the backup's payload: AES-256-GCM with a key from the configuration
 * (ZHIBO_BACKUP_KEY), never written beside the file. A key of exactly 32 bytes (64 hex digits,
 * or base64) is used as is; anything else is a passphrase stretched with scrypt and a random salt
 * kept in the manifest. The manifest keeps the IV, the GCM tag and a fingerprint of the key
 * (so a wrong key is named as such) — none of which reveals the key.
 */

export interface EncryptionInfo {
  algorithm: 'aes-256-gcm';
  kdf: 'raw' | 'scrypt';
  salt: string | null;
  iv: string;
  tag: string;
  keyFingerprint: string;
}

function rawKey(secret: string): Buffer | null {
  const t = secret.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t, 'base64');
    if (b.length === 32) return b;
  }
  return null;
}

function deriveKey(secret: string, kdf: 'raw' | 'scrypt', salt: Buffer | null): Buffer {
  if (kdf === 'raw') return rawKey(secret)!;
  return scryptSync(secret, salt!, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
}

const fingerprint = (key: Buffer) => createHash('sha256').update('zhibo-backup-key\n').update(key).digest('hex').slice(0, 16);

/** Encrypts `input` into `output`; returns what the manifest records. */
export async function encryptFile(input: string, output: string, secret: string): Promise<EncryptionInfo> {
  const kdf = rawKey(secret) ? 'raw' : 'scrypt';
  const salt = kdf === 'scrypt' ? randomBytes(16) : null;
  const key = deriveKey(secret, kdf, salt);
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  await pipeline(createReadStream(input), cipher, createWriteStream(output, { mode: 0o600 }));
  return { algorithm: 'aes-256-gcm', kdf, salt: salt?.toString('hex') ?? null, iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex'), keyFingerprint: fingerprint(key) };
}

/** Decrypts the payload stream into `output`; a wrong key or altered bytes fail with a clear message. */
export async function decryptTo(input: Readable, output: string, secret: string | null | undefined, info: EncryptionInfo): Promise<void> {
  if (!secret) throw new BackupFileError('备份已加密，须提供密钥 ZHIBO_BACKUP_KEY / the backup is encrypted: set ZHIBO_BACKUP_KEY');
  if (info.kdf === 'raw' && !rawKey(secret)) throw new BackupFileError('密钥不符（该备份使用 32 字节原始密钥） / wrong key: this backup was made with a raw 32-byte key');
  const key = deriveKey(secret, info.kdf, info.salt ? Buffer.from(info.salt, 'hex') : null);
  if (fingerprint(key) !== info.keyFingerprint) throw new BackupFileError('密钥不符，不是加密此备份的密钥 / wrong key: not the key this backup was encrypted with');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(info.iv, 'hex'));
  decipher.setAuthTag(Buffer.from(info.tag, 'hex'));
  try {
    await pipeline(input, decipher, createWriteStream(output, { mode: 0o600 }));
  } catch (err) {
    throw new BackupFileError(`备份内容已被改动或损坏（解密认证失败） / the backup has been altered or damaged: decryption failed to authenticate (${(err as Error).message})`);
  }
}
