import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/* Wire shapes of the monitoring API (数据同步监控). Times are ISO 8601 (UTC). */

const Enum = <const T extends readonly string[]>(values: T, description: string) => Type.Enum([...values] as T[number][], { description });
const Time = (description = 'ISO 8601') => Type.String({ description });
const NTime = (description = 'ISO 8601') => Nullable(Time(description));

export const LOT_STATES = ['ok', 'late', 'never', 'paused'] as const;
export const SOURCE_STATES = ['ok', 'partial', 'late', 'never', 'paused'] as const;

const STATE_NOTE = 'ok 正常 | late 延迟（最新数据时间落后超过阈值） | never 从未上报 | paused 暂停（维护窗口、停车场暂停或数据源停用） / '
  + 'ok | late (newest occurredAt more than the threshold behind now) | never (bound, never reported) | paused (maintenance window, lot suspended or source disabled)';

const Counts = Type.Object({ total: Type.Integer(), ok: Type.Integer(), late: Type.Integer(), never: Type.Integer(), paused: Type.Integer() });

export const FreshnessQuery = Type.Object({
  state: Type.Optional(Enum(LOT_STATES, STATE_NOTE)),
  districtCode: Type.Optional(Type.String({ maxLength: 16, description: '县市区代码 / district code' })),
  sourceCode: Type.Optional(Type.String({ maxLength: 64, description: '数据源编码 / source code' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, description: '每页停车场数（不填为全部） / lots per page (all when absent)' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, description: '跳过的停车场数 / lots skipped' })),
});

export const FreshnessItem = Type.Object(
  {
    lotCode: Type.String(),
    sourceCode: Type.String(),
    state: Enum(LOT_STATES, STATE_NOTE),
    lastOccurredAt: NTime('最新数据的发生时间 / newest occurredAt'),
    lastReceivedAt: NTime('最近一次接口推送的接收时间（导入、重放不计） / last API delivery (imports and replays do not count)'),
    lateMinutes: Nullable(Type.Integer({ description: '距最新数据的整分钟数（向下取整），从未上报为 null / whole minutes since lastOccurredAt, null when never' })),
    lotName: Type.String(),
    sourceName: Type.String(),
    districtCode: Type.String(),
    districtName: Type.String(),
    thresholdMinutes: Type.Integer({ description: '生效阈值：停车场 ?? 数据源 ?? 平台默认 / effective threshold: lot ?? source ?? platform default' }),
    pausedReason: Nullable(Enum(['maintenance', 'lot_suspended', 'source_disabled'], 'paused 的原因 / why paused')),
    stateSince: NTime('上次评估记录的进入该状态时间 / when the evaluator recorded this state, null if not yet'),
    lateDeliveries24h: Type.Integer({ description: '当前整点及前 23 小时内接收的迟到数据条数 / late deliveries received in the current and previous 23 clock hours' }),
    alertId: Nullable(Type.Integer({ description: '覆盖该停车场的未关闭告警（停车场或数据源告警） / unresolved alert covering the lot (its own or its source\'s)' })),
  },
  { $id: 'FreshnessItem' },
);

export const FreshnessReply = Type.Object({
  items: Type.Array(Type.Ref('FreshnessItem')),
  total: Type.Integer({ description: '筛选命中的停车场数（分页前） / lots the filter matches, before paging' }),
  counts: Counts,
  at: Time('计算时刻 / computed at'),
});

export const SourcesQuery = Type.Object({
  state: Type.Optional(Enum(SOURCE_STATES, 'partial = 部分停车场延迟 / some lots late')),
  districtCode: Type.Optional(Type.String({ maxLength: 16 })),
});

