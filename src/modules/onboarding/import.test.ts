import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestEnv, describeDb, type TestEnv } from '../../../test/support/backends.js';
import { bearer, loginToken, userToken } from '../../../test/support/http.js';
import { createSourceWithLots, postEvents } from '../../../test/support/ingest.js';
import { multipart, xlsxOf, xlsxRows } from '../../../test/fixtures/registry/helpers.js';
import { getEntry } from '../../../test/fixtures/onboarding/helpers.js';

const HEADER = ['名称', '县市区', '地址', '类型', '类别', '泊位数', '运营单位', '联系人', '联系电话', '重点区域', '高频使用', '阶段', '目标日期', '停车场编码', '进展说明'];

type Row = { row: number; name: string | null; status: string; errors: { field: string; code: string }[]; warnings: { code: string }[] };

describeDb('onboarding: candidate list import', (backend) => {
  let env: TestEnv;
  let admin: string;
  let cc: string;

  const upload = (token: string, fileName: string, content: Buffer | string, dryRun = false) => {
    const body = multipart(fileName, content);
    return env.app.inject({ method: 'POST', url: `/api/v1/onboarding/import?dryRun=${dryRun}`, headers: { ...bearer(token), ...body.headers }, payload: body.payload });
  };
  const entries = async () =>
    (await env.ctx.db.selectFrom('onboarding_entries').select(['id', 'name', 'stage', 'known_spaces', 'address', 'lot_code']).orderBy('id').execute());
  const codes = (rows: Row[]) => rows.map((r) => [r.row, r.status, ...r.errors.map((e) => e.code)]);

  beforeAll(async () => {
    env = await createTestEnv(backend);
    admin = await loginToken(env.app);
    cc = await userToken(env.app, admin, { username: 'cc', role: 'district', districtCode: '320602' });
    const source = await createSourceWithLots(env, admin, 'SRC-I', [{ code: 'LIVE-1', totalSpaces: 300 }, { code: 'IDLE-1', totalSpaces: 50 }]);
    await postEvents(env, source, [{ type: 'status', eventId: 'e1', occurredAt: env.clock.now().toISOString(), lotCode: 'LIVE-1', totalSpaces: 300, freeSpaces: 3 }]);
  });
  afterAll(() => env.close());

  const sheet = () =>
    xlsxOf([
      HEADER,
      ['万象城地下停车场', '崇川区', '工农路1号', '场库', '商业', 800, '万象物业', '王工', '0513-81234567', '是', '是', '对接中', '2026-12-31', null, '接口开发中'],
      ['已在上报的停车场', '320602', null, '场库', null, 300, null, null, null, null, null, '测试中', null, 'LIVE-1', null],
      ['南大街路内泊位', '崇川', null, '路内', null, '36', null, null, 13912345678, '否', null, null, new Date(Date.UTC(2027, 2, 31)), null, null],
      ['坏行', '火星区', null, '地下', null, -5, null, null, '打电话', '也许', null, '上线了', '2026-13-01', 'NO-LOT', null],
      ['万象城地下停车场', '崇川区', null, '场库', null, 10, null, null, null, null, null, null, null, null, null],
      ['没关联就已接入', '崇川区', null, '场库', null, 10, null, null, null, null, null, '已接入', null, null, null],
      ['通州的条目', '通州区', null, '场库', null, 10, null, null, null, null, null, null, null, null, null],
    ]);

  it('dry run reports every row with all its reasons and writes nothing', async () => {
    const res = await upload(admin, '候选清单.xlsx', await sheet(), true);
    expect(res.statusCode, res.body).toBe(200);
    const r = res.json();
    expect(r).toMatchObject({ dryRun: true, total: 7, created: 4, updated: 0, unchanged: 0, rejected: 3 });
    expect(codes(r.rows)).toEqual([
      [2, 'created'],
      [3, 'created'],
      [4, 'created'],
      [5, 'rejected', 'UNKNOWN_DISTRICT', 'INVALID_KIND', 'INVALID_KNOWN_SPACES', 'INVALID_STAGE', 'INVALID_FLAG', 'INVALID_DATE', 'INVALID_PHONE'],
      [6, 'rejected', 'DUPLICATE_IN_FILE'],
      [7, 'rejected', 'LOT_LINK_REQUIRED'],
      [8, 'created'],
    ]);
    expect(await entries()).toEqual([]);
  });

  it('imports the good rows, links and connects a lot that reports, and converts Excel dates and phone numbers', async () => {
    const r = (await upload(admin, '候选清单.xlsx', await sheet())).json();
    expect(r).toMatchObject({ dryRun: false, created: 4, rejected: 3 });
    const list = await entries();
    expect(list.map((e) => [e.name, e.stage, e.known_spaces, e.lot_code])).toEqual([
      ['万象城地下停车场', 'docking', 800, null],
      ['已在上报的停车场', 'connected', 300, 'LIVE-1'],
      ['南大街路内泊位', 'not_started', 36, null],
      ['通州的条目', 'not_started', 10, null],
    ]);
    const road = await getEntry(env, admin, list[2]!.id);
    expect(road).toMatchObject({ kind: 'on_street', districtCode: '320602', contactPhone: '13912345678', targetDate: '2027-03-31', keyArea: false });
    const mall = await getEntry(env, admin, list[0]!.id);
    expect(mall).toMatchObject({ keyArea: true, highFrequency: true, category: 'commercial', latestNote: { note: '接口开发中' } });
    const actions = (await env.ctx.db.selectFrom('audit_log').select('action').where('action', 'like', 'onboarding.%').orderBy('id').execute()).map((a) => a.action);
    expect(actions).toEqual(['onboarding.import.create', 'onboarding.import.create', 'onboarding.auto_connect', 'onboarding.import.create', 'onboarding.import.create', 'onboarding.import']);
  });

  it('re-imports as unchanged; a changed stage or note updates with a history entry; blank cells keep values', async () => {
    const again = (await upload(admin, '候选清单.xlsx', await sheet())).json();
    expect(again).toMatchObject({ created: 0, updated: 0, unchanged: 4, rejected: 3 });
    // The sheet still says 测试中 for the entry that connected meanwhile: the import leaves it connected.
    expect(again.rows[1]).toMatchObject({ status: 'unchanged', warnings: [expect.objectContaining({ code: 'STAGE_KEPT' })] });
    const edited = await xlsxOf([
      HEADER,
      ['万象城地下停车场', '崇川区', null, '场库', null, null, null, null, null, null, null, '测试中', null, 'IDLE-1', '联调测试'],
      ['南大街路内泊位', '崇川区', null, '路内', null, 40, null, null, null, null, null, null, null, null, '已约见'],
    ]);
    const r = (await upload(admin, 'edited.xlsx', edited)).json();
    expect(codes(r.rows)).toEqual([[2, 'updated'], [3, 'updated']]);
    const [mall, , road] = await entries();
    expect(mall).toMatchObject({ stage: 'testing', known_spaces: 800, address: '工农路1号', lot_code: 'IDLE-1' });
    const history = (await getEntry(env, admin, mall!.id)).history;
    expect(history.at(-1)).toMatchObject({ fromStage: 'docking', toStage: 'testing', note: '联调测试', actor: 'admin' });
    const roadHistory = (await getEntry(env, admin, road!.id)).history;
    expect(roadHistory.at(-1)).toMatchObject({ fromStage: 'not_started', toStage: 'not_started', note: '已约见' });
    expect(road!.known_spaces).toBe(40);
  });

  it('keeps district users to their district, reads CSV, and refuses a sheet without the required columns', async () => {
    const csv = '\uFEFF名称,县市区,类型,泊位数,停车场编码\n市民中心,崇川区,场库,200,\n海门某场,海门区,场库,10,\n抢链接,崇川区,场库,5,LIVE-1\n';
    const r = (await upload(cc, 'list.csv', csv)).json();
    expect(codes(r.rows)).toEqual([[2, 'created'], [3, 'rejected', 'DISTRICT_FORBIDDEN'], [4, 'rejected', 'LOT_ALREADY_LINKED']]);
    const missing = await upload(admin, 'x.csv', '名称,县市区\n甲,崇川区\n');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.code).toBe('MISSING_COLUMNS');
    const notMultipart = await env.app.inject({ method: 'POST', url: '/api/v1/onboarding/import', headers: bearer(admin), payload: {} });
    expect(notMultipart.statusCode).toBeGreaterThanOrEqual(400);
    expect(notMultipart.statusCode).toBeLessThan(500);
  });

  it('serves a template whose example row imports', async () => {
    const res = await env.app.inject({ url: '/api/v1/onboarding/import/template', headers: bearer(cc) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toContain(encodeURIComponent('县市区接入清单导入模板.xlsx'));
    const rows = await xlsxRows(res.rawPayload);
    expect(rows[0]).toEqual([...HEADER.slice(0, 14), '进展说明', '备注']);
    const dry = (await upload(admin, 'template.xlsx', res.rawPayload, true)).json();
    expect(dry).toMatchObject({ total: 1, created: 1, rejected: 0 });
  });
});
