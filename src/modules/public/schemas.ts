import { Type, type Static, type TSchema } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { LOT_CATEGORIES } from '../registry/index.js';

/*
 * Wire shapes of the public service, as docs/公众服务接口.md describes them to mini-program
 * vendors. Responses are serialised through these schemas: every field is declared here.
 */

const Code = Type.String({ minLength: 1, maxLength: 64, description: '停车场编码 / lot code' });

export const NearbyQuery = Type.Object({
  lng: Type.Number({ description: '查询点经度 / longitude of the query point' }),
  lat: Type.Number({ description: '查询点纬度 / latitude of the query point' }),
  radius: Type.Optional(Type.Number({ description: '半径（米），默认 1000，最大 5000 / radius in metres, default 1000, at most 5000' })),
  category: Type.Optional(Type.String({ maxLength: 32, description: `停车场类别 / lot category: ${LOT_CATEGORIES.join(', ')}` })),
  coordSystem: Type.Optional(Type.String({ maxLength: 8, description: '查询点坐标系 gcj02（默认）、wgs84、bd09 / coordinate system of the query point: gcj02 (default), wgs84, bd09' })),
});
export type NearbyQuery = Static<typeof NearbyQuery>;

export const Availability = Type.Union([Type.Literal('live'), Type.Literal('stale'), Type.Literal('unknown')], {
  description: 'live：最新状态上报未超过该停车场的延迟阈值；stale：已超过；unknown：从未上报 / live: newest status report within the lot\'s late threshold; stale: older; unknown: none',
});

/*
 * Response-only shapes of the hot public answers: `type: [T, 'null']` and `enum` instead of
 * anyOf, so the response serializer (fast-json-stringify) writes each field directly instead of
 * trying the branches of a union with a validator per field and lot (npm run bench:public,
 * docs/performance.md). The document and the generated client read them the same way.
 */
function orNull<T extends TSchema & { type: string }>(schema: T) {
  return Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] });
}
const AvailabilityOut = Type.Unsafe<'live' | 'stale' | 'unknown'>({
  type: 'string', enum: ['live', 'stale', 'unknown'],
  description: 'live：最新状态上报未超过该停车场的延迟阈值；stale：已超过；unknown：从未上报 / live: newest status report within the lot\'s late threshold; stale: older; unknown: none',
});

const lotFields = {
  code: Code,
  name: Type.String(),
  category: Type.String({ description: `类别 / category: ${LOT_CATEGORIES.join(', ')}` }),
  kind: Type.String({ description: 'off_street 场库 / on_street 路内' }),
  districtCode: Type.String(),
  districtName: Type.String(),
  address: orNull(Type.String()),
  lng: orNull(Type.Number({ description: 'GCJ-02 经度 / longitude (GCJ-02)' })),
  lat: orNull(Type.Number({ description: 'GCJ-02 纬度 / latitude (GCJ-02)' })),
  distanceM: orNull(Type.Integer({ description: '与查询点的球面距离（米，GCJ-02） / great-circle distance from the query point in metres (GCJ-02); null without one' })),
  totalSpaces: Type.Integer({ minimum: 0 }),
  freeSpaces: orNull(Type.Integer({ minimum: 0, description: '空余泊位，仅 live 时为数字 / free spaces, a number only when live' })),
  availability: AvailabilityOut,
  updatedAt: orNull(Type.String({ format: 'date-time', description: '最新状态上报的发生时间 / occurredAt of the newest status report' })),
  priceSummary: orNull(Type.String({ description: '收费摘要（元） / tariff in one line, in yuan; null when not registered' })),
  openingHours: orNull(Type.String({ description: '开放时间 / opening hours' })),
  chargingSpaces: orNull(Type.Integer({ minimum: 0, description: '充电车位数（已知时） / charging spaces, where known' })),
};

export const PublicLot = Type.Object(lotFields, { $id: 'PublicLot' });
export type PublicLot = Static<typeof PublicLot>;

export const NearbyReply = Type.Object({ items: Type.Array(Type.Ref('PublicLot')) });

export const CodeParams = Type.Object({ code: Code });

