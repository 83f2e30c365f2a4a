// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { api, setToken } from './api';
import { fileNameOf } from './download';

describe('fileNameOf', () => {
  it('reads the RFC 5987 filename* (UTF-8, percent-encoded) before the plain filename', () => {
    const h = `attachment; filename="parking-records.xlsx"; filename*=UTF-8''%E5%81%9C%E8%BD%A6%E6%B5%81%E6%B0%B4-2026-11-25.xlsx`;
    expect(fileNameOf(h)).toBe('停车流水-2026-11-25.xlsx');
    expect(fileNameOf(`attachment; filename*=utf-8'zh-CN'%E5%8F%B0%E8%B4%A6.docx`)).toBe('台账.docx');
    expect(fileNameOf(`attachment; filename*=iso-8859-1''caf%E9.csv`)).toBe('café.csv');
  });

  it('falls back to filename, quoted or not, and to null', () => {
    expect(fileNameOf('attachment; filename="lots.xlsx"')).toBe('lots.xlsx');
    expect(fileNameOf('attachment; filename="a \\"b\\".csv"')).toBe('a "b".csv');
    expect(fileNameOf('attachment; filename=report.docx')).toBe('report.docx');
    expect(fileNameOf(`attachment; filename*=UTF-8''%E5%ZZ; filename="fallback.xlsx"`)).toBe('fallback.xlsx');
    expect(fileNameOf('attachment')).toBeNull();
    expect(fileNameOf(null)).toBeNull();
  });
});

describe('api.download', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    setToken(null);
  });

  it('fetches with the bearer token and saves the blob under the server name', async () => {
    setToken('tok-1');
    const fetch = vi.fn(async () => new Response('xlsx-bytes', { headers: { 'content-disposition': `attachment; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx` } }));
    vi.stubGlobal('fetch', fetch);
    const saved: { name: string; href: string }[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push({ name: this.download, href: this.href });
    });
    await api.download('/api/v1/incidents/export', 'incident-ledger.xlsx', { format: 'xlsx', q: '' });
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/v1/incidents/export?format=xlsx');
    expect((init.headers as Record<string, string>).authorization).toBe('Bearer tok-1');
    expect(saved).toHaveLength(1);
    expect(saved[0]!.name).toBe('台账.xlsx');
    expect(saved[0]!.href).toMatch(/^blob:/);
    click.mockRestore();
  });

  it('uses the fallback name without a Content-Disposition, and throws the API error of a refusal', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('bytes')));
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('lots.xlsx');
    });
    await api.download('/api/v1/lots/export', 'lots.xlsx');
    expect(click).toHaveBeenCalledTimes(1);

    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ error: { code: 'RATE_LIMITED', message: '请求过于频繁' } }), { status: 429 })));
    await expect(api.download('/api/v1/sessions/export', 'x.xlsx')).rejects.toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    expect(click).toHaveBeenCalledTimes(1);
    click.mockRestore();
  });
});
