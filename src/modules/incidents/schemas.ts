import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/*
 * Wire shapes of the incident ledger API (docs/architecture.md "Incident ledger"). Codes that have
 * a vocabulary (states, sources, categories, channels) are plain strings here: the service
 * checks them and answers with a specific code (INVALID_STATE, INVALID_SOURCE …).
 */

const Time = (description: string) => Type.String({ maxLength: 40, description: `${description}：ISO 8601 或 YYYY-MM-DD HH:mm:ss（上海时间） / ISO 8601 or Shanghai 'YYYY-MM-DD HH:mm:ss'` });
const Iso = Type.String({ description: 'ISO 8601 (UTC)' });
const Param = (description: string, maxLength = 64) => Type.Optional(Type.String({ maxLength, description }));

export const ScopeInputSchema = Type.Object({
  description: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: '影响描述 / what is affected, in words' }))),
  modules: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 30, description: '受影响模块（键或中文名）：overview registry analytics public sharing themes sessions ingest monitoring onboarding payments tickets reports console platform / module keys or Chinese names' })),
  districts: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 50, description: '县市区代码或名称 / district codes or names' })),
  lots: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500, description: '停车场编码（其所在县市区自动计入） / lot codes (their districts are added)' })),
  affectedUsers: Type.Optional(Nullable(Type.Integer({ minimum: 0, description: '受影响用户数（估计） / users affected (estimate)' }))),
  affectedUsersNote: Type.Optional(Nullable(Type.String({ maxLength: 500, description: '受影响用户说明 / who was affected' }))),
  users: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 500 })], { description: '同 affectedUsers（数字）或 affectedUsersNote（文字） / alias: a number or a note' })),
}, { description: '其他字段忽略 / other keys are ignored' });

const ScopeField = Type.Union([Type.String({ maxLength: 2000 }), ScopeInputSchema], {
  description: '影响范围：结构化对象，或一段文字（作为描述） / impact scope: an object, or plain text taken as its description',
});

export const CreateIncidentBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200, description: '事件名称 / title' }),
  description: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  severity: Type.Integer({ minimum: 1, maximum: 3, description: '事件等级 1 一级（最高） 2 二级 3 三级 / severity 1 (highest), 2, 3' }),
  occurredAt: Type.Optional(Time('发生时间，默认现在 / occurred, default now')),
  detectedAt: Type.Optional(Time('发现时间，默认同发生时间；响应、恢复时限由此起算 / detected, default occurredAt; the response and restore clocks start here')),
  detectionSource: Type.Optional(Type.String({ maxLength: 20, description: '发现方式 monitoring | ticket | inspection | person（默认） | platform / detection source, default person' })),
  reporter: Type.Optional(Nullable(Type.String({ maxLength: 200, description: '发现人/报告人 / who found or reported it' }))),
  scope: Type.Optional(Nullable(ScopeField)),
  commander: Type.Optional(Nullable(Type.String({ maxLength: 64, description: '负责人（用户名） / commander (username)' }))),
  source: Type.Optional(Type.String({ maxLength: 20, description: '同 detectionSource / alias of detectionSource' })),
}, { description: '其他字段忽略 / other keys are ignored' });

export const UpdateIncidentBody = Type.Object({
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Nullable(Type.String({ maxLength: 4000 }))),
  severity: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: '改等级会按新标准重新计算未完成的响应/恢复时限 / a new severity re-times the clocks still running' })),
  occurredAt: Type.Optional(Time('发生时间 / occurred')),
  detectedAt: Type.Optional(Time('发现时间 / detected')),
  detectionSource: Type.Optional(Type.String({ maxLength: 20 })),
  reporter: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
  scope: Type.Optional(Nullable(ScopeField)),
  commander: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  resolution: Type.Optional(Nullable(Type.String({ maxLength: 4000, description: '处置结果 / what restored and fixed it' }))),
  rootCause: Type.Optional(Nullable(Type.String({ maxLength: 4000, description: '原因分析 / root-cause analysis' }))),
  rootCauseCategory: Type.Optional(Nullable(Type.String({ maxLength: 20, description: 'software hardware network data_source third_party change capacity security human external other' }))),
  note: Type.Optional(Type.String({ maxLength: 1000, description: '修改说明（记入处理过程） / why (goes into the timeline)' })),
}, { additionalProperties: false });

