import { AlignmentType, Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun, WidthType } from 'docx';
import type { VerifyReport } from './backup.js';

/*
 * 《备份恢复测试报告》: what was backed up and when, where it was restored, the verification
 * table (manifest rows vs restored rows, checksum result per table), the restore time and the
 * conclusion. Written by `zhibo backup verify FILE --report FILE.docx`; tests parse it back.
 * Chinese needs an East Asian font in the run properties (宋体 text, 黑体 title).
 */

const BODY_FONT = { ascii: 'Times New Roman', hAnsi: 'Times New Roman', eastAsia: '宋体', cs: 'Times New Roman' };
const HEADING_FONT = { ascii: 'Arial', hAnsi: 'Arial', eastAsia: '黑体', cs: 'Arial' };
export const REPORT_TITLE = '备份恢复测试报告';

const shanghai = (iso: string) => new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
const p = (text: string, opts: { bold?: boolean; color?: string } = {}) => new Paragraph({ children: [new TextRun({ text, ...opts })] });

export interface ReportContext {
  file: string;
  verifiedAt: Date;
  /** Where the copy was restored (scratch PGlite, a scratch PostgreSQL database, a restore target). */
  restoredInto: string;
}

export async function verifyReportDocx(r: VerifyReport, c: ReportContext): Promise<Buffer> {
  const m = r.manifest;
  const cell = (text: string, header = false) => new TableCell({ children: [new Paragraph({ children: [new TextRun({ text: text || ' ', size: 18, bold: header })] })], ...(header ? { shading: { fill: 'DDEBF7' } } : {}) });
  const table = new Table({
    width: { size: 100, type: WidthType.PERCENTAGE },
    rows: [
      new TableRow({ tableHeader: true, children: ['数据表', '清单行数', '恢复后行数', '校验结果'].map((h) => cell(h, true)) }),
      ...r.tables.map((t) => new TableRow({ children: [cell(t.table), cell(String(t.expectedRows ?? '—')), cell(String(t.actualRows ?? '—')), cell(t.ok ? '一致' : '不一致')] })),
    ],
  });
  const doc = new Document({
    creator: '智泊 Zhibo',
    title: REPORT_TITLE,
    styles: {
      default: {
        document: { run: { font: BODY_FONT, size: 21, language: { value: 'zh-CN', eastAsia: 'zh-CN' } } },
        title: { run: { font: HEADING_FONT, size: 36, bold: true } },
        heading1: { run: { font: HEADING_FONT, size: 28, bold: true } },
      },
    },
    sections: [{
      children: [
        new Paragraph({ heading: HeadingLevel.TITLE, alignment: AlignmentType.CENTER, children: [new TextRun(REPORT_TITLE)] }),
        new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('一、备份概况')] }),
        p(`备份文件：${c.file}`),
        p(`备份时间：${shanghai(m.createdAt)}（上海时间），用时 ${m.durationMs} 毫秒`),
        p(`数据库：${m.kind === 'pglite' ? '内置数据库 PGlite' : 'PostgreSQL'} ${m.serverVersion}；备份工具：${m.tool}`),
        p(`架构版本：${m.schemaVersion ?? '—'}；数据表 ${m.tables.length} 张，共 ${m.totalRows} 行；数据部分 ${m.payload.bytes} 字节，SHA-256 ${m.payload.sha256}`),
        p(`加密：${m.encryption ? 'AES-256-GCM' : '未加密'}`),
        new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('二、恢复测试')] }),
        p(`测试时间：${shanghai(c.verifiedAt.toISOString())}（上海时间）；恢复到：${c.restoredInto}；恢复及核对用时 ${r.restoreMs} 毫秒`),
        p(`迁移记录：${r.migrationsOk ? '与清单一致' : '与清单不一致'}${r.pendingMigrations.length ? `；恢复后启动服务将执行迁移 ${r.pendingMigrations.join('、')}` : ''}`),
        new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('三、逐表核对')] }),
        table,
        new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun('四、结论')] }),
        p(r.ok ? '恢复副本与备份清单逐表一致（行数与校验和），备份可用于恢复。' : '恢复副本与备份清单不一致，备份不可作为恢复依据，须查明原因并重新备份。', { bold: true, color: r.ok ? '000000' : 'C00000' }),
        ...r.problems.map((x) => p(`· ${x}`, { color: 'C00000' })),
      ],
    }],
  });
  return Packer.toBuffer(doc);
}
