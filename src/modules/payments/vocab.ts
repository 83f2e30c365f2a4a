/** The payments module's code lists and labels (docs/支付通道接入.md). */
export const CHANNEL_KINDS = ['wechat', 'alipay', 'sandbox'] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];

export const CHANNEL_KIND_LABELS: Record<ChannelKind, string> = { wechat: '微信支付', alipay: '支付宝', sandbox: '沙箱（模拟微信支付）' };

export const ORDER_KINDS = ['arrears', 'booking', 'other'] as const;
export type OrderKind = (typeof ORDER_KINDS)[number];
export const ORDER_STATUSES = ['pending', 'paid', 'refunded', 'closed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type TransactionKind = 'payment' | 'refund';

/** Why a notification was refused (pay_quarantine.reason). */
export const REFUSAL_REASONS = {
  UNKNOWN_CHANNEL: '未知支付通道 / unknown channel',
  CHANNEL_DISABLED: '支付通道已停用 / channel disabled',
  MISSING_HEADERS: '缺少微信支付签名头 / Wechatpay-* headers missing',
  STALE_TIMESTAMP: '通知时间戳超出 5 分钟 / timestamp more than 5 minutes from now',
  UNKNOWN_SERIAL: '未知平台证书序列号 / unknown Wechatpay-Serial',
  BAD_SIGNATURE: '签名验证失败 / signature does not verify',
  INVALID_BODY: '通知内容无法解析 / notification body unreadable',
  DECRYPT_FAILED: '通知资源解密失败 / resource does not decrypt with the APIv3 key',
  WRONG_MERCHANT: '商户号或应用号不符 / notification for another merchant or app',
  INVALID_AMOUNT: '金额格式错误 / amount unreadable',
} as const;
export type RefusalReason = keyof typeof REFUSAL_REASONS;
