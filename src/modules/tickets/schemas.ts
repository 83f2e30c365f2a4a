import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { fileUploadBody } from '../../platform/uploads.js';
import { GROUP_BY } from './kpis.js';
import { SLA_FILTERS } from './list.js';
import { ALL_TICKET_CATEGORIES, ALL_TICKET_CHANNELS, TICKET_CATEGORIES, TICKET_CHANNELS, TICKET_PRIORITIES, TICKET_STATES } from './vocab.js';

const Time = Nullable(Type.String({ format: 'date-time' }));
const Enum = <const T extends readonly string[]>(values: T, description?: string) => Type.Enum([...values] as T[number][], description ? { description } : {});

export const ChannelSchema = Enum(ALL_TICKET_CHANNELS, '来源渠道；internal 为内部服务（电话咨询、远程协助、现场指导） / channel; internal: internal service requests');
/** A channel client's channel: citizens' channels only (internal requests are registered in the console). */
export const ClientChannelSchema = Enum(TICKET_CHANNELS, '来源渠道 / channel');
/** What a channel client may send: citizens' categories only. */
export const ClientCategorySchema = Enum(TICKET_CATEGORIES, '诉求分类 / category');
export const CategorySchema = Enum(ALL_TICKET_CATEGORIES, '诉求分类；phone_consult、remote_assist、onsite_guidance 只用于 internal 渠道 / category; the last three for the internal channel only');
export const PrioritySchema = Enum(TICKET_PRIORITIES, '优先级 / priority');
export const StateSchema = Enum(TICKET_STATES, '状态 / state');

export const TicketSchema = Type.Object({
  id: Type.Integer(),
  no: Type.String({ description: '工单编号 GDyyyymmdd-nnnnn' }),
  channel: ChannelSchema,
  externalNo: Nullable(Type.String()),
  clientCode: Nullable(Type.String()),
  category: CategorySchema,
  priority: PrioritySchema,
  title: Type.String(),
  description: Type.String(),
  citizenName: Nullable(Type.String({ description: '无 pii 权限时脱敏 / masked without pii' })),
  citizenPhone: Nullable(Type.String({ description: '无 pii 权限时脱敏 138****1234 / masked without pii' })),
  lotCode: Nullable(Type.String()),
  plate: Nullable(Type.String({ description: '无 pii 权限时脱敏 / masked without pii' })),
  sessionId: Nullable(Type.Integer()),
  districtCode: Nullable(Type.String()),
  state: StateSchema,
  assignee: Nullable(Type.String()),
  team: Nullable(Type.String()),
  resolution: Nullable(Type.String()),
  cancelReason: Nullable(Type.String()),
  mergedInto: Nullable(Type.Integer()),
  reopenCount: Type.Integer(),
  firstResponseAt: Time,
  firstResolvedAt: Time,
  resolvedAt: Time,
  feedbackAt: Time,
  confirmedAt: Time,
  closedAt: Time,
  cancelledAt: Time,
  createdBy: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  responseDueAt: Time,
  resolveDueAt: Time,
  feedbackDueAt: Time,
  slaStatus: Enum(['running', 'warning', 'overdue', 'paused', 'done', 'none']),
  late: Type.Boolean(),
  nextDueKind: Nullable(Type.String({ description: '最先到期的计时 / the running clock due first' })),
  nextDueAt: Time,
}, { $id: 'Ticket' });

const SlaItemSchema = Type.Object({
  id: Type.Integer(), kind: Type.String(), policyKey: Nullable(Type.String()), calendarId: Type.String(), targetMinutes: Type.Integer(), state: Type.String(),
  startedAt: Type.String(), dueAt: Time, warnAt: Time, pausedSince: Time, pausedMinutes: Type.Number(), metAt: Time, cancelledAt: Time, breachedAt: Time,
  late: Type.Boolean(), remainingMinutes: Nullable(Type.Number()),
});

export const CommentSchema = Type.Object({
  id: Type.Integer(), ticketId: Type.Integer(), ticketNo: Type.String(), visibility: Enum(['public', 'internal']), body: Type.String(), author: Type.String(), createdAt: Type.String(),
}, { $id: 'TicketComment' });

export const AttachmentSchema = Type.Object({
  id: Type.Integer(), ticketId: Type.Integer(), fileName: Type.String(), contentType: Type.String(), sizeBytes: Type.Integer(), sha256: Type.String(), uploadedBy: Type.String(), createdAt: Type.String(),
}, { $id: 'TicketAttachment' });

