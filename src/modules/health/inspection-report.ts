import { formatShanghai } from '../../platform/time.js';
import type { ReportDocument } from './document.js';
import type { Inspection } from './inspections.js';

/** 《系统巡检报告》 of one inspection run: summary, the items, what changed since the previous run. */

export const STATUS_ZH = { ok: '正常', warn: '告警', fail: '故障' } as const;

export function inspectionDocument(i: Inspection): ReportDocument {
  const changed = i.items.filter((it) => it.previousStatus !== null && it.previousStatus !== it.status);
  const count = (pick: (it: Inspection['items'][number]) => string | null) => (['ok', 'warn', 'fail'] as const).map((s) => i.items.filter((it) => pick(it) === s).length);
  const runs = i.previousId === null ? ['本次'] : [`上次（#${i.previousId}）`, `本次（#${i.id}）`];
  const column = (n: number) => (i.previousId === null ? [count((it) => it.status)[n]!] : [count((it) => it.previousStatus)[n]!, count((it) => it.status)[n]!]);
  return {
    title: '系统巡检报告',
    subtitle: `南通市智慧停车平台 · 巡检编号 ${i.id} · ${formatShanghai(new Date(i.createdAt))} · 巡检人 ${i.createdBy}${i.trigger === 'scheduled' ? '（定期巡检）' : ''}`,
    sections: [
      {
        heading: '一、巡检结论',
        paragraphs: [
          `共 ${i.items.length} 项：正常 ${i.summary.ok} 项，告警 ${i.summary.warn} 项，故障 ${i.summary.fail} 项。`,
          i.summary.fail ? `故障项：${i.items.filter((it) => it.status === 'fail').map((it) => it.name).join('、')}。` : '无故障项。',
        ],
        chart: {
          title: '巡检结果（项）', categories: runs, stacked: true,
          series: [
            { name: STATUS_ZH.ok, data: column(0), color: '#67c23a' },
            { name: STATUS_ZH.warn, data: column(1), color: '#e6a23c' },
            { name: STATUS_ZH.fail, data: column(2), color: '#f56c6c' },
          ],
        },
      },
      {
        heading: '二、巡检项目',
        table: {
          name: '巡检项目',
          headers: ['序号', '编码', '检查项', '类型', '结果', '说明', '测量值', '阈值', '备注', '上次结果'],
          rows: i.items.map((it, n) => [
            String(n + 1), it.code, it.name, it.kind === 'auto' ? '自动' : '人工', STATUS_ZH[it.status], it.detail,
            it.measured ?? '', it.threshold ?? '', it.note ?? '', it.previousStatus ? STATUS_ZH[it.previousStatus] : '—',
          ]),
        },
      },
      {
        heading: '三、与上次巡检对比',
        paragraphs: [i.previousId === null ? '首次巡检，无对比。' : changed.length ? `与巡检 ${i.previousId} 相比，${changed.length} 项结果有变化：` : `与巡检 ${i.previousId} 相比，各项结果无变化。`],
        ...(changed.length ? { table: { name: '结果变化', headers: ['检查项', '上次', '本次'], rows: changed.map((it) => [it.name, STATUS_ZH[it.previousStatus!], STATUS_ZH[it.status]]) } } : {}),
      },
    ],
  };
}
