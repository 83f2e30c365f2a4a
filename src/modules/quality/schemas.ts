import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/* Wire shapes of the data-cleaning API (数据清洗, /api/v1/quality/…). */

const Bilingual = Type.Object({ zh: Type.String(), en: Type.String() });
const Values = Type.Record(Type.String(), Type.Unknown());
const Time = (description: string) => Type.String({ maxLength: 40, description: `${description}：YYYY-MM-DD（上海日期，to 含当天）、YYYY-MM-DD HH:mm:ss 或 ISO 8601 / Shanghai date (a date 'to' includes the day) or time` });

export const ScanBody = Type.Object({
  from: Type.Optional(Time('开始，默认结束前 2 天 / from, default 2 days before to')),
  to: Type.Optional(Time('结束（不含），默认现在 / to (exclusive), default now')),
  lotCodes: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 1000, description: '只扫描这些停车场，默认权限内全部 / only these lots, default all in scope' })),
}, { additionalProperties: false });

export const ScanResultSchema = Type.Object({
  scanId: Type.Integer(),
  from: Type.String(),
  to: Type.String(),
  lots: Type.Integer({ description: '扫描的停车场数 / lots scanned' }),
  found: Type.Record(Type.String(), Type.Integer(), { description: '各规则本次发现（新的和已有的） / findings seen per rule' }),
  created: Type.Integer({ description: '新问题数 / new findings' }),
  dropped: Type.Integer({ description: '不再成立而移除的未处理问题 / open findings no longer found, removed' }),
  autoFixed: Type.Integer({ description: '安全规则自动修正数 / fixes applied automatically' }),
});

export const FixSchema = Type.Object({
  id: Type.Integer(),
  findingId: Type.Integer(),
  targetType: Type.String(),
  targetId: Type.Integer(),
  action: Type.String(),
  before: Values,
  after: Values,
  auto: Type.Boolean(),
  appliedAt: Type.String(),
  appliedBy: Type.String(),
  revertedAt: Nullable(Type.String()),
  revertedBy: Nullable(Type.String()),
}, { $id: 'QualityFix' });

export const FindingSchema = Type.Object({
  id: Type.Integer(),
  rule: Type.String(),
  ruleName: Bilingual,
  safe: Type.Boolean(),
  status: Type.String({ description: 'open | fixed | dismissed' }),
  targetType: Type.String({ description: 'session | status_report | lot' }),
  targetId: Type.Integer(),
  lotCode: Type.String(),
  lotName: Type.String(),
  districtCode: Type.String(),
  sourceCode: Nullable(Type.String()),
  at: Type.String({ description: '数据时间（入场，否则出场；上报时间） / the row’s time' }),
  action: Type.String({ description: 'exclude | set_receivable | set_plate | set_total_spaces' }),
  suggested: Values,
  suggestion: Bilingual,
  detail: Values,
  foundAt: Type.String(),
  resolvedAt: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  note: Nullable(Type.String()),
  session: Nullable(Type.Object({
    plate: Type.String(), enteredAt: Nullable(Type.String()), exitedAt: Nullable(Type.String()),
    receivableFen: Nullable(Type.Integer()), paidFen: Nullable(Type.Integer()), excluded: Type.Boolean(),
  })),
  report: Nullable(Type.Object({ occurredAt: Type.String(), totalSpaces: Type.Integer(), freeSpaces: Type.Integer(), excluded: Type.Boolean() })),
  fix: Nullable(Type.Ref('QualityFix')),
}, { $id: 'QualityFinding' });

export const FindingListQuery = Type.Object({
  rule: Type.Optional(Type.String({ maxLength: 40 })),
  status: Type.Optional(Type.String({ maxLength: 20, description: 'open | fixed | dismissed' })),
  lot: Type.Optional(Type.String({ maxLength: 64, description: '停车场编码 / lot code' })),
  scan: Type.Optional(Type.String({ maxLength: 20, description: '扫描编号：只列这次扫描发现（新发现或再次发现）的问题，任何状态 / scan id: only the findings this scan found (new or again), in any status' })),
  cursor: Type.Optional(Type.String({ maxLength: 20 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
});

export const FindingPage = Type.Object({
  items: Type.Array(Type.Ref('QualityFinding')),
  nextCursor: Nullable(Type.String()),
  openByRule: Type.Record(Type.String(), Type.Integer(), { description: '各规则未处理数（同停车场、扫描筛选） / open findings per rule (same lot and scan filter)' }),
});

export const IdParams = Type.Object({ id: Type.String({ maxLength: 20 }) });

export const FixBodySchema = Type.Object({
  exclude: Type.Optional(Type.Boolean({ description: '改为排除该记录 / exclude the row instead' })),
  plate: Type.Optional(Type.String({ minLength: 1, maxLength: 32, description: '正确车牌（车牌无效） / the corrected plate' })),
  receivableFen: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: '应收（分） / receivable in fen' })),
  totalSpaces: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, description: '总泊位 / total spaces' })),
  note: Type.Optional(Type.String({ maxLength: 1000 })),
}, { additionalProperties: false, description: '都不填则按建议修正 / empty: apply the suggestion' });

