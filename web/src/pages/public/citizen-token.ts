// The citizen token of 我的停车 (docs/公众服务接口.md): kept in sessionStorage only (gone with the
// tab), never beside the console's token, and dropped once the API refuses it (401: expired after
// 30 minutes by the server's clock — the phone's own clock may be off, so it is not asked).

const KEY = 'zhibo.citizen';

export interface CitizenToken {
  token: string;
  expiresAt: string;
  plateMasked: string;
}

export function saveCitizenToken(t: CitizenToken): void {
  sessionStorage.setItem(KEY, JSON.stringify(t));
}

export function clearCitizenToken(): void {
  sessionStorage.removeItem(KEY);
}

/** The stored token; an unreadable one is cleared. */
export function loadCitizenToken(): CitizenToken | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const t = JSON.parse(raw) as CitizenToken;
    if (typeof t.token === 'string' && t.token) return t;
  } catch {
    // unreadable: dropped below
  }
  clearCitizenToken();
  return null;
}

/** 90 → '1 小时 30 分'; null → '—'. */
export function durationText(minutes: number | null, unit: { h: string; m: string }): string {
  if (minutes === null) return '—';
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return h > 0 ? `${h} ${unit.h}${m ? ` ${m} ${unit.m}` : ''}` : `${m} ${unit.m}`;
}
