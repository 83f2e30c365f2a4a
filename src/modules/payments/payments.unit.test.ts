import { createCipheriv, generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alipaySignContent, signAlipay, verifyAlipay } from './alipay.js';
import { parseWechatBill } from './bills.js';
import { fenToYuan, yuanToFen } from './money.js';
import { orderLotsOf } from './orders.js';
import { reconcile } from './recon.js';
import { decryptResource, encryptResource, signNotification, verifyWechat } from './wechat.js';

/* The pure cores: money by the digits, WeChat Pay APIv3 and Alipay RSA2 verification, matching. */

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const KEY = '0123456789abcdefghijklmnopqrstuv';

describe('yuan → fen', () => {
  it('is exact by the digits', () => {
    expect(['0.01', '12.30', '12.3', '0.1', '100', '0', '19.99', '1999999.99', '0.07'].map(yuanToFen)).toEqual([1, 1230, 1230, 10, 10000, 0, 1999, 199999999, 7]);
    // 0.07 * 100 = 7.000000000000001 and 19.99 * 100 = 1998.9999999999998 in floats.
    for (const bad of ['', '1.234', '-1', '1e3', 'abc', '.5', '1.', ' ', '１２']) expect(yuanToFen(bad), bad).toBeNull();
    expect(yuanToFen(12.3)).toBeNull();
    expect([1, 1230, 0, 199999999].map(fenToYuan)).toEqual(['0.01', '12.30', '0.00', '1999999.99']);
  });
});

describe('WeChat Pay APIv3', () => {
  const platform = rsa();
  const keys = { mchId: '1900000109', apiV3Key: KEY, platformKeys: { SERIAL1: platform.publicKey } };
  const now = new Date('2026-11-25T02:00:00Z');
  const body = (t: object, key = KEY) => JSON.stringify({ id: 'n1', create_time: '2026-11-25T10:00:00+08:00', event_type: 'TRANSACTION.SUCCESS', resource_type: 'encrypt-resource', resource: encryptResource(key, JSON.stringify(t), { originalType: 'transaction' }) });
  const txn = { mchid: '1900000109', out_trade_no: 'O1', transaction_id: 'T1', trade_state: 'SUCCESS', success_time: '2026-11-25T09:59:00+08:00', amount: { total: 1, currency: 'CNY' } };

  it('decrypts AEAD_AES_256_GCM with the 16-byte tag at the end of the ciphertext', () => {
    const nonce = 'abcdefghijkl';
    const c = createCipheriv('aes-256-gcm', Buffer.from(KEY), Buffer.from(nonce));
    c.setAAD(Buffer.from('transaction'));
    const ct = Buffer.concat([c.update('{"a":1}'), c.final(), c.getAuthTag()]).toString('base64');
    expect(decryptResource(KEY, { algorithm: 'AEAD_AES_256_GCM', ciphertext: ct, nonce, associated_data: 'transaction' })).toBe('{"a":1}');
    expect(() => decryptResource(KEY, { algorithm: 'AEAD_AES_256_GCM', ciphertext: ct, nonce, associated_data: 'refund' })).toThrow();
  });

  it('verifies timestamp\\nnonce\\nbody\\n with the key the serial names', () => {
    const b = body(txn);
    const ok = verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', b, now), b, now);
    expect(ok).toMatchObject({ ok: true, notifyId: 'n1', records: [{ kind: 'payment', orderNo: 'O1', transactionId: 'T1', amountFen: 1, occurredAt: new Date('2026-11-25T01:59:00Z') }] });
    // Five minutes either way holds; beyond is stale.
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', b, new Date(now.getTime() - 300_000)), b, now).ok).toBe(true);
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', b, new Date(now.getTime() - 301_000)), b, now)).toMatchObject({ ok: false, reason: 'STALE_TIMESTAMP' });
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', b, new Date(now.getTime() + 301_000)), b, now)).toMatchObject({ ok: false, reason: 'STALE_TIMESTAMP' });
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'OTHER', b, now), b, now)).toMatchObject({ ok: false, reason: 'UNKNOWN_SERIAL' });
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'serial1', b, now), b, now).ok).toBe(true);
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', b, now), `${b} `, now)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(verifyWechat(keys, signNotification(rsa().privateKey, 'SERIAL1', b, now), b, now)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    const foreign = body({ ...txn, mchid: '1900000999' });
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', foreign, now), foreign, now)).toMatchObject({ ok: false, reason: 'WRONG_MERCHANT' });
    const notPaid = body({ ...txn, trade_state: 'NOTPAY' });
    expect(verifyWechat(keys, signNotification(platform.privateKey, 'SERIAL1', notPaid, now), notPaid, now)).toMatchObject({ ok: true, records: [] });
  });
});

