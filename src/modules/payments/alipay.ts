import { createSign, createVerify } from 'node:crypto';
import { parseBusinessTime } from '../../platform/time.js';
import { yuanToFen } from './money.js';
import { refuse, type ChannelRecord, type Verdict } from './records.js';

/*
 * Alipay asynchronous notifications (docs/支付通道接入.md, "支付宝"): pure. The body is
 * application/x-www-form-urlencoded; `sign` is base64 RSA2 (SHA256withRSA) over every other
 * parameter except `sign_type`, URL-decoded, sorted by name, joined as `k=v&k=v`, verified with
 * the Alipay public key. Amounts are yuan strings, turned into fen by the digits.
 */

export interface AlipayKeys {
  appId: string;
  alipayPublicKey: string;
}

/** The text Alipay signs: every parameter but sign and sign_type, sorted by name. */
export function alipaySignContent(params: Record<string, string>): string {
  return Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
}

/** Signs parameters as Alipay does (tests; a sandbox of Alipay would use it). */
export function signAlipay(privateKeyPem: string, params: Record<string, string>): Record<string, string> {
  const sign = createSign('RSA-SHA256').update(alipaySignContent(params), 'utf8').sign(privateKeyPem, 'base64');
  return { ...params, sign_type: 'RSA2', sign };
}

/** The form body's parameters (the last value of a repeated name wins, as servlet containers do not; Alipay sends none twice). */
export function parseForm(rawBody: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(rawBody)) out[k] = v;
  return out;
}

const PAID = new Set(['TRADE_SUCCESS', 'TRADE_FINISHED']);

/** The verdict on an Alipay notification. A refund's refund_fee is the trade's refunded total so far (`cumulative`). */
export function verifyAlipay(keys: AlipayKeys, rawBody: string): Verdict & { cumulativeRefund?: boolean } {
  const p = parseForm(rawBody);
  if (!p.sign) return refuse('BAD_SIGNATURE', '缺少 sign / sign missing');
  if (p.sign_type && p.sign_type !== 'RSA2') return refuse('BAD_SIGNATURE', `只接受 RSA2 签名 / only RSA2 is accepted (got ${p.sign_type.slice(0, 16)})`);
  let verified: boolean;
  try {
    verified = createVerify('RSA-SHA256').update(alipaySignContent(p), 'utf8').verify(keys.alipayPublicKey, p.sign, 'base64');
  } catch {
    verified = false;
  }
  if (!verified) return refuse('BAD_SIGNATURE');
  if (p.app_id !== keys.appId) return refuse('WRONG_MERCHANT', `app_id ${String(p.app_id).slice(0, 32)} 不是本通道的 / app_id is not this channel's`);

  const notifyId = p.notify_id || null;
  const orderNo = p.out_trade_no;
  const tradeNo = p.trade_no;
  if (!orderNo || !tradeNo) return refuse('INVALID_BODY', '缺少 out_trade_no 或 trade_no / out_trade_no or trade_no missing');
  const detail: Record<string, unknown> = { ...p };
  delete detail.sign;

  if (p.refund_fee !== undefined && p.out_biz_no) {
    const refundFen = yuanToFen(p.refund_fee);
    if (refundFen === null) return refuse('INVALID_AMOUNT', `refund_fee "${p.refund_fee.slice(0, 20)}"`);
    const at = parseBusinessTime(p.gmt_refund) ?? parseBusinessTime(p.notify_time);
    if (at === null) return refuse('INVALID_BODY', '缺少 gmt_refund / gmt_refund missing');
    const record: ChannelRecord = {
      kind: 'refund', externalId: `${tradeNo}:${p.out_biz_no}`, orderNo, transactionId: tradeNo, refundNo: p.out_biz_no, amountFen: refundFen,
      currency: 'CNY', occurredAt: at, detail,
    };
    return { ok: true, notifyId, records: [record], cumulativeRefund: true };
  }
  if (!PAID.has(p.trade_status ?? '')) return { ok: true, notifyId, records: [] }; // WAIT_BUYER_PAY, TRADE_CLOSED: nothing received
  const totalFen = yuanToFen(p.total_amount);
  if (totalFen === null) return refuse('INVALID_AMOUNT', `total_amount "${String(p.total_amount).slice(0, 20)}"`);
  const at = parseBusinessTime(p.gmt_payment) ?? parseBusinessTime(p.notify_time);
  if (at === null) return refuse('INVALID_BODY', '缺少 gmt_payment / gmt_payment missing');
  const record: ChannelRecord = {
    kind: 'payment', externalId: tradeNo, orderNo, transactionId: tradeNo, refundNo: null, amountFen: totalFen, currency: 'CNY', occurredAt: at, detail,
  };
  return { ok: true, notifyId, records: [record] };
}
