import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { MappingSchema } from './mapping.js';

/* The connectors API's schemas (docs/数据对接.md §6). */

const Code = Type.String({ pattern: '^[A-Za-z0-9_.-]{2,64}$' });
export const CodeParams = Type.Object({ code: Code });
export const CursorSchema = Type.Record(Type.String(), Type.Union([Type.Null(), Type.Number(), Type.String()]), { description: '游标：id 模式 {id}，time 模式 {t,id}，HTTP {c}，文件 {file,row} / a cursor' });
const Kind = Type.Union([Type.Literal('http'), Type.Literal('database'), Type.Literal('file')]);
const Config = Type.Record(Type.String(), Type.Unknown(), { description: '按 kind 的配置（见 docs/数据对接.md §2），不含密钥 / the kind\'s settings, no secrets' });
const Secrets = Type.Record(Type.String(), Type.String({ maxLength: 2000 }), { description: '密码、请求头令牌、HMAC 密钥；加密保存，任何应答都不返回；空串删除 / sealed, never returned; "" removes one' });

export const ConnectorBody = Type.Object({
  code: Code,
  name: Type.String({ minLength: 1, maxLength: 100 }),
  kind: Kind,
  sourceCode: Code,
  config: Config,
  secrets: Type.Optional(Secrets),
  mapping: MappingSchema,
  intervalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400 })),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

export const ConnectorPatchBody = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  sourceCode: Type.Optional(Code),
  config: Type.Optional(Config),
  secrets: Type.Optional(Secrets),
  mapping: Type.Optional(MappingSchema),
  intervalSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 86400 })),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: false });

const Time = Nullable(Type.String({ format: 'date-time' }));

export const ConnectorHealth = Type.Object({
  lastPullAt: Time, lastSuccessAt: Time, lastRecordAt: Time,
  lagSeconds: Nullable(Type.Integer({ description: '最新记录的业务时间距今秒数 / seconds since the newest record\'s business time' })),
  lastError: Nullable(Type.String()), lastErrorAt: Time, consecutiveErrors: Type.Integer(), nextPullAt: Time,
  recordsTotal: Type.Integer(), rejectedTotal: Type.Integer(), recordsLastHour: Type.Integer(), errorsLastHour: Type.Integer(),
});

export const ConnectorView = Type.Object({
  code: Type.String(), name: Type.String(), kind: Kind, sourceCode: Type.String(), config: Config,
  secretsSet: Type.Array(Type.String(), { description: '已设置的密钥名（不含值） / names of the secrets set, never values' }),
  mapping: MappingSchema, enabled: Type.Boolean(), intervalSeconds: Type.Integer(), cursor: Nullable(CursorSchema), health: ConnectorHealth,
  createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }), updatedBy: Type.String(),
});
export const ConnectorList = Type.Object({ items: Type.Array(ConnectorView) });

const Records = Type.Array(Type.Unknown(), { maxItems: 50, description: '样本记录（不给则从数据源游标处读取） / sample records; read from the source when absent' });
export const DryRunBody = Type.Object({
  mapping: Type.Optional(MappingSchema),
  records: Type.Optional(Records),
  cursor: Type.Optional(Nullable(CursorSchema)),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 50 })),
}, { additionalProperties: false });
export const DraftDryRunBody = Type.Object({ sourceCode: Code, mapping: MappingSchema, records: Records }, { additionalProperties: false });

const Problem = Type.Object({ eventId: Nullable(Type.String()), code: Type.String(), message: Type.String() });
export const DryRunReply = Type.Object({
  rows: Type.Array(Type.Object({
    index: Type.Integer(),
    record: Type.Unknown(),
    events: Type.Array(Type.Record(Type.String(), Type.Unknown())),
    verdict: Type.Union([Type.Literal('accepted'), Type.Literal('duplicate'), Type.Literal('rejected'), Type.Literal('no_event')]),
    problems: Type.Array(Problem),
  })),
  summary: Type.Object({ records: Type.Integer(), events: Type.Integer(), accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Integer() }),
});

export const PullReply = Type.Object({
  pages: Type.Integer(), records: Type.Integer(), accepted: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Integer(),
  cursor: Nullable(CursorSchema), caughtUp: Type.Boolean(), error: Nullable(Type.String()),
});

export const BackfillBody = Type.Object({ from: Nullable(CursorSchema) }, { additionalProperties: false });
export const BackfillView = Type.Object({
  id: Type.Integer(), fromCursor: Nullable(CursorSchema), untilCursor: Nullable(CursorSchema), position: Nullable(CursorSchema),
  status: Type.Union([Type.Literal('running'), Type.Literal('done'), Type.Literal('failed'), Type.Literal('cancelled')]),
  records: Type.Integer(), accepted: Type.Integer(), progress: Nullable(Type.Number({ minimum: 0, maximum: 1 })),
  requestedBy: Type.String(), startedAt: Type.String({ format: 'date-time' }), finishedAt: Time,
});
export const BackfillList = Type.Object({ items: Type.Array(BackfillView) });
