import { getCalendar, hasCalendar } from '../../platform/calendar/calendars.js';
import { formatShanghai } from '../../platform/time.js';
import type { Notice } from '../../platform/notices.js';
import type { SlaRow } from './items.js';
import { SLA_KIND_NAMES } from './policies.js';

const SUBJECT_NAMES: Record<string, { zh: string; en: string }> = {
  ticket: { zh: '工单', en: 'ticket' },
  incident: { zh: '事件', en: 'incident' },
};

/** '3 个工作日 / 3 working days', '2 小时 / 2 h' … */
export function describeTarget(exactMinutes: number, calendarId: string): string {
  const minutes = Math.round(exactMinutes * 10) / 10;
  const perDay = hasCalendar(calendarId) ? getCalendar(calendarId).minutesPerDay : 0;
  if (calendarId === '24x7') {
    if (minutes % 1440 === 0) return `${minutes / 1440} 天 / ${minutes / 1440} d`;
    if (minutes % 60 === 0) return `${minutes / 60} 小时 / ${minutes / 60} h`;
    return `${minutes} 分钟 / ${minutes} min`;
  }
  if (perDay && minutes % perDay === 0) return `${minutes / perDay} 个工作日 / ${minutes / perDay} working days`;
  if (minutes % 60 === 0) return `${minutes / 60} 个工作小时 / ${minutes / 60} working hours`;
  return `${minutes} 个工作分钟 / ${minutes} working minutes`;
}

function subjectLabel(row: SlaRow): string {
  if (row.label) return row.label;
  const name = SUBJECT_NAMES[row.subject_type];
  return name ? `${name.zh} ${row.subject_id}` : `${row.subject_type} ${row.subject_id}`;
}

function kindName(kind: string): { zh: string; en: string } {
  return SLA_KIND_NAMES[kind] ?? { zh: kind, en: kind };
}

function details(row: SlaRow): string {
  return [
    `时限 / target: ${describeTarget(row.target_minutes, row.calendar_id)}`,
    `开始 / started: ${formatShanghai(row.started_at)}`,
    row.due_at ? `到期 / due: ${formatShanghai(row.due_at)}` : null,
    row.paused_minutes > 0 ? `已暂停 / paused: ${Math.round(row.paused_minutes)} 分钟 / min` : null,
  ].filter(Boolean).join('\n');
}

function audience(row: SlaRow): Notice['audience'] {
  return row.audience_usernames.length ? { permission: 'ops', usernames: row.audience_usernames } : undefined;
}

export function warningNotice(row: SlaRow): Notice {
  const kind = kindName(row.kind);
  const due = row.due_at ? formatShanghai(row.due_at).slice(0, 16) : '';
  return {
    kind: 'sla.warning',
    severity: 'warning',
    title: `即将超时：${subjectLabel(row)} ${kind.zh}时限 ${due} 到期 / SLA ${kind.en} due soon`,
    body: details(row),
    link: row.link ?? undefined,
    districtCode: row.district_code,
    audience: audience(row),
  };
}

export function breachNotice(row: SlaRow): Notice {
  const kind = kindName(row.kind);
  const due = row.due_at ? formatShanghai(row.due_at).slice(0, 16) : '';
  return {
    kind: 'sla.breached',
    severity: 'critical',
    title: `已超时：${subjectLabel(row)} ${kind.zh}时限 ${due} 已过 / SLA ${kind.en} breached`,
    body: details(row),
    link: row.link ?? undefined,
    districtCode: row.district_code,
    audience: audience(row),
  };
}