export const SourceItem = Type.Object(
  {
    sourceCode: Type.String(),
    sourceName: Type.String(),
    status: Enum(['active', 'disabled'], 'status'),
    districtCode: Nullable(Type.String()),
    operatorName: Nullable(Type.String()),
    state: Enum(SOURCE_STATES, 'late = 全部受监测停车场延迟 / every monitored lot late; partial = some; 无受监测停车场时按自身最新事件（含心跳） / without monitored lots: by its own newest event incl. heartbeats'),
    pausedReason: Nullable(Enum(['source_disabled', 'maintenance', 'lots_paused'], 'why paused')),
    thresholdMinutes: Type.Integer(),
    lastOccurredAt: NTime(),
    lastReceivedAt: NTime(),
    lastHeartbeatAt: NTime(),
    lateMinutes: Nullable(Type.Integer({ description: '距自身最新事件（数据或心跳） / minutes since its newest data or heartbeat' })),
    lots: Counts,
    lateDeliveries24h: Type.Integer(),
    alertId: Nullable(Type.Integer({ description: '未关闭的数据源告警 / unresolved source alert' })),
    problem: Type.Boolean({ description: '已标记为长期问题接入单位 / marked for technical diagnosis' }),
    stateSince: NTime(),
  },
  { $id: 'SourceFreshnessItem' },
);

export const SourcesReply = Type.Object({
  items: Type.Array(Type.Ref('SourceFreshnessItem')),
  counts: Type.Object({ ok: Type.Integer(), partial: Type.Integer(), late: Type.Integer(), never: Type.Integer(), paused: Type.Integer() }),
  at: Time(),
});

const alertFields = {
  id: Type.Integer(),
  scope: Enum(['lot', 'source'], 'lot 停车场告警 | source 数据源告警（其全部停车场延迟） / lot alert | source alert (all its lots late)'),
  state: Enum(['open', 'acknowledged', 'resolved'], 'open 未确认 | acknowledged 已确认（停止提醒） | resolved 已恢复 / open | acknowledged (no more reminders) | resolved'),
  lotCode: Nullable(Type.String()),
  lotName: Nullable(Type.String()),
  sourceCode: Type.String(),
  sourceName: Nullable(Type.String()),
  districtCodes: Type.Array(Type.String()),
  openedAt: Time(),
  lastOccurredAt: NTime('告警时的最新数据时间 / newest data when opened'),
  lateMinutes: Nullable(Type.Integer({ description: '未关闭时：距当前最新数据的分钟数 / unresolved: minutes since the newest data now' })),
  thresholdMinutes: Type.Integer(),
  lateLots: Type.Integer({ description: '告警时延迟的停车场数 / lots late when opened' }),
  reminders: Type.Integer(),
  lastNotifiedAt: Time(),
  acknowledgedAt: NTime(),
  acknowledgedBy: Nullable(Type.String()),
  ackNote: Nullable(Type.String()),
  resolvedAt: NTime(),
  resolution: Nullable(Enum(['recovered', 'folded', 'unmonitored'], 'recovered 数据恢复 | folded 并入数据源告警 | unmonitored 停车场暂停/数据源停用/解绑 / data resumed | folded into a source alert | no longer monitored')),
  parentId: Nullable(Type.Integer({ description: '并入的数据源告警 / the source alert it was folded into' })),
  durationMinutes: Type.Integer(),
  followupId: Nullable(Type.Integer()),
  followupState: Nullable(Enum(['open', 'done'], 'follow-up state')),
};

export const AlertSchema = Type.Object(alertFields, { $id: 'MonitoringAlert' });

export const AlertDetailSchema = Type.Object({
  ...alertFields,
  events: Type.Array(Type.Object({ at: Time(), kind: Type.String({ description: 'opened reminded acknowledged folded resolved' }), actor: Type.String(), note: Nullable(Type.String()) })),
  folded: Type.Array(Type.Object({ id: Type.Integer(), lotCode: Nullable(Type.String()) })),
  lots: Type.Array(Type.Object({ lotCode: Type.String(), lotName: Type.String(), districtCode: Type.String(), state: Enum(LOT_STATES, 'state'), lateMinutes: Nullable(Type.Integer()) })),
});

const Paging = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, description: 'default 50' })),
  offset: Type.Optional(Type.Integer({ minimum: 0 })),
};

