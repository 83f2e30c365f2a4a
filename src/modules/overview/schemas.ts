import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http.js';

/* Wire shape of the overview (全局概览): one document for the big screen. Money in fen, ratios as fractions. */

const Ratio = (description: string) => Nullable(Type.Number({ minimum: 0, maximum: 1, description }));
const Count = (description: string) => Type.Integer({ minimum: 0, description });

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
      districtCode: Type.String(),
    }),
    { description: '有坐标的停车场（GCJ-02） / lots with coordinates (GCJ-02)' },
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
