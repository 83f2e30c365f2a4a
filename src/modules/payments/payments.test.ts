import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { signAlipay } from './alipay.js';
import { encryptResource, signNotification } from './wechat.js';

/*
 * The payment contract (docs/支付通道接入.md) end to end with real keys made here: RSA 2048
 * pairs for the WeChat Pay platform and for Alipay, the resource encrypted with AES-256-GCM
 * under the APIv3 key exactly as WeChat Pay does, Alipay's RSA2 signature over the sorted
 * parameters. The clock stands at 2026-11-25 10:00 Shanghai (02:00Z).
 */

const rsa = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
const WX = rsa();
const WX_OTHER = rsa();
const ALI = rsa();
const ALI_OTHER = rsa();
const API_V3_KEY = 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6';
const SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const MCH = '1900000109';
const APP_ID = '2021000000000001';

describeDb('payments: channels, notifications, orders', (backend) => {
  let env: TestEnv;
  let admin: string;
  let viewer: string;

  const staff = (method: 'GET' | 'POST', url: string, payload?: object, as = admin) =>
    env.app.inject({ method, url, headers: bearer(as), ...(payload ? { payload } : {}) });
  const payments = async (orderNo: string) => {
    const res = await staff('GET', `/api/v1/payments?orderNo=${orderNo}`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items as Record<string, unknown>[];
  };
  const quarantine = async () => (await staff('GET', '/api/v1/payments/quarantine')).json().items as { reason: string; channelCode: string }[];
  const shanghai = () => new Date(env.clock.now().getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00';

  /** A WeChat Pay APIv3 notification of a transaction, as WeChat Pay sends it. */
  const wechatBody = (t: Record<string, unknown>, eventType = 'TRANSACTION.SUCCESS', key = API_V3_KEY) => JSON.stringify({
    id: randomUUID(), create_time: shanghai(), resource_type: 'encrypt-resource', event_type: eventType, summary: '支付成功',
    resource: encryptResource(key, JSON.stringify(t), { originalType: eventType.startsWith('REFUND') ? 'refund' : 'transaction' }),
  });
  const paid = (orderNo: string, transactionId: string, total: number) => ({
    mchid: MCH, appid: 'wxd678efh567hg6787', out_trade_no: orderNo, transaction_id: transactionId, trade_type: 'JSAPI', trade_state: 'SUCCESS',
    trade_state_desc: '支付成功', bank_type: 'CMC', attach: '', success_time: '2026-11-25T09:58:30+08:00', payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
  });
  const sendWechat = (channel: string, body: string, headers: Record<string, string>) =>
    env.app.inject({ method: 'POST', url: `/api/v1/public/payments/${channel}/notify`, headers, payload: body });
  const signed = (body: string, key = WX.privateKey, serial = SERIAL) => signNotification(key, serial, body, env.clock.now());

  /** An Alipay asynchronous notification, form-encoded and RSA2-signed. */
  const alipayForm = (p: Record<string, string>, key = ALI.privateKey) => new URLSearchParams(signAlipay(key, {
    notify_time: '2026-11-25 09:59:01', notify_type: 'trade_status_sync', notify_id: randomUUID().replaceAll('-', ''), charset: 'utf-8', version: '1.0',
    app_id: APP_ID, auth_app_id: APP_ID, seller_id: '2088101106499364', buyer_id: '2088102122524333', subject: '停车费', ...p,
  })).toString();
  const sendAlipay = (channel: string, form: string) =>
    env.app.inject({ method: 'POST', url: `/api/v1/public/payments/${channel}/notify`, headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, payload: form });

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    viewer = await userToken(env.app, admin, { username: 'viewer1', role: 'viewer' });
  });
  afterAll(() => env.close());

  it('creates channels (admin only), refuses a bad APIv3 key or PEM, never returns keys', async () => {
    const wx = { code: 'WX', kind: 'wechat', mchId: MCH, apiV3Key: API_V3_KEY, platformSerial: SERIAL, platformPublicKey: WX.publicKey };
    expect((await staff('POST', '/api/v1/payments/channels', wx, viewer)).statusCode).toBe(403);
    const short = await staff('POST', '/api/v1/payments/channels', { ...wx, apiV3Key: API_V3_KEY.slice(1) });
    expect(short.statusCode).toBe(400);
    expect(short.json().error.code).toBe('INVALID_API_V3_KEY');
    const badPem = await staff('POST', '/api/v1/payments/channels', { ...wx, platformPublicKey: '-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----' });
    expect(badPem.statusCode).toBe(400);
    expect(badPem.json().error.code).toBe('INVALID_PUBLIC_KEY');
    expect((await staff('POST', '/api/v1/payments/channels', { code: 'X', kind: 'unionpay' })).statusCode).toBe(400);

    const created = await staff('POST', '/api/v1/payments/channels', wx);
    expect(created.statusCode, created.body).toBe(201);
    expect(created.json()).toMatchObject({ code: 'WX', kind: 'wechat', mchId: MCH, platformSerials: [SERIAL], notifyPath: '/api/v1/public/payments/WX/notify' });
    expect((await staff('POST', '/api/v1/payments/channels', wx)).statusCode).toBe(409);
    const privateKey = await staff('POST', '/api/v1/payments/channels', { ...wx, code: 'WX-PRIV', platformPublicKey: WX.privateKey });
    expect(privateKey.json().error.code).toBe('INVALID_PUBLIC_KEY');
    // Alipay's console shows the key as bare base64: taken as the PEM it stands for.
    const bare = ALI.publicKey.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
    const ali = await staff('POST', '/api/v1/payments/channels', { code: 'ALI', kind: 'alipay', appId: APP_ID, alipayPublicKey: bare });
    expect(ali.statusCode, ali.body).toBe(201);
    expect((await staff('POST', '/api/v1/payments/channels', { code: 'ALI2', kind: 'alipay', appId: APP_ID })).json().error.code).toBe('MISSING_FIELD');

    const all = [created.body, ali.body, (await staff('GET', '/api/v1/payments/channels')).body, (await staff('GET', '/api/v1/payments/channels/WX')).body].join('\n');
    expect(all).not.toContain(API_V3_KEY);
    expect(all).not.toContain('BEGIN PUBLIC KEY');
    const stored = await env.ctx.db.selectFrom('pay_channels').select('secrets_sealed').execute();
    for (const s of stored) expect(s.secrets_sealed).not.toContain(API_V3_KEY);
    const audit = await env.ctx.db.selectFrom('audit_log').select(['action', 'detail']).where('action', '=', 'payment_channel.create').execute();
    expect(audit).toHaveLength(2);
    expect(JSON.stringify(audit)).not.toContain(API_V3_KEY);
  });

  it('WeChat: a signed, encrypted notification records one payment; a replay records nothing more', async () => {
    const body = wechatBody(paid('ZB-ORDER-0001', '4200000985202611250000000001', 1230));
    const headers = signed(body);
    const res = await sendWechat('WX', body, headers);
    expect(res.statusCode, res.body).toBe(204);
    const items = await payments('ZB-ORDER-0001');
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ orderNo: 'ZB-ORDER-0001', transactionId: '4200000985202611250000000001', amountFen: 1230, channel: 'wechat', channelCode: 'WX', paidAt: '2026-11-25T01:58:30.000Z', kind: 'payment', matched: false });
    const replay = await sendWechat('WX', body, headers);
    expect(replay.statusCode).toBe(204);
    // The same transaction in a new notification (WeChat retries with a new id) is no new payment either.
    const again = wechatBody(paid('ZB-ORDER-0001', '4200000985202611250000000001', 1230));
    expect((await sendWechat('WX', again, signed(again))).statusCode).toBe(204);
    expect(await payments('ZB-ORDER-0001')).toHaveLength(1);
  });

  it('WeChat: tampered body, wrong key, stale timestamp, unknown serial, wrong APIv3 key are refused and kept', async () => {
    const before = (await quarantine()).length;
    const body = wechatBody(paid('ZB-ORDER-0002', '4200000985202611250000000002', 100));
    const headers = signed(body);
    const cases: [string, Record<string, string>, string][] = [
      [body.replace(/"id":"[^"]+"/, '"id":"forged"'), headers, 'BAD_SIGNATURE'],
      [body, signed(body, WX_OTHER.privateKey), 'BAD_SIGNATURE'],
      [body, { ...headers, 'wechatpay-serial': 'UNKNOWN-SERIAL' }, 'UNKNOWN_SERIAL'],
      [body, signNotification(WX.privateKey, SERIAL, body, new Date(env.clock.now().getTime() - 6 * 60_000)), 'STALE_TIMESTAMP'],
      [body, Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'wechatpay-signature')), 'MISSING_HEADERS'],
    ];
    const wrongKey = wechatBody(paid('ZB-ORDER-0002', '4200000985202611250000000002', 100), 'TRANSACTION.SUCCESS', 'Z'.repeat(32));
    cases.push([wrongKey, signed(wrongKey), 'DECRYPT_FAILED']);
    for (const [b, h, reason] of cases) {
      const res = await sendWechat('WX', b, h);
      expect(res.statusCode, reason).toBeGreaterThanOrEqual(400);
      expect(res.statusCode, reason).toBeLessThan(500);
      expect(res.json(), reason).toMatchObject({ code: 'FAIL', error: { code: reason } });
      expect(typeof res.json().message).toBe('string');
    }
    expect(await payments('ZB-ORDER-0002')).toHaveLength(0);
    const kept = (await quarantine()).slice(0, cases.length).map((q) => q.reason).reverse();
    expect(kept).toEqual(cases.map((c) => c[2]));
    expect((await quarantine()).length).toBe(before + cases.length);
    const first = (await quarantine())[cases.length - 1] as unknown as { id: number };
    const detail = (await staff('GET', `/api/v1/payments/quarantine/${first.id}`)).json();
    expect(detail.rawBody).toBe(cases[0]![0]);
    expect(detail.headers['wechatpay-serial']).toBe(SERIAL);
  });

  it('WeChat: a refund notification is recorded as a refund, once', async () => {
    const refund = {
      mchid: MCH, out_trade_no: 'ZB-ORDER-0001', transaction_id: '4200000985202611250000000001', out_refund_no: 'RF-0001', refund_id: '50000000382019052709732678859',
      refund_status: 'SUCCESS', success_time: '2026-11-25T09:59:40+08:00', user_received_account: '招商银行信用卡0403',
      amount: { total: 1230, refund: 230, payer_total: 1230, payer_refund: 230 },
    };
    const body = wechatBody(refund, 'REFUND.SUCCESS');
    const headers = signed(body);
    expect((await sendWechat('WX', body, headers)).statusCode).toBe(204);
    expect((await sendWechat('WX', body, headers)).statusCode).toBe(204);
    const items = await payments('ZB-ORDER-0001');
    expect(items.map((i) => [i.kind, i.amountFen]).sort()).toEqual([['payment', 1230], ['refund', 230]]);
    expect(items.find((i) => i.kind === 'refund')).toMatchObject({ refundNo: 'RF-0001', transactionId: '4200000985202611250000000001' });
  });

  it('Alipay: a signed notification records one payment (exact fen), answers success; a replay records nothing more', async () => {
    for (const [orderNo, tradeNo, amount, fen] of [['ALI-0001', '2026112522001400001', '0.01', 1], ['ALI-0002', '2026112522001400002', '12.30', 1230], ['ALI-0003', '2026112522001400003', '1999.9', 199990]] as const) {
      const form = alipayForm({ out_trade_no: orderNo, trade_no: tradeNo, trade_status: 'TRADE_SUCCESS', total_amount: amount, receipt_amount: amount, gmt_create: '2026-11-25 09:58:00', gmt_payment: '2026-11-25 09:58:30' });
      const res = await sendAlipay('ALI', form);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.body).toBe('success');
      expect((await sendAlipay('ALI', form)).body).toBe('success');
      const items = await payments(orderNo);
      expect(items).toHaveLength(1);
      expect(items[0]).toMatchObject({ orderNo, transactionId: tradeNo, amountFen: fen, channel: 'alipay', channelCode: 'ALI', paidAt: '2026-11-25T01:58:30.000Z' });
    }
    // TRADE_FINISHED after TRADE_SUCCESS is the same trade: nothing new. WAIT_BUYER_PAY is no payment.
    expect((await sendAlipay('ALI', alipayForm({ out_trade_no: 'ALI-0002', trade_no: '2026112522001400002', trade_status: 'TRADE_FINISHED', total_amount: '12.30', gmt_payment: '2026-11-25 09:58:30' }))).body).toBe('success');
    expect((await sendAlipay('ALI', alipayForm({ out_trade_no: 'ALI-0004', trade_no: '2026112522001400004', trade_status: 'WAIT_BUYER_PAY', total_amount: '5.00' }))).body).toBe('success');
    expect(await payments('ALI-0002')).toHaveLength(1);
    expect(await payments('ALI-0004')).toHaveLength(0);
  });

  it('Alipay: tampered body and wrong key are refused with fail and kept; refunds are recorded', async () => {
    const before = (await quarantine()).length;
    const form = alipayForm({ out_trade_no: 'ALI-0005', trade_no: '2026112522001400005', trade_status: 'TRADE_SUCCESS', total_amount: '1.00', gmt_payment: '2026-11-25 09:58:30' });
    const tampered = form.replace('total_amount=1.00', 'total_amount=100.00');
    expect(tampered).not.toBe(form);
    const wrongKey = alipayForm({ out_trade_no: 'ALI-0005', trade_no: '2026112522001400005', trade_status: 'TRADE_SUCCESS', total_amount: '1.00', gmt_payment: '2026-11-25 09:58:30' }, ALI_OTHER.privateKey);
    for (const f of [tampered, wrongKey]) {
      const res = await sendAlipay('ALI', f);
      expect(res.statusCode).toBe(401);
      expect(res.body).toBe('fail');
    }
    expect(await payments('ALI-0005')).toHaveLength(0);
    const q = await quarantine();
    expect(q.length).toBe(before + 2);
    expect(q.slice(0, 2).map((x) => [x.channelCode, x.reason])).toEqual([['ALI', 'BAD_SIGNATURE'], ['ALI', 'BAD_SIGNATURE']]);

    // Two partial refunds: Alipay states the refunded total so far; each is recorded with its own part.
    const refund = (outBizNo: string, total: string) => alipayForm({
      out_trade_no: 'ALI-0002', trade_no: '2026112522001400002', out_biz_no: outBizNo, trade_status: 'TRADE_SUCCESS', total_amount: '12.30', refund_fee: total,
      gmt_payment: '2026-11-25 09:58:30', gmt_refund: '2026-11-25 09:59:10.123',
    });
    expect((await sendAlipay('ALI', refund('RF-A', '2.30'))).body).toBe('success');
    expect((await sendAlipay('ALI', refund('RF-A', '2.30'))).body).toBe('success');
    expect((await sendAlipay('ALI', refund('RF-B', '5.30'))).body).toBe('success');
    const items = await payments('ALI-0002');
    expect(items.filter((i) => i.kind === 'refund').map((i) => [i.refundNo, i.amountFen]).sort()).toEqual([['RF-A', 230], ['RF-B', 300]]);
  });

  it('takes a notification without a content type, and one with a charset', async () => {
    const body = wechatBody(paid('ZB-ORDER-0009', '4200000985202611250000000009', 5));
    const headers = signed(body);
    const bare = Object.fromEntries(Object.entries(headers).filter(([k]) => k !== 'content-type'));
    expect((await sendWechat('WX', body, bare)).statusCode).toBe(204);
    expect((await sendWechat('WX', body, { ...headers, 'content-type': 'application/json; charset=utf-8' })).statusCode).toBe(204);
    expect(await payments('ZB-ORDER-0009')).toHaveLength(1);
  });

  it('keeps a notification for an unknown channel; answers 404', async () => {
    const res = await sendWechat('NOPE', '{}', { 'content-type': 'application/json' });
    expect(res.statusCode).toBe(404);
    expect((await quarantine())[0]).toMatchObject({ channelCode: 'NOPE', reason: 'UNKNOWN_CHANNEL' });
  });

  it('sandbox: order → pay → notify → settled; the payment is matched to the order', async () => {
    expect((await staff('POST', '/api/v1/payments/channels', { code: 'SANDBOX', kind: 'sandbox' })).statusCode).toBe(201);
    const order = await staff('POST', '/api/v1/payments/orders', { kind: 'arrears', ref: 'session:42', amountFen: 850, channelCode: 'SANDBOX' });
    expect(order.statusCode, order.body).toBe(201);
    const orderNo = order.json().orderNo as string;
    expect(order.json()).toMatchObject({ status: 'pending', amountFen: 850 });
    const pay = await staff('POST', `/api/v1/payments/orders/${orderNo}/sandbox-pay`);
    expect(pay.statusCode, pay.body).toBe(200);
    expect(pay.json()).toMatchObject({ accepted: true, order: { status: 'paid', paidFen: 850 } });
    const items = await payments(orderNo);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ amountFen: 850, channel: 'sandbox', channelCode: 'SANDBOX', matched: true });
    // What the sandbox sent verifies at the public notify URL exactly like WeChat's: a replay is answered 204, nothing more.
    const { headers, body } = pay.json().notification as { headers: Record<string, string>; body: string };
    expect((await sendWechat('SANDBOX', body, headers)).statusCode).toBe(204);
    expect(await payments(orderNo)).toHaveLength(1);
    expect((await staff('POST', `/api/v1/payments/orders/${orderNo}/sandbox-pay`)).statusCode).toBe(409);
    // A WeChat channel's order cannot be paid by the sandbox.
    const wxOrder = await staff('POST', '/api/v1/payments/orders', { kind: 'booking', ref: '7', amountFen: 100, channelCode: 'WX' });
    expect((await staff('POST', `/api/v1/payments/orders/${wxOrder.json().orderNo}/sandbox-pay`)).json().error.code).toBe('NOT_SANDBOX');
    expect((await staff('POST', '/api/v1/payments/orders', { kind: 'arrears', ref: 'x', amountFen: 0, channelCode: 'SANDBOX' })).statusCode).toBe(400);
  });

  it('lists payments for staff only', async () => {
    expect((await env.app.inject({ method: 'GET', url: '/api/v1/payments?orderNo=ALI-0001' })).statusCode).toBe(401);
    expect((await staff('GET', '/api/v1/payments?orderNo=ALI-0001', undefined, viewer)).statusCode).toBe(403);
  });
});
