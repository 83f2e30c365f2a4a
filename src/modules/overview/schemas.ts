import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http.js';

/* Wire shape of the overview (全局概览): one document for the big screen. Money in fen, ratios as fractions. */

const Ratio = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: 1, description }));
const Count = (description: string) => Type.Integer({ minimum: 0, description });
const Kind = Type.Union([Type.Literal('off_street'), Type.Literal('on_street')], { description: '场库 off_street / 路内 on_street' });

const DayFigures = (description: string) =>
  Type.Object(
    {
      entries: Count('入场车次 / entries'),
      exits: Count('出场车次 / exits'),
      receivableFen: Type.Integer({ description: '应收（分），按出场 / receivable in fen, by exit' }),
      paidFen: Type.Integer({ description: '实收（分） / paid in fen' }),
    },
    { description },
  );

export const OverviewReply = Type.Object({
  asOf: Type.String({ description: '计算时刻（ISO 8601） / computed at' }),
  figuresAsOf: Nullable(Type.String({ description: '统计汇总的截至时刻（今日、昨日数据来自汇总表） / when the analytics rollups were last refreshed' })),
  lots: Count('停车场数 / lots'),
  spaces: Count('总泊位数（登记值） / total spaces (registry)'),
  districts: Count('县市区数 / districts'),
  lotsWithoutCoordinates: Count('无坐标、未上图的停车场数 / lots without coordinates (not on the map)'),
  live: Type.Object(
    {
      occupied: Count('已占用泊位（有效状态上报之和） / occupied spaces over lots with a current status'),
      total: Count('这些停车场的总泊位 / their total spaces'),
      ratio: Ratio('实时占用率 occupied ÷ total / live occupancy'),
      knownLots: Count('有有效状态的停车场数（最新上报未超过延迟阈值） / lots whose newest status is within their late threshold'),
    },
    { description: '实时占用：各停车场最新一条状态上报，未超过其延迟阈值者 / live occupancy from each lot\'s newest status within its late threshold' },
  ),
  today: DayFigures('今日（截至当前） / today so far'),
  yesterday: DayFigures('昨日同一时刻之前 / yesterday up to the same time of day'),
  yesterdayFull: DayFigures('昨日全天 / all of yesterday'),
  districtRanking: Type.Array(
    Type.Object({
      districtCode: Type.String(),
      districtName: Type.String(),
      lots: Count('停车场数 / lots'),
      spaces: Count('总泊位 / spaces'),
      occupancy: Ratio('实时占用率 / live occupancy'),
      entriesToday: Count('今日入场 / entries today'),
      receivableFenToday: Type.Integer({ description: '今日应收（分） / receivable today (fen)' }),
    }),
    { description: '县市区排行：按今日入场车次降序 / districts by entries today, most first' },
  ),
  busiestLots: Type.Array(
    Type.Object({
      lotCode: Type.String(),
      lotName: Type.String(),
      districtName: Type.String(),
      entries: Count('今日入场 / entries today'),
      occupancy: Ratio('实时占用率 / live occupancy'),
    }),
    { description: '今日入场最多的 10 个停车场 / the 10 lots with most entries today' },
  ),
  points: Type.Array(
    Type.Object({
      lotCode: Type.String(),
      lotName: Type.String(),
      lng: Type.Number({ description: 'GCJ-02' }),
      lat: Type.Number({ description: 'GCJ-02' }),
      totalSpaces: Count('总泊位 / spaces'),
      occupancy: Ratio('实时占用率 / live occupancy'),
      category: Type.String(),
      kind: Kind,
      districtCode: Type.String(),
    }),
    { description: '有坐标的停车场（GCJ-02） / lots with coordinates (GCJ-02)' },
  ),
  hourly: Type.Object(
    {
      today: Type.Array(Nullable(Count('入场车次 / entries')), { minItems: 24, maxItems: 24, description: '今日各小时入场（0–23 时，未到的小时为 null） / entries per hour today, null for hours not begun' }),
      yesterday: Type.Array(Count('入场车次 / entries'), { minItems: 24, maxItems: 24, description: '昨日各小时入场 / yesterday' }),
      lastWeek: Type.Array(Count('入场车次 / entries'), { minItems: 24, maxItems: 24, description: '上周同日各小时入场 / the same weekday a week ago' }),
    },
    { description: '24 小时入场曲线（上海时间，来自统计汇总） / 24-hour entries curves (Shanghai hours, from the rollups)' },
  ),
  byKind: Type.Array(
    Type.Object({
      kind: Kind,
      lots: Count('停车场数 / lots'),
      spaces: Count('总泊位 / spaces'),
      occupancy: Ratio('实时占用率 / live occupancy'),
      entriesToday: Count('今日入场 / entries today'),
      receivableFenToday: Type.Integer({ description: '今日应收（分） / receivable today (fen)' }),
    }),
    { description: '场库与路内对比（两类都列出） / off-street vs on-street (both listed)' },
  ),
  payChannels: Type.Array(
    Type.Object({
      channel: Type.String({ description: '支付渠道（空串 = 未上报） / pay channel, "" = none reported' }),
      exits: Count('出场车次 / exits'),
      receivableFen: Type.Integer({ description: '应收（分） / receivable (fen)' }),
      paidFen: Type.Integer({ description: '实收（分） / paid (fen)' }),
    }),
    { description: '今日支付渠道构成，按实收降序 / today by pay channel, most paid first' },
  ),
  ticker: Type.Array(
    Type.Object({
      kind: Type.Union([Type.Literal('incident'), Type.Literal('alert')], { description: '事件 incident / 同步告警 alert' }),
      id: Type.Integer(),
      code: Nullable(Type.String({ description: '事件编号 / incident code' })),
      at: Type.String({ description: '登记或告警时刻（ISO 8601） / detected or opened at' }),
      severity: Nullable(Type.Integer({ minimum: 1, maximum: 3, description: '事件等级 / incident severity' })),
      title: Type.String({ description: '事件标题；告警为停车场或数据源名称 / incident title; for alerts the lot or source name' }),
      scope: Nullable(Type.Union([Type.Literal('lot'), Type.Literal('source')], { description: '告警范围 / alert scope' })),
      lateMinutes: Nullable(Type.Integer({ description: '告警：数据已延迟分钟 / alert: minutes behind' })),
    }),
    { description: '滚动提示：未关闭事件与未恢复的同步告警，最新在前，至多 12 条 / ticker: open incidents and unresolved sync alerts, newest first, at most 12' },
  ),
  sync: Type.Object(
    { total: Count('受监控停车场 / monitored lots'), ok: Count('ok'), late: Count('late'), never: Count('never'), paused: Count('paused') },
    { description: '数据同步状态（同数据同步监控） / sync health as monitoring judges it' },
  ),
  incidents: Type.Object({
    open: Count('未关闭事件 / open incidents'),
    bySeverity: Type.Object({ '1': Count('一级 / severity 1'), '2': Count('二级 / severity 2'), '3': Count('三级 / severity 3') }),
  }),
  tickets: Type.Object({
    open: Count('未办结工单 / open work orders'),
    overdue: Count('其中已超时 / of them overdue'),
  }),
});