describe('Alipay RSA2', () => {
  const alipay = rsa();
  it('signs the sorted parameters without sign and sign_type', () => {
    expect(alipaySignContent({ b: '2', a: '1', sign: 'x', sign_type: 'RSA2', c: '' })).toBe('a=1&b=2&c=');
    const form = new URLSearchParams(signAlipay(alipay.privateKey, { app_id: 'APP', out_trade_no: 'O 1', trade_no: 'T1', trade_status: 'TRADE_SUCCESS', total_amount: '12.30', gmt_payment: '2026-11-25 09:59:00', subject: '停车费+=&' })).toString();
    expect(verifyAlipay({ appId: 'APP', alipayPublicKey: alipay.publicKey }, form)).toMatchObject({ ok: true, records: [{ orderNo: 'O 1', amountFen: 1230, occurredAt: new Date('2026-11-25T01:59:00Z') }] });
    expect(verifyAlipay({ appId: 'OTHER', alipayPublicKey: alipay.publicKey }, form)).toMatchObject({ ok: false, reason: 'WRONG_MERCHANT' });
    expect(verifyAlipay({ appId: 'APP', alipayPublicKey: rsa().publicKey }, form)).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
    expect(verifyAlipay({ appId: 'APP', alipayPublicKey: alipay.publicKey }, form.replace('sign_type=RSA2', 'sign_type=RSA'))).toMatchObject({ ok: false, reason: 'BAD_SIGNATURE' });
  });
});

describe('reconcile', () => {
  const at = new Date('2026-11-25T01:00:00Z');
  it('puts every row in exactly one line', () => {
    const bill = [
      { kind: 'payment' as const, key: 'T1', orderNo: 'O1', transactionId: 'T1', refundNo: null, fen: 100, at },
      { kind: 'payment' as const, key: 'T1', orderNo: 'O1', transactionId: 'T1', refundNo: null, fen: 100, at },
      { kind: 'payment' as const, key: 'T2', orderNo: 'O2', transactionId: 'T2', refundNo: null, fen: 200, at },
      { kind: 'refund' as const, key: 'R1', orderNo: 'O1', transactionId: 'T1', refundNo: 'RF1', fen: 50, at },
    ];
    const ours = [
      { kind: 'payment' as const, key: 'T1', orderNo: 'O1', transactionId: 'T1', refundNo: null, fen: 100, at },
      { kind: 'payment' as const, key: 'T3', orderNo: 'O3', transactionId: 'T3', refundNo: null, fen: 300, at },
      { kind: 'refund' as const, key: 'R1', orderNo: 'O1', transactionId: 'T1', refundNo: 'RF1', fen: 40, at },
    ];
    const r = reconcile(bill, ours);
    expect(r.lines.map((l) => `${l.kind}:${l.result}:${l.transactionId}`)).toEqual(['payment:matched:T1', 'payment:duplicate:T1', 'payment:long:T2', 'refund:amount_mismatch:T1', 'payment:short:T3']);
    expect(r.counts.payment).toEqual({ matched: 1, long: 1, short: 1, amount_mismatch: 0, duplicate: 1 });
  });

  it('reads the WeChat bill: backticks, refunds, summary count', () => {
    const csv = '交易时间,微信订单号,商户订单号,交易状态,订单金额,微信退款单号,商户退款单号,退款金额\n`2026-11-25 09:00:00,`T1,`O1,`SUCCESS,`0.07,`0,`0,`0.00\n`2026-11-25 09:10:00,`T1,`O1,`REFUND,`0.07,`R1,`RF1,`0.07\n总交易单数,订单总金额\n`2,`0.07\n';
    expect(parseWechatBill(csv).rows.map((r) => [r.kind, r.key, r.fen])).toEqual([['payment', 'T1', 7], ['refund', 'R1', 7]]);
    expect(() => parseWechatBill(csv.replace('`2,', '`3,'))).toThrow(/summary/);
  });
});

describe('the lots an order pays for (orderLotsOf)', () => {
  it('merges a lot named twice and checks the sum against the amount', () => {
    expect(orderLotsOf([{ lotCode: 'A', districtCode: '320602', fen: 1000 }, { lotCode: 'B', districtCode: '320612', fen: 500 }, { lotCode: 'A', districtCode: '320602', fen: 200 }], 1700))
      .toEqual([{ lotCode: 'A', districtCode: '320602', fen: 1200 }, { lotCode: 'B', districtCode: '320612', fen: 500 }]);
    expect(orderLotsOf([], 999)).toEqual([]); // an order may name no lot
  });

  it('refuses a sum other than the amount, and zero, negative or fractional fen, with INVALID_LOTS', () => {
    for (const lots of [[{ lotCode: 'A', districtCode: '320602', fen: 100 }], [{ lotCode: 'A', districtCode: '320602', fen: 0 }], [{ lotCode: 'A', districtCode: '320602', fen: 1.5 }], [{ lotCode: '', districtCode: '320602', fen: 200 }]]) {
      expect(() => orderLotsOf(lots, 200)).toThrow(expect.objectContaining({ code: 'INVALID_LOTS' }));
    }
  });
});
