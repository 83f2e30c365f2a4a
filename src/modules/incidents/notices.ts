import { formatShanghai } from '../../platform/time.js';
import type { Notice, NoticeSeverity } from '../../platform/notices.js';
import { noticeDistrict } from './clocks.js';
import type { IncidentRow } from './repo.js';
import { MODULE_NAMES, SEVERITY_NAMES, SOURCE_NAMES, STATE_NAMES, type IncidentState } from './vocab.js';

/** Notices of the incident ledger (console inbox and the configured channels). */

const NOTICE_SEVERITY: Record<1 | 2 | 3, NoticeSeverity> = { 1: 'critical', 2: 'warning', 3: 'info' };

const link = (row: IncidentRow) => `/incidents/${row.id}`;
const head = (row: IncidentRow) => `【${SEVERITY_NAMES[row.severity].zh}事件】${row.code} ${row.title}`;
const headEn = (row: IncidentRow) => `[${SEVERITY_NAMES[row.severity].en}] ${row.code} ${row.title}`;

export function scopeLine(row: IncidentRow): string {
  const parts = [
    row.scope_description,
    row.scope_modules.length ? `模块：${row.scope_modules.map((m) => MODULE_NAMES[m]?.zh ?? m).join('、')}` : null,
    row.scope_lots.length ? `停车场：${row.scope_lots.slice(0, 10).join('、')}${row.scope_lots.length > 10 ? ` 等 ${row.scope_lots.length} 个` : ''}` : null,
    row.affected_users !== null ? `受影响用户约 ${row.affected_users}` : null,
    row.affected_users_note,
  ].filter(Boolean);
  return parts.length ? parts.join('；') : '（未填写）';
}

const withCommander = (row: IncidentRow): Notice['audience'] => ({ permission: 'ops', usernames: row.commander ? [row.commander] : undefined });

export function openedNotice(row: IncidentRow, respondDueAt: Date | null): Notice {
  return {
    kind: 'incidents.opened',
    severity: NOTICE_SEVERITY[row.severity],
    title: head(row),
    body: [
      `发生时间：${formatShanghai(row.occurred_at)}`,
      `发现方式：${SOURCE_NAMES[row.detection_source].zh}`,
      `影响范围：${scopeLine(row)}`,
      respondDueAt ? `响应时限：${formatShanghai(respondDueAt)}` : null,
      row.commander ? `负责人：${row.commander}` : null,
    ].filter(Boolean).join('\n'),
    en: {
      title: `${headEn(row)}: incident opened`,
      body: [
        `Occurred: ${formatShanghai(row.occurred_at)}`,
        `Detected by: ${SOURCE_NAMES[row.detection_source].en}`,
        `Scope: ${scopeLine(row)}`,
        respondDueAt ? `Respond by: ${formatShanghai(respondDueAt)}` : null,
        row.commander ? `Commander: ${row.commander}` : null,
      ].filter(Boolean).join('\n'),
    },
    link: link(row),
    districtCode: noticeDistrict(row),
    audience: withCommander(row),
  };
}

export function assignedNotice(row: IncidentRow): Notice {
  return {
    kind: 'incidents.assigned',
    severity: row.severity === 1 ? 'critical' : 'warning',
    title: `${head(row)}：由您负责处置`,
    body: `状态：${STATE_NAMES[row.state].zh}\n影响范围：${scopeLine(row)}`,
    en: { title: `${headEn(row)}: you are the incident commander`, body: `State: ${STATE_NAMES[row.state].en}\nScope: ${scopeLine(row)}` },
    link: link(row),
    districtCode: noticeDistrict(row),
    audience: { usernames: [row.commander!] },
  };
}

export function stateNotice(row: IncidentRow, from: IncidentState, note: string | null): Notice {
  return {
    kind: 'incidents.state_changed',
    severity: 'info',
    title: `${head(row)}：${STATE_NAMES[from].zh} → ${STATE_NAMES[row.state].zh}`,
    body: [note, row.recovered_at && row.state === 'mitigated' ? `恢复时间：${formatShanghai(row.recovered_at)}` : null].filter(Boolean).join('\n'),
    en: {
      title: `${headEn(row)}: ${STATE_NAMES[from].en} → ${STATE_NAMES[row.state].en}`,
      body: [note, row.recovered_at && row.state === 'mitigated' ? `Recovered: ${formatShanghai(row.recovered_at)}` : null].filter(Boolean).join('\n'),
    },
    link: link(row),
    districtCode: noticeDistrict(row),
    audience: withCommander(row),
  };
}

export function actionAssignedNotice(row: IncidentRow, action: { owner: string; description: string; planned_date: string }): Notice {
  return {
    kind: 'incidents.action_assigned',
    severity: 'info',
    title: `${row.code} 后续措施由您负责，计划 ${action.planned_date} 完成`,
    body: action.description,
    en: { title: `${row.code}: follow-up action assigned to you, due ${action.planned_date}`, body: action.description },
    link: link(row),
    districtCode: noticeDistrict(row),
    audience: { usernames: [action.owner] },
  };
}
