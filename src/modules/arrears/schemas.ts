import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/* Wire shapes of 欠费追缴 (docs/用户手册.md 第 24 章, docs/指标口径.md). Money in fen. */

const Level = Type.Union([Type.Literal('open'), Type.Literal('enforcement')], { description: 'open 待追缴 / enforcement 列入执法' });
const Reasons = Type.Array(Type.Union([Type.Literal('age'), Type.Literal('amount')]), { description: '列入执法的原因：age 超期、amount 超额 / why listed' });

export const LedgerQuery = Type.Object({
  plate: Type.Optional(Type.String({ maxLength: 32, description: '车牌（完整或部分，部分需 pii 权限）/ plate, whole or part (part needs pii)' })),
  lotCode: Type.Optional(Type.String({ maxLength: 64 })),
  districtCode: Type.Optional(Type.String({ maxLength: 16 })),
  level: Type.Optional(Level),
  minFen: Type.Optional(Type.Integer({ minimum: 1, description: '欠费金额不低于（分）/ owed at least (fen)' })),
  maxFen: Type.Optional(Type.Integer({ minimum: 1, description: '欠费金额不高于（分）/ owed at most (fen)' })),
  minDays: Type.Optional(Type.Integer({ minimum: 0, maximum: 3650, description: '最早欠费不少于 N 天 / oldest at least N days' })),
  sort: Type.Optional(Type.Union([Type.Literal('total'), Type.Literal('oldest'), Type.Literal('sessions')])),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
});

export const LedgerRow = Type.Object({
  key: Type.Integer({ description: '该车牌最早一笔欠费流水的编号，用于打开详情 / the plate\'s oldest owing session: opens the detail' }),
  plate: Type.String({ description: '脱敏车牌 / masked plate' }),
  sessions: Type.Integer(),
  lots: Type.Integer(),
  totalFen: Type.Integer(),
  oldestAt: Type.String({ format: 'date-time' }),
  newestAt: Type.String({ format: 'date-time' }),
  ageDays: Type.Integer(),
  level: Level,
  reasons: Reasons,
  refuseEntry: Type.Boolean({ description: '已开启拒绝入场且列入执法 / listed and refusal on' }),
});
export const LedgerPage = Type.Object({ items: Type.Array(LedgerRow), total: Type.Integer(), totalFen: Type.Integer() });
export const KeyParams = Type.Object({ key: Type.Integer({ minimum: 1 }) });

export const OwedSession = Type.Object({
  sessionId: Type.Integer(),
  lotCode: Type.String(),
  lotName: Type.String(),
  districtCode: Type.String(),
  sourceCode: Type.String(),
  enteredAt: Nullable(Type.String({ format: 'date-time' })),
  exitedAt: Nullable(Type.String({ format: 'date-time' })),
  receivableFen: Type.Integer(),
  paidFen: Type.Integer(),
  owedFen: Type.Integer(),
  payChannel: Nullable(Type.String()),
}, { $id: 'ArrearsSession' });

export const Writeoff = Type.Object({
  id: Type.Integer(),
  plateMasked: Type.String(),
  sessionIds: Type.Array(Type.Integer()),
  amountFen: Type.Integer(),
  reason: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')]),
  requestedBy: Type.String(),
  requestedAt: Type.String({ format: 'date-time' }),
  decidedBy: Nullable(Type.String()),
  decidedAt: Nullable(Type.String({ format: 'date-time' })),
  decisionNote: Nullable(Type.String()),
}, { $id: 'ArrearsWriteoff' });

export const PlateDetail = Type.Object({
  key: Type.Integer(),
  plate: Type.String({ description: '有 pii 权限时为完整车牌（记审计），否则脱敏 / whole with pii (audited), else masked' }),
  plateMasked: Type.String(),
  totalFen: Type.Integer(),
  ageDays: Type.Integer(),
  level: Level,
  reasons: Reasons,
  refuseEntry: Type.Boolean(),
  sessions: Type.Array(Type.Ref('ArrearsSession')),
  settlements: Type.Array(Type.Object({
    sessionId: Type.Integer(), fen: Type.Integer(),
    kind: Type.Union([Type.Literal('paid'), Type.Literal('written_off'), Type.Literal('refunded')], { description: 'paid 缴清；written_off 核销；refunded 退款重开（fen 为重新计入欠费的金额）/ refunded: a refund reopened fen of it' }),
    settledAt: Type.String({ format: 'date-time' }), settledBy: Type.String(), orderNo: Nullable(Type.String()), writeoffId: Nullable(Type.Integer()),
  })),
  writeoffs: Type.Array(Type.Object({
    id: Type.Integer(), amountFen: Type.Integer(), reason: Type.String(), status: Type.String(), requestedBy: Type.String(), requestedAt: Type.String({ format: 'date-time' }),
    decidedBy: Nullable(Type.String()), decidedAt: Nullable(Type.String({ format: 'date-time' })), decisionNote: Nullable(Type.String()), sessionIds: Type.Array(Type.Integer()),
  })),
});