export const DismissBody = Type.Object({ note: Type.Optional(Type.String({ maxLength: 1000, description: '忽略理由 / why' })) }, { additionalProperties: false });

export const ScoresQuery = Type.Object({
  by: Type.Optional(Type.String({ maxLength: 10, description: 'lot（默认）| source' })),
  from: Type.Optional(Time('开始，默认结束前 30 天 / from, default 30 days before to')),
  to: Type.Optional(Time('结束，默认今天（含） / to, default through today')),
});

export const ScoresSchema = Type.Object({
  by: Type.String(),
  from: Type.String(),
  to: Type.String(),
  items: Type.Array(Type.Object({
    code: Type.String(),
    name: Type.String(),
    score: Nullable(Type.Number({ description: '0–100；无数据为 null / null without data' })),
    rows: Type.Integer(),
    sessions: Type.Integer(),
    statusReports: Type.Integer(),
    affected: Type.Integer(),
    findings: Type.Record(Type.String(), Type.Integer()),
    trend: Type.Array(Type.Object({ day: Type.String(), score: Nullable(Type.Number()), rows: Type.Integer(), affected: Type.Integer() })),
  })),
});

// Numbers, true/false or null, checked by the service: a union here would let ajv's type coercion turn true into 1.
const ParamValue = Type.Unknown();

export const RuleSchema = Type.Object({
  code: Type.String(),
  name: Bilingual,
  description: Bilingual,
  target: Type.String(),
  action: Type.String(),
  safe: Type.Boolean({ description: '可自动修正 / may be applied automatically' }),
  enabled: Type.Boolean(),
  autoApply: Type.Boolean(),
  params: Type.Record(Type.String(), ParamValue),
  paramSpecs: Type.Array(Type.Object({
    key: Type.String(), min: Type.Number(), max: Type.Number(), nullable: Type.Boolean(), boolean: Type.Boolean(), zh: Type.String(), en: Type.String(),
  })),
  updatedAt: Nullable(Type.String()),
  updatedBy: Nullable(Type.String()),
}, { $id: 'QualityRule' });

export const RuleParams = Type.Object({ code: Type.String({ maxLength: 40 }) });
export const RuleBody = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  autoApply: Type.Optional(Type.Boolean({ description: '仅安全规则 / safe rules only' })),
  params: Type.Optional(Type.Record(Type.String(), ParamValue)),
}, { additionalProperties: false });

export const LotParams = Type.Object({ lotCode: Type.String({ maxLength: 64 }) });
export const TariffBody = Type.Object({
  freeMinutes: Type.Integer({ minimum: 0, maximum: 1440, description: '免费时长（分钟），超出则自入场起计费 / free minutes' }),
  firstPeriodMinutes: Type.Integer({ minimum: 0, maximum: 1440, description: '首段时长（分钟） / first period minutes' }),
  firstPeriodFen: Type.Integer({ minimum: 0, maximum: 1_000_000, description: '首段收费（分） / first period fee' }),
  unitMinutes: Type.Integer({ minimum: 1, maximum: 1440, description: '之后每段时长（分钟） / unit minutes' }),
  unitFen: Type.Integer({ minimum: 0, maximum: 1_000_000, description: '每段收费（分） / unit fee' }),
  dailyCapFen: Nullable(Type.Integer({ minimum: 0, maximum: 10_000_000, description: '每 24 小时封顶（分），null 不封顶 / daily cap, null = none' })),
}, { additionalProperties: false });
export const TariffSchema = Type.Object({
  lotCode: Type.String(), freeMinutes: Type.Integer(), firstPeriodMinutes: Type.Integer(), firstPeriodFen: Type.Integer(),
  unitMinutes: Type.Integer(), unitFen: Type.Integer(), dailyCapFen: Nullable(Type.Integer()), updatedAt: Type.String(), updatedBy: Type.String(),
});
