import { createCipheriv, createDecipheriv, createPublicKey, createSign, createVerify, randomBytes } from 'node:crypto';
import { parseBusinessTime } from '../../platform/time.js';
import { header, refuse, type ChannelRecord, type HeaderBag, type Verdict } from './records.js';

/*
 * WeChat Pay APIv3 notifications (docs/支付通道接入.md, "微信支付"): pure, `now` injected.
 * Wechatpay-Signature is base64 SHA256withRSA over "timestamp\nnonce\nbody\n", verified with the
 * platform public key that Wechatpay-Serial names; Wechatpay-Timestamp more than 5 minutes from
 * now is refused; resource is AEAD_AES_256_GCM under the APIv3 key (ciphertext = data ‖ 16-byte
 * tag, base64; nonce is the IV; associated_data the AAD).
 */

export const WECHAT_MAX_SKEW_S = 300;

export interface WechatKeys {
  mchId: string;
  apiV3Key: string;
  /** Platform public keys (PEM) by serial number. */
  platformKeys: Record<string, string>;
}

export interface WechatResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
  original_type?: string;
}

export function signatureMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** Decrypts a notification resource; throws when the key, nonce, AAD or data do not fit. */
export function decryptResource(apiV3Key: string, r: WechatResource): string {
  const data = Buffer.from(r.ciphertext, 'base64');
  if (data.length < 17) throw new Error('ciphertext too short');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(r.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(r.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
}

/** Encrypts a resource exactly as WeChat Pay does (the sandbox channel and tests). */
export function encryptResource(apiV3Key: string, plain: string, opts: { nonce?: string; associatedData?: string; originalType: string }): WechatResource {
  const nonce = opts.nonce ?? randomBytes(9).toString('base64url').slice(0, 12);
  const associatedData = opts.associatedData ?? opts.originalType;
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext: data.toString('base64'), nonce, associated_data: associatedData, original_type: opts.originalType };
}

/** Signs a notification as the WeChat Pay platform does (the sandbox channel and tests). */
export function signNotification(privateKeyPem: string, serial: string, body: string, at: Date, nonce = randomBytes(16).toString('hex')): Record<string, string> {
  const timestamp = String(Math.floor(at.getTime() / 1000));
  const signature = createSign('RSA-SHA256').update(signatureMessage(timestamp, nonce, body)).sign(privateKeyPem, 'base64');
  return {
    'content-type': 'application/json',
    'wechatpay-timestamp': timestamp,
    'wechatpay-nonce': nonce,
    'wechatpay-signature': signature,
    'wechatpay-serial': serial,
    'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

/** Whether a PEM text is an RSA public key (or a certificate carrying one) that node:crypto reads. */
export function readsAsPublicKey(pem: string): boolean {
  try {
    return createPublicKey(pem).asymmetricKeyType === 'rsa';
  } catch {
    return false;
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' && v.length > 0 ? v : null);
const fen = (v: unknown): number | null => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null);

/** The verdict on a WeChat Pay APIv3 notification. */
export function verifyWechat(keys: WechatKeys, headers: HeaderBag, rawBody: string, now: Date): Verdict {
  const timestamp = header(headers, 'wechatpay-timestamp');
  const nonce = header(headers, 'wechatpay-nonce');
  const signature = header(headers, 'wechatpay-signature');
  const serial = header(headers, 'wechatpay-serial');
  if (!timestamp || !nonce || !signature || !serial) return refuse('MISSING_HEADERS');
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now.getTime() / 1000 - Number(timestamp)) > WECHAT_MAX_SKEW_S) return refuse('STALE_TIMESTAMP');
  // Serials are hex: compared without regard to case.
  const publicKey = keys.platformKeys[serial] ?? Object.entries(keys.platformKeys).find(([s]) => s.toUpperCase() === serial.toUpperCase())?.[1];
  if (!publicKey) return refuse('UNKNOWN_SERIAL', `未知平台证书序列号 ${serial.slice(0, 64)} / unknown serial`);
  let verified: boolean;
  try {
    verified = createVerify('RSA-SHA256').update(signatureMessage(timestamp, nonce, rawBody)).verify(publicKey, signature, 'base64');
  } catch {
    verified = false;
  }
  if (!verified) return refuse('BAD_SIGNATURE');

  let body: unknown;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return refuse('INVALID_BODY', '通知不是 JSON / body is not JSON');
  }
  if (!isObject(body) || !isObject(body.resource) || typeof body.event_type !== 'string') return refuse('INVALID_BODY', '缺少 event_type 或 resource / event_type or resource missing');
  const r = body.resource;
  if (r.algorithm !== 'AEAD_AES_256_GCM' || typeof r.ciphertext !== 'string' || typeof r.nonce !== 'string') return refuse('INVALID_BODY', 'resource 须为 AEAD_AES_256_GCM / resource must be AEAD_AES_256_GCM');
  let plain: string;
  try {
    plain = decryptResource(keys.apiV3Key, r as unknown as WechatResource);
  } catch {
    return refuse('DECRYPT_FAILED');
  }
  let t: unknown;
  try {
    t = JSON.parse(plain);
  } catch {
    return refuse('INVALID_BODY', '解密后的资源不是 JSON / decrypted resource is not JSON');
  }
  if (!isObject(t)) return refuse('INVALID_BODY', '解密后的资源不是对象 / decrypted resource is not an object');
  const notifyId = str(body.id);
  const mchid = str(t.mchid) ?? str(t.sp_mchid);
  if (mchid !== null && mchid !== keys.mchId && str(t.sub_mchid) !== keys.mchId) return refuse('WRONG_MERCHANT', `商户号 ${mchid} 不是本通道的 / mchid ${mchid} is not this channel's`);
  const amount = isObject(t.amount) ? t.amount : {};

  if (body.event_type === 'TRANSACTION.SUCCESS' || (body.event_type.startsWith('TRANSACTION.') && t.trade_state === 'SUCCESS')) {
    if (t.trade_state !== undefined && t.trade_state !== 'SUCCESS') return { ok: true, notifyId, records: [] };
    const orderNo = str(t.out_trade_no);
    const transactionId = str(t.transaction_id);
    const total = fen(amount.total);
    const at = parseBusinessTime(t.success_time) ?? parseBusinessTime(body.create_time);
    if (!orderNo || !transactionId || at === null) return refuse('INVALID_BODY', '缺少 out_trade_no、transaction_id 或 success_time / out_trade_no, transaction_id or success_time missing');
    if (total === null) return refuse('INVALID_AMOUNT');
    const record: ChannelRecord = {
      kind: 'payment', externalId: transactionId, orderNo, transactionId, refundNo: null, amountFen: total,
      currency: str(amount.currency) ?? 'CNY', occurredAt: at, detail: t,
    };
    return { ok: true, notifyId, records: [record] };
  }
  if (body.event_type === 'REFUND.SUCCESS') {
    const orderNo = str(t.out_trade_no);
    const transactionId = str(t.transaction_id);
    const refundId = str(t.refund_id);
    const refund = fen(amount.refund);
    const at = parseBusinessTime(t.success_time) ?? parseBusinessTime(body.create_time);
    if (!orderNo || !transactionId || !refundId || at === null) return refuse('INVALID_BODY', '缺少 out_trade_no、transaction_id、refund_id 或 success_time / refund fields missing');
    if (refund === null) return refuse('INVALID_AMOUNT');
    const record: ChannelRecord = {
      kind: 'refund', externalId: refundId, orderNo, transactionId, refundNo: str(t.out_refund_no), amountFen: refund,
      currency: str(amount.currency) ?? 'CNY', occurredAt: at, detail: t,
    };
    return { ok: true, notifyId, records: [record] };
  }
  // REFUND.ABNORMAL, REFUND.CLOSED and the like: verified, acknowledged, nothing received.
  return { ok: true, notifyId, records: [] };
}