export const TransitionBody = Type.Object({
  to: Type.String({ maxLength: 20, description: 'open → acknowledged → mitigated → resolved → reviewed → closed（逐级） / one step at a time' }),
  note: Type.Optional(Type.String({ maxLength: 4000 })),
  reason: Type.Optional(Type.String({ maxLength: 4000, description: '同 note / same as note' })),
  at: Type.Optional(Time('发生时间，默认现在，不早于上一步 / when, default now, not before the previous step')),
  recoveredAt: Type.Optional(Time('mitigated：恢复时间，默认 at / mitigated: recovery time, default at')),
  commander: Type.Optional(Type.String({ maxLength: 64, description: '负责人；acknowledged 时默认为操作人 / commander; on acknowledged default the actor' })),
  assignee: Type.Optional(Type.String({ maxLength: 64, description: '同 commander / same as commander' })),
  resolution: Type.Optional(Type.String({ maxLength: 4000, description: 'mitigated/resolved：处置结果 / what restored or fixed it' })),
  rootCause: Type.Optional(Type.String({ maxLength: 4000, description: 'reviewed：原因分析（必填，除非已填写） / required to enter reviewed unless already recorded' })),
  rootCauseCategory: Type.Optional(Type.String({ maxLength: 20, description: 'reviewed：原因分类，默认 other / category, default other' })),
  closeNote: Type.Optional(Type.String({ maxLength: 2000 })),
}, { description: '其他字段忽略 / other keys are ignored' });

export const NoteBody = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 4000, description: '处理过程记录 / what was done, seen or said' }),
  at: Type.Optional(Time('发生时间，默认现在 / when, default now')),
}, { additionalProperties: false });

export const ActionBody = Type.Object({
  type: Type.String({ maxLength: 20, description: 'bug_fix | change | other' }),
  description: Type.String({ minLength: 1, maxLength: 2000 }),
  owner: Type.String({ minLength: 1, maxLength: 64, description: '负责人（用户名） / owner (username)' }),
  plannedDate: Type.String({ maxLength: 10, description: '计划完成日期 YYYY-MM-DD（一事一议，不早于今天） / planned date, agreed case by case, not before today' }),
}, { additionalProperties: false });

export const ActionPatchBody = Type.Object({
  type: Type.Optional(Type.String({ maxLength: 20 })),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })),
  owner: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
  plannedDate: Type.Optional(Type.String({ maxLength: 10 })),
  reason: Type.Optional(Type.String({ maxLength: 1000, description: '调整计划日期时必填 / required when the planned date moves' })),
}, { additionalProperties: false });

export const ActionCompleteBody = Type.Object({
  note: Type.Optional(Type.String({ maxLength: 2000 })),
  completedAt: Type.Optional(Time('完成时间，默认现在 / when done, default now')),
}, { additionalProperties: false });

export const ActionWaiveBody = Type.Object({
  reason: Type.String({ minLength: 1, maxLength: 1000, description: '豁免理由 / why it will not be done' }),
}, { additionalProperties: false });

export const FeedbackBody = Type.Object({
  note: Type.String({ minLength: 1, maxLength: 2000, description: '反馈内容 / what the users were told' }),
  channel: Type.String({ maxLength: 20, description: 'phone sms wechat email notice meeting document other' }),
  recipient: Type.Optional(Nullable(Type.String({ maxLength: 200, description: '反馈对象 / who was told' }))),
  givenAt: Type.Optional(Time('反馈时间，默认现在 / when, default now')),
}, { additionalProperties: false });

export const LinkBody = Type.Object({
  kind: Type.String({ maxLength: 10, description: 'alert | ticket' }),
  id: Type.Union([Type.String({ maxLength: 64 }), Type.Integer()], { description: '告警或工单编号 / alert or ticket id' }),
}, { additionalProperties: false });

export const OneClickBody = Type.Object({
  severity: Type.Optional(Type.Integer({ minimum: 1, maximum: 3, description: '不填按影响停车场数建议：1 个 三级，2–9 个 二级，≥10 个 一级（工单默认三级） / default suggested from the lots affected' })),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ maxLength: 4000 })),
  commander: Type.Optional(Type.String({ maxLength: 64 })),
}, { additionalProperties: false });

