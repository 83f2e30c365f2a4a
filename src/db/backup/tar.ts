import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

/*
 * The backup container (docs/decisions/0015-backup-format.md): a plain POSIX ustar archive, so
 * an operator can look inside with `tar -tvf`. Only regular files, written and read here in a
 * few lines rather than through a dependency; sizes of 8 GiB and more use the GNU base-256 size
 * field. Reading checks every header's checksum and that each entry and the end-of-archive
 * blocks are all there, so a truncated file is named as such.
 */

const BLOCK = 512;

export class BackupFileError extends Error {}

export interface TarSource {
  name: string;
  /** Bytes in memory, or a file to stream. */
  data: Buffer | { path: string; size: number };
}

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK, 0);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar entry name too long: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o600, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  if (size < 8 ** 11) h.write(octal(size, 12), 124, 'ascii');
  else {
    // GNU base-256: high bit set, big-endian value in the remaining 11 bytes.
    h[124] = 0x80;
    let v = BigInt(size);
    for (let i = 135; i > 124; i--) {
      h[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  h.write(octal(Math.floor(mtime.getTime() / 1000), 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  h.write('zhibo', 265, 'ascii');
  h.write('zhibo', 297, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}

const padding = (size: number) => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK, 0);

/** Writes the entries, in order, to `file`. */
export async function writeTar(file: string, entries: TarSource[], mtime: Date): Promise<void> {
  async function* chunks() {
    for (const e of entries) {
      const size = Buffer.isBuffer(e.data) ? e.data.length : e.data.size;
      yield header(e.name, size, mtime);
      if (Buffer.isBuffer(e.data)) yield e.data;
      else for await (const chunk of createReadStream(e.data.path)) yield chunk as Buffer;
      yield padding(size);
    }
    yield Buffer.alloc(BLOCK * 2, 0);
  }
  await pipeline(Readable.from(chunks()), createWriteStream(file, { mode: 0o600 }));
}

export interface TarEntry {
  name: string;
  /** Byte offset of the entry's data in the archive. */
  offset: number;
  size: number;
}

function parseSize(h: Buffer): number {
  if (h[124]! & 0x80) {
    let v = 0n;
    for (let i = 125; i < 136; i++) v = (v << 8n) | BigInt(h[i]!);
    return Number(v);
  }
  const text = h.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim();
  if (!/^[0-7]+$/.test(text)) throw new BackupFileError('备份文件已损坏（条目大小无效） / the backup file is damaged: an entry header is invalid');
  return parseInt(text, 8);
}

/** Lists the archive's entries, checking headers, sizes and the end-of-archive marker. */
export async function readTarIndex(file: string): Promise<TarEntry[]> {
  const { size: total } = await stat(file);
  const fh = await open(file, 'r');
  try {
    const entries: TarEntry[] = [];
    let pos = 0;
    const h = Buffer.alloc(BLOCK);
    for (;;) {
      if (pos + BLOCK > total) throw new BackupFileError(`备份文件不完整（在第 ${pos} 字节处截断） / the backup file is truncated (at byte ${pos})`);
      await fh.read(h, 0, BLOCK, pos);
      if (h.every((b) => b === 0)) {
        if (pos + 2 * BLOCK > total) throw new BackupFileError('备份文件不完整（缺少归档结束标记） / the backup file is truncated (no end-of-archive marker)');
        return entries;
      }
      const stored = parseInt(h.subarray(148, 156).toString('ascii').replace(/\0.*$/s, '').trim(), 8);
      let sum = 0;
      for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i]!;
      if (stored !== sum) throw new BackupFileError(`备份文件已损坏（第 ${pos} 字节处的条目头校验失败） / the backup file is damaged: a header at byte ${pos} fails its checksum`);
      const name = h.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
      const size = parseSize(h);
      const offset = pos + BLOCK;
      if (offset + size > total) throw new BackupFileError(`备份文件不完整：${name} 应有 ${size} 字节，只剩 ${Math.max(0, total - offset)} 字节 / the backup file is truncated: ${name} should have ${size} bytes`);
      entries.push({ name, offset, size });
      pos = offset + size + ((BLOCK - (size % BLOCK)) % BLOCK);
    }
  } finally {
    await fh.close();
  }
}

export async function readTarEntry(file: string, entry: TarEntry): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(entry.size);
    await fh.read(buf, 0, entry.size, entry.offset);
    return buf;
  } finally {
    await fh.close();
  }
}

export function tarEntryStream(file: string, entry: TarEntry): ReadStream | Readable {
  if (entry.size === 0) return Readable.from([]);
  return createReadStream(file, { start: entry.offset, end: entry.offset + entry.size - 1 });
}
