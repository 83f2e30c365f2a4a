import ExcelJS from 'exceljs';
import { readSheet, type Sheet, CATEGORY_LABELS, KIND_LABELS, LOT_CATEGORIES } from '../registry/index.js';
import type { EntryField } from './entry-input.js';
import { STAGE_LABELS, STAGES } from './vocab.js';

/*
 * The candidate list as a sheet: the columns the import understands (Chinese or English headers,
 * read by the registry's sheet reader) and the template that writes them.
 */

export type SheetField = EntryField | 'note';

export const ENTRY_COLUMNS: Record<SheetField, readonly string[]> = {
  name: ['名称', 'name', '停车场名称', '资源名称'],
  districtCode: ['县市区', 'district', 'districtcode', '县市区编码', '区县', '所属县市区'],
  address: ['地址', 'address'],
  kind: ['类型', 'kind', '停车场类型'],
  category: ['类别', 'category', '停车场类别'],
  knownSpaces: ['泊位数', 'knownspaces', 'spaces', '已知泊位', '总泊位', '泊位'],
  operatorName: ['运营单位', 'operator', 'operatorname', '运营方', '管理单位'],
  contactName: ['联系人', 'contact', 'contactname'],
  contactPhone: ['联系电话', 'phone', 'contactphone', '电话', '手机'],
  keyArea: ['重点区域', 'keyarea'],
  highFrequency: ['高频使用', 'highfrequency', '高频'],
  stage: ['阶段', 'stage', '接入阶段'],
  targetDate: ['目标日期', 'targetdate', '计划接入日期', '计划完成日期'],
  lotCode: ['停车场编码', 'lotcode', '平台停车场编码', '关联停车场编码'],
  note: ['进展说明', 'note', '最新进展'],
  remark: ['备注', 'remark'],
};
export const REQUIRED_ENTRY_COLUMNS: readonly SheetField[] = ['name', 'districtCode', 'kind', 'knownSpaces'];

export type EntrySheet = Sheet<SheetField>;

export function readEntrySheet(file: Buffer, fileName: string): Promise<EntrySheet> {
  return readSheet(file, fileName, { headers: ENTRY_COLUMNS, required: REQUIRED_ENTRY_COLUMNS });
}

const ORDER: readonly SheetField[] = [
  'name', 'districtCode', 'address', 'kind', 'category', 'knownSpaces', 'operatorName', 'contactName', 'contactPhone',
  'keyArea', 'highFrequency', 'stage', 'targetDate', 'lotCode', 'note', 'remark',
];

const NOTES: Record<SheetField, string> = {
  name: '停车资源名称；同一县市区内名称唯一，已存在的名称将被更新 / name, unique within the district; an existing name is updated',
  districtCode: '县市区名称（如 崇川区）或 6 位代码（如 320602） / district name or code',
  address: '地址 / address',
  kind: `${Object.values(KIND_LABELS).join(' 或 ')}（off_street / on_street）`,
  category: `${LOT_CATEGORIES.map((c) => CATEGORY_LABELS[c]).join('、')}；空则为 其他`,
  knownSpaces: '已知泊位数，≥ 0 的整数，用于计算接入覆盖率 / known spaces, integer ≥ 0, for coverage',
  operatorName: '运营单位名称 / operator',
  contactName: '运营单位联系人 / contact person',
  contactPhone: '联系电话 / phone',
  keyArea: '是否重点区域：是/否 / key area: yes or no',
  highFrequency: '是否高频使用：是/否 / high-frequency use: yes or no',
  stage: `${STAGES.map((s) => STAGE_LABELS[s]).join('、')}；空则为 未启动（已有条目空则不变） / stage`,
  targetDate: '计划接入日期 YYYY-MM-DD / target date',
  lotCode: '已在平台登记的停车场编码；该停车场上报数据后自动标记为已接入 / registry lot code; connected automatically once it reports',
  note: '进展说明，登记或阶段变化时记入进展记录 / progress note, recorded with the registration or the stage change',
  remark: '备注 / remark',
};

export async function entryTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const sheet = wb.addWorksheet('接入清单');
  sheet.columns = ORDER.map((f) => ({ header: ENTRY_COLUMNS[f][0], key: f, width: f === 'name' || f === 'address' || f === 'note' ? 30 : 14 }));
  sheet.addRow({
    name: '通州湾商业广场地下停车场',
    districtCode: '通州区',
    address: '通州区金沙街道建设路88号',
    kind: '场库',
    category: '商业',
    knownSpaces: 520,
    operatorName: '南通某物业管理有限公司',
    contactName: '张工',
    contactPhone: '0513-86000000',
    keyArea: '是',
    highFrequency: '否',
    stage: '联系中',
    targetDate: '2026-12-31',
    lotCode: '',
    note: '已电话联系运营方，待提供接口文档',
    remark: '示例行，导入前请删除 / example row, delete before importing',
  });
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];

  const help = wb.addWorksheet('填写说明');
  help.columns = [{ header: '列', width: 14 }, { header: '必填', width: 8 }, { header: '说明', width: 90 }];
  for (const f of ORDER) help.addRow([ENTRY_COLUMNS[f][0], REQUIRED_ENTRY_COLUMNS.includes(f) ? '是' : '', NOTES[f]]);
  help.addRow([]);
  help.addRow(['', '', '已有条目（同县市区同名称）：空白单元格保留原值 / for existing entries, blank cells keep the stored value']);
  help.getRow(1).font = { bold: true };
  return Buffer.from(await wb.xlsx.writeBuffer());
}
