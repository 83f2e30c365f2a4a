import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents } from '../../../test/support/ingest.js';
import { createTestChannels, wechatNotify } from '../../../test/support/payments.js';
import { systemActor } from '../../platform/auth/permissions.js';
import { billForPlate, sandboxPayBill } from '../arrears/index.js';
import { createOrder, sandboxPay, sandboxRefund } from '../payments/index.js';
import { refreshAnalytics } from './index.js';

/*
 * 渠道收款与对账 (docs/指标口径.md §2.11) on both backends, exact figures: unpaid exits of 2026-11-20
 * at CC-1 (城区 320602), TZ-1 and TZ-2 (通州 320612); two plates pay their arrears bills through
 * the sandbox channel (signed, encrypted notifications) — plate A 15 yuan for CC-1 (10) and TZ-1
 * (5) on 11-25 10:00 Shanghai, plate B 8 yuan for TZ-2 at 00:30 on 11-26 Shanghai (16:30Z of the
 * 25th) — and 3 yuan of A's is refunded on 11-26. The sandbox's bill of 11-25 matches A's payment
 * (and lists one the platform never saw); the bill of 11-26 states B's payment at 7 yuan (amount
 * mismatch: not reconciled). A paid order naming no lots and a notification naming no order of ours
 * count nowhere.
 */

const WX_HEADER = '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';
const wxRow = (at: string, txn: string, order: string, yuan: string) =>
  [at, 'wxSANDBOX', 'SANDBOX', '0', '', txn, order, 'sandbox-citizen', 'JSAPI', 'SUCCESS', 'OTHERS', 'CNY', yuan, '0.00', '0', '0', '0.00', '0.00', '', '', '停车欠费', '', '0.00000', '0.60%', yuan, '0.00', '']
    .map((c) => `\`${c}`).join(',');
const wxBill = (rows: string[], totalYuan: string) =>
  [WX_HEADER, ...rows, '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额', `\`${rows.length},\`${totalYuan},\`0.00,\`0.00,\`0.00,\`${totalYuan},\`0.00`].join('\r\n') + '\r\n';

