import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

const Iso = Type.String({ format: 'date-time' });
const Status = Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('fail')], { description: 'ok 正常 | warn 告警 | fail 故障' });
const Summary = Type.Object({ ok: Type.Integer(), warn: Type.Integer(), fail: Type.Integer() });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }) });
export const ItemParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 }), code: Type.String({ minLength: 1, maxLength: 60 }) });
export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: '每页 1–500，默认 50 / page size' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: '偏移 / offset' })),
});
export const FormatQuery = Type.Object({ format: Type.Optional(Type.String({ maxLength: 10, description: 'docx（默认）| xlsx | json' })) });

export const InspectionItemSchema = Type.Object({
  code: Type.String(),
  name: Type.String(),
  status: Status,
  detail: Type.String(),
  measured: Nullable(Type.String()),
  threshold: Nullable(Type.String()),
  kind: Type.Union([Type.Literal('auto'), Type.Literal('manual')]),
  note: Nullable(Type.String()),
  checked: Type.Boolean({ description: '人工项已填写 / a manual item has been filled in' }),
  updatedBy: Type.String(),
  updatedAt: Iso,
  previousStatus: Nullable(Status),
  incidentCode: Nullable(Type.String({ description: '由此项一键登记的系统事件 / the incident opened from this item' })),
});
export const ItemIncidentBody = Type.Object({ severity: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: '事件等级 1–3，默认 3 / severity, default 3' })) }, { additionalProperties: false });
export const ItemIncidentSchema = Type.Object({ incidentId: Type.Integer(), incidentCode: Type.String() });

export const InspectionSchema = Type.Object({
  id: Type.Integer(),
  trigger: Type.Union([Type.Literal('manual'), Type.Literal('scheduled')]),
  createdBy: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
  summary: Summary,
  previousId: Nullable(Type.Integer()),
  items: Type.Array(InspectionItemSchema),
}, { $id: 'Inspection' });

export const InspectionPage = Type.Object({
  items: Type.Array(Type.Object({ id: Type.Integer(), trigger: Type.String(), createdBy: Type.String(), createdAt: Iso, summary: Summary })),
  total: Type.Integer(),
});

export const ItemPatchBody = Type.Object({
  status: Type.Optional(Type.String({ maxLength: 10, description: 'ok | warn | fail' })),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  detail: Type.Optional(Type.String({ maxLength: 2000 })),
}, { additionalProperties: false });

export const AlertSchema = Type.Object({
  id: Type.Integer(),
  kind: Type.String({ description: 'job_failing | job_stalled | error_rate' }),
  subject: Type.String(),
  state: Type.String({ description: 'open | resolved' }),
  openedAt: Iso,
  lastSeenAt: Iso,
  resolvedAt: Nullable(Iso),
  detail: Type.String(),
  incidentCode: Nullable(Type.String()),
});

export const JobSchema = Type.Object({
  job: Type.String(),
  pattern: Nullable(Type.String()),
  lastRunAt: Nullable(Iso),
  lastSuccessAt: Nullable(Iso),
  lastDurationMs: Nullable(Type.Number()),
  consecutiveFailures: Type.Integer(),
  runs: Type.Integer(),
  failures: Type.Integer(),
  lastError: Nullable(Type.String()),
});

export const HealthDetailSchema = Type.Object({
  status: Type.String({ description: 'ok | degraded（有平台告警） / degraded while a platform alert is open' }),
  database: Type.String(),
  time: Iso,
  jobs: Type.Array(JobSchema),
  alerts: Type.Array(AlertSchema),
});

const Rate = Nullable(Type.Number());
export const WorkReportContentSchema = Type.Object({
  kind: Type.String(),
  period: Type.String(),
  label: Type.String(),
  from: Type.String(),
  to: Type.String(),
  tickets: Type.Object({
    total: Type.Integer(), closed: Type.Integer(), closureRate: Rate, resolved: Type.Integer(), onTime: Type.Integer(), onTimeRate: Rate,
    avgHandlingMinutes: Rate, reopened: Type.Integer(), reopenRate: Rate, open: Type.Integer(), cancelled: Type.Integer(), merged: Type.Integer(),
  }),
  ticketsByChannel: Type.Array(Type.Object({ key: Nullable(Type.String()), label: Type.String(), total: Type.Integer(), closed: Type.Integer() })),
  topCategories: Type.Array(Type.Object({ key: Nullable(Type.String()), label: Type.String(), total: Type.Integer() })),
  incidents: Type.Object({
    total: Type.Integer(), open: Type.Integer(), bySeverity: Type.Record(Type.String(), Type.Integer()),
    meanTimeToAcknowledgeMinutes: Rate, meanTimeToRestoreMinutes: Rate, responseOnTimeRate: Rate, restoreOnTimeRate: Rate, feedbackOnTimeRate: Rate,
  }),
  sync: Type.Object({ alertsOpened: Type.Integer(), alertsResolved: Type.Integer(), openNow: Type.Integer() }),
  onboarding: Type.Object({
    districts: Type.Array(Type.Object({ code: Type.String(), name: Type.String(), connectedLots: Type.Integer(), pendingEntries: Type.Integer(), coveragePercent: Rate })),
    coveragePercent: Rate, connectedLots: Type.Integer(), pendingEntries: Type.Integer(),
  }),
  inspections: Type.Array(Type.Object({ id: Type.Integer(), createdAt: Iso, ok: Type.Integer(), warn: Type.Integer(), fail: Type.Integer() })),
  platformAlerts: Type.Array(Type.Object({ kind: Type.String(), subject: Type.String(), openedAt: Iso, state: Type.String() })),
  security: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: '生成时的安全运维概要，同 GET /api/v1/security/summary（SecuritySummary） / security at generation time, as GET /api/v1/security/summary' })),
});

