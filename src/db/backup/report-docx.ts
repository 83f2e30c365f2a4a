import { COLOR, heading, para, reportDocx, table } from '../../platform/docx.js';
import type { VerifyReport } from './backup.js';

/*
 * 《备份恢复测试报告》: what was backed up and when, where it was restored, the verification
 * table (manifest rows vs restored rows, checksum result per table), the restore time and the
 * conclusion. Written by `zhibo backup verify FILE --report FILE.docx`; tests parse it back.
 * The house style is src/platform/docx.ts's.
 */

export const REPORT_TITLE = '备份恢复测试报告';

const shanghai = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');

export interface ReportContext {
  file: string;
  verifiedAt: Date;
  /** Where the copy was restored (scratch PGlite, a scratch PostgreSQL database, a restore target). */
  restoredInto: string;
}

export function verifyReportDocx(r: VerifyReport, c: ReportContext): Promise<Buffer> {
  const m = r.manifest;
  return reportDocx({
    title: REPORT_TITLE,
    sections: [{
      children: [
        heading('一、备份概况'),
        para(`备份文件：${c.file}`),
        para(`备份时间：${shanghai(m.createdAt)}（上海时间），用时 ${m.durationMs} 毫秒`),
        para(`数据库：${m.kind === 'pglite' ? '内置数据库 PGlite' : 'PostgreSQL'} ${m.serverVersion}；备份工具：${m.tool}`),
        para(`架构版本：${m.schemaVersion ?? '—'}；数据表 ${m.tables.length} 张，共 ${m.totalRows} 行；数据部分 ${m.payload.bytes} 字节，SHA-256 ${m.payload.sha256}`),
        para(`加密：${m.encryption ? 'AES-256-GCM' : '未加密'}`),
        heading('二、恢复测试'),
        para(`测试时间：${shanghai(c.verifiedAt.toISOString())}（上海时间）；恢复到：${c.restoredInto}；恢复及核对用时 ${r.restoreMs} 毫秒`),
        para(`迁移记录：${r.migrationsOk ? '与清单一致' : '与清单不一致'}${r.pendingMigrations.length ? `；恢复后启动服务将执行迁移 ${r.pendingMigrations.join('、')}` : ''}`),
        heading('三、逐表核对'),
        table(['数据表', '清单行数', '恢复后行数', '校验结果'], r.tables.map((t) => [t.table, String(t.expectedRows ?? '—'), String(t.actualRows ?? '—'), t.ok ? '一致' : '不一致'])),
        heading('四、结论'),
        para(r.ok ? '恢复副本与备份清单逐表一致（行数与校验和），备份可用于恢复。' : '恢复副本与备份清单不一致，备份不可作为恢复依据，须查明原因并重新备份。', { bold: true, color: r.ok ? COLOR.black : COLOR.red }),
        ...r.problems.map((x) => para(`· ${x}`, { color: COLOR.red })),
      ],
    }],
  });
}
