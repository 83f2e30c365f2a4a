import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { encryptWechatResource as encryptResource, signAlipay, signWechatNotification as signNotification } from '../../src/modules/payments/index.js';
import type { App } from '../../src/platform/http.js';
import { bearer } from './http.js';

/*
 * Real channel keys and notifications for payment tests: an RSA 2048 pair per channel, WeChat
 * Pay APIv3 notifications encrypted and signed as WeChat Pay does, Alipay forms RSA2-signed.
 */

export const rsaPair = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

export interface TestChannels {
  wechat: { code: string; mchId: string; apiV3Key: string; serial: string; privateKey: string };
  alipay: { code: string; appId: string; privateKey: string };
}

export async function createTestChannels(app: App, token: string, codes = { wechat: 'WX', alipay: 'ALI' }): Promise<TestChannels> {
  const wx = rsaPair();
  const ali = rsaPair();
  const wechat = { code: codes.wechat, mchId: '1900000109', apiV3Key: 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6', serial: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1', privateKey: wx.privateKey };
  const alipay = { code: codes.alipay, appId: '2021000000000001', privateKey: ali.privateKey };
  for (const payload of [
    { code: wechat.code, kind: 'wechat', mchId: wechat.mchId, apiV3Key: wechat.apiV3Key, platformSerial: wechat.serial, platformPublicKey: wx.publicKey },
    { code: alipay.code, kind: 'alipay', appId: alipay.appId, alipayPublicKey: ali.publicKey },
  ]) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/payments/channels', headers: bearer(token), payload });
    if (res.statusCode !== 201) throw new Error(`channel ${payload.code}: ${res.statusCode} ${res.body}`);
  }
  return { wechat, alipay };
}

/** Sends a WeChat Pay notification of a paid transaction or a refund; returns the status code. */
export async function wechatNotify(app: App, ch: TestChannels['wechat'], at: Date, t: { orderNo: string; transactionId: string; fen: number; successTime: string; refund?: { refundId: string; refundNo: string; fen: number } }): Promise<number> {
  const event = t.refund ? 'REFUND.SUCCESS' : 'TRANSACTION.SUCCESS';
  const resource = t.refund
    ? { mchid: ch.mchId, out_trade_no: t.orderNo, transaction_id: t.transactionId, out_refund_no: t.refund.refundNo, refund_id: t.refund.refundId, refund_status: 'SUCCESS', success_time: t.successTime, amount: { total: t.fen, refund: t.refund.fen, payer_total: t.fen, payer_refund: t.refund.fen } }
    : { mchid: ch.mchId, appid: 'wxd678efh567hg6787', out_trade_no: t.orderNo, transaction_id: t.transactionId, trade_type: 'JSAPI', trade_state: 'SUCCESS', success_time: t.successTime, amount: { total: t.fen, payer_total: t.fen, currency: 'CNY', payer_currency: 'CNY' } };
  const body = JSON.stringify({ id: randomUUID(), create_time: t.successTime, resource_type: 'encrypt-resource', event_type: event, resource: encryptResource(ch.apiV3Key, JSON.stringify(resource), { originalType: t.refund ? 'refund' : 'transaction' }) });
  const res = await app.inject({ method: 'POST', url: `/api/v1/public/payments/${ch.code}/notify`, headers: signNotification(ch.privateKey, ch.serial, body, at), payload: body });
  return res.statusCode;
}

/** Sends an Alipay notification; returns the answer text. */
export async function alipayNotify(app: App, ch: TestChannels['alipay'], p: Record<string, string>): Promise<string> {
  const form = new URLSearchParams(signAlipay(ch.privateKey, { notify_time: '2026-11-25 09:59:01', notify_type: 'trade_status_sync', notify_id: randomUUID(), charset: 'utf-8', version: '1.0', app_id: ch.appId, ...p })).toString();
  const res = await app.inject({ method: 'POST', url: `/api/v1/public/payments/${ch.code}/notify`, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, payload: form });
  return res.body;
}

let gbkTable: Map<string, Buffer> | null = null;

/** GBK bytes of a text (Alipay's statements are GBK): the decoder's table read backwards. */
export function encodeGbk(text: string): Buffer {
  if (!gbkTable) {
    gbkTable = new Map();
    const decoder = new TextDecoder('gbk', { fatal: true });
    for (let lead = 0x81; lead <= 0xfe; lead++) {
      for (let trail = 0x40; trail <= 0xfe; trail++) {
        if (trail === 0x7f) continue;
        try {
          const ch = decoder.decode(Uint8Array.of(lead, trail));
          if (ch.length === 1 && !gbkTable.has(ch)) gbkTable.set(ch, Buffer.from([lead, trail]));
        } catch {
          // not a GBK pair
        }
      }
    }
  }
  const parts: Buffer[] = [];
  for (const ch of text) {
    if (ch.charCodeAt(0) < 0x80) parts.push(Buffer.from(ch, 'latin1'));
    else {
      const b = gbkTable.get(ch);
      if (!b) throw new Error(`no GBK code for ${ch}`);
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}