export const DetailQuery = Type.Object({
  lng: Type.Optional(Type.Number({ description: '可选：查询点经度，用于 distanceM / optional query point for distanceM' })),
  lat: Type.Optional(Type.Number()),
  coordSystem: Type.Optional(Type.String({ maxLength: 8, description: 'gcj02（默认）、wgs84、bd09' })),
});

export const TariffFen = Type.Object({
  freeMinutes: Type.Integer(),
  firstPeriodMinutes: Type.Integer(),
  firstPeriodFen: Type.Integer(),
  unitMinutes: Type.Integer(),
  unitFen: Type.Integer(),
  dailyCapFen: Nullable(Type.Integer()),
}, { description: '收费标准（分） / the tariff, money in fen' });

export const LotDetail = Type.Object({
  ...lotFields,
  tariff: Nullable(TariffFen),
  tariffText: Nullable(Type.String({ description: '收费标准全文（元） / the whole tariff in words, yuan' })),
  occupancyToday: Type.Array(Type.Object({
    hour: Type.Integer({ minimum: 0, maximum: 23, description: '北京时间小时 / Shanghai hour' }),
    at: Type.String({ format: 'date-time' }),
    occupancy: Type.Number({ minimum: 0, description: '该小时平均占用率 / mean occupancy of the hour, 0–1' }),
  }), { description: '今日逐小时占用（统计汇总，仅有数据的小时） / today\'s hourly occupancy from the analytics rollups, hours with data only' }),
  usuallyFullHours: Type.Array(Type.Integer({ minimum: 0, maximum: 23 }), { description: '近 28 天平均占用率 ≥ 90% 的小时 / hours of the day at ≥ 90 % mean occupancy over the last 28 days' }),
  usuallyFullAt: Nullable(Type.String({ description: '如“08:00–10:00” / e.g. "08:00–10:00"' })),
  navigation: Nullable(Type.Object({
    amap: Type.String({ description: '高德导航（GCJ-02） / AMap navigation' }),
    baidu: Type.String({ description: '百度地图 App（BD-09） / Baidu Maps app' }),
    baiduWeb: Type.String({ description: '百度地图网页（BD-09） / Baidu Maps web' }),
    bd09: Type.Object({ lng: Type.Number(), lat: Type.Number() }),
  })),
});
export type LotDetail = Static<typeof LotDetail>;

export const EstimateQuery = Type.Object({
  from: Type.String({ maxLength: 40, description: '入场时间（ISO 8601 或 YYYY-MM-DD HH:mm:ss，北京时间） / entry time' }),
  to: Type.Optional(Type.String({ maxLength: 40, description: '离场时间，默认现在 / exit time, default now' })),
});

export const EstimateReply = Type.Object({
  lotCode: Type.String(),
  from: Type.String({ format: 'date-time' }),
  to: Type.String({ format: 'date-time' }),
  minutes: Type.Integer({ minimum: 0 }),
  feeFen: Type.Integer({ minimum: 0 }),
  feeYuan: Type.String({ description: '如 "7" 或 "2.5" / e.g. "7" or "2.5"' }),
  tariffText: Type.String(),
});

export const DistrictsReply = Type.Object({
  items: Type.Array(Type.Object({
    code: Type.String(),
    name: Type.String(),
    lots: Type.Integer({ description: '有坐标的公开停车场数 / public lots with coordinates' }),
    lng: Nullable(Type.Number({ description: '这些停车场的中心（GCJ-02） / centre of those lots' })),
    lat: Nullable(Type.Number()),
  })),
});

export const GuidanceQuery = Type.Object({
  area: Type.String({ minLength: 1, maxLength: 64, description: '县市区代码或诱导屏分组编码 / district code or sign-group code' }),
});

const GuidanceLot = Type.Object({
  code: Type.String(),
  name: Type.String(),
  totalSpaces: Type.Integer(),
  freeSpaces: Nullable(Type.Integer()),
  availability: Availability,
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
});