export type Overview = Static<typeof OverviewReply>;

export const LotCodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64, description: '停车场编码 / lot code' }) });

export const LotCardReply = Type.Object({
  lotCode: Type.String(),
  lotName: Type.String(),
  districtCode: Type.String(),
  districtName: Type.String(),
  kind: Kind,
  category: Type.String(),
  totalSpaces: Count('总泊位（登记值） / spaces (registry)'),
  lng: Nullable(Type.Number({ description: 'GCJ-02' })),
  lat: Nullable(Type.Number({ description: 'GCJ-02' })),
  live: Nullable(
    Type.Object(
      { occupied: Count('已占用 / occupied'), total: Count('总泊位 / total'), ratio: Ratio('实时占用率 / live occupancy') },
      { description: '实时占用（最新状态未超过延迟阈值时） / live occupancy while the newest status is current' },
    ),
  ),
  statusAt: Nullable(Type.String({ description: '最新状态上报时刻 / newest status report at' })),
  sync: Nullable(
    Type.Object({
      state: Type.Union([Type.Literal('ok'), Type.Literal('late'), Type.Literal('never'), Type.Literal('paused')]),
      lateMinutes: Nullable(Type.Integer({ description: '距最新数据分钟 / minutes since the newest data' })),
      thresholdMinutes: Count('延迟阈值（分钟） / late threshold (minutes)'),
    }, { description: '数据同步状态（同数据同步监控；未绑定数据源时为 null） / sync state as monitoring judges it; null without a source' }),
  ),
  today: DayFigures('今日（截至当前） / today so far'),
  hours: Type.Array(
    Type.Object({
      hour: Type.Integer({ minimum: 0, maximum: 23, description: '上海时间小时 / Shanghai hour of day' }),
      entries: Nullable(Count('今日该小时入场（未到为 null） / entries, null for hours not begun')),
      exits: Nullable(Count('出场 / exits')),
      occupancyAvg: Ratio('该小时平均占用率 / mean occupancy of the hour'),
      occupancyPeak: Ratio('该小时峰值占用率 / peak occupancy of the hour'),
      yesterdayOccupancyAvg: Ratio('昨日同小时平均占用率 / yesterday, same hour'),
      yesterdayEntries: Count('昨日同小时入场 / entries yesterday, same hour'),
    }),
    { minItems: 24, maxItems: 24, description: '今日 24 小时（来自统计汇总） / today by hour (from the rollups)' },
  ),
  figuresAsOf: Nullable(Type.String({ description: '统计汇总截至 / rollups as of' })),
  asOf: Type.String({ description: '计算时刻 / computed at' }),
});

export type LotCard = Static<typeof LotCardReply>;
