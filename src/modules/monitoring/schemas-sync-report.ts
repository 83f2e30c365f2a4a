import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/*
 * Wire shapes of GET /api/v1/reports/sync. The lot fields lotCode, sourceCode, records, gaps,
 * gapMinutes, lateDeliveries, coveragePercent and abnormal are the public contract (monitoring
 * issue); the rest is there for people and may grow.
 */

const Int = (description?: string) => Type.Integer(description ? { description } : {});
const State = Type.Union([Type.Literal('ok'), Type.Literal('late'), Type.Literal('never'), Type.Literal('paused')], {
  description: '月末状态（本月未结束时为当前）：ok 正常 | late 超时未上报 | never 从未上报 | paused 暂停（停用的停车场） / state at month end (now for the running month)',
});

export const SyncReportQuery = Type.Object({
  month: Type.Optional(Type.String({ maxLength: 16, description: '月份 YYYY-MM（上海日历月），必填 / the month, YYYY-MM (Shanghai calendar month), required' })),
  format: Type.Optional(Type.String({ maxLength: 8, description: 'json（默认）| xlsx | docx' })),
});

export const GapSchema = Type.Object(
  {
    from: Type.String({ description: '断档开始（按本月截取后），ISO 8601 UTC / start, clipped to the month' }),
    to: Type.String({ description: '断档结束（按本月及当前时刻截取后） / end, clipped to the month and now' }),
    minutes: Int('截取后时长，向下取整到分钟 / clipped length in whole minutes, rounded down'),
  },
  { $id: 'SyncGap' },
);

const totals = {
  lots: Int('停车场数 / lots'),
  reportingLots: Int('本月有数据的停车场数 / lots with at least one record in the month'),
  abnormalLots: Int('异常停车场数 / abnormal lots'),
  records: Int('数据条数 / records'),
  gapCount: Int('断档次数 / gaps'),
  gapMinutes: Int('断档分钟合计 / sum of gap minutes'),
  lateDeliveries: Int('迟报条数 / late deliveries'),
  states: Type.Object({ ok: Int(), late: Int(), never: Int(), paused: Int() }, { description: '月末状态计数 / lots by state at month end' }),
};

export const SyncLotSchema = Type.Object(
  {
    lotCode: Type.String(),
    lotName: Type.String(),
    districtCode: Type.String(),
    districtName: Type.String(),
    sourceCode: Type.String(),
    sourceName: Type.String(),
    operatorName: Nullable(Type.String()),
    status: Type.Union([Type.Literal('active'), Type.Literal('suspended')]),
    thresholdMinutes: Int('超时阈值：停车场 ?? 接入系统 ?? 平台默认 / threshold: the lot’s, else its source’s, else the default'),
    records: Int('发生时间在本月的已接收事件数（不论何时上报） / accepted events with occurredAt in the month, whenever received'),
    daysWithData: Int('有数据的天数（上海日历日） / Shanghai days with at least one record'),
    gaps: Type.Array(Type.Ref('SyncGap')),
    gapMinutes: Int('各断档 minutes 之和 / sum of the gaps’ minutes'),
    lateDeliveries: Int('发生在本月、上报晚于发生超过阈值的事件数 / events of the month received more than the threshold after they occurred'),
    coveragePercent: Nullable(Type.Number({ description: '观测时段中不处于断档的占比，0–100，一位小数；无观测时段为 null / share of the observed time not in gaps' })),
    firstOccurredAt: Nullable(Type.String({ description: '首条数据的发生时间 / first event ever' })),
    lastOccurredAt: Nullable(Type.String({ description: '月末前最后一条数据的发生时间 / newest event before the month end' })),
    state: State,
    abnormal: Type.Boolean({ description: '断档分钟 > 0、有迟报，或截至月末从未上报 / gapMinutes > 0, late deliveries, or never reported by month end' }),
    abnormalReasons: Type.Array(Type.String(), { description: 'gaps | late_deliveries | never_reported' }),
  },
  { $id: 'SyncLot' },
);

export const SyncSourceSchema = Type.Object(
  {
    sourceCode: Type.String(),
    sourceName: Type.String(),
    operatorName: Nullable(Type.String()),
    ...totals,
    coveragePercent: Nullable(Type.Number({ description: '所属停车场合计的观测时间中不处于断档的占比 / of all its lots’ observed time, the share not in gaps' })),
  },
  { $id: 'SyncSource' },
);

export const SyncReportSchema = Type.Object({
  month: Type.String({ description: 'YYYY-MM' }),
  monthLabel: Type.String({ description: '如 2026年11月 / e.g. 2026年11月' }),
  generatedAt: Type.String(),
  from: Type.String({ description: '月初（上海时间 0 点）ISO 8601 / month start' }),
  to: Type.String({ description: '下月初（不含） / month end, exclusive' }),
  until: Type.String({ description: '统计截止：月末或当前时刻中较早者 / min(month end, now)' }),
  complete: Type.Boolean({ description: '该月是否已结束 / whether the month has ended' }),
  defaultThresholdMinutes: Int(),
  summary: Type.Object({
    ...totals,
    sources: Int('接入系统数 / sources'),
    byDistrict: Type.Array(Type.Object({ districtCode: Type.String(), districtName: Type.String(), ...totals })),
  }),
  lots: Type.Array(Type.Ref('SyncLot')),
  sources: Type.Array(Type.Ref('SyncSource')),
});