export const IncidentParams = Type.Object({ id: Type.String({ maxLength: 40, description: '事件 id 或编号（SJ20261125-001） / incident id or code' }) });
export const AlertParams = Type.Object({ alertId: Type.String({ maxLength: 20, description: '监控告警编号 / monitoring alert id' }) });
export const TicketParams = Type.Object({ ticketId: Type.String({ maxLength: 20, description: '工单编号 / work-order id' }) });
export const ActionParams = Type.Object({ id: Type.String({ maxLength: 40 }), actionId: Type.Integer({ minimum: 1 }) });
export const LinkParams = Type.Object({ id: Type.String({ maxLength: 40 }), linkId: Type.Integer({ minimum: 1 }) });

const TIME_NOTE = 'YYYY-MM-DD（上海日期；作为 to 时含当天）或时间 / a Shanghai date (as `to`: the whole day) or a time';
export const FilterQuery = {
  state: Param('状态，可逗号分隔多个 / state(s), comma-separated'),
  severity: Param('等级 1,2,3，可多个 / severity, comma-separated', 10),
  detectionSource: Param('发现方式 / detection source(s)'),
  districtCode: Param('影响的县市区 / affected district', 16),
  from: Param(`发生时间起 / occurred from: ${TIME_NOTE}`, 40),
  to: Param(`发生时间止 / occurred to: ${TIME_NOTE}`, 40),
  q: Param('编号、名称或描述包含 / code, title or description contains', 100),
  open: Param('true 未关闭 | false 已关闭 / true: not closed, false: closed', 5),
  commander: Param('负责人 / commander'),
};
export const ListQuery = Type.Object({ ...FilterQuery, limit: Param('每页 1–500，默认 50 / page size', 4), offset: Param('偏移 / offset', 8) });
export const ExportQuery = Type.Object({ ...FilterQuery, format: Param('xlsx（默认）或 docx / xlsx (default) or docx', 5) });
export const KpiQuery = Type.Object({ ...FilterQuery });

const SlaSchema = Type.Object({
  kind: Type.String({ description: 'response restore feedback followup_feedback' }),
  state: Type.String({ description: 'running paused breached met cancelled' }),
  startedAt: Iso,
  dueAt: Nullable(Iso),
  metAt: Nullable(Iso),
  late: Type.Boolean(),
  remainingMinutes: Nullable(Type.Number()),
  target: Type.String({ description: '时限，如 2 小时 / the target, e.g. 2 h' }),
});

const summaryFields = {
  id: Type.Integer(),
  code: Type.String({ description: '事件编号 / incident code' }),
  title: Type.String(),
  description: Nullable(Type.String()),
  severity: Type.Integer({ description: '1 一级 2 二级 3 三级' }),
  severityName: Type.String(),
  state: Type.String({ description: 'open acknowledged mitigated resolved reviewed closed' }),
  detectionSource: Type.String(),
  reporter: Nullable(Type.String()),
  occurredAt: Iso,
  detectedAt: Iso,
  acknowledgedAt: Nullable(Iso),
  acknowledgedBy: Nullable(Type.String()),
  recoveredAt: Nullable(Type.String({ description: '恢复时间（基本服务恢复） / basic service restored' })),
  resolvedAt: Nullable(Iso),
  reviewedAt: Nullable(Iso),
  closedAt: Nullable(Iso),
  commander: Nullable(Type.String()),
  scope: Type.Object({
    description: Nullable(Type.String()),
    modules: Type.Array(Type.String()),
    districts: Type.Array(Type.String()),
    lots: Type.Array(Type.String()),
    affectedUsers: Nullable(Type.Integer()),
    affectedUsersNote: Nullable(Type.String()),
    cityWide: Type.Boolean({ description: '未限定县市区（全市） / no district: city-wide' }),
  }),
  resolution: Nullable(Type.String()),
  rootCause: Nullable(Type.String()),
  rootCauseCategory: Nullable(Type.String()),
  closeNote: Nullable(Type.String()),
  respondDueAt: Nullable(Type.String({ description: '响应时限 / respond by' })),
  restoreDueAt: Nullable(Type.String({ description: '恢复时限 / restore by' })),
  feedbackDueAt: Nullable(Type.String({ description: '恢复后反馈时限（恢复后 30 分钟），恢复前为 null / feedback due, 30 min after recovery' })),
  followupFeedbackDueAt: Nullable(Type.String({ description: '整改完成后再次反馈的时限 / feedback due after a follow-up is done' })),
  sla: Type.Array(SlaSchema),
  durations: Type.Object({
    toAcknowledgeMinutes: Nullable(Type.Integer()),
    toRecoverMinutes: Nullable(Type.Integer({ description: '发现至恢复 / detection to recovery' })),
    outageMinutes: Nullable(Type.Integer({ description: '发生至恢复 / occurrence to recovery' })),
  }),
  allowedTransitions: Type.Array(Type.String()),
  openActions: Type.Integer(),
  overdueActions: Type.Integer(),
  feedbackCount: Type.Integer(),
  createdBy: Type.String(),
  createdAt: Iso,
  updatedAt: Iso,
};

