import { getCalendar, hasCalendar } from '../../platform/calendar/calendars.js';
import { formatShanghai } from '../../platform/time.js';
import type { Notice } from '../../platform/notices.js';
import type { SlaRow } from './items.js';
import { SLA_KIND_NAMES } from './policies.js';

const SUBJECT_NAMES: Record<string, { zh: string; en: string }> = {
  ticket: { zh: '工单', en: 'ticket' },
  incident: { zh: '事件', en: 'incident' },
};

/** '3 个工作日', '2 小时' … (`lang` 'en': '3 working days', '2 h' …). */
export function describeTarget(exactMinutes: number, calendarId: string, lang: 'zh' | 'en' = 'zh'): string {
  const minutes = Math.round(exactMinutes * 10) / 10;
  const perDay = hasCalendar(calendarId) ? getCalendar(calendarId).minutesPerDay : 0;
  const say = (n: number, zh: string, en: string) => (lang === 'zh' ? `${n} ${zh}` : `${n} ${en}`);
  if (calendarId === '24x7') {
    if (minutes % 1440 === 0) return say(minutes / 1440, '天', 'd');
    if (minutes % 60 === 0) return say(minutes / 60, '小时', 'h');
    return say(minutes, '分钟', 'min');
  }
  if (perDay && minutes % perDay === 0) return say(minutes / perDay, '个工作日', 'working days');
  if (minutes % 60 === 0) return say(minutes / 60, '个工作小时', 'working hours');
  return say(minutes, '个工作分钟', 'working minutes');
}

function subjectLabel(row: SlaRow, lang: 'zh' | 'en'): string {
  if (row.label) return row.label;
  const name = SUBJECT_NAMES[row.subject_type];
  return name ? `${name[lang]} ${row.subject_id}` : `${row.subject_type} ${row.subject_id}`;
}

function kindName(kind: string): { zh: string; en: string } {
  return SLA_KIND_NAMES[kind] ?? { zh: kind, en: kind };
}

function details(row: SlaRow, lang: 'zh' | 'en'): string {
  const zh = lang === 'zh';
  return [
    `${zh ? '时限：' : 'Target: '}${describeTarget(row.target_minutes, row.calendar_id, lang)}`,
    `${zh ? '开始：' : 'Started: '}${formatShanghai(row.started_at)}`,
    row.due_at ? `${zh ? '到期：' : 'Due: '}${formatShanghai(row.due_at)}` : null,
    row.paused_minutes > 0 ? (zh ? `已暂停：${Math.round(row.paused_minutes)} 分钟` : `Paused: ${Math.round(row.paused_minutes)} min`) : null,
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
    title: `即将超时：${subjectLabel(row, 'zh')} ${kind.zh}时限 ${due} 到期`,
    body: details(row, 'zh'),
    en: { title: `Due soon: ${subjectLabel(row, 'en')} ${kind.en} deadline ${due}`, body: details(row, 'en') },
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
    title: `已超时：${subjectLabel(row, 'zh')} ${kind.zh}时限 ${due} 已过`,
    body: details(row, 'zh'),
    en: { title: `Breached: ${subjectLabel(row, 'en')} ${kind.en} deadline ${due} passed`, body: details(row, 'en') },
    link: row.link ?? undefined,
    districtCode: row.district_code,
    audience: audience(row),
  };
}