export const AlertsQuery = Type.Object({
  state: Type.Optional(Enum(['open', 'acknowledged', 'resolved', 'unresolved'], 'unresolved = open + acknowledged')),
  scope: Type.Optional(Enum(['lot', 'source'], 'scope')),
  sourceCode: Type.Optional(Type.String({ maxLength: 64 })),
  districtCode: Type.Optional(Type.String({ maxLength: 16 })),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  ...Paging,
});

export const AlertPage = Type.Object({ items: Type.Array(Type.Ref('MonitoringAlert')), total: Type.Integer() });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
export const CodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });
export const NoteBody = (max: number, description: string) => Type.Object({ note: Type.String({ minLength: 1, maxLength: max, description }) });

export const FollowupSchema = Type.Object(
  {
    id: Type.Integer(),
    title: Type.String(),
    alertId: Type.Integer(),
    alertScope: Enum(['lot', 'source'], 'scope'),
    alertState: Enum(['open', 'acknowledged', 'resolved'], 'state'),
    sourceCode: Type.String(),
    sourceName: Nullable(Type.String()),
    lotCode: Nullable(Type.String()),
    lotName: Nullable(Type.String()),
    districtCodes: Type.Array(Type.String()),
    operator: Type.Object(
      {
        id: Nullable(Type.Integer()),
        name: Nullable(Type.String()),
        contactName: Nullable(Type.String()),
        contactPhone: Nullable(Type.String()),
        contactEmail: Nullable(Type.String()),
      },
      { description: '告警时的运营单位联系方式（快照） / the operator\'s contacts when the alert opened (snapshot)' },
    ),
    state: Enum(['open', 'done'], 'state'),
    createdAt: Time(),
    completedAt: NTime(),
    completedBy: Nullable(Type.String()),
    note: Nullable(Type.String()),
  },
  { $id: 'MonitoringFollowup' },
);

export const FollowupsQuery = Type.Object({
  state: Type.Optional(Enum(['open', 'done'], 'state')),
  sourceCode: Type.Optional(Type.String({ maxLength: 64 })),
  districtCode: Type.Optional(Type.String({ maxLength: 16 })),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  alertId: Type.Optional(Type.Integer({ minimum: 1 })),
  ...Paging,
});
export const FollowupPage = Type.Object({ items: Type.Array(Type.Ref('MonitoringFollowup')), total: Type.Integer() });

export const ProblemSourceSchema = Type.Object(
  {
    sourceCode: Type.String(),
    sourceName: Type.String(),
    districtCode: Nullable(Type.String()),
    operator: Nullable(Type.Object({ name: Type.String(), contactName: Nullable(Type.String()), contactPhone: Nullable(Type.String()), contactEmail: Nullable(Type.String()) })),
    state: Enum(['marked', 'cleared'], 'marked 待诊断 | cleared 已解除 / marked | cleared'),
    markedAt: Time(),
    outagesAtMark: Type.Integer(),
    outages30d: Type.Integer({ description: '近 30 天中断次数 / outages opened in the last 30 days' }),
    lastOutageAt: NTime(),
    clearedAt: NTime(),
    clearedBy: Nullable(Type.String()),
    clearNote: Nullable(Type.String()),
  },
  { $id: 'ProblemSource' },
);
export const ProblemSourcesQuery = Type.Object({ all: Type.Optional(Type.Boolean({ description: '含已解除的 / include cleared marks' })) });

