// The one way the console saves a downloaded file: every export and template button calls
// api.download (api.ts: a GET with the bearer token), which hands the answer to saveResponse here —
// the name from Content-Disposition, the bytes saved through a blob.

/** File name from a Content-Disposition header: RFC 5987 `filename*` first, then `filename`. */
export function fileNameOf(header: string | null): string | null {
  if (!header) return null;
  const star = /filename\*\s*=\s*([\w!#$&+.^`|~-]+)'[\w-]*'([^;]+)/i.exec(header);
  if (star?.[2]) {
    const charset = star[1]!.toLowerCase();
    try {
      const raw = star[2].trim().replace(/^"|"$/g, '');
      if (charset === 'utf-8') return decodeURIComponent(raw);
      // ISO-8859-1: every %XX is one byte, one character.
      return raw.replace(/%([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    } catch {
      // malformed: try the plain form
    }
  }
  const quoted = /filename\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  if (quoted?.[1]) return quoted[1].replace(/\\(.)/g, '$1');
  const plain = /filename\s*=\s*([^";]+)/i.exec(header);
  return plain?.[1]?.trim() || null;
}

/** Saves a blob under `name` through a temporary object URL and link. */
export function saveBlob(blob: Blob, name: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Saves a file answer under the server's file name (or `fallbackName`); the name it used. */
export async function saveResponse(res: Response, fallbackName: string): Promise<string> {
  const name = fileNameOf(res.headers.get('content-disposition')) ?? fallbackName;
  saveBlob(await res.blob(), name);
  return name;
}
