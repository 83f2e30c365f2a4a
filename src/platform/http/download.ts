/*
 * Download names. Every route that sends a file as a download names it here, so that a Chinese
 * file name reaches every browser the same way (RFC 6266 with RFC 5987's `filename*`) and a
 * name someone typed (an attachment's) can never break out of the header.
 *
 *   Content-Disposition: attachment; filename="sync-report-2026-10.xlsx"; filename*=UTF-8''%E6%95%B0...
 *
 * `filename` is the ASCII fallback for old clients; clients that understand `filename*` (all
 * current browsers) prefer it (RFC 6266 §4.3).
 */

const FALLBACK = 'download';

/** The media types of the office files every export sends (.xlsx lists, .docx reports). */
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** RFC 5987 `ext-value` characters: percent-encodes everything but attr-char (so also ' ( ) *). */
function encodeExtValue(text: string): string {
  return encodeURIComponent(text).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** A file name without path, control characters or line breaks (never part of a name we send). */
export function cleanFileName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f]/g, '').split(/[/\\]/).pop()!.trim();
  return cleaned || FALLBACK;
}

/**
 * The ASCII stand-in for `filename="…"`: printable ASCII only, without `"` and `\` (a quoted
 * string would need escapes some clients get wrong); anything else becomes `_` (`小票 照片.png`
 * → `__ __.png`), and a name with no letter or digit left is `download`.
 */
export function asciiFileName(name: string): string {
  const ascii = cleanFileName(name).replace(/[^\x20-\x7e]|["\\]/g, '_');
  return /[A-Za-z0-9]/.test(ascii) ? ascii : FALLBACK;
}

/**
 * `Content-Disposition: attachment` for `fileName` (may be Chinese); `asciiName` is the
 * fallback for clients without RFC 5987 (derived from `fileName` when not given).
 */
export function contentDisposition(fileName: string, asciiName?: string): string {
  const name = cleanFileName(fileName);
  return `attachment; filename="${asciiFileName(asciiName ?? name)}"; filename*=UTF-8''${encodeExtValue(name)}`;
}
