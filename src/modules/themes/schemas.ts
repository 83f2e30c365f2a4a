import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { LOT_CATEGORIES } from '../registry/index.js';
import { THEME_KINDS } from './vocab.js';

/* Wire shapes of the themes API (docs/市域专题接口.md). */

export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64, description: '专题编码 / theme code' }) });

const Kind = Type.String({ maxLength: 32, description: `专题类型 / kind: ${THEME_KINDS.join(', ')}` });
const Point = Type.Object({
  lng: Type.Number({ description: 'GCJ-02 经度 / longitude (GCJ-02)' }),
  lat: Type.Number({ description: 'GCJ-02 纬度 / latitude (GCJ-02)' }),
  radiusM: Type.Number({ description: '半径（米，≤ 20000） / radius in metres (at most 20000)' }),
});
const DayOrNull = Nullable(Type.String({ maxLength: 10, description: '上海日期 YYYY-MM-DD / a Shanghai date' }));
const Alert = Type.Object({
  threshold: Type.Optional(Type.Number({ description: '占用率阈值，默认 0.9 / occupancy threshold, default 0.9' })),
  minutes: Type.Optional(Type.Integer({ description: '持续分钟，默认 30 / minutes, default 30' })),
  enabled: Type.Optional(Type.Boolean()),
});

const ruleFields = {
  lotCodes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 2000, description: '明确列入的停车场 / lots named explicitly' })),
  points: Type.Optional(Type.Array(Point, { maxItems: 50, description: '以这些点为圆心、半径内的停车场（GCJ-02 球面距离） / lots within the radius of these points' })),
  categories: Type.Optional(Type.Array(Type.String({ maxLength: 32 }), { maxItems: 20, description: `这些类别的停车场 / lots of these categories: ${LOT_CATEGORIES.join(', ')}` })),
  districtCodes: Type.Optional(Type.Array(Type.String({ maxLength: 16 }), { maxItems: 50, description: 'categories 所限的县市区（空：全部） / districts the categories apply in (none: all)' })),
  eventFrom: Type.Optional(DayOrNull),
  eventTo: Type.Optional(DayOrNull),
  frozen: Type.Optional(Type.Boolean({ description: '冻结成员（停车场变化时不再重算） / keep the membership as it is' })),
  published: Type.Optional(Type.Boolean({ description: '向公众发布（GET /api/v1/public/themes/{code}） / shown to citizens' })),
  alert: Type.Optional(Alert),
};

export const ThemeBody = Type.Object({
  code: Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$', description: '专题编码 / theme code' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Kind,
  ...ruleFields,
});
export const ThemePatch = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  kind: Type.Optional(Kind),
  ...ruleFields,
});

const Member = Type.Object({
  code: Type.String(),
  name: Type.String(),
  districtCode: Type.String(),
  category: Type.String(),
  totalSpaces: Type.Integer(),
  lng: Nullable(Type.Number()),
  lat: Nullable(Type.Number()),
  via: Type.String({ description: 'lot（明确列入）、point（半径内）、category（类别） / how the lot came in' }),
});

export const ThemeReply = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  districtCode: Nullable(Type.String({ description: '县市区用户建立的专题所属县市区；全市专题为 null / the district of a district user\'s theme' })),
  lotCodes: Type.Array(Type.String()),
  points: Type.Array(Point),
  categories: Type.Array(Type.String()),
  districtCodes: Type.Array(Type.String()),
  eventFrom: DayOrNull,
  eventTo: DayOrNull,
  frozen: Type.Boolean(),
  published: Type.Boolean(),
  alert: Type.Object({ threshold: Type.Number(), minutes: Type.Integer(), enabled: Type.Boolean() }),
  members: Type.Array(Member),
  memberCount: Type.Integer(),
  totalSpaces: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
}, { $id: 'Theme' });
export const ThemeList = Type.Object({ items: Type.Array(Type.Ref('Theme')) });

export const KpiQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10, description: '开始日期（上海） YYYY-MM-DD，默认今天 / first Shanghai day, default today' })),
  to: Type.Optional(Type.String({ maxLength: 10, description: '结束日期（上海，含当天） YYYY-MM-DD，默认同 from / last Shanghai day, included' })),
});

const Ratio = (d: string) => Nullable(Type.Number({ description: d }));
export const KpiReply = Type.Object({
  code: Type.String(),
  from: Type.String(),
  to: Type.String(),
  lots: Type.Integer({ description: '成员停车场数 / member lots' }),
  lotsKnown: Type.Integer({ description: '有已知占用时段的成员数 / members with known minutes' }),
  totalSpaces: Type.Integer(),
  occupancyAvg: Ratio('Σ占用车位分钟 ÷ Σ总车位分钟（仅已知分钟） / Σ occupied-space-minutes ÷ Σ total-space-minutes over known minutes'),
  saturatedShare: Ratio('占用率 ≥ 0.9 的已知停车场分钟占比 / share of known lot-minutes at occupancy ≥ 0.9'),
  peakOccupancy: Ratio('按上海整点小时计算的 occupancyAvg 的最大值 / the highest hourly occupancyAvg'),
  peakAt: Nullable(Type.String({ format: 'date-time', description: '该小时的开始 / start of that hour' })),
  knownMinutes: Type.Number({ description: 'Σ 已知停车场分钟 / Σ known lot-minutes' }),
  saturatedMinutes: Type.Number(),
  entries: Type.Integer({ description: '驶入车次（入场时间在范围内） / entries' }),
  exits: Type.Integer({ description: '有停放时长的驶出车次 / exits with a dwell' }),
  turnover: Ratio('泊位周转率（次/泊位·日） / turnover per space and day'),
  avgDwellMinutes: Ratio('平均停放时长（分钟） / average dwell in minutes'),
  pressureIndex: Nullable(Type.Integer({ minimum: 0, maximum: 100, description: '停车压力指数 0–100 / parking pressure index' })),
  pressureLevel: Type.String({ description: 'smooth 畅通 / busy 较忙 / tight 紧张 / saturated 饱和 / unknown' }),
  hours: Type.Array(Type.Object({ at: Type.String({ format: 'date-time' }), occupancy: Type.Number(), knownMinutes: Type.Number() })),
  asOf: Type.String({ format: 'date-time' }),
});

export const LiveReply = Type.Object({
  code: Type.String(),
  name: Type.String(),
  at: Type.String({ format: 'date-time' }),
  occupancy: Ratio('在线（live）成员的 Σ占用 ÷ Σ总数 / Σ occupied ÷ Σ total over live members'),
  freeSpaces: Nullable(Type.Integer()),
  liveLots: Type.Integer(),
  staleLots: Type.Integer(),
  unknownLots: Type.Integer(),
  saturatedMinutesToday: Type.Number({ description: '今天专题占用率 ≥ 告警阈值的分钟数 / minutes today at theme occupancy ≥ the alert threshold' }),
  alert: Type.Object({ threshold: Type.Number(), minutes: Type.Integer(), enabled: Type.Boolean(), active: Type.Boolean(), since: Nullable(Type.String({ format: 'date-time' })) }),
  members: Type.Array(Type.Object({
    code: Type.String(),
    name: Type.String(),
    totalSpaces: Type.Integer(),
    availability: Type.String({ description: 'live / stale / unknown（同公众服务） / as the public service' }),
    freeSpaces: Nullable(Type.Integer()),
    occupancy: Ratio('仅 live 时有值 / only when live'),
    updatedAt: Nullable(Type.String({ format: 'date-time' })),
    saturatedMinutesToday: Type.Number({ description: '今天占用率 ≥ 0.9 的已知分钟 / known minutes today at occupancy ≥ 0.9' }),
  })),
});

export const AlertList = Type.Object({
  items: Type.Array(Type.Object({
    startedAt: Type.String({ format: 'date-time', description: '占用率达到阈值的时刻 / when the occupancy reached the threshold' }),
    endedAt: Nullable(Type.String({ format: 'date-time' })),
    notifiedAt: Nullable(Type.String({ format: 'date-time' })),
    peak: Type.Number(),
    silenced: Type.Boolean({ description: '维护窗口内，未通知 / under a maintenance window, not notified' }),
  })),
});

export const ForecastReply = Type.Object({
  code: Type.String(),
  at: Type.String({ format: 'date-time', description: '预测起点（15 分钟整点） / start, a 15-minute edge' }),
  recent: Ratio('最近 15 分钟的专题占用率 / the theme occupancy over the last 15 minutes'),
  dayClass: Type.String({ description: 'working / weekend / holiday' }),
  comparableDays: Type.Array(Type.String(), { description: '用到的同类日 / the comparable days used' }),
  steps: Type.Array(Type.Object({
    at: Type.String({ format: 'date-time', description: '15 分钟时段的开始 / start of the 15-minute slot' }),
    occupancy: Ratio('预测 / forecast'),
    usual: Ratio('常态 / usual'),
    low: Ratio('同类日最低 / lowest of the comparable days'),
    high: Ratio('同类日最高 / highest of the comparable days'),
  })),
});

export const CompareQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10, description: '开始日期（上海），默认活动开始日或今天 / first day, default the event\'s or today' })),
  to: Type.Optional(Type.String({ maxLength: 10, description: '结束日期（上海，含当天） / last day, included' })),
  weeks: Type.Optional(Type.Integer({ description: '与之前几周的同期比较，1–8，默认 4 / how many earlier weeks, 1–8, default 4' })),
  ordinaryOnly: Type.Optional(Type.Boolean({ description: '仅与普通日比较：跳过含法定节假日或调休上班日的同期，向前继续找 / only ordinary days: skip earlier periods with a public holiday or make-up working day' })),
});
export const HolidaysQuery = Type.Object({
  year: Type.Integer({ minimum: 2000, maximum: 2100, description: '年份 / year' }),
});
const Festival = Type.Object({ zh: Type.String(), en: Type.String() });
export const HolidaysReply = Type.Object({
  year: Type.Integer(),
  covered: Type.Boolean({ description: '节假日表是否含该年 / whether the holiday table holds the year' }),
  items: Type.Array(Type.Object({
    key: Type.String({ description: '主节日（英文名），用于对应去年 / the main festival (English), matches last year' }),
    festival: Festival,
    from: Type.String(), to: Type.String(),
    days: Type.Array(Type.String()),
    makeupDays: Type.Array(Type.String({ description: '调休上班日 / make-up working days' })),
  })),
});
const Figures = {
  occupancyAvg: Ratio('平均占用率 / occupancyAvg'),
  saturatedShare: Ratio('饱和时长占比 / saturatedShare'),
  peakOccupancy: Ratio('峰值占用率 / peakOccupancy'),
  pressureIndex: Nullable(Type.Number()),
  entries: Nullable(Type.Number()),
  avgDwellMinutes: Nullable(Type.Number()),
};
export const CompareReply = Type.Object({
  code: Type.String(),
  period: Type.Object({ from: Type.String(), to: Type.String(), ...Figures }),
  baseline: Type.Object(Figures, { description: '之前各周同期的平均 / mean over the earlier periods with a value' }),
  earlier: Type.Array(Type.Object({ from: Type.String(), to: Type.String(), ...Figures })),
});

export const PublicThemeReply = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: Type.String(),
  freeSpaces: Nullable(Type.Integer({ description: '在线（live）成员的空位之和 / free spaces summed over live members' })),
  liveLots: Type.Integer(),
  lots: Type.Array(Type.Object({
    code: Type.String(),
    name: Type.String(),
    category: Type.String(),
    address: Nullable(Type.String()),
    lng: Nullable(Type.Number({ description: 'GCJ-02' })),
    lat: Nullable(Type.Number({ description: 'GCJ-02' })),
    totalSpaces: Type.Integer(),
    freeSpaces: Nullable(Type.Integer({ description: '仅 live 时为数字 / a number only when live' })),
    availability: Type.String({ description: 'live / stale / unknown（同附近停车场） / as the nearby list' }),
    updatedAt: Nullable(Type.String({ format: 'date-time' })),
  })),
});
