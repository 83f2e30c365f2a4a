import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import { xlsxOf } from '../../../test/fixtures/registry/helpers.js';
import { decodeText, readLotSheet } from './lot-file.js';

const HEADER = '编码,名称,县市区,类型,总泊位,经度,纬度';
const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/registry/${name}`, import.meta.url));

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('readLotSheet', () => {
  it('reads a UTF-8 CSV with BOM, keeping sheet row numbers across blank lines', async () => {
    const csv = `\uFEFF${HEADER},备注\nA-1,甲,崇川区,场库,10,120.86,32.01,\n\nA-2,乙,320612,路内,5,121.07,32.08,路边\n`;
    const sheet = await readLotSheet(Buffer.from(csv), 'lots.csv');
    expect(sheet.format).toBe('csv');
    expect(sheet.rows).toEqual([
      { row: 2, input: { code: 'A-1', name: '甲', districtCode: '崇川区', kind: '场库', totalSpaces: '10', lng: '120.86', lat: '32.01' } },
      { row: 4, input: { code: 'A-2', name: '乙', districtCode: '320612', kind: '路内', totalSpaces: '5', lng: '121.07', lat: '32.08', remark: '路边' } },
    ]);
  });

  it('decodes GBK CSV saved by Chinese Excel, and tab-separated text', async () => {
    const gbk = fixture('lots-gbk.csv');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(gbk)).toThrow();
    expect(decodeText(gbk)).toContain('南通');
    const sheet = await readLotSheet(gbk, 'lots.csv');
    expect(sheet.rows[0]!.input).toMatchObject({ name: '南通西站停车场', districtCode: '崇川区', kind: '场库' });
    const tsv = await readLotSheet(Buffer.from('code\tname\tdistrict\tkind\ttotalSpaces\tlng\tlat\nB-1\tx\t320602\toff_street\t1\t120.9\t32\n'), 'lots.txt');
    expect(tsv.format).toBe('csv');
    expect(tsv.rows[0]!.input).toMatchObject({ code: 'B-1', kind: 'off_street' });
  });

  it('reads .xlsx with decorated English/Chinese headers, numbers and formula results', async () => {
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet('s');
    ws.addRow(['*Code', 'Name', '县市区', 'Kind', 'Total Spaces', '经度(GCJ-02)', '纬度（GCJ-02）', '无关列']);
    ws.addRow(['X-1', { richText: [{ text: '文峰' }, { text: '大世界' }] }, '崇川', 'off_street', { formula: '200*2', result: 400 }, 120.8663, 32.0071, 'ignored']);
    ws.addRow([]);
    ws.addRow(['X-2', '南站', '320602', '场库', 5, 120.85, 32.05]);
    const sheet = await readLotSheet(Buffer.from(await wb.xlsx.writeBuffer()), 'upload.bin');
    expect(sheet.format).toBe('xlsx');
    expect(sheet.ignoredColumns).toEqual(['无关列']);
    expect(sheet.rows).toEqual([
      { row: 2, input: { code: 'X-1', name: '文峰大世界', districtCode: '崇川', kind: 'off_street', totalSpaces: 400, lng: 120.8663, lat: 32.0071 } },
      { row: 4, input: { code: 'X-2', name: '南站', districtCode: '320602', kind: '场库', totalSpaces: 5, lng: 120.85, lat: 32.05 } },
    ]);
  });

  it('refuses files it cannot read and sheets without the required columns', async () => {
    expect((await failure(readLotSheet(Buffer.from('not a zip'), 'lots.xlsx'))).code).toBe('INVALID_FILE');
    expect((await failure(readLotSheet(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]), 'old.xls'))).code).toBe('INVALID_FILE');
    expect((await failure(readLotSheet(Buffer.alloc(0), 'empty.csv'))).code).toBe('INVALID_FILE');
    expect((await failure(readLotSheet(Buffer.from('\n\n'), 'blank.csv'))).code).toBe('INVALID_FILE');
    const missing = await failure(readLotSheet(await xlsxOf([['编码', '名称', '县市区']]), 'lots.xlsx'));
    expect(missing).toMatchObject({ status: 400, code: 'MISSING_COLUMNS', details: { missing: ['kind', 'totalSpaces', 'lng', 'lat'] } });
  });
});
