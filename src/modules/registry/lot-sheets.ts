import ExcelJS from 'exceljs';
import { COLUMN_HEADERS, REQUIRED_COLUMNS } from './lot-file.js';
import type { LotField } from './lot-input.js';
import type { LotView } from './lots.js';
import { CATEGORY_LABELS, KIND_LABELS, LOT_CATEGORIES, STATUS_LABELS } from './vocab.js';
import { XLSX_TYPE } from '../../platform/http/download.js';

/*
 * The export and the import template share the import's headers and Chinese labels, so that an
 * exported sheet can be corrected and imported back as it is.
 */

export { XLSX_TYPE };

const IMPORT_COLUMNS: readonly LotField[] = ['code', 'name', 'districtCode', 'kind', 'category', 'totalSpaces', 'address', 'lng', 'lat', 'coordSystem', 'sourceCode', 'status', 'operatorId', 'remark'];
const label = (f: LotField) => COLUMN_HEADERS[f][0]!;

/** "2026-11-25 10:00:00" in Shanghai time, as people there read it. */
function shanghaiTime(iso: string): string {
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 19).replace('T', ' ');
}

function styleHeader(sheet: ExcelJS.Worksheet): void {
  const header = sheet.getRow(1);
  header.font = { bold: true };
  header.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFDDEBF7' } };
  sheet.views = [{ state: 'frozen', ySplit: 1 }];
}

async function toBuffer(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function lotsWorkbook(lots: LotView[]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const sheet = wb.addWorksheet('停车场');
  sheet.columns = [
    ...IMPORT_COLUMNS.map((f) => ({ header: label(f), key: f, width: f === 'name' || f === 'address' ? 32 : 14 })),
    { header: '已登记泊位', key: 'berthCount', width: 12 },
    { header: '创建时间', key: 'createdAt', width: 20 },
    { header: '更新时间', key: 'updatedAt', width: 20 },
  ];
  for (const l of lots) {
    sheet.addRow({
      code: l.code,
      name: l.name,
      districtCode: l.districtName,
      kind: KIND_LABELS[l.kind],
      category: CATEGORY_LABELS[l.category],
      totalSpaces: l.totalSpaces,
      address: l.address ?? '',
      lng: l.lng,
      lat: l.lat,
      // Stored coordinates are GCJ-02 whatever was sent; say so, or a re-import would convert twice.
      coordSystem: 'gcj02',
      sourceCode: l.sourceCode ?? '',
      status: STATUS_LABELS[l.status],
      operatorId: l.operatorName ?? '',
      remark: l.remark ?? '',
      berthCount: l.berthCount,
      createdAt: shanghaiTime(l.createdAt),
      updatedAt: shanghaiTime(l.updatedAt),
    });
  }
  styleHeader(sheet);
  return toBuffer(wb);
}

export async function importTemplate(): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = '智泊 Zhibo';
  const sheet = wb.addWorksheet('停车场');
  sheet.columns = IMPORT_COLUMNS.map((f) => ({ header: label(f), key: f, width: f === 'name' || f === 'address' ? 32 : 14 }));
  sheet.addRow({
    code: 'NT-CC-0001',
    name: '南通大学附属医院停车场',
    districtCode: '崇川区',
    kind: '场库',
    category: '医院',
    totalSpaces: 860,
    address: '崇川区西寺路20号',
    lng: 120.8641,
    lat: 32.0133,
    coordSystem: 'gcj02',
    sourceCode: '',
    status: '正常',
    operatorId: '',
    remark: '示例行，导入前请删除 / example row, delete before importing',
  });
  styleHeader(sheet);

  const help = wb.addWorksheet('填写说明');
  help.columns = [{ header: '列', width: 14 }, { header: '必填', width: 8 }, { header: '说明', width: 90 }];
  const notes: Record<LotField, string> = {
    code: '停车场唯一编码，2–64 位字母、数字或 _.-；已存在的编码将被更新 / unique code; an existing code is updated',
    name: '停车场名称 / name',
    districtCode: '县市区名称（如 崇川区）或 6 位代码（如 320602） / district name or 6-digit code',
    kind: `${Object.values(KIND_LABELS).join(' 或 ')}（off_street / on_street）`,
    category: `${LOT_CATEGORIES.map((c) => CATEGORY_LABELS[c]).join('、')}；空则为 其他`,
    totalSpaces: '总泊位数，≥ 0 的整数 / integer ≥ 0',
    address: '地址 / address',
    lng: '经度 / longitude',
    lat: '纬度 / latitude',
    coordSystem: '坐标系：gcj02（高德、腾讯，默认）、wgs84（GPS）、bd09（百度） / default gcj02',
    sourceCode: '接入系统编码（须已登记） / data source code, must exist',
    status: '正常 或 暂停；空则为 正常 / active or suspended',
    operatorId: '运营单位名称或编号（须已登记） / operator name or id, must exist',
    remark: '备注 / remark',
  };
  for (const f of IMPORT_COLUMNS) help.addRow([label(f), REQUIRED_COLUMNS.includes(f) ? '是' : '', notes[f]]);
  help.addRow([]);
  help.addRow(['', '', '已有编码的行：空白单元格保留原值 / for existing codes, blank cells keep the stored value']);
  styleHeader(help);
  return toBuffer(wb);
}
