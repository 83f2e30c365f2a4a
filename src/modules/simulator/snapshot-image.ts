import { deflateSync } from 'node:zlib';

/*
 * Small valid PNG images drawn in code, for the demo's entry/exit snapshots (抓拍) and the tests:
 * a coloured frame with a light plate-like band in the middle. No binary files in the repository.
 */

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A `width` × `height` RGB PNG in the colour `rgb` with a light band across its middle. */
export function snapshotPng(rgb: readonly [number, number, number], width = 96, height = 64): Buffer {
  const row = 1 + width * 3;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    raw[y * row] = 0; // filter: none
    for (let x = 0; x < width; x++) {
      const band = y > height * 0.4 && y < height * 0.6 && x > width * 0.25 && x < width * 0.75;
      const o = y * row + 1 + x * 3;
      raw[o] = band ? 0xf0 : rgb[0];
      raw[o + 1] = band ? 0xf0 : rgb[1];
      raw[o + 2] = band ? 0xf0 : rgb[2];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The demo's few snapshot images: one per colour (blue, green, grey, dark red). */
export const DEMO_SNAPSHOT_COLOURS: readonly (readonly [number, number, number])[] = [[0x1f, 0x4e, 0x9c], [0x2e, 0x7d, 0x32], [0x60, 0x60, 0x60], [0x8e, 0x24, 0x24]];