export const IncidentSummarySchema = Type.Object(summaryFields, { $id: 'IncidentSummary' });

export const IncidentDetailSchema = Type.Object({
  ...summaryFields,
  links: Type.Array(Type.Object({ id: Type.Integer(), kind: Type.String(), refId: Type.String(), label: Nullable(Type.String()), createdBy: Type.String(), createdAt: Iso })),
  actions: Type.Array(Type.Object({
    id: Type.Integer(), type: Type.String(), description: Type.String(), owner: Type.String(), plannedDate: Type.String(), state: Type.String({ description: 'open done waived' }),
    overdue: Type.Boolean(), completedAt: Nullable(Iso), completedBy: Nullable(Type.String()), completionNote: Nullable(Type.String()),
    waivedAt: Nullable(Iso), waivedBy: Nullable(Type.String()), waiveReason: Nullable(Type.String()), createdBy: Type.String(), createdAt: Iso,
  })),
  feedback: Type.Array(Type.Object({
    id: Type.Integer(), givenAt: Iso, channel: Type.String(), recipient: Nullable(Type.String()), note: Type.String(),
    slaKinds: Type.Array(Type.String()), recordedBy: Type.String(), recordedAt: Iso,
  })),
  timeline: Type.Array(Type.Object({
    id: Type.Integer(), at: Iso, recordedAt: Iso, actor: Type.String(),
    kind: Type.String({ description: 'created note transition update link action feedback' }),
    fromState: Nullable(Type.String()), toState: Nullable(Type.String()), text: Type.String(),
    detail: Nullable(Type.Object({}, { additionalProperties: true })),
  })),
}, { $id: 'IncidentDetail' });

export const IncidentPage = Type.Object({ items: Type.Array(Type.Ref('IncidentSummary')), total: Type.Integer() });

const Rate = Type.Object({ decided: Type.Integer(), onTime: Type.Integer(), late: Type.Integer(), pending: Type.Integer(), rate: Nullable(Type.Number({ description: '按时 ÷ 已判定（0–1） / on time ÷ decided' })) });

export const KpisSchema = Type.Object({
  from: Type.String(),
  to: Type.String(),
  total: Type.Integer(),
  open: Type.Integer(),
  bySeverity: Type.Object({ 1: Type.Integer(), 2: Type.Integer(), 3: Type.Integer() }),
  byState: Type.Record(Type.String(), Type.Integer()),
  bySource: Type.Record(Type.String(), Type.Integer()),
  meanTimeToAcknowledgeMinutes: Nullable(Type.Number()),
  meanTimeToRestoreMinutes: Nullable(Type.Number()),
  sla: Type.Object({ response: Rate, restore: Rate, feedback: Rate, followupFeedback: Rate }),
  followUps: Type.Object({ total: Type.Integer(), open: Type.Integer(), overdue: Type.Integer(), done: Type.Integer(), waived: Type.Integer() }),
});

const Standard = Type.Object({ targetMinutes: Type.Integer(), calendarId: Type.String(), text: Type.String() });
export const StandardsSchema = Type.Object({
  items: Type.Array(Type.Object({ severity: Type.Integer(), name: Type.String(), response: Standard, restore: Standard, feedback: Standard, followupFeedback: Standard })),
});
