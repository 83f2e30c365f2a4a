import { parse } from 'csv-parse/sync';
import JSZip from 'jszip';
import { badRequest } from '../../platform/errors.js';
import { parseBusinessTime } from '../../platform/time.js';
import { yuanToFen } from './money.js';
import type { TransactionKind } from './vocab.js';

/*
 * The channels' daily bill files as downloaded (docs/支付通道接入.md, "对账"):
 * - WeChat Pay trade bill (交易账单, bill_type=ALL): UTF-8 CSV, a header row, data rows whose
 *   fields start with a backtick (`), then the summary header (总交易单数,…) and its row.
 *   Refunds are rows of their own with 交易状态 REFUND.
 * - Alipay account statement (业务明细): a zip holding GBK CSVs; the detail file has `#` comment
 *   lines around a header row (支付宝交易号,…) and data rows (业务类型 交易 or 退款; refund
 *   amounts negative), fields padded with tabs.
 * Each row gets the key our transactions carry (pay_transactions.external_id).
 */

export interface BillRow {
  kind: TransactionKind;
  key: string;
  orderNo: string;
  transactionId: string;
  refundNo: string | null;
  fen: number;
  at: Date | null;
}

export interface ParsedBill {
  rows: BillRow[];
  declaredCount: number | null;
}

const clean = (v: string | undefined) => (v ?? '').replace(/^\uFEFF/, '').replace(/^`/, '').trim();

function fenOf(text: string, what: string, line: number): number {
  const fen = yuanToFen(text.replace(/^-/, ''));
  if (fen === null) throw badRequest('INVALID_BILL', `第 ${line} 行${what}“${text.slice(0, 20)}”不是金额 / line ${line}: ${what} is not an amount`);
  return fen;
}

export function parseWechatBill(text: string): ParsedBill {
  const records = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, relax_quotes: true }) as string[][];
  const header = records[0]?.map(clean) ?? [];
  const col = (name: string) => header.indexOf(name);
  const at = col('交易时间');
  const txn = col('微信订单号');
  const order = col('商户订单号');
  const state = col('交易状态');
  const total = col('订单金额') >= 0 ? col('订单金额') : col('应结订单金额');
  const refundId = col('微信退款单号');
  const refundNo = col('商户退款单号');
  const refundFen = col('退款金额');
  if ([at, txn, order, state, total].some((i) => i < 0)) throw badRequest('INVALID_BILL', '不是微信支付交易账单（缺少交易时间、微信订单号、商户订单号、交易状态、订单金额列）/ not a WeChat Pay trade bill');
  const rows: BillRow[] = [];
  let declaredCount: number | null = null;
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!.map(clean);
    if (r[0] === '总交易单数') {
      const n = Number(clean(records[i + 1]?.[0]));
      declaredCount = Number.isInteger(n) ? n : null;
      break;
    }
    const line = i + 1;
    const transactionId = r[txn] ?? '';
    if (!transactionId) throw badRequest('INVALID_BILL', `第 ${line} 行缺少微信订单号 / line ${line}: transaction id missing`);
    if (r[state] === 'REFUND') {
      const id = refundId >= 0 ? r[refundId] ?? '' : '';
      if (!id || refundFen < 0) throw badRequest('INVALID_BILL', `第 ${line} 行退款缺少微信退款单号 / line ${line}: refund id missing`);
      rows.push({ kind: 'refund', key: id, orderNo: r[order] ?? '', transactionId, refundNo: refundNo >= 0 ? r[refundNo] || null : null, fen: fenOf(r[refundFen] ?? '', '退款金额', line), at: parseBusinessTime(r[at]) });
    } else {
      rows.push({ kind: 'payment', key: transactionId, orderNo: r[order] ?? '', transactionId, refundNo: null, fen: fenOf(r[total] ?? '', '订单金额', line), at: parseBusinessTime(r[at]) });
    }
  }
  if (declaredCount === null) throw badRequest('INVALID_BILL', '账单缺少汇总行（总交易单数），可能不完整 / the bill has no summary rows: incomplete?');
  if (declaredCount !== rows.length) throw badRequest('INVALID_BILL', `汇总行为 ${declaredCount} 笔，明细为 ${rows.length} 笔 / the summary says ${declaredCount} rows, the bill lists ${rows.length}`);
  return { rows, declaredCount };
}

/** The detail CSV of an Alipay statement zip, decoded from GBK. */
export async function alipayStatementText(zipBytes: Buffer): Promise<string> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(zipBytes);
  } catch {
    throw badRequest('INVALID_BILL', '不是 zip 文件 / not a zip file');
  }
  const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir && /\.csv$/i.test(n));
  const detail = names.find((n) => n.includes('业务明细') && !n.includes('汇总')) ?? names.find((n) => !n.includes('汇总'));
  if (!detail) throw badRequest('INVALID_BILL', 'zip 中没有业务明细 CSV / no detail CSV in the zip');
  const bytes = await zip.files[detail]!.async('uint8array');
  return new TextDecoder('gbk').decode(bytes);
}

export function parseAlipayStatement(text: string): ParsedBill {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const start = lines.findIndex((l) => l.trim().startsWith('支付宝交易号'));
  if (start < 0) throw badRequest('INVALID_BILL', '不是支付宝业务明细（缺少“支付宝交易号”表头）/ not an Alipay statement');
  const body: string[] = [];
  for (const l of lines.slice(start)) {
    if (l.startsWith('#')) break;
    if (l.trim()) body.push(l);
  }
  const records = parse(body.join('\n'), { relax_column_count: true, relax_quotes: true, trim: true }) as string[][];
  const header = records[0]!.map(clean);
  const col = (re: RegExp) => header.findIndex((h) => re.test(h));
  const txn = col(/^支付宝交易号$/);
  const order = col(/^商户订单号$/);
  const type = col(/^业务类型$/);
  const done = col(/^完成时间$/);
  const amount = col(/^订单金额/);
  const batch = col(/^退款批次号/);
  if ([txn, order, type, amount].some((i) => i < 0)) throw badRequest('INVALID_BILL', '支付宝业务明细缺少支付宝交易号、商户订单号、业务类型或订单金额列 / Alipay statement columns missing');
  const rows: BillRow[] = [];
  for (let i = 1; i < records.length; i++) {
    const r = records[i]!.map(clean);
    const line = start + i + 1;
    const transactionId = r[txn] ?? '';
    if (!transactionId) continue;
    const fen = fenOf(r[amount] ?? '', '订单金额', line);
    const at = done >= 0 ? parseBusinessTime(r[done]) : null;
    if (r[type] === '退款') {
      const refundNo = batch >= 0 ? r[batch] ?? '' : '';
      if (!refundNo) throw badRequest('INVALID_BILL', `第 ${line} 行退款缺少退款批次号/请求号 / line ${line}: refund request number missing`);
      rows.push({ kind: 'refund', key: `${transactionId}:${refundNo}`, orderNo: r[order] ?? '', transactionId, refundNo, fen, at });
    } else if (r[type] === '交易') {
      rows.push({ kind: 'payment', key: transactionId, orderNo: r[order] ?? '', transactionId, refundNo: null, fen, at });
    }
  }
  return { rows, declaredCount: null };
}