const windowFields = {
  scope: Enum(['lot', 'source', 'district', 'all'], '范围：停车场、数据源、县市区或全市 / a lot, a source, a district or the whole city'),
  lotCode: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  sourceCode: Type.Optional(Nullable(Type.String({ maxLength: 64 }))),
  districtCode: Type.Optional(Nullable(Type.String({ maxLength: 16 }))),
  kind: Enum(['once', 'weekly'], 'once 一次性（startsAt–endsAt） | weekly 每周重复（daysOfWeek + startTime–endTime，上海时间） / one-off or weekly (Shanghai time)'),
  startsAt: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'ISO 8601 或 YYYY-MM-DD HH:mm:ss（上海时间） / ISO 8601 or Shanghai local time' }))),
  endsAt: Type.Optional(Nullable(Type.String({ maxLength: 40, description: '不含 / exclusive' }))),
  daysOfWeek: Type.Optional(Nullable(Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { maxItems: 7, description: '1 = 周一 … 7 = 周日 / ISO days, 1 = Monday' }))),
  startTime: Type.Optional(Nullable(Type.String({ maxLength: 5, description: 'HH:MM 上海时间 / Shanghai time' }))),
  endTime: Type.Optional(Nullable(Type.String({ maxLength: 5, description: 'HH:MM（不晚于开始表示跨午夜，可写 24:00） / at or before the start: runs past midnight; 24:00 allowed' }))),
  validFrom: Type.Optional(Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD（上海日期） / Shanghai date' }))),
  validTo: Type.Optional(Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD，含当天开始的一次 / the occurrence starting that day included' }))),
  reason: Type.String({ maxLength: 500, description: '原因 / reason' }),
};

export const NewWindowBody = Type.Object(windowFields);
export const WindowPatchBody = Type.Partial(Type.Object(windowFields));

export const WindowSchema = Type.Object(
  {
    id: Type.Integer(),
    scope: Enum(['lot', 'source', 'district', 'all'], 'scope'),
    lotCode: Nullable(Type.String()),
    lotName: Nullable(Type.String()),
    sourceCode: Nullable(Type.String()),
    districtCode: Nullable(Type.String({ description: '范围为县市区时为该县市区；为停车场时为其所在县市区 / the district, or the lot\'s district' })),
    kind: Enum(['once', 'weekly'], 'kind'),
    startsAt: NTime(),
    endsAt: NTime(),
    daysOfWeek: Nullable(Type.Array(Type.Integer())),
    startTime: Nullable(Type.String()),
    endTime: Nullable(Type.String()),
    validFrom: Nullable(Type.String()),
    validTo: Nullable(Type.String()),
    reason: Type.String(),
    activeNow: Type.Boolean({ description: '此刻生效 / in force now' }),
    expired: Type.Boolean({ description: '已过期（不会再生效） / will not be in force again' }),
    createdBy: Type.String(),
    createdAt: Time(),
    updatedAt: Time(),
  },
  { $id: 'MaintenanceWindow' },
);
export const WindowsQuery = Type.Object({
  active: Type.Optional(Type.Boolean({ description: '仅此刻生效的 / only those in force now' })),
  expired: Type.Optional(Type.Boolean({ description: '含已过期的 / include expired ones' })),
});

export const TimelineQuery = Type.Object({ days: Type.Optional(Type.Integer({ minimum: 1, maximum: 31, description: '天数，默认 7 / days, default 7' })) });
export const TimelineReply = Type.Object({
  lotCode: Type.String(),
  lotName: Type.String(),
  sourceCode: Nullable(Type.String()),
  thresholdMinutes: Type.Integer(),
  from: Time('含 / inclusive'),
  to: Time('不含（当前整点的下一小时） / exclusive: the end of the current clock hour'),
  hours: Type.Array(
    Type.Object({
      at: Time('该小时开始 / start of the hour'),
      label: Type.String({ description: 'YYYY-MM-DD HH:00（上海时间） / Shanghai' }),
      events: Type.Integer({ description: '按发生时间计的事件数 / events by occurredAt' }),
      received: Type.Integer({ description: '按接收时间计的事件数 / events by receipt time' }),
      late: Type.Integer({ description: '其中迟到的条数 / of which late deliveries' }),
    }),
  ),
  gaps: Type.Array(
    Type.Object({ from: Time(), to: Time(), minutes: Type.Integer() }),
    { description: '时段内的断档（与月报定义相同，裁剪到时段） / the gaps in the range, as the monthly report defines them, clipped to it' },
  ),
});

export const EvaluationReply = Type.Object({
  at: Time(),
  lots: Counts,
  transitions: Type.Integer(),
  opened: Type.Object({ lot: Type.Integer(), source: Type.Integer() }),
  reminded: Type.Integer(),
  resolved: Type.Integer(),
  folded: Type.Integer(),
  markedSources: Type.Array(Type.String()),
  receiptsSummed: Type.Integer(),
});
