import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { sql } from 'kysely';
import { systemActor } from '../../platform/auth/permissions.js';
import type { AppContext } from '../../platform/context.js';
import { AppError } from '../../platform/errors.js';
import { importBill } from './reconciliation.js';
import { paymentsContext } from './repo.js';

/*
 * The scheduled bill import (docs/支付通道接入.md §5): ZHIBO_PAYMENT_BILLS_DIR holds one folder
 * per channel code with the bills as downloaded, each file naming its day (2026-11-25 or
 * 20261125 anywhere in the name). A day already reconciled for that channel is skipped; a file
 * that cannot be read is reported and tried again next run.
 */

export const BILLS_JOB = 'payments.import-bills';
const DAY_IN_NAME = /(\d{4})-?(\d{2})-?(\d{2})/;

export interface BillFolderResult {
  imported: { channelCode: string; billDate: string; file: string; open: number }[];
  failed: { channelCode: string; file: string; error: string }[];
}

export async function importBillFolder(anyCtx: AppContext, dir: string): Promise<BillFolderResult> {
  const ctx = paymentsContext(anyCtx);
  const result: BillFolderResult = { imported: [], failed: [] };
  const channels = await ctx.db.selectFrom('pay_channels').select('code').where('status', '=', 'active').execute();
  for (const { code } of channels) {
    let files: string[];
    try {
      files = (await readdir(path.join(dir, code), { withFileTypes: true })).filter((f) => f.isFile()).map((f) => f.name).sort();
    } catch {
      continue; // no folder for this channel
    }
    const done = new Set((await ctx.db.selectFrom('pay_recon_imports').select(sql<string>`to_char(bill_date, 'YYYY-MM-DD')`.as('day')).where('channel_code', '=', code).execute()).map((r) => r.day));
    for (const file of files) {
      const m = DAY_IN_NAME.exec(file);
      if (!m || !/\.(csv|zip)$/i.test(file)) continue;
      const billDate = `${m[1]}-${m[2]}-${m[3]}`;
      if (done.has(billDate)) continue;
      try {
        const bytes = await readFile(path.join(dir, code, file));
        const v = await importBill(ctx, systemActor(BILLS_JOB), { channelCode: code, billDate, fileName: file, bytes });
        done.add(billDate);
        result.imported.push({ channelCode: code, billDate, file, open: v.open });
      } catch (err) {
        result.failed.push({ channelCode: code, file, error: err instanceof AppError ? `${err.code}: ${err.message}` : String((err as Error).message ?? err) });
      }
    }
  }
  return result;
}