describeDb('analytics: paid through the channels and reconciled, next to the lot systems\' paid', (backend) => {
  let env: TestEnv;
  let admin: string;
  let tongzhou: string;
  const get = async (qs: string, token = admin) => {
    const res = await env.app.inject({ method: 'GET', url: `/api/v1/analytics/channel-revenue?${qs}`, headers: bearer(token) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { rows: Record<string, unknown>[]; totals: Record<string, number>; asOf: string | null };
  };
  const figures = (r: Record<string, unknown>) => [r.paidFen, r.channelPaidFen, r.channelRefundFen, r.reconciledFen];
  const upload = async (billDate: string, csv: string) => {
    const boundary = '----zhibo-test';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${billDate}.csv"\r\nContent-Type: text/csv\r\n\r\n`),
      Buffer.from(csv, 'utf8'), Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const res = await env.app.inject({ method: 'POST', url: `/api/v1/payments/reconciliation/imports?channelCode=SANDBOX&billDate=${billDate}`, headers: { ...bearer(admin), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { summary: { counts: { payment: Record<string, number> } } };
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    tongzhou = await userToken(env.app, admin, { username: 'tz', role: 'district', districtCode: '320612' });
    expect((await env.app.inject({ method: 'POST', url: '/api/v1/payments/channels', headers: bearer(admin), payload: { code: 'SANDBOX', kind: 'sandbox' } })).statusCode).toBe(201);
    const wx = await createTestChannels(env.app, admin);
    const src = await createSourceWithLots(env, admin, 'S-CR', [
      { code: 'CC-1', districtCode: '320602' }, { code: 'TZ-1', districtCode: '320612' }, { code: 'TZ-2', districtCode: '320612', kind: 'on_street' },
    ]);
    const at = (s: string) => `2026-11-20T${s}:00+08:00`;
    const res = await postEvents(env, src, [
      { type: 'entry', eventId: 'a1', occurredAt: at('08:00'), lotCode: 'CC-1', plate: '苏F12345' },
      { type: 'exit', eventId: 'a1x', occurredAt: at('10:00'), lotCode: 'CC-1', plate: '苏F12345', entryEventId: 'a1', receivableFen: 1200, paidFen: 200 },
      { type: 'entry', eventId: 'a2', occurredAt: at('11:00'), lotCode: 'TZ-1', plate: '苏F12345' },
      { type: 'exit', eventId: 'a2x', occurredAt: at('12:00'), lotCode: 'TZ-1', plate: '苏F12345', entryEventId: 'a2', receivableFen: 500, paidFen: 0 },
      { type: 'entry', eventId: 'b1', occurredAt: at('13:00'), lotCode: 'TZ-2', plate: '苏B00002' },
      { type: 'exit', eventId: 'b1x', occurredAt: at('15:00'), lotCode: 'TZ-2', plate: '苏B00002', entryEventId: 'b1', receivableFen: 1000, paidFen: 200 },
    ]);
    expect(res.statusCode, res.body).toBe(200);

    const citizen = systemActor('citizen');
    const billA = await billForPlate(env.ctx, citizen, '苏F12345');
    expect((await sandboxPayBill(env.ctx, citizen, '苏F12345', billA.billNo)).status).toBe('paid');
    env.clock.set('2026-11-25T16:30:00Z'); // 00:30 on the 26th in Shanghai
    const billB = await billForPlate(env.ctx, citizen, '苏B00002');
    expect((await sandboxPayBill(env.ctx, citizen, '苏B00002', billB.billNo)).status).toBe('paid');
    // Paid orders that name no lot of ours: counted nowhere.
    const other = await createOrder(env.ctx, systemActor('test'), { kind: 'other', ref: 'X-1', amountFen: 999, channelCode: 'SANDBOX' });
    await sandboxPay(env.ctx, systemActor('test'), other.orderNo);
    expect(await wechatNotify(env.app, wx.wechat, env.clock.now(), { orderNo: 'NOT-OURS-1', transactionId: '4200009999', fen: 4321, successTime: '2026-11-26T00:40:00+08:00' })).toBe(204);
    env.clock.set('2026-11-26T02:00:00Z');
    expect((await sandboxRefund(env.ctx, systemActor('test'), billA.orderNo, 300)).outcome).toMatchObject({ ok: true, recorded: 1 });
    admin = await loginToken(env.app);
    tongzhou = await loginToken(env.app, 'tz', 'User-Pass-1'); // the clock moved past the idle limit

    const txA = await env.ctx.db.selectFrom('pay_orders').select(['order_no', 'transaction_id']).where('order_no', '=', billA.orderNo).executeTakeFirstOrThrow();
    const txB = await env.ctx.db.selectFrom('pay_orders').select(['order_no', 'transaction_id']).where('order_no', '=', billB.orderNo).executeTakeFirstOrThrow();
    const day25 = await upload('2026-11-25', wxBill([wxRow('2026-11-25 10:00:00', txA.transaction_id!, txA.order_no, '15.00'), wxRow('2026-11-25 11:00:00', '4200000000000000000000000077', 'ZB-ELSEWHERE', '1.00')], '16.00'));
    expect(day25.summary.counts.payment).toMatchObject({ matched: 1, long: 1, short: 0 });
    const day26 = await upload('2026-11-26', wxBill([wxRow('2026-11-26 00:30:00', txB.transaction_id!, txB.order_no, '7.00')], '7.00'));
    expect(day26.summary.counts.payment).toMatchObject({ matched: 0, amount_mismatch: 1, short: 1 }); // the order without lots is short
    await refreshAnalytics(env.ctx);
  });
  afterAll(() => env.close());

  it('per lot over the period: the lot systems\' paid beside the channels\' paid, refunds and reconciled', async () => {
    const r = await get('from=2026-11-20&to=2026-11-26&groupBy=lot');
    expect(r.rows.map((x) => [x.lotCode, ...figures(x)])).toEqual([
      ['CC-1', 200, 1000, 200, 1000], // A's refund of 300 shared 1000:500
      ['TZ-1', 0, 500, 100, 500],
      ['TZ-2', 200, 800, 0, 0], // the bill states 7 yuan: not reconciled
    ]);
    expect(r.totals).toEqual({ paidFen: 400, channelPaidFen: 2300, channelRefundFen: 300, reconciledFen: 1500 });
    expect(r.rows[0]).toEqual({ lotCode: 'CC-1', lotName: '停车场 CC-1', paidFen: 200, channelPaidFen: 1000, channelRefundFen: 200, reconciledFen: 1000 });
  });

  it('per Shanghai day of the payment, and per district', async () => {
    const days = await get('from=2026-11-20&to=2026-11-26&groupBy=day');
    const byDay = Object.fromEntries(days.rows.map((x) => [x.day, figures(x)]));
    expect(byDay['2026-11-20']).toEqual([400, 0, 0, 0]);
    expect(byDay['2026-11-25']).toEqual([0, 1500, 0, 1500]);
    expect(byDay['2026-11-26']).toEqual([0, 800, 300, 0]); // B paid at 00:30 Shanghai
    const districts = await get('from=2026-11-20&to=2026-11-26&groupBy=district');
    expect(districts.rows.map((x) => [x.districtCode, ...figures(x)])).toEqual([['320602', 200, 1000, 200, 1000], ['320612', 200, 1300, 100, 500]]);
    const both = await get('from=2026-11-25&to=2026-11-25&groupBy=day,lot&lot=CC-1,TZ-1');
    expect(both.rows.map((x) => [x.day, x.lotCode, x.channelPaidFen, x.reconciledFen])).toEqual([['2026-11-25', 'CC-1', 1000, 1000], ['2026-11-25', 'TZ-1', 500, 500]]);
    expect((await get('from=2026-11-20&to=2026-11-24')).totals).toEqual({ paidFen: 400, channelPaidFen: 0, channelRefundFen: 0, reconciledFen: 0 });
  });

  it('holds a district user to their district, in the payments data too', async () => {
    const mine = await get('from=2026-11-20&to=2026-11-26&groupBy=lot', tongzhou);
    expect(mine.rows.map((x) => x.lotCode)).toEqual(['TZ-1', 'TZ-2']);
    expect(mine.totals).toEqual({ paidFen: 200, channelPaidFen: 1300, channelRefundFen: 100, reconciledFen: 500 });
    const other = await env.app.inject({ method: 'GET', url: '/api/v1/analytics/channel-revenue?from=2026-11-20&to=2026-11-26&district=320602', headers: bearer(tongzhou) });
    expect([other.statusCode, other.json().error.code]).toEqual([403, 'DISTRICT_FORBIDDEN']);
    const bad = await env.app.inject({ method: 'GET', url: '/api/v1/analytics/channel-revenue?from=2026-11-20&to=2026-11-26&groupBy=hour', headers: bearer(admin) });
    expect([bad.statusCode, bad.json().error.code]).toEqual([400, 'BAD_GROUP_BY']);
  });
});