export const GuidanceReply = Type.Object({
  area: Type.Object({ type: Type.Union([Type.Literal('district'), Type.Literal('signGroup')]), code: Type.String(), name: Type.String() }),
  lots: Type.Array(GuidanceLot),
  groups: Type.Array(Type.Object({
    code: Type.String(),
    name: Type.String(),
    lotCodes: Type.Array(Type.String()),
    freeSpaces: Nullable(Type.Integer({ description: 'live 停车场空余之和；无 live 停车场时为 null / free spaces summed over live lots; null when none is live' })),
    liveLots: Type.Integer(),
    lots: Type.Integer(),
  })),
});
export type GuidanceReply = Static<typeof GuidanceReply>;

export const LotSettingsBody = Type.Object({
  hidden: Type.Boolean({ description: '对公众隐藏 / hidden from the public' }),
  openingHours: Nullable(Type.String({ maxLength: 200 })),
  chargingSpaces: Nullable(Type.Integer({ minimum: 0, maximum: 100_000 })),
});

export const LotSettingsReply = Type.Object({
  lotCode: Type.String(),
  hidden: Type.Boolean(),
  openingHours: Nullable(Type.String()),
  chargingSpaces: Nullable(Type.Integer()),
  updatedAt: Nullable(Type.String({ format: 'date-time' })),
  updatedBy: Nullable(Type.String()),
});

export const SignGroupBody = Type.Object({
  code: Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' }),
  name: Type.String({ minLength: 1, maxLength: 100 }),
  lotCodes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 }),
});
export const SignGroupUpdateBody = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 100 }),
  lotCodes: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 200 }),
});
export const SignGroupReply = Type.Object({
  code: Type.String(),
  name: Type.String(),
  lotCodes: Type.Array(Type.String()),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
}, { $id: 'PublicSignGroup' });
export const SignGroupList = Type.Object({ items: Type.Array(Type.Ref('PublicSignGroup')) });

// ---- 我的停车与欠费 (citizen verification) ----

export const VerificationBody = Type.Object({
  plate: Type.String({ minLength: 1, maxLength: 16, description: '车牌号 / plate' }),
  phone: Type.String({ minLength: 1, maxLength: 20, description: '接收验证码的手机号 / mobile number that receives the code' }),
}, { additionalProperties: false });

export const VerificationReply = Type.Object({
  verificationId: Type.String({ description: '验证请求编号，确认验证码时使用 / id to confirm the code with' }),
  expiresAt: Type.String({ format: 'date-time', description: '验证码失效时间（5 分钟） / the code expires (5 minutes)' }),
  phoneMasked: Type.String({ description: '脱敏手机号 / masked phone' }),
});

export const VerificationParams = Type.Object({ id: Type.String({ minLength: 16, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }) });

export const ConfirmBody = Type.Object({
  code: Type.String({ pattern: '^\\d{6}$', description: '6 位验证码 / the 6-digit code' }),
}, { additionalProperties: false });

export const CitizenTokenReply = Type.Object({
  token: Type.String({ description: '市民令牌，30 分钟有效，以 Authorization: Bearer 发送 / citizen token, 30 minutes, sent as Authorization: Bearer' }),
  expiresAt: Type.String({ format: 'date-time' }),
  plateMasked: Type.String(),
});

const CitizenRecord = Type.Object({
  sessionId: Type.Integer({ description: '停车流水编号（投诉时引用） / parking record id (quote it in a complaint)' }),
  lotCode: Type.String(),
  lotName: Type.String(),
  enteredAt: Nullable(Type.String({ format: 'date-time' })),
  exitedAt: Nullable(Type.String({ format: 'date-time' })),
  minutes: Nullable(Type.Integer({ description: '停车时长（分钟） / minutes parked' })),
  receivableFen: Nullable(Type.Integer({ description: '应收（分） / receivable, fen' })),
  paidFen: Nullable(Type.Integer({ description: '实收（分） / paid, fen' })),
  arrearsFen: Nullable(Type.Integer({ description: '欠费 = max(应收 − 实收, 0)（分），已在本平台缴清或核销的为 0 / arrears, fen; 0 once settled here' })),
  settled: Nullable(Type.Union([Type.Literal('paid'), Type.Literal('written_off')], { description: '欠费已在本平台缴清（paid）或核销（written_off）/ arrears settled here' })),
  payChannel: Nullable(Type.String()),
  state: Type.String({ description: 'open 在场 / closed 已离场' }),
});

