import { Type } from 'typebox';
import { Nullable } from '../../platform/http.js';

/* Wire shapes of the notifications API (JSON, camelCase). The service checks fields again to name the exact problem. */

const Enum = <const V extends string[]>(values: [...V], description: string) => Type.Enum(values, { description });
const SEVERITY = Enum(['info', 'warning', 'critical'], '级别：info 通知 / warning 警告 / critical 严重');

const LANGUAGE = Enum(['zh-CN', 'en'], '接收人阅读的语言（默认中文）：zh-CN 中文 / en 英文（通知有英文版时）/ the language the recipients read');

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647 }) });

export const NotificationSchema = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String({ description: "类型，如 monitoring.alert.opened / kind, e.g. 'monitoring.alert.opened'" }),
    severity: SEVERITY,
    title: Type.String({ description: '标题（中文） / title, in Chinese' }),
    body: Type.String({ description: '正文（中文） / body, in Chinese' }),
    en: Nullable(Type.Object({ title: Type.String(), body: Type.String() }, { description: '英文版（模块提供时） / the English version, when the module gave one' })),
    link: Nullable(Type.String({ description: '控制台路径 / console path' })),
    districtCode: Nullable(Type.String()),
    createdAt: Type.String(),
    readAt: Nullable(Type.String()),
  },
  { $id: 'Notification' },
);

export const InboxQuery = Type.Object({
  unread: Type.Optional(Type.Boolean({ description: '只看未读 / unread only' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  cursor: Type.Optional(Type.String({ maxLength: 20, description: '上一页返回的 nextCursor / nextCursor of the previous page' })),
});

export const InboxPage = Type.Object({
  items: Type.Array(Type.Ref('Notification')),
  nextCursor: Nullable(Type.String()),
  unreadCount: Type.Integer({ description: '本人未读总数 / my unread notices in all' }),
});

export const ReadReply = Type.Object({ id: Type.Integer(), readAt: Type.String(), unreadCount: Type.Integer() });
export const ReadAllReply = Type.Object({ marked: Type.Integer(), unreadCount: Type.Integer() });

const settingsIn = {
  host: Type.Optional(Type.String({ maxLength: 253, description: '邮件：SMTP 服务器 / e-mail: SMTP host' })),
  port: Type.Optional(Type.Integer({ description: '邮件：端口（465 为 SSL）/ e-mail: port (465 = implicit TLS)' })),
  secure: Type.Optional(Type.Boolean({ description: '邮件：SSL/TLS 直连（默认端口为 465 时开启）/ e-mail: implicit TLS (default: port 465)' })),
  user: Type.Optional(Nullable(Type.String({ maxLength: 200, description: '邮件：登录用户名 / e-mail: login user' }))),
  password: Type.Optional(Nullable(Type.String({ maxLength: 500, description: '邮件：登录密码或授权码；修改时不传则不变，null 或空串清除 / e-mail: password or app code; absent keeps, null or empty clears' }))),
  from: Type.Optional(Type.String({ maxLength: 300, description: '邮件：发件人 / e-mail: sender' })),
  to: Type.Optional(Type.Array(Type.String({ maxLength: 300 }), { maxItems: 50, description: '邮件：收件人 / e-mail: recipients' })),
  webhookUrl: Type.Optional(Type.String({ maxLength: 1000, description: '机器人：Webhook 地址（含 key / access_token）；修改时留空不变 / robots: webhook URL with its key; empty keeps' })),
  secret: Type.Optional(Nullable(Type.String({ maxLength: 200, description: '钉钉：加签密钥 SEC…；修改时不传则不变，null 或空串清除 / DingTalk: signing secret; absent keeps, null or empty clears' }))),
};

const channelFields = {
  enabled: Type.Optional(Type.Boolean()),
  minSeverity: Type.Optional(SEVERITY),
  kinds: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 20, description: '只转发这些类型前缀（如 monitoring.），空为全部 / relay only these kind prefixes; empty: all' })),
  districtCode: Type.Optional(Nullable(Type.String({ maxLength: 6, description: '只转发本县市区及全市的通知 / relay only this district’s and city-wide notices' }))),
  language: Type.Optional(LANGUAGE),
  settings: Type.Optional(Type.Object(settingsIn, { additionalProperties: false })),
};

export const NewChannelBody = Type.Object({
  name: Type.String({ maxLength: 100 }),
  type: Enum(['email', 'wecom', 'dingtalk'], 'email 邮件 / wecom 企业微信群机器人 / dingtalk 钉钉群机器人'),
  ...channelFields,
}, { additionalProperties: false });

/** The type of a channel cannot change (its settings would not fit): make a new one. */
export const ChannelPatchBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 100 })), ...channelFields }, { additionalProperties: false });

export const ChannelSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    type: Enum(['email', 'wecom', 'dingtalk'], 'email / wecom / dingtalk'),
    enabled: Type.Boolean(),
    minSeverity: SEVERITY,
    kinds: Type.Array(Type.String()),
    districtCode: Nullable(Type.String()),
    language: LANGUAGE,
    settings: Type.Object(
      {
        host: Type.Optional(Type.String()),
        port: Type.Optional(Type.Integer()),
        secure: Type.Optional(Type.Boolean()),
        user: Type.Optional(Nullable(Type.String())),
        from: Type.Optional(Type.String()),
        to: Type.Optional(Type.Array(Type.String())),
        passwordSet: Type.Optional(Type.Boolean({ description: '已设置密码（不返回密码）/ a password is set (never returned)' })),
        webhookUrl: Type.Optional(Nullable(Type.String({ description: '已脱敏 / masked' }))),
        secretSet: Type.Optional(Type.Boolean({ description: '已设置加签密钥（不返回）/ a signing secret is set (never returned)' })),
      },
      { description: '按类型；密钥不返回 / per type; secrets are never returned' },
    ),
    stats: Type.Object({
      pending: Type.Integer({ description: '待发送 / waiting to be sent' }),
      sent7d: Type.Integer({ description: '近 7 天已发送 / sent in the last 7 days' }),
      failed7d: Type.Integer({ description: '近 7 天最终失败 / given up in the last 7 days' }),
      lastSentAt: Nullable(Type.String()),
      lastError: Nullable(Type.String()),
    }),
    createdBy: Type.String(),
    createdAt: Type.String(),
    updatedAt: Type.String(),
  },
  { $id: 'NotificationChannel' },
);

export const TestReply = Type.Object({
  ok: Type.Boolean({ description: '渠道已接收 / the channel accepted the message' }),
  httpStatus: Type.Optional(Type.Integer()),
  answer: Type.String({ description: '渠道应答的状态行（HTTP 状态码与原因，或 SMTP 应答行），不含应答正文 / the channel’s status line (HTTP status and reason, or the SMTP reply line), never its body' }),
  error: Type.Optional(Type.String()),
});

export const DeliveryList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.Integer(),
      notificationId: Type.Integer(),
      kind: Type.String(),
      severity: Type.String(),
      title: Type.String(),
      status: Enum(['pending', 'sent', 'failed', 'cancelled'], 'pending 待发送 / sent 已发送 / failed 已放弃 / cancelled 渠道停用'),
      attempts: Type.Integer(),
      nextAttemptAt: Nullable(Type.String()),
      lastAttemptAt: Nullable(Type.String()),
      lastError: Nullable(Type.String()),
      sentAt: Nullable(Type.String()),
      createdAt: Type.String(),
    }),
  ),
});
