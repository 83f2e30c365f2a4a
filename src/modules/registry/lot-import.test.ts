import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLotImport } from '../../cli/registry.js';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { upload, xlsxOf, xlsxRows } from '../../../test/fixtures/registry/helpers.js';
import { seedSampleRegistry } from './sample-data.js';

const FIXTURES = new URL('../../../test/fixtures/registry/', import.meta.url);
const badCsv = readFileSync(new URL('lots-with-bad-rows.csv', FIXTURES));
const HEADER = ['编码', '名称', '县市区', '类型', '类别', '总泊位', '地址', '经度', '纬度', '坐标系', '接入系统', '状态'];

describeDb('registry: lot import', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string;

  const lotCodes = async () => (await env.ctx.db.selectFrom('lots').select('code').orderBy('code').execute()).map((l) => l.code);
  const auditCount = async () => (await env.ctx.db.selectFrom('audit_log').select('id').execute()).length;

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc-staff', role: 'district', districtCode: '320602' });
    await env.app.inject({ method: 'POST', url: '/api/v1/sources', headers: bearer(admin), payload: { code: 'NT-CITY-PARK', name: '市级平台' } });
  });
  afterAll(() => env.close());

  describe('xlsx', () => {
    const sheet = () =>
      xlsxOf([
        HEADER,
        ['X-001', '文峰大世界地下停车场', '崇川区', '场库', '商业', 420, '崇川区南大街3-21号', 120.8663, 32.0071, 'gcj02', 'NT-CITY-PARK', '正常'],
        ['X-002', '南大街路内泊位段', '320602', '路内', '商业', 36, null, 120.8657, 32.0089, null, null, null],
        ['X-003', '通州区人民医院停车场', '通州区', 'off_street', 'hospital', 650, null, 121.0690, 32.0870, 'wgs84', null, null],
      ]);

    it('dry run reports every row and writes nothing', async () => {
      const before = await auditCount();
      const res = await upload(env.app, admin, 'lots.xlsx', await sheet(), true);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ dryRun: true, total: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });
      expect(res.json().rows.map((r: { row: number; status: string }) => [r.row, r.status])).toEqual([[2, 'created'], [3, 'created'], [4, 'created']]);
      expect(await lotCodes()).toEqual([]);
      expect(await auditCount()).toBe(before);
    });

    it('imports, then reports a re-import as unchanged and an edited sheet as updated', async () => {
      const res = await upload(env.app, admin, 'lots.xlsx', await sheet());
      expect(res.json()).toMatchObject({ dryRun: false, created: 3, rejected: 0 });
      expect(await lotCodes()).toEqual(['X-001', 'X-002', 'X-003']);
      const tz = (await env.app.inject({ url: '/api/v1/lots/X-003', headers: bearer(admin) })).json();
      expect(tz).toMatchObject({ districtCode: '320612', category: 'hospital', inputCoordSystem: 'wgs84' });
      expect(tz.lng).not.toBe(121.069);

      const again = await upload(env.app, admin, 'lots.xlsx', await sheet());
      expect(again.json()).toMatchObject({ created: 0, updated: 0, unchanged: 3, rejected: 0 });

      const edited = await xlsxOf([HEADER, ['X-001', '文峰大世界地下停车场', '崇川区', '场库', '商业', 450, null, 120.8663, 32.0071, null, null, '暂停']]);
      const upd = await upload(env.app, admin, 'edited.xlsx', edited);
      expect(upd.json()).toMatchObject({ updated: 1, total: 1 });
      const x1 = (await env.app.inject({ url: '/api/v1/lots/X-001', headers: bearer(admin) })).json();
      // Blank cells keep what was stored (address, source).
      expect(x1).toMatchObject({ totalSpaces: 450, status: 'suspended', address: '崇川区南大街3-21号', sourceCode: 'NT-CITY-PARK' });

      const actions = (await env.ctx.db.selectFrom('audit_log').select(['action', 'target_id']).where('action', 'like', 'lot.import%').orderBy('id').execute()).map((a) => `${a.action}:${a.target_id ?? ''}`);
      expect(actions).toEqual(['lot.import.create:X-001', 'lot.import.create:X-002', 'lot.import.create:X-003', 'lot.import:', 'lot.import:', 'lot.import.update:X-001', 'lot.import:']);
    });

    it('exports a sheet that imports back unchanged', async () => {
      const exported = await env.app.inject({ url: '/api/v1/lots/export', headers: bearer(admin) });
      const res = await upload(env.app, admin, 'export.xlsx', exported.rawPayload);
      expect(res.json()).toMatchObject({ total: 3, unchanged: 3 });
    });

    it('serves a template that names the columns and imports as its example row', async () => {
      const res = await env.app.inject({ url: '/api/v1/lots/import/template', headers: bearer(cc) });
      expect(res.statusCode).toBe(200);
      const rows = await xlsxRows(res.rawPayload);
      expect(rows[0]).toEqual(expect.arrayContaining(['编码', '名称', '县市区', '类型', '类别', '总泊位', '地址', '经度', '纬度', '坐标系', '接入系统', '状态']));
      expect(rows).toHaveLength(2);
      const dry = await upload(env.app, admin, 'template.xlsx', res.rawPayload, true);
      expect(dry.json()).toMatchObject({ total: 1, created: 1, rejected: 0 });
    });
  });

  describe('csv with bad rows', () => {
    it('imports only the good rows and reports each bad row with all its reasons', async () => {
      const res = await upload(env.app, admin, 'lots-with-bad-rows.csv', badCsv);
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ dryRun: false, total: 9, created: 3, updated: 0, unchanged: 0, rejected: 6 });
      const byRow = Object.fromEntries(body.rows.map((r: { row: number; code: string; status: string; errors: { code: string }[]; warnings: { code: string }[] }) => [r.row, { code: r.code, status: r.status, errors: r.errors.map((e) => e.code).sort(), warnings: r.warnings.map((w) => w.code) }]));
      expect(byRow).toEqual({
        2: { code: 'CSV-001', status: 'created', errors: [], warnings: [] },
        3: { code: 'CSV-002', status: 'rejected', errors: ['UNKNOWN_DISTRICT'], warnings: [] },
        4: { code: 'CSV-003', status: 'rejected', errors: ['INVALID_TOTAL_SPACES'], warnings: [] },
        5: { code: 'CSV-001', status: 'rejected', errors: ['DUPLICATE_IN_FILE'], warnings: [] },
        6: { code: 'CSV-004', status: 'rejected', errors: ['INVALID_COORDINATES'], warnings: [] },
        7: { code: 'CSV-005', status: 'rejected', errors: ['INVALID_COORDINATES'], warnings: [] },
        8: { code: 'CSV-006', status: 'created', errors: [], warnings: [] },
        9: { code: 'CSV-007', status: 'created', errors: [], warnings: ['FAR_FROM_NANTONG'] },
        10: {
          code: 'CSV-008', status: 'rejected', warnings: [],
          errors: ['INVALID_COORDINATES', 'INVALID_COORD_SYSTEM', 'INVALID_KIND', 'INVALID_STATUS', 'INVALID_TOTAL_SPACES', 'UNKNOWN_DISTRICT', 'UNKNOWN_SOURCE'],
        },
      });
      expect(body.rows[2].errors[0]).toEqual({ field: 'totalSpaces', code: 'INVALID_TOTAL_SPACES', message: expect.any(String) });
      const codes = await lotCodes();
      expect(codes.filter((c) => c.startsWith('CSV-'))).toEqual(['CSV-001', 'CSV-006', 'CSV-007']);
      const first = (await env.app.inject({ url: '/api/v1/lots/CSV-001', headers: bearer(admin) })).json();
      expect(first.name).toBe('濠河风景区东停车场'); // the first occurrence, not the duplicate
    });

    it('reads GBK CSV and refuses unreadable files and missing columns with 400', async () => {
      const gbk = await upload(env.app, admin, 'gbk.csv', readFileSync(new URL('lots-gbk.csv', FIXTURES)), true);
      expect(gbk.json()).toMatchObject({ created: 1, rows: [{ code: 'GBK-1', status: 'created' }] });
      const broken = await upload(env.app, admin, 'lots.xlsx', Buffer.from('PK\u0003\u0004 truncated zip'));
      expect(broken.statusCode).toBe(400);
      expect(broken.json().error.code).toBe('INVALID_FILE');
      const missing = await upload(env.app, admin, 'lots.csv', '编码,名称\nA,B\n');
      expect(missing.statusCode).toBe(400);
      expect(missing.json().error.code).toBe('MISSING_COLUMNS');
      const notMultipart = await env.app.inject({ method: 'POST', url: '/api/v1/lots/import', headers: bearer(admin), payload: { file: 'x' } });
      expect(notMultipart.statusCode).toBe(400);
      expect(notMultipart.json().error.code).toBe('INVALID_FILE');
    });
  });

  describe('district scope', () => {
    it('lets a district user import only into their own district', async () => {
      const csv = [
        '编码,名称,县市区,类型,总泊位,经度,纬度',
        'CC-IMP-1,崇川新停车场,崇川区,场库,50,120.87,32.02', // own district: created
        'TZ-IMP-1,通州新停车场,通州区,场库,50,121.07,32.08', // another district
        'X-003,改名尝试,崇川区,场库,10,120.87,32.02', // an existing lot of 通州区: a taken code, like any other
        'X-001,文峰大世界地下停车场,崇川区,场库,460,120.8663,32.0071', // own lot: updated
        'X-002,南大街路内泊位段,通州区,路内,36,120.8657,32.0089', // moving own lot out
      ].join('\n');
      const res = await upload(env.app, cc, 'cc.csv', csv);
      const rows = res.json().rows.map((r: { code: string; status: string; errors: { code: string }[] }) => [r.code, r.status, r.errors.map((e) => e.code)]);
      expect(rows).toEqual([
        ['CC-IMP-1', 'created', []],
        ['TZ-IMP-1', 'rejected', ['DISTRICT_FORBIDDEN']],
        ['X-003', 'rejected', ['DUPLICATE']],
        ['X-001', 'updated', []],
        ['X-002', 'rejected', ['DISTRICT_FORBIDDEN']],
      ]);
      const x3 = (await env.app.inject({ url: '/api/v1/lots/X-003', headers: bearer(admin) })).json();
      expect(x3.name).toBe('通州区人民医院停车场');
      expect((await env.app.inject({ url: '/api/v1/lots/TZ-IMP-1', headers: bearer(admin) })).statusCode).toBe(404);
    });

    /*
     * Security review, finding 15: the import told a district user "this code belongs to a lot of
     * another district". A lot of another district does not exist for them: its code gets the
     * verdict an unknown code gets, word for word, in a dry run and in a real import.
     */
    it('answers a code of another district\'s lot as it answers an unknown code', async () => {
      // X-003 is 通州区's lot; NEW-TZ-9 and NEW-CC-9 exist nowhere.
      type Row = { row: number; code: string; status: string; errors: { field: string; code: string; message: string }[]; warnings: unknown[] };
      for (const rest of ['通州医院,通州区,场库,50,121.07,32.08', '通州医院,通州区,场库,,121.07,32.08', '崇川医院,崇川区,,50,120.87,32.02']) {
        for (const dryRun of [true, false]) {
          const csv = ['编码,名称,县市区,类型,总泊位,经度,纬度', `X-003,${rest}`, `NEW-TZ-9,${rest}`].join('\n');
          const res = await upload(env.app, cc, 'probe.csv', csv, dryRun);
          expect(res.statusCode, res.body).toBe(200);
          const [taken, unknown] = (res.json().rows as Row[]).map(({ code: _code, row: _row, ...verdict }) => verdict);
          expect(taken).toEqual(unknown);
          expect(taken!.status).toBe('rejected');
          expect(res.body).not.toMatch(/其他县市区的停车场|belongs to|another district/);
        }
      }
      // Into one's own district, a taken code is refused as creating it one by one is (POST /lots), naming no district.
      const own = await upload(env.app, cc, 'own.csv', ['编码,名称,县市区,类型,总泊位,经度,纬度', 'X-003,崇川医院,崇川区,场库,50,120.87,32.02'].join('\n'), true);
      expect(own.json().rows[0].errors).toEqual([{ field: 'code', code: 'DUPLICATE', message: '停车场编码已存在 / lot code X-003 already exists' }]);
      const single = await env.app.inject({ method: 'POST', url: '/api/v1/lots', headers: bearer(cc), payload: { code: 'X-003', name: '崇川医院', districtCode: '320602', kind: 'off_street', totalSpaces: 50, lng: 120.87, lat: 32.02 } });
      expect([single.statusCode, single.json().error.code, single.json().error.message]).toEqual([409, 'DUPLICATE', '停车场编码已存在 / lot code X-003 already exists']);
      expect((await env.app.inject({ url: '/api/v1/lots/X-003', headers: bearer(admin) })).json().name).toBe('通州区人民医院停车场');
    });
  });

  describe('cli', () => {
    it('imports a file, prints each rejected row with reasons and exits 1 when rows were rejected', async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'zhibo-import-'));
      const file = path.join(dir, 'cli-lots.csv');
      writeFileSync(file, badCsv.toString('utf8').replaceAll('CSV-', 'CLI-'));
      const lines: string[] = [];
      const code = await runLotImport(env.ctx, file, { dryRun: true }, (l) => lines.push(l));
      expect(code).toBe(1);
      const text = lines.join('\n');
      expect(text).toContain('DUPLICATE_IN_FILE');
      expect(text).toMatch(/CLI-002\s+拒绝 rejected\s+✗ UNKNOWN_DISTRICT/);
      expect(text).toContain('dry run');
      expect((await lotCodes()).filter((c) => c.startsWith('CLI-'))).toEqual([]);

      const good = path.join(dir, 'good.csv');
      writeFileSync(good, '编码,名称,县市区,类型,总泊位,经度,纬度\nCLI-OK,好停车场,海安市,场库,10,120.467,32.533\n');
      const out: string[] = [];
      expect(await runLotImport(env.ctx, good, { json: true }, (l) => out.push(l))).toBe(0);
      expect(JSON.parse(out.join('\n'))).toMatchObject({ created: 1, rejected: 0 });
      const audit = await env.ctx.db.selectFrom('audit_log').select('actor').where('target_id', '=', 'CLI-OK').executeTakeFirstOrThrow();
      expect(audit.actor).toMatch(/^cli:/);
      expect(await runLotImport(env.ctx, path.join(dir, 'missing.csv'), {}, () => {})).toBe(2);
    });
  });

  describe('sample data', () => {
    it('seeds a realistic registry once and is idempotent', async () => {
      const first = await seedSampleRegistry(env.ctx);
      expect(first.operators).toBeGreaterThanOrEqual(2);
      expect(first.sources).toBeGreaterThanOrEqual(2);
      expect(first.lots).toBeGreaterThanOrEqual(12);
      expect(first.berths).toBeGreaterThan(0);
      expect(await seedSampleRegistry(env.ctx)).toEqual({ operators: 0, sources: 0, lots: 0, berths: 0 });
      const districts = (await env.app.inject({ url: '/api/v1/districts', headers: bearer(admin) })).json().items;
      expect(districts.every((d: { lotCount: number }) => d.lotCount > 0)).toBe(true);
      const lots = (await env.app.inject({ url: '/api/v1/lots?q=NT-&limit=500', headers: bearer(admin) })).json().items as { lng: number; lat: number }[];
      for (const l of lots) {
        expect(l.lng).toBeGreaterThan(120.3);
        expect(l.lng).toBeLessThan(121.9);
        expect(l.lat).toBeGreaterThan(31.6);
        expect(l.lat).toBeLessThan(32.7);
      }
    });
  });
});