export const CitizenRecordsReply = Type.Object({
  plate: Type.String({ description: '已验证的车牌（本人） / the verified plate (the citizen\'s own)' }),
  plateMasked: Type.String(),
  since: Type.String({ format: 'date-time', description: '记录起始（90 天前） / records from (90 days ago)' }),
  records: Type.Array(CitizenRecord, { description: '近 90 天停车记录，最多 200 条 / records of the last 90 days, at most 200' }),
  arrears: Type.Array(CitizenRecord, { description: '未结清欠费（不限时间），最多 500 条 / open arrears of any age, at most 500' }),
  totalArrearsFen: Type.Integer(),
  totalArrearsYuan: Type.String({ description: '欠费合计（元） / arrears total in yuan' }),
});

// ---- 公告 ----

const AnnouncementKind = Type.Union(['notice', 'closure', 'holiday', 'new_lot'].map((k) => Type.Literal(k)), {
  description: 'notice 通知、closure 封闭施工、holiday 节假日交通、new_lot 新开停车场',
});

export const AnnouncementBody = Type.Object({
  kind: AnnouncementKind,
  title: Type.String({ minLength: 1, maxLength: 100 }),
  body: Type.String({ maxLength: 2000 }),
  districtCode: Type.Optional(Nullable(Type.String({ maxLength: 16, description: '县市区；空为全市 / district; empty for the whole city' }))),
  startsAt: Type.String({ maxLength: 40, description: '开始时间 ISO 8601 / starts at' }),
  endsAt: Type.Optional(Nullable(Type.String({ maxLength: 40, description: '结束时间；空为长期 / ends at; empty for open-ended' }))),
}, { additionalProperties: false });

const announcementFields = {
  id: Type.Integer(),
  kind: Type.String(),
  title: Type.String(),
  body: Type.String(),
  districtCode: Nullable(Type.String()),
  startsAt: Type.String({ format: 'date-time' }),
  endsAt: Nullable(Type.String({ format: 'date-time' })),
};

export const PublicAnnouncements = Type.Object({ items: Type.Array(Type.Object(announcementFields)) });
export const AnnouncementsQuery = Type.Object({ district: Type.Optional(Type.String({ maxLength: 16, description: '县市区代码 / district code' })) });

export const StaffAnnouncement = Type.Object({
  ...announcementFields,
  state: Type.String({ description: 'active 生效中、scheduled 待生效、ended 已结束' }),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
}, { $id: 'PublicStaffAnnouncement' });
export const StaffAnnouncementList = Type.Object({ items: Type.Array(Type.Ref('PublicStaffAnnouncement')) });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

// ---- 使用情况 ----

export const UsageQuery = Type.Object({
  from: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD（上海日），默认 30 天前 / Shanghai day, default 30 days ago' })),
  to: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD（含），默认今天 / included, default today' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('xlsx')])),
});

export const UsageReply = Type.Object({
  from: Type.String(),
  to: Type.String(),
  days: Type.Array(Type.Object({
    day: Type.String(), nearby: Type.Integer(), lot: Type.Integer(), estimate: Type.Integer(), guidance: Type.Integer(),
    verificationsSent: Type.Integer(), verificationsConfirmed: Type.Integer(), verificationsFailed: Type.Integer(), recordsRead: Type.Integer(),
  })),
  topAreas: Type.Array(Type.Object({ districtCode: Type.String(), districtName: Type.String(), queries: Type.Integer() })),
  verificationsSent: Type.Integer(),
  verificationsConfirmed: Type.Integer(),
  verificationSuccessRate: Nullable(Type.Number({ description: '验证成功 ÷ 发送验证码 / confirmed ÷ sent' })),
  complaintsByCategory: Type.Array(Type.Object({ category: Type.String(), label: Type.String(), count: Type.Integer() })),
});
