import { Type, type Static } from 'typebox';
import { Nullable } from '../../platform/http.js';
import { CHANNEL_KINDS, ORDER_KINDS, ORDER_STATUSES } from './vocab.js';

/* Wire shapes of the payments module (docs/支付通道接入.md). Keys are write-only: no reply carries one. */

const ChannelKindSchema = (description: string) => Type.Union([Type.Literal('wechat'), Type.Literal('alipay'), Type.Literal('sandbox')], { description });

const Pem = Type.String({ maxLength: 8192, description: 'PEM 公钥或证书 / PEM public key or certificate' });

export const ChannelBody = Type.Object({
  code: Type.String({ maxLength: 64, description: '通道编码（通知地址的一段）/ channel code (part of the notify URL)' }),
  name: Type.Optional(Type.String({ maxLength: 100 })),
  kind: Type.String({ maxLength: 16, description: `通道类型 / kind: ${CHANNEL_KINDS.join(' | ')}` }),
  mchId: Type.Optional(Type.String({ maxLength: 64, description: 'wechat：商户号 / merchant id' })),
  apiV3Key: Type.Optional(Type.String({ maxLength: 256, description: 'wechat：APIv3 密钥，恰好 32 个字符 / APIv3 key, exactly 32 characters' })),
  platformSerial: Type.Optional(Type.String({ maxLength: 128, description: 'wechat：平台证书序列号 / platform certificate serial number' })),
  platformPublicKey: Type.Optional({ ...Pem, description: 'wechat：平台公钥或平台证书（PEM）/ platform public key or certificate (PEM)' }),
  appId: Type.Optional(Type.String({ maxLength: 64, description: 'alipay：应用 APPID / app id' })),
  alipayPublicKey: Type.Optional({ ...Pem, description: 'alipay：支付宝公钥（PEM）/ Alipay public key (PEM)' }),
});
export type ChannelBody = Static<typeof ChannelBody>;

export const ChannelView = Type.Object({
  code: Type.String(),
  name: Type.String(),
  kind: Type.Union(CHANNEL_KINDS.map((k) => Type.Literal(k))),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  mchId: Nullable(Type.String()),
  appId: Nullable(Type.String()),
  platformSerials: Type.Array(Type.String()),
  notifyPath: Type.String({ description: '通知地址（相对）/ the notify URL path' }),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
  updatedBy: Type.String(),
}, { $id: 'PaymentChannel' });

export const ChannelList = Type.Object({ items: Type.Array(Type.Ref('PaymentChannel')) });
export const CodeParams = Type.Object({ code: Type.String({ maxLength: 64 }) });
export const ChannelCodeParams = Type.Object({ channelCode: Type.String({ maxLength: 100 }) });

export const TransactionView = Type.Object({
  id: Type.Integer(),
  kind: Type.Union([Type.Literal('payment'), Type.Literal('refund')], { description: 'payment 支付 / refund 退款' }),
  orderNo: Type.String({ description: '商户订单号 out_trade_no' }),
  transactionId: Type.String({ description: '通道交易号 transaction_id / trade_no' }),
  refundNo: Nullable(Type.String({ description: '退款单号（退款）/ refund number (refunds)' })),
  amountFen: Type.Integer({ description: '金额（分）；退款为退款金额 / amount in fen; for a refund the refunded amount' }),
  currency: Type.String(),
  channel: ChannelKindSchema('支付渠道（与停车记录、缴费事件的 payChannel/channel 同一词表）：wechat、alipay；沙箱为 sandbox / pay channel in the platform vocabulary'),
  channelCode: Type.String({ description: '所经支付通道的编码 / code of the configured channel' }),
  paidAt: Type.String({ format: 'date-time', description: '支付（退款）成功时间 / when paid (refunded)' }),
  matched: Type.Boolean({ description: '是否对应本平台订单 / whether out_trade_no names an order of ours' }),
  receivedAt: Type.String({ format: 'date-time' }),
});
export const TransactionList = Type.Object({ items: Type.Array(TransactionView) });
export const TransactionQuery = Type.Object({
  orderNo: Type.Optional(Type.String({ maxLength: 64 })),
  channel: Type.Optional(ChannelKindSchema('wechat, alipay, sandbox')),
  channelCode: Type.Optional(Type.String({ maxLength: 64 })),
  kind: Type.Optional(Type.Union([Type.Literal('payment'), Type.Literal('refund')])),
  transactionId: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
});

export const QuarantineItem = Type.Object({
  id: Type.Integer(),
  channelCode: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  reason: Type.String({ description: 'BAD_SIGNATURE, STALE_TIMESTAMP, UNKNOWN_SERIAL, DECRYPT_FAILED, UNKNOWN_CHANNEL …' }),
  message: Type.String(),
  contentType: Nullable(Type.String()),
  ip: Nullable(Type.String()),
});
export const QuarantineList = Type.Object({ items: Type.Array(QuarantineItem) });
export const QuarantineDetail = Type.Intersect([QuarantineItem, Type.Object({ headers: Type.Record(Type.String(), Type.String()), rawBody: Type.String() })]);
export const QuarantineQuery = Type.Object({ channelCode: Type.Optional(Type.String({ maxLength: 100 })) });
export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const OrderBody = Type.Object({
  kind: Type.String({ maxLength: 16, description: `所付为何 / what is paid: ${ORDER_KINDS.join(' | ')}` }),
  ref: Type.String({ maxLength: 100, description: '所付对象的编号（停车记录、预约…）/ id of what is paid (session, booking …)' }),
  amountFen: Type.Integer({ description: '金额（分）/ amount in fen' }),
  channelCode: Type.String({ maxLength: 64 }),
  description: Type.Optional(Type.String({ maxLength: 127 })),
});
export const OrderView = Type.Object({
  orderNo: Type.String({ description: 'out_trade_no' }),
  kind: Type.Union(ORDER_KINDS.map((k) => Type.Literal(k))),
  ref: Type.String(),
  amountFen: Type.Integer(),
  channelCode: Type.String(),
  description: Type.String(),
  status: Type.Union(ORDER_STATUSES.map((k) => Type.Literal(k))),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  paidAt: Nullable(Type.String({ format: 'date-time' })),
  paidFen: Nullable(Type.Integer()),
  transactionId: Nullable(Type.String()),
}, { $id: 'PaymentOrder' });
export const OrderList = Type.Object({ items: Type.Array(Type.Ref('PaymentOrder')) });
export const OrderParams = Type.Object({ orderNo: Type.String({ maxLength: 64 }) });
export const OrderQuery = Type.Object({
  kind: Type.Optional(Type.Union(ORDER_KINDS.map((k) => Type.Literal(k)))),
  ref: Type.Optional(Type.String({ maxLength: 100 })),
  status: Type.Optional(Type.Union(ORDER_STATUSES.map((k) => Type.Literal(k)))),
});
export const SandboxPayReply = Type.Object({
  order: Type.Ref('PaymentOrder'),
  notification: Type.Object({ headers: Type.Record(Type.String(), Type.String()), body: Type.String() }, { description: '沙箱发出的通知（与微信支付相同）/ the notification the sandbox sent, as WeChat Pay sends it' }),
  accepted: Type.Boolean(),
});

/** WeChat Pay's failure answer (plus our error object, which WeChat ignores). */
export const WechatFail = Type.Object({
  code: Type.Literal('FAIL'),
  message: Type.String(),
  error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
}, { description: '微信支付通道：{ code: "FAIL", message }；支付宝通道：纯文本 fail / WeChat: { code: "FAIL", message }; Alipay: plain text "fail"' });
