import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken } from '../../../test/support/http.js';
import { importBillFolder } from './index.js';
import { alipayNotify, createTestChannels, encodeGbk, wechatNotify, type TestChannels } from '../../../test/support/payments.js';

/*
 * Reconciliation of hand-built bills in the channels' real layouts against payments recorded
 * through real notifications: exact counts of each difference kind, the queue, the report.
 */

const WX_HEADER = '交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注';

function wxRow(at: string, txn: string, order: string, state: 'SUCCESS' | 'REFUND', yuan: string, refund?: { id: string; no: string; yuan: string }): string {
  const cells = [at, 'wxd678efh567hg6787', '1900000109', '0', '', txn, order, 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', 'JSAPI', state, 'CMC', 'CNY', yuan, '0.00',
    refund?.id ?? '0', refund?.no ?? '0', refund?.yuan ?? '0.00', '0.00', refund ? 'ORIGINAL' : '', refund ? 'SUCCESS' : '', '停车费', '', '0.00600', '0.60%', yuan, refund?.yuan ?? '0.00', ''];
  return cells.map((c) => `\`${c}`).join(',');
}

describeDb('payments: reconciliation', (backend) => {
  let env: TestEnv;
  let admin: string;
  let ch: TestChannels;

  const upload = (channelCode: string, billDate: string, name: string, bytes: Buffer, extra = '') => {
    const boundary = '----zhibo-test';
    const payload = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      bytes, Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    return env.app.inject({ method: 'POST', url: `/api/v1/payments/reconciliation/imports?channelCode=${channelCode}&billDate=${billDate}${extra}`, headers: { ...bearer(admin), 'content-type': `multipart/form-data; boundary=${boundary}` }, payload });
  };

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    ch = await createTestChannels(env.app, admin);
    const at = env.clock.now();
    const pay = (orderNo: string, transactionId: string, fen: number) => wechatNotify(env.app, ch.wechat, at, { orderNo, transactionId, fen, successTime: '2026-11-25T09:10:00+08:00' });
    expect(await pay('ORD-A', '4200000001', 1230)).toBe(204);
    expect(await pay('ORD-B', '4200000002', 500)).toBe(204);
    expect(await pay('ORD-C', '4200000003', 800)).toBe(204);
    expect(await pay('ORD-D', '4200000004', 300)).toBe(204);
    // Another day: outside the bill of the 25th, neither matched nor short.
    expect(await wechatNotify(env.app, ch.wechat, at, { orderNo: 'ORD-E', transactionId: '4200000099', fen: 100, successTime: '2026-11-24T23:59:59+08:00' })).toBe(204);
    expect(await wechatNotify(env.app, ch.wechat, at, { orderNo: 'ORD-A', transactionId: '4200000001', fen: 1230, successTime: '2026-11-25T09:30:00+08:00', refund: { refundId: '5000001', refundNo: 'RF-1', fen: 230 } })).toBe(204);

    const ali = (p: Record<string, string>) => alipayNotify(env.app, ch.alipay, p);
    expect(await ali({ out_trade_no: 'ALI-1', trade_no: '2026112522001', trade_status: 'TRADE_SUCCESS', total_amount: '0.01', gmt_payment: '2026-11-25 09:00:00' })).toBe('success');
    expect(await ali({ out_trade_no: 'ALI-2', trade_no: '2026112522002', trade_status: 'TRADE_SUCCESS', total_amount: '12.30', gmt_payment: '2026-11-25 09:01:00' })).toBe('success');
    expect(await ali({ out_trade_no: 'ALI-4', trade_no: '2026112522004', trade_status: 'TRADE_SUCCESS', total_amount: '1.00', gmt_payment: '2026-11-25 09:02:00' })).toBe('success');
    expect(await ali({ out_trade_no: 'ALI-2', trade_no: '2026112522002', trade_status: 'TRADE_SUCCESS', total_amount: '12.30', refund_fee: '2.30', out_biz_no: 'RF-A', gmt_payment: '2026-11-25 09:01:00', gmt_refund: '2026-11-25 09:20:00' })).toBe('success');
  });
  afterAll(() => env.close());

  it('WeChat trade bill: matched, 长款, 短款, amount mismatch, duplicate and refunds counted exactly', async () => {
    const rows = [
      wxRow('2026-11-25 09:10:00', '4200000001', 'ORD-A', 'SUCCESS', '12.30'), // matched
      wxRow('2026-11-25 09:10:00', '4200000002', 'ORD-B', 'SUCCESS', '5.00'), // matched
      wxRow('2026-11-25 09:10:00', '4200000003', 'ORD-C', 'SUCCESS', '8.50'), // amount mismatch (ours 8.00)
      wxRow('2026-11-25 09:10:00', '4200000002', 'ORD-B', 'SUCCESS', '5.00'), // duplicate
      wxRow('2026-11-25 09:40:00', '4200000005', 'ORD-X', 'SUCCESS', '6.00'), // 长款: the channel has it, we do not
      wxRow('2026-11-25 09:30:00', '4200000001', 'ORD-A', 'REFUND', '12.30', { id: '5000001', no: 'RF-1', yuan: '2.30' }), // refund matched
      wxRow('2026-11-25 09:50:00', '4200000002', 'ORD-B', 'REFUND', '5.00', { id: '5000002', no: 'RF-2', yuan: '1.00' }), // refund 长款
    ];
    // ORD-D (3.00) is ours and not in the bill: 短款.
    const csv = `${WX_HEADER}\r\n${rows.join('\r\n')}\r\n总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n\`7,\`36.80,\`3.30,\`0.00,\`0.22000,\`36.80,\`3.30\r\n`;
    const res = await upload('WX', '2026-11-25', 'All2026-11-25.csv', Buffer.from(csv, 'utf8'));
    expect(res.statusCode, res.body).toBe(201);
    const imp = res.json();
    expect(imp.summary.counts).toEqual({
      payment: { matched: 2, long: 1, short: 1, amount_mismatch: 1, duplicate: 1 },
      refund: { matched: 1, long: 1, short: 0, amount_mismatch: 0, duplicate: 0 },
    });
    expect(imp.summary.billFen).toEqual({ payment: 1230 + 500 + 850 + 500 + 600, refund: 330 });
    expect(imp.summary.oursFen).toEqual({ payment: 1230 + 500 + 800 + 300, refund: 230 });
    expect(imp.open).toBe(5);
    expect((await upload('WX', '2026-11-25', 'again.csv', Buffer.from(csv, 'utf8'))).statusCode).toBe(409);

    // A truncated bill (no summary rows) is refused.
    const cut = await upload('WX', '2026-11-26', 'cut.csv', Buffer.from(`${WX_HEADER}\r\n${rows[0]}\r\n`, 'utf8'));
    expect(cut.statusCode).toBe(400);
    expect(cut.json().error.code).toBe('INVALID_BILL');

    // The difference queue: resolve one with a reason (audited); the report reads back.
    const open = (await env.app.inject({ url: `/api/v1/payments/reconciliation/lines?importId=${imp.id}&status=open`, headers: bearer(admin) })).json().items as { id: number; result: string; kind: string; transactionId: string }[];
    expect(open.map((l) => `${l.kind}:${l.result}`).sort()).toEqual(['payment:amount_mismatch', 'payment:duplicate', 'payment:long', 'payment:short', 'refund:long']);
    const short = open.find((l) => l.result === 'short')!;
    expect(short.transactionId).toBe('4200000004');
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/payments/reconciliation/lines/${short.id}/resolve`, headers: bearer(admin), payload: { resolution: '' } })).statusCode).toBe(400);
    const resolved = await env.app.inject({ method: 'POST', url: `/api/v1/payments/reconciliation/lines/${short.id}/resolve`, headers: bearer(admin), payload: { resolution: '次日账单已列入 / billed next day' } });
    expect(resolved.statusCode, resolved.body).toBe(200);
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: 'admin' });
    expect((await env.app.inject({ method: 'POST', url: `/api/v1/payments/reconciliation/lines/${short.id}/resolve`, headers: bearer(admin), payload: { resolution: 'again' } })).statusCode).toBe(409);
    const audits = await env.ctx.db.selectFrom('audit_log').select('action').where('action', '=', 'payment_recon.resolve').execute();
    expect(audits).toHaveLength(1);

    const report = await env.app.inject({ url: `/api/v1/payments/reconciliation/imports/${imp.id}/report`, headers: bearer(admin) });
    expect(report.statusCode).toBe(200);
    expect(report.headers['content-disposition']).toContain('payment-reconciliation-WX-2026-11-25.xlsx');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(report.rawPayload as never);
    const summary = wb.getWorksheet('汇总')!;
    const byLabel = new Map<string, unknown[]>();
    summary.eachRow((row) => byLabel.set(String(row.getCell(1).value), [row.getCell(2).value, row.getCell(3).value]));
    expect(byLabel.get('一致')).toEqual([2, 1]);
    expect(byLabel.get('长款（通道有、平台无）')).toEqual([1, 1]);
    expect(byLabel.get('短款（平台有、通道无）')).toEqual([1, 0]);
    expect(byLabel.get('金额不符')).toEqual([1, 0]);
    expect(byLabel.get('重复')).toEqual([1, 0]);
    expect(byLabel.get('待处理差异（笔）')).toEqual([4, null]);
    expect(wb.getWorksheet('明细')!.rowCount).toBe(1 + 7 + 1); // header, 7 bill rows, 1 短款
  });

  it('Alipay statement (GBK CSV in a zip): counts exact', async () => {
    const header = '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注';
    const row = (txn: string, order: string, type: '交易' | '退款', done: string, yuan: string, batch = '') =>
      [txn, order, type, '停车费', done, done, '', '', '', '', 'buyer@example.com', yuan, yuan, '0.00', '0.00', '0.00', '0.00', '0.00', '', '0.00', '0.00', batch, '0.00', '0.00', ''].map((c) => `${c}\t`).join(',');
    const text = [
      '#支付宝业务明细查询', '#账号：[20881234567890120156]', '#起始日期：[2026年11月25日 00:00:00]   终止日期：[2026年11月26日 00:00:00]',
      '#-----------------------------------------业务明细列表----------------------------------------', header,
      row('2026112522001', 'ALI-1', '交易', '2026-11-25 09:00:00', '0.01'),
      row('2026112522002', 'ALI-2', '交易', '2026-11-25 09:01:00', '12.30'),
      row('2026112522002', 'ALI-2', '退款', '2026-11-25 09:20:00', '-2.30', 'RF-A'),
      row('2026112522003', 'ALI-3', '交易', '2026-11-25 09:03:00', '5.00'), // 长款
      row('2026112522002', 'ALI-2', '退款', '2026-11-25 09:25:00', '-1.00', 'RF-B'), // refund 长款
      '#-----------------------------------------业务明细列表结束------------------------------------',
      '#交易合计：3笔，商家实收共计：17.31元', '#退款合计：2笔，商家实收退款共计：-3.30元', '#导出时间：[2026年11月26日 09:12:33]',
    ].join('\r\n');
    const zip = new JSZip();
    zip.file('20881234567890120156_20261125_业务明细.csv', encodeGbk(text));
    zip.file('20881234567890120156_20261125_业务明细(汇总).csv', encodeGbk('#支付宝业务汇总查询\r\n'));
    const bytes = await zip.generateAsync({ type: 'nodebuffer' });
    const res = await upload('ALI', '2026-11-25', '20881234567890120156_20261125.csv.zip', bytes);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json().summary.counts).toEqual({
      payment: { matched: 2, long: 1, short: 1, amount_mismatch: 0, duplicate: 0 }, // ALI-4 is ours only
      refund: { matched: 1, long: 1, short: 0, amount_mismatch: 0, duplicate: 0 },
    });
    expect(res.json().summary.billFen).toEqual({ payment: 1 + 1230 + 500, refund: 330 });
    const bad = await upload('ALI', '2026-11-24', 'x.zip', Buffer.from('not a zip'));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_BILL');
  });

  it('imports the bills dropped into the bill folder once per channel and day', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhibo-bills-'));
    try {
      mkdirSync(join(dir, 'WX'));
      const csv = `${WX_HEADER}\r\n${wxRow('2026-11-24 23:59:59', '4200000099', 'ORD-E', 'SUCCESS', '1.00')}\r\n总交易单数,订单总金额\r\n\`1,\`1.00\r\n`;
      writeFileSync(join(dir, 'WX', 'All-20261124.csv'), csv);
      writeFileSync(join(dir, 'WX', '2026-11-23.csv'), 'not a bill');
      writeFileSync(join(dir, 'WX', 'readme.txt'), 'ignored');
      const first = await importBillFolder(env.ctx, dir);
      expect(first.imported).toEqual([{ channelCode: 'WX', billDate: '2026-11-24', file: 'All-20261124.csv', open: 0 }]);
      expect(first.failed.map((f) => [f.file, f.error.split(':')[0]])).toEqual([['2026-11-23.csv', 'INVALID_BILL']]);
      const second = await importBillFolder(env.ctx, dir);
      expect(second.imported).toEqual([]);
      const imp = (await env.app.inject({ url: '/api/v1/payments/reconciliation/imports', headers: bearer(admin) })).json().items.find((i: { billDate: string; channelCode: string }) => i.billDate === '2026-11-24' && i.channelCode === 'WX');
      expect(imp.summary.counts.payment).toEqual({ matched: 1, long: 0, short: 0, amount_mismatch: 0, duplicate: 0 });
      expect(imp.importedBy).toBe('payments.import-bills');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
