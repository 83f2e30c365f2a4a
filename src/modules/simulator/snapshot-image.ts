import { Raster } from '../monitoring/index.js';

/*
 * Small valid PNG images drawn in code, for the demo's entry/exit snapshots (抓拍) and the tests:
 * a coloured frame with a light plate-like band in the middle. No binary files in the repository;
 * the PNG encoder is monitoring's (its charts' raster copies).
 */

/** A `width` × `height` RGB PNG in the colour `rgb` with a light band across its middle. */
export function snapshotPng(rgb: readonly [number, number, number], width = 96, height = 64): Buffer {
  const r = new Raster(width, height, (rgb[0] << 16) | (rgb[1] << 8) | rgb[2]);
  // The band: rows strictly between 40 % and 60 % of the height, columns between 25 % and 75 %.
  const y0 = Math.floor(height * 0.4) + 1;
  const y1 = Math.ceil(height * 0.6);
  const x0 = Math.floor(width * 0.25) + 1;
  const x1 = Math.ceil(width * 0.75);
  r.fill(x0, y0, x1 - x0, y1 - y0, 0xf0f0f0);
  return r.toPng();
}

/** The demo's few snapshot images: one per colour (blue, green, grey, dark red). */
export const DEMO_SNAPSHOT_COLOURS: readonly (readonly [number, number, number])[] = [[0x1f, 0x4e, 0x9c], [0x2e, 0x7d, 0x32], [0x60, 0x60, 0x60], [0x8e, 0x24, 0x24]];