const HistorySchema = Type.Object({
  id: Type.Integer(), at: Type.String(), actor: Type.String(), kind: Type.String(), fromState: Nullable(Type.String()), toState: Nullable(Type.String()),
  field: Nullable(Type.String()), oldValue: Nullable(Type.String()), newValue: Nullable(Type.String()), note: Nullable(Type.String()),
});

export const TicketDetailSchema = Type.Intersect([
  Type.Ref('Ticket'),
  Type.Object({
    sla: Type.Array(SlaItemSchema),
    history: Type.Array(HistorySchema),
    comments: Type.Array(Type.Ref('TicketComment')),
    attachments: Type.Array(Type.Ref('TicketAttachment')),
    mergedTickets: Type.Array(Type.Object({ id: Type.Integer(), no: Type.String(), channel: Type.String(), externalNo: Nullable(Type.String()), title: Type.String() })),
    mergedIntoNo: Nullable(Type.String()),
    allowedTransitions: Type.Array(StateSchema),
  }),
]);

export const CreateBody = Type.Object({
  channel: ChannelSchema,
  category: CategorySchema,
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ minLength: 1, maxLength: 5000 }),
  priority: Type.Optional(PrioritySchema),
  externalNo: Type.Optional(Nullable(Type.String({ maxLength: 64, description: '外部单号；同渠道同单号重复提交返回原工单 / the same channel + externalNo returns the existing ticket' }))),
  citizenName: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
  citizenPhone: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  lotCode: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  plate: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  sessionId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  districtCode: Type.Optional(Nullable(Type.String({ maxLength: 16 }))),
});

export const PatchBody = Type.Object({
  category: Type.Optional(CategorySchema),
  priority: Type.Optional(PrioritySchema),
  title: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  description: Type.Optional(Type.String({ minLength: 1, maxLength: 5000 })),
  citizenName: Type.Optional(Nullable(Type.String({ maxLength: 50 }))),
  citizenPhone: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  lotCode: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  plate: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
  sessionId: Type.Optional(Nullable(Type.Integer({ minimum: 1 }))),
  districtCode: Type.Optional(Nullable(Type.String({ maxLength: 16 }))),
  team: Type.Optional(Nullable(Type.String({ maxLength: 32 }))),
}, { additionalProperties: false });

export const TransitionBody = Type.Object({
  to: Type.String({ maxLength: 32, description: `目标状态 / target state: ${TICKET_STATES.join(', ')}` }),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000, description: '说明；waiting_citizen、resolved 的说明对市民公开（resolved 的即办结结果）/ note; public for waiting_citizen and resolved (the resolution)' }))),
  assignee: Type.Optional(Nullable(Type.String({ maxLength: 64, description: '处理人用户名 / assignee username (assigned, in_progress)' }))),
  team: Type.Optional(Nullable(Type.String({ maxLength: 32, description: '处理组编码 / team code (assigned, in_progress)' }))),
  reason: Type.Optional(Nullable(Type.String({ maxLength: 500, description: '撤销原因（cancelled 必填） / reason, required to cancel' }))),
});

/** The upload of an attachment (the route reads it with req.file()). */
export const AttachmentUploadBody = fileUploadBody('附件，≤10 MB / the file, at most 10 MB');

export const CommentBody = Type.Object({
  visibility: Enum(['public', 'internal'], 'public：答复市民；internal：内部备注 / public reply or internal note'),
  body: Type.String({ minLength: 1, maxLength: 5000 }),
});

export const MergeBody = Type.Object({
  into: Type.Integer({ minimum: 1, description: '主工单 id / the primary ticket id' }),
  note: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
});

export const ListQuery = Type.Object({
  state: Type.Optional(Type.String({ maxLength: 200, description: '状态，可逗号分隔多个 / states, comma-separated' })),
  channel: Type.Optional(Type.String({ maxLength: 200 })),
  category: Type.Optional(Type.String({ maxLength: 300 })),
  priority: Type.Optional(Type.String({ maxLength: 100 })),
  assignee: Type.Optional(Type.String({ maxLength: 64 })),
  team: Type.Optional(Type.String({ maxLength: 32 })),
  districtCode: Type.Optional(Type.String({ maxLength: 16 })),
  sla: Type.Optional(Type.String({ maxLength: 16, description: `${SLA_FILTERS.join('|')}：已超时 / 即将超时（已过预警点）/ 暂停中` })),
  q: Type.Optional(Type.String({ maxLength: 100, description: '编号、外部单号、标题或车牌 / number, external number, title or plate' })),
  from: Type.Optional(Type.String({ maxLength: 40, description: '受理时间起（上海日期或时间） / created from' })),
  to: Type.Optional(Type.String({ maxLength: 40, description: '受理时间止（日期含当天） / created to (a date includes the day)' })),
  open: Type.Optional(Type.Boolean({ description: '仅未办结 / only new, assigned, in_progress, waiting_citizen, reopened' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
});

const Rate = Nullable(Type.Number({ description: '0–1 的小数 / a fraction 0–1' }));
const Figures = {
  total: Type.Integer(), closed: Type.Integer(), closureRate: Rate, resolved: Type.Integer(), onTime: Type.Integer(), onTimeRate: Rate,
  avgHandlingMinutes: Nullable(Type.Number()), reopened: Type.Integer(), reopenRate: Rate, open: Type.Integer(),
};
export const KpiQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10, description: '上海日期 YYYY-MM-DD（含），默认本月 1 日 / Shanghai date, inclusive' })),
  to: Type.Optional(Type.String({ maxLength: 10, description: '上海日期 YYYY-MM-DD（含），默认今天 / Shanghai date, inclusive' })),
  groupBy: Type.Optional(Type.String({ maxLength: 16, description: GROUP_BY.join('|') })),
});
export const KpiReportSchema = Type.Object({
  from: Type.String(), to: Type.String(), ...Figures, cancelled: Type.Integer(), merged: Type.Integer(),
  groupBy: Nullable(Type.String()),
  groups: Type.Array(Type.Object({ key: Nullable(Type.String()), label: Type.String(), ...Figures })),
  internal: Type.Object({
    ...Figures,
    byCategory: Type.Array(Type.Object({ key: Nullable(Type.String()), label: Type.String(), ...Figures })),
  }, { description: '内部服务（internal 渠道：电话咨询、远程协助、现场指导）另行统计，不计入上面的数字 / internal service requests, counted apart from the figures above' }),
});

export const TeamSchema = Type.Object({ code: Type.String(), name: Type.String(), enabled: Type.Boolean() });

export const ClientSchema = Type.Object({
  code: Type.String(), name: Type.String(), channel: ClientChannelSchema, callbackUrl: Nullable(Type.String()), enabled: Type.Boolean(),
  secretRotatedAt: Type.String(), createdBy: Type.String(), createdAt: Type.String(), updatedAt: Type.String(),
}, { $id: 'TicketClient' });

export const CallbackSchema = Type.Object({
  id: Type.Integer(), ticketId: Type.Integer(), clientCode: Type.String(), event: Type.String(), status: Type.String(), attempts: Type.Integer(),
  nextAttemptAt: Time, lastAttemptAt: Time, lastHttpStatus: Nullable(Type.Integer()), lastError: Nullable(Type.String()), sentAt: Time, createdAt: Type.String(),
  payload: Type.String(),
});

export const RejectSchema = Type.Object({ id: Type.Integer(), clientCode: Type.String(), receivedAt: Type.String(), code: Type.String(), message: Type.String(), bodyBytes: Type.Integer() });

export const InboundBody = Type.Object({
  externalNo: Type.String({ maxLength: 64, description: '对方系统的工单号（幂等键） / the client\'s ticket number (idempotency key)' }),
  category: ClientCategorySchema,
  title: Type.String({ maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
  priority: Type.Optional(PrioritySchema),
  channel: Type.Optional(ClientChannelSchema),
  citizenName: Type.Optional(Type.String({ maxLength: 50 })),
  citizenPhone: Type.Optional(Type.String({ maxLength: 32 })),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  plate: Type.Optional(Type.String({ maxLength: 32 })),
  districtCode: Type.Optional(Type.String({ maxLength: 16 })),
});

export const InboundReplySchema = Type.Object({
  id: Type.Integer(), ticketNo: Type.String(), externalNo: Nullable(Type.String()), channel: Type.String(), state: Type.String(),
  duplicate: Type.Boolean({ description: '该外部单号此前已提交 / this externalNo was received before' }), responseDueAt: Time, resolveDueAt: Time,
});

export const InboundAnswerBody = Type.Object({
  externalNo: Type.String({ maxLength: 64 }),
  accepted: Type.Boolean({ description: 'true：市民认可处理结果 → confirmed；false：不认可 → reopened' }),
  note: Type.Optional(Type.String({ maxLength: 2000 })),
});
