import { describe, expect, it } from 'vitest';
import { asciiFileName, cleanFileName, contentDisposition } from './download.js';

/** What a client that reads RFC 5987's `filename*` gets back. */
function decoded(header: string): string {
  const m = /filename\*=UTF-8''([^;\s]+)/.exec(header);
  if (!m) throw new Error(`no filename* in ${header}`);
  return decodeURIComponent(m[1]!);
}

/** The quoted ASCII fallback, as a client without RFC 5987 reads it. */
function fallback(header: string): string {
  const m = /filename="([^"]*)"/.exec(header);
  if (!m) throw new Error(`no filename in ${header}`);
  return m[1]!;
}

describe('contentDisposition (RFC 6266 / 5987)', () => {
  it('sends a Chinese name as UTF-8 filename* with the given ASCII fallback', () => {
    const h = contentDisposition('数据同步监控报告-2026-10.xlsx', 'sync-report-2026-10.xlsx');
    expect(h).toBe(`attachment; filename="sync-report-2026-10.xlsx"; filename*=UTF-8''${encodeURIComponent('数据同步监控报告-2026-10.xlsx')}`);
    expect(decoded(h)).toBe('数据同步监控报告-2026-10.xlsx');
  });

  it('derives the fallback from the name when none is given', () => {
    const h = contentDisposition('小票 照片.png');
    expect(fallback(h)).toBe('__ __.png');
    expect(decoded(h)).toBe('小票 照片.png');
    expect(fallback(contentDisposition('照片'))).toBe('download');
  });

  it("percent-encodes ' ( ) * which RFC 5987 does not allow bare (encodeURIComponent leaves them)", () => {
    const h = contentDisposition("it's (final)*.csv", 'x.csv');
    expect(h).toContain("filename*=UTF-8''it%27s%20%28final%29%2A.csv");
    expect(decoded(h)).toBe("it's (final)*.csv");
  });

  it('keeps a typed name inside the header: no quote, backslash, line break or path gets through', () => {
    const h = contentDisposition('a"b\\c\r\nSet-Cookie: x=1/../../evil".png');
    expect(h).not.toMatch(/[\r\n]/);
    expect(fallback(h)).not.toMatch(/["\\/]/);
    // Exactly two quotes: the fallback is one quoted string.
    expect(h.split('"')).toHaveLength(3);
    expect(decoded(h)).toBe('evil".png');
  });

  it('never sends an empty name', () => {
    expect(cleanFileName('  ')).toBe('download');
    expect(cleanFileName('dir/')).toBe('download');
    expect(asciiFileName('"')).toBe('download');
    expect(contentDisposition('')).toBe(`attachment; filename="download"; filename*=UTF-8''download`);
  });
});
