import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/*
 * Wire shapes of the parking-records API (docs/用户手册.md 第 4 章). Query parameters are
 * plain strings here: the service checks them and answers with specific codes
 * (INVALID_TIME, INVALID_STATE, INVALID_CURSOR, INVALID_LIMIT …) rather than VALIDATION_FAILED.
 */

const Param = (description: string, maxLength = 64) => Type.Optional(Type.String({ maxLength, description }));

const TIME_NOTE = 'YYYY-MM-DD（上海日期；作为 to 时含当天全天）、YYYY-MM-DD HH:mm:ss（上海时间）或 ISO 8601；时刻形式的 to 不含该时刻 / '
  + 'a Shanghai date (as `to`: the whole day), Shanghai time, or ISO 8601; a time `to` is exclusive';

export const SessionFilterQuery = {
  lotCode: Param('停车场编码 / lot code'),
  plate: Param('车牌（先规范化）：完整有效车牌精确匹配；部分车牌按包含匹配，仅限有 pii 权限的用户 / plate, normalised: a whole valid plate matches exactly; a part matches as contains, for pii holders only', 32),
  districtCode: Param('县市区代码 / district code, e.g. 320602', 16),
  from: Param(`入场时间起（入场未知时按出场时间） / from, on entry time (exit time when the entry is unknown): ${TIME_NOTE}`, 40),
  to: Param(`入场时间止 / to: ${TIME_NOTE}`, 40),
  state: Param('open 在场 | closed 已出场 | flagged 有异常标记 / open | closed | flagged (has flags)', 16),
  payChannel: Param('支付方式 / pay channel: wechat alipay unionpay etc cash card free other', 32),
};

export const SessionListQuery = Type.Object({
  ...SessionFilterQuery,
  cursor: Param('上一页返回的 nextCursor / nextCursor of the previous page', 200),
  limit: Param('每页条数 1–500，默认 50 / page size 1–500, default 50', 8),
});

export const SessionExportQuery = Type.Object({
  ...SessionFilterQuery,
  format: Param('xlsx（默认）或 csv / xlsx (default) or csv', 8),
});

export const SessionIdParams = Type.Object({ id: Type.String({ maxLength: 20, description: '流水编号 / session id' }) });

const itemFields = {
  id: Type.Integer(),
  lotCode: Type.String(),
  lotName: Type.String(),
  districtCode: Type.String(),
  plate: Type.String({ description: '无 pii 权限时脱敏，如 苏F1**45 / masked without the pii permission' }),
  plateColor: Nullable(Type.String()),
  berthCode: Nullable(Type.String()),
  enteredAt: Nullable(Type.String({ description: 'ISO 8601 (UTC)' })),
  exitedAt: Nullable(Type.String({ description: 'ISO 8601 (UTC)' })),
  durationMinutes: Nullable(Type.Integer({ description: '停车时长（分钟，向下取整） / whole minutes' })),
  receivableFen: Nullable(Type.Integer({ description: '应收（分） / receivable, fen' })),
  paidFen: Nullable(Type.Integer({ description: '实收（分） / paid, fen' })),
  arrearsFen: Nullable(Type.Integer({ description: '欠费 = max(应收 − 实收, 0)，应收未知时为 null / max(receivable − paid, 0)' })),
  payChannel: Nullable(Type.String()),
  state: Type.Union([Type.Literal('open'), Type.Literal('closed')]),
  flags: Type.Array(Type.String(), { description: 'no_entry stale duplicate_entry entry_from_exit negative_duration late_entry' }),
  excludedByFix: Nullable(Type.Integer({ description: '数据清洗已剔除（不计入统计）时为修复编号 / the data-cleaning fix that set it aside (left out of every KPI)' })),
};

export const SessionSchema = Type.Object(itemFields, { $id: 'ParkingSession' });

export const SessionEventSchema = Type.Object(
  {
    eventId: Type.String(),
    type: Type.String(),
    occurredAt: Type.String(),
    receivedAt: Type.String(),
    via: Type.String({ description: 'api | import | replay | connector' }),
    payload: Type.Object({}, { additionalProperties: true, description: '原始事件（无 pii 权限时车牌脱敏） / the event as sent, plates masked without pii' }),
  },
  { $id: 'SessionEvent' },
);

export const SessionPage = Type.Object({
  items: Type.Array(Type.Ref('ParkingSession')),
  nextCursor: Nullable(Type.String({ description: '下一页游标，无更多时为 null / cursor of the next page, null at the end' })),
});

const Photo = Nullable(Type.Object({
  kind: Type.Union([Type.Literal('stored'), Type.Literal('external')], { description: 'stored 平台存储（photo: 引用） | external 车场系统的 https 地址 / stored in the platform, or an external https URL' }),
  url: Nullable(Type.String({
    description: 'stored：GET /api/v1/sessions/{id}/photos/{which} 的路径；external：车场系统的 https 地址（平台不代取）；无 pii 权限时为 null / '
      + 'stored: the path of the photo route; external: the lot system\'s https URL (never fetched by the platform); null without pii',
  })),
}, { description: '抓拍，无则 null / the snapshot, null when the event carried none' }));

export const SessionDetail = Type.Object({ ...itemFields, entryPhoto: Photo, exitPhoto: Photo, events: Type.Array(Type.Ref('SessionEvent')) });

export const SessionPhotoParams = Type.Object({
  id: Type.String({ maxLength: 20, description: '流水编号 / session id' }),
  which: Type.Unsafe<'entry' | 'exit'>({ type: 'string', enum: ['entry', 'exit'], description: 'entry 入场 | exit 出场' }),
});
