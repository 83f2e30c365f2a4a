import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.js';

/*
 * The file store of entry/exit snapshots (抓拍; docs/decisions/0036-photo-store.md): images named
 * by the SHA-256 of their bytes under the photo directory, `<dir>/<first two hex>/<sha256>`.
 * Ingest writes (the signed upload) and prunes (retention), parking records read; the index table
 * `ingest_photos` is ingest's. A reference as events carry it is `photo:<sha256>` for a stored
 * image or an external https URL (docs/接入规范.md §6.7) — the platform never fetches the latter.
 */

export type PhotoType = 'image/jpeg' | 'image/png';
export const PHOTO_TYPES: readonly PhotoType[] = ['image/jpeg', 'image/png'];
/** The largest upload (the upload route's body limit). */
export const PHOTO_MAX_BYTES = 2 * 1024 * 1024;
/** The longest photo reference an event may carry. */
export const PHOTO_REF_MAX = 512;
export const STORED_REF_RE = /^photo:([0-9a-f]{64})$/;

/** Where stored photos live: ZHIBO_PHOTO_DIR, else `<data dir>/photos`; null for an in-memory database without one (uploads off). */
export function photoDir(config: Pick<Config, 'dataDir' | 'photoDir'>): string | null {
  if (config.photoDir) return config.photoDir;
  return config.dataDir && config.dataDir !== 'memory://' ? path.join(config.dataDir, 'photos') : null;
}

/** The image type its first bytes say (JPEG FF D8 FF, PNG's 8-byte signature), or null. */
export function sniffImage(bytes: Uint8Array): PhotoType | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  const png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length >= png.length && png.every((b, i) => bytes[i] === b)) return 'image/png';
  return null;
}

/** `stored` with its hash for `photo:<sha256>`, `external` for an https URL (as validated at ingest). */
export function photoRefKind(ref: string): { kind: 'stored'; sha256: string } | { kind: 'external'; url: string } {
  const m = STORED_REF_RE.exec(ref);
  return m ? { kind: 'stored', sha256: m[1]! } : { kind: 'external', url: ref };
}

export const photoRef = (sha256: string) => `photo:${sha256}`;

function filePath(dir: string, sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a sha256: ${sha256.slice(0, 80)}`);
  return path.join(dir, sha256.slice(0, 2), sha256);
}

/**
 * Stores the bytes under their hash (written to a temporary name and renamed, so a reader never
 * sees half a file; the same bytes again keep the file). Directories 0700, files 0600.
 */
export async function writePhoto(dir: string, bytes: Uint8Array): Promise<string> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const target = filePath(dir, sha256);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o700 });
  const exists = await stat(target).then(() => true, () => false);
  if (!exists) {
    const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, bytes, { mode: 0o600 });
    await rename(tmp, target);
  }
  return sha256;
}

/** The stored image and its type, or null when there is no such file (never stored, or pruned). */
export async function readPhoto(dir: string, sha256: string): Promise<{ bytes: Buffer; contentType: PhotoType } | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(filePath(dir, sha256));
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return null;
    throw err;
  }
  const contentType = sniffImage(bytes);
  return contentType ? { bytes, contentType } : null;
}

export async function deletePhoto(dir: string, sha256: string): Promise<void> {
  await rm(filePath(dir, sha256), { force: true });
}