export const Kpis = Type.Object({
  month: Type.String(),
  outstandingFen: Type.Integer({ description: '当前欠费余额（分）/ outstanding now' }),
  outstandingPlates: Type.Integer(),
  outstandingSessions: Type.Integer(),
  enforcementPlates: Type.Integer({ description: '列入执法的车牌数 / plates listed for enforcement' }),
  recoveredFen: Type.Integer({ description: '本月经支付通道追缴（分），已减去本月退款重开的金额 / recovered through the channels in the month, less what refunds in the month reopened' }),
  recoveredSessions: Type.Integer({ description: '本月缴清的欠费笔数 / sessions settled by payment in the month' }),
  refundedFen: Type.Integer({ description: '本月退款重开的欠费（分），已从 recoveredFen 中减去 / reopened by refunds in the month, already subtracted from recoveredFen' }),
  writtenOffFen: Type.Integer({ description: '本月核销（分）/ written off in the month' }),
  recoveryRate: Nullable(Type.Number({ description: '回收率 = 本月追缴 ÷（本月追缴 + 当前欠费余额）/ recovered ÷ (recovered + outstanding)' })),
});
export const KpiQuery = Type.Object({ month: Type.Optional(Type.String({ pattern: '^\\d{4}-\\d{2}$', description: 'YYYY-MM（上海时间，默认本月）/ Shanghai month, default this one' })) });

export const Settings = Type.Object({
  enforceAfterDays: Nullable(Type.Integer({ minimum: 1, maximum: 3650, description: '欠费满 N 天列入执法（null 不按天数）/ listed after N days (null: off)' })),
  enforceAboveFen: Nullable(Type.Integer({ minimum: 1, description: '欠费达到该金额（分）列入执法（null 不按金额）/ listed from this amount (null: off)' })),
  refusalEnabled: Type.Boolean({ description: '向参与车场系统提供拒绝入场名单 / offer the entry-refusal list' }),
  refusalSources: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 500, description: '参与拒绝入场的数据源编码 / participating data sources' }),
  channelCode: Type.String({ maxLength: 64, description: '市民缴纳欠费所用支付通道 / the channel citizens pay with' }),
});
export const SettingsView = Type.Intersect([Settings, Type.Object({ updatedAt: Type.String({ format: 'date-time' }), updatedBy: Type.String() })]);

export const WriteoffBody = Type.Object({
  key: Type.Integer({ minimum: 1, description: '台账行的 key（确定车牌）/ the ledger row\'s key (names the plate)' }),
  sessionIds: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1000 }),
  reason: Type.String({ minLength: 2, maxLength: 500 }),
});
export const DecisionBody = Type.Object({ approve: Type.Boolean(), note: Type.Optional(Type.String({ maxLength: 500 })) });
export const WriteoffQuery = Type.Object({ status: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected')])) });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const Refusals = Type.Object({
  generatedAt: Type.String({ format: 'date-time' }),
  plates: Type.Array(Type.Object({ plate: Type.String({ description: '完整车牌 / whole plate' }), owedFen: Type.Integer(), since: Type.String({ format: 'date-time' }) })),
});

export const Bill = Type.Object({
  billNo: Type.String(),
  orderNo: Type.String({ description: '商户订单号 out_trade_no' }),
  amountFen: Type.Integer(),
  channelCode: Type.String(),
  channelKind: Nullable(Type.Union([Type.Literal('wechat'), Type.Literal('alipay'), Type.Literal('sandbox')])),
  status: Type.Union([Type.Literal('pending'), Type.Literal('paid')]),
  createdAt: Type.String({ format: 'date-time' }),
  paidAt: Nullable(Type.String({ format: 'date-time' })),
  sessions: Type.Array(Type.Object({ sessionId: Type.Integer(), fen: Type.Integer() })),
}, { $id: 'ArrearsBill' });
export const BillParams = Type.Object({ billNo: Type.String({ pattern: '^AR[0-9A-F]{18}$' }) });
