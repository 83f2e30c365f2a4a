import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { GROUP_KEYS, KPI_NAMES } from './kpi-query.js';

/*
 * Wire shapes of GET /api/v1/analytics/kpis. The keys and KPI fields named in the analytics issue
 * are the public contract; completeness, flaggedShare, lotName, districtName, yoy and pop are
 * extras. Ratios are fractions (0.42), money integer fen, a KPI that cannot be computed null.
 */

const S = (maxLength: number, description: string) => Type.Optional(Type.String({ maxLength, description }));

export const KpiQuerySchema = Type.Object({
  from: S(40, '开始：上海日期 YYYY-MM-DD 或 ISO 时间（必填） / start: a Shanghai date or an ISO time (required)'),
  to: S(40, '结束：日期含当天整天；ISO 时间不含 / end: a date includes its whole day, a time is exclusive (required)'),
  groupBy: S(120, `分组，逗号分隔可组合 / groupings, comma-separated: ${GROUP_KEYS.join('|')}`),
  lot: S(4000, '停车场编码，逗号分隔 / lot codes, comma-separated'),
  district: S(400, '县市区代码，逗号分隔 / district codes, comma-separated'),
  category: S(200, '停车场类别，逗号分隔 / lot categories, comma-separated'),
  compare: S(20, 'yoy 同比 | pop 环比，可都要 / year-on-year and/or period-on-period'),
  top: S(10, '只取前 N 行（按 sort 降序，默认 entries） / keep the first N rows by sort, descending'),
  sort: S(30, `排序指标（降序，空值在后） / KPI to sort by, descending: ${KPI_NAMES.join('|')}`),
  format: S(8, 'json（默认）| xlsx'),
});

const Num = (description: string) => Nullable(Type.Number({ description }));
const Int = (description: string) => Nullable(Type.Integer({ description }));

const kpiFields = {
  entries: Int('驶入车次 / sessions entering'),
  exits: Int('驶出车次 / sessions leaving'),
  turnoverRate: Num('泊位周转率（次/泊位/日；小时行为空） / entries per space per day; null for hour rows'),
  utilisation: Num('泊位利用率 0–1 / occupied space-time ÷ space-time'),
  occupancyAvg: Num('平均占用率 0–1（状态上报） / time-weighted occupancy from status reports'),
  occupancyPeak: Num('峰值占用率 0–1 / peak occupancy'),
  avgDwellMinutes: Num('平均停放时长（分钟） / mean dwell of sessions leaving'),
  receivableFen: Int('应收（分） / receivable, fen'),
  paidFen: Int('实收（分） / paid, fen'),
  arrearsFen: Int('欠费（分） / arrears, fen'),
  completeness: Num('数据完整率（有进有出的记录占比） / share of sessions with both ends'),
  flaggedShare: Num('异常标记占比 / share of flagged sessions'),
};

export const KpiValuesSchema = Type.Object(kpiFields, { $id: 'AnalyticsKpiValues' });

const Key = (description: string) => Type.Optional(Type.String({ description }));
export const KpiRowSchema = Type.Object({
  hour: Key('小时开始 2026-11-24T08:00:00+08:00 / hour start'),
  day: Key('上海日期 YYYY-MM-DD'),
  week: Key('ISO 周 YYYY-Www'),
  month: Key('月份 YYYY-MM'),
  lotCode: Key('停车场编码'),
  lotName: Key('停车场名称'),
  districtCode: Key('县市区代码'),
  districtName: Key('县市区'),
  category: Key('停车场类别'),
  payChannel: Key('支付渠道（空串 = 未上报） / pay channel, "" = none reported'),
  ...kpiFields,
  yoy: Type.Optional(Nullable(Type.Ref('AnalyticsKpiValues'))),
  pop: Type.Optional(Nullable(Type.Ref('AnalyticsKpiValues'))),
});

export const KpiResultSchema = Type.Object({
  rows: Type.Array(KpiRowSchema),
  asOf: Nullable(Type.String({ description: '汇总计算截至（当前周期按此计） / rollups computed up to' })),
  grain: Type.Union([Type.Literal('hour'), Type.Literal('day'), Type.Literal('month')], { description: '读取的最细汇总粒度 / finest rollup table read' }),
});

/* GET /api/v1/analytics/channel-revenue (docs/指标口径.md §2.11). */
export const ChannelRevenueQuerySchema = Type.Object({
  from: S(40, '开始：上海日期 YYYY-MM-DD 或整点 ISO 时间（必填） / start: a Shanghai date or an ISO time on the hour (required)'),
  to: S(40, '结束：日期含当天整天；ISO 时间不含 / end: a date includes its whole day, a time is exclusive (required)'),
  groupBy: S(60, '分组，逗号分隔可组合 / groupings, comma-separated: day|district|lot'),
  lot: S(4000, '停车场编码，逗号分隔 / lot codes, comma-separated'),
  district: S(400, '县市区代码，逗号分隔 / district codes, comma-separated'),
  category: S(200, '停车场类别，逗号分隔 / lot categories, comma-separated'),
});

const revenueFields = {
  paidFen: Int('车场系统上报的实收（分），与指标查询 paidFen 相同 / the lot systems\' own paid, fen (as in the KPIs)'),
  channelPaidFen: Type.Integer({ description: '经平台支付通道收款（分）：按上海时间支付成功日计，不减退款 / paid through the platform\'s channels, fen, by the Shanghai day of payment, refunds not subtracted' }),
  channelRefundFen: Type.Integer({ description: '通道退款（分），按退款成功日计；净收款 = channelPaidFen − channelRefundFen / refunds through the channels, fen, on the day they succeeded' }),
  reconciledFen: Type.Integer({ description: '已对账（分）：channelPaidFen 中在导入的通道账单里逐笔一致的支付 / of channelPaidFen, the payments matched line by line in an imported bill' }),
};

export const ChannelRevenueResultSchema = Type.Object({
  rows: Type.Array(Type.Object({
    day: Key('上海日期 YYYY-MM-DD'),
    lotCode: Key('停车场编码'),
    lotName: Key('停车场名称'),
    districtCode: Key('县市区代码'),
    districtName: Key('县市区'),
    ...revenueFields,
  })),
  totals: Type.Object(revenueFields),
  asOf: Nullable(Type.String({ description: '车场实收的汇总截至时刻 / the rollups behind paidFen computed up to' })),
});