const reportFields = {
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('weekly'), Type.Literal('monthly')]),
  period: Type.String(),
  version: Type.Integer(),
  state: Type.Union([Type.Literal('draft'), Type.Literal('submitted'), Type.Literal('approved'), Type.Literal('returned')]),
  problems: Type.String(),
  nextPlan: Type.String(),
  generatedBy: Type.String(),
  generatedAt: Iso,
  submittedBy: Nullable(Type.String()),
  submittedAt: Nullable(Iso),
  reviewedBy: Nullable(Type.String()),
  reviewedAt: Nullable(Iso),
  reviewComment: Nullable(Type.String()),
};
export const WorkReportSchema = Type.Object({ ...reportFields, content: WorkReportContentSchema }, { $id: 'WorkReport' });
export const WorkReportPage = Type.Object({ items: Type.Array(Type.Object(reportFields)), total: Type.Integer() });
export const WorkReportListQuery = Type.Object({ ...PageQuery.properties, kind: Type.Optional(Type.String({ maxLength: 10, description: 'weekly | monthly' })) });
export const GenerateBody = Type.Object({
  kind: Type.String({ maxLength: 10, description: 'weekly | monthly' }),
  period: Type.String({ maxLength: 10, description: '周 YYYY-Www（如 2026-W49）或月 YYYY-MM / ISO week or month' }),
  problems: Type.Optional(Type.String({ maxLength: 10_000 })),
  nextPlan: Type.Optional(Type.String({ maxLength: 10_000 })),
}, { additionalProperties: false });
export const EditBody = Type.Object({
  problems: Type.Optional(Type.String({ maxLength: 10_000 })),
  nextPlan: Type.Optional(Type.String({ maxLength: 10_000 })),
}, { additionalProperties: false });
export const ReviewBody = Type.Object({
  action: Type.String({ maxLength: 10, description: 'submit 提交审核 | approve 审核认可 | return 退回（须填意见）' }),
  comment: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
}, { additionalProperties: false });

export const DocumentSchema = Type.Object({
  kind: Type.String({ description: 'inspection | weekly | monthly | sync_monthly | onboarding_quarterly | incident_ledger | theme_report | sharing_statement | reconciliation | vulnerability_report | vulnerability_report_weekly | permission_review | backup_test' }),
  kindName: Type.String({ description: '种类名称 / the kind on screen' }),
  title: Type.String(),
  period: Type.String(),
  version: Nullable(Type.Integer()),
  state: Type.String({ description: 'generated 已归档 | on_demand 下载时生成 | draft | submitted | approved | returned' }),
  generatedBy: Nullable(Type.String()),
  generatedAt: Nullable(Iso),
  approvedBy: Nullable(Type.String()),
  downloadPath: Type.String({ description: '下载地址（GET，再加 format=所列格式之一） / download path; add format= one of formats' }),
  formats: Type.Array(Type.String()),
  districtCode: Nullable(Type.String({ description: '限于该县市区；null 为全市 / limited to this district; null: city-wide' })),
});
export const DocumentKinds = Type.Object({ kind: Type.String(), kindName: Type.String(), count: Type.Integer() });
export const DocumentPage = Type.Object({ items: Type.Array(DocumentSchema), total: Type.Integer(), kinds: Type.Array(DocumentKinds, { description: '各种类的文档数（筛选前） / documents per kind, before the kind filter' }) });
export const DocumentQuery = Type.Object({
  ...PageQuery.properties,
  kind: Type.Optional(Type.String({ maxLength: 40, description: '只列此种类 / only this kind' })),
  months: Type.Optional(Type.Integer({ minimum: 1, maximum: 24, description: '按需生成的文档列出最近几个月，默认 6 / months of on-demand documents offered, default 6' })),
});

/** Report schedules (docs/巡检与报告.md §6). */
export const ScheduleSchema = Type.Object({
  kind: Type.String({ description: 'sync_monthly | incident_ledger | vulnerability_report | vulnerability_report_weekly | monthly | weekly' }),
  kindName: Type.String(),
  cadence: Type.String({ description: 'month：每月第 N 个工作日生成上月的 | week：每周第 N 个工作日生成上周的 / month or ISO week' }),
  workingDay: Nullable(Type.Integer({ description: '第几个工作日（官方日历，调休上班日计入）；null 为未设置 / the Nth working day; null: not scheduled' })),
  channelIds: Type.Array(Type.Integer(), { description: '发送到的通知渠道 / notification channels to send to' }),
  enabled: Type.Boolean(),
  updatedBy: Nullable(Type.String()),
  updatedAt: Nullable(Iso),
  last: Nullable(Type.Object({ period: Type.String(), generatedAt: Iso, archiveId: Type.Integer() })),
}, { $id: 'ReportSchedule' });
export const ScheduleList = Type.Object({
  items: Type.Array(Type.Ref('ReportSchedule')),
  channels: Type.Array(Type.Object({ id: Type.Integer(), name: Type.String(), type: Type.String(), enabled: Type.Boolean() })),
});
export const ScheduleParams = Type.Object({ kind: Type.String({ maxLength: 40 }) });
export const ScheduleBody = Type.Object({
  workingDay: Type.Integer({ minimum: 1, maximum: 23, description: '月：1–23；周：1–7 / month 1–23, week 1–7' }),
  channelIds: Type.Array(Type.Integer({ minimum: 1 }), { maxItems: 50 }),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });
