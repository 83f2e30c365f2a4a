import type { ResponseOf } from '../../api/client';
import { escapeHtml } from '../../utils/html';
import { formatPercent } from './labels';

/** A member with coordinates and what the live view says of it now. */
export interface MemberPoint { code: string; name: string; lng: number; lat: number; occupancy: number | null; availability: string; freeSpaces: number | null; totalSpaces: number }

/** The theme's members that have coordinates, joined with their live figures by lot code. */
export function memberPoints(members: ResponseOf<'themesGet'>['members'], live: ResponseOf<'themesLive'>['members']): MemberPoint[] {
  const now = new Map(live.map((m) => [m.code, m]));
  return members.flatMap((m) => {
    if (m.lng === null || m.lat === null) return [];
    const l = now.get(m.code);
    return [{ code: m.code, name: m.name, lng: m.lng, lat: m.lat, occupancy: l?.occupancy ?? null, availability: l?.availability ?? 'unknown', freeSpaces: l?.freeSpaces ?? null, totalSpaces: m.totalSpaces }];
  });
}

/**
 * The scatter tooltip's HTML (ECharts sets it as innerHTML): every interpolated value — the lot's
 * name and code users typed, numbers and translated labels — escaped (docs/architecture.md, escaping and CSP).
 */
export function memberTooltipHtml(p: MemberPoint, t: (key: string) => string): string {
  return [
    `<b>${escapeHtml(p.name)}</b>（${escapeHtml(p.code)}）`,
    `${escapeHtml(t('themes.detail.occupancy'))}：${escapeHtml(formatPercent(p.occupancy))}`,
    `${escapeHtml(t('themes.detail.free'))}：${escapeHtml(p.freeSpaces ?? '—')} / ${escapeHtml(p.totalSpaces)}`,
    `${escapeHtml(t('themes.detail.availability'))}：${escapeHtml(t(`themes.detail.availabilities.${p.availability}`))}`,
  ].join('<br/>');
}
