import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registryCode } from '../src/modules/ingest/index.js';
import { openRuntime } from '../src/runtime.js';
import { testConfig } from './support/backends.js';
import { assertBuilt, runCli } from './support/cli.js';

/*
 * `zhibo import snapshots` as users run it, on the fixture feed (test/fixtures/snapshots: two
 * UTC day files around the start of March in Shanghai, an awkward meta-data.csv). The in-process
 * test (src/modules/ingest/snapshot-import.test.ts) checks the same feed in more detail.
 */

const FIXTURE = fileURLToPath(new URL('./fixtures/snapshots/', import.meta.url));
const BIN = fileURLToPath(new URL('../bin/zhibo.js', import.meta.url));
const LONG_ID = 'beta-parken-Parkhaus Müller-Straße am Hauptbahnhof (Nord) – Ebene 2 bis 5, Einfahrt Bahnhofstraße';

describe('zhibo import snapshots', () => {
  let dir: string;
  beforeAll(() => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-snapshots-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const importSnapshots = (...args: string[]) => runCli(['import', 'snapshots', ...args, '--data-dir', dir]);

  /** What the database holds, read after the command has released the data directory. */
  async function stored() {
    const rt = await openRuntime(testConfig({ dataDir: dir }));
    try {
      const db = rt.ctx.db;
      const lots = await db.selectFrom('lots').select(['code', 'source_code', 'total_spaces', 'lng', 'district_code', 'remark']).orderBy('code').execute();
      const sources = await db.selectFrom('data_sources').select(['code', 'remark']).orderBy('code').execute();
      const events = await db.selectFrom('ingest_events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      const flagged = await db.selectFrom('lot_status_reports').select((eb) => eb.fn.countAll<number>().as('n')).where('flagged', '=', true).executeTakeFirstOrThrow();
      const quarantined = await db.selectFrom('ingest_quarantine').select((eb) => eb.fn.sum<number>('rejected').as('n')).executeTakeFirstOrThrow();
      return { lots, sources, events: Number(events.n), flagged: Number(flagged.n), quarantined: Number(quarantined.n ?? 0) };
    } finally {
      await rt.close();
    }
  }

  it('a dry run reports the plan and writes nothing', async () => {
    const r = importSnapshots(FIXTURE, '--dry-run');
    expect(r.code, r.stderr).toBe(1); // cells would be refused
    expect(r.stdout).toMatch(/dry run, nothing written/);
    expect(r.stdout).toMatch(/数据源 sources: 2（新建 created 2，已有 existing 0）/);
    expect(r.stdout).toMatch(/停车场 lots: 6（新建 created 6，已有 existing 0，失败 failed 0）/);
    expect(r.stdout).toMatch(/单元格 cells 23 — 接收 accepted 19，重复 duplicates 0，拒绝 rejected 4/);
    expect(await stored()).toMatchObject({ lots: [], sources: [], events: 0, quarantined: 0 });
  });

  it('imports the feed: sources, lots, events, flags and refusals, with a summary and the refused cells', async () => {
    const r = importSnapshots(FIXTURE, '--district', '320612');
    expect(r.code, r.stderr).toBe(1);
    expect(r.stdout).toMatch(/snapshot feed imported: .*snapshots\/? — 2 个日文件 \/ day files, 县市区 district 320612/);
    expect(r.stdout).toMatch(/数据源 sources: 2（新建 created 2，已有 existing 0）；运营单位 operators: 新建 created 2/);
    expect(r.stdout).toMatch(/停车场 lots: 6（新建 created 6，已有 existing 0，失败 failed 0）— 无坐标 without coordinates 5，按观测估算容量 capacity estimated 1，容量未知 capacity unknown 1，改写编码 renamed codes 1，从未上报 never reported 2/);
    expect(r.stdout).toMatch(/单元格 cells 23 — 接收 accepted 19，重复 duplicates 0，拒绝 rejected 4（隔离区 \d+ 条 \/ quarantine entries），标记异常 flagged 2/);
    expect(r.stdout).toMatch(/unlisted columns: 1（2 个单元格/);
    expect(r.stdout).toMatch(/columns of no known source: gamma-Unknown（2 个单元格/);
    expect(r.stdout).toMatch(/^2021-02-28\.csv\s+5\s+alpha-parken-P3\s+INVALID_FIELD\s+freeSpaces/m);
    expect(r.stdout).toMatch(/^2021-03-01\.csv\s+4\s+alpha-parken-Unlisted\s+UNKNOWN_LOT/m);
    expect(r.stdout).not.toMatch(/█|░/); // no progress bar off a terminal

    const db = await stored();
    expect(db.sources.map((s) => s.code)).toEqual(['alpha-parken', 'beta-parken']);
    expect(db.lots.map((l) => [l.code, l.source_code, l.total_spaces, l.district_code])).toEqual([
      ['alpha-parken-P1', 'alpha-parken', 100, '320612'],
      ['alpha-parken-P2', 'alpha-parken', 50, '320612'],
      ['alpha-parken-P3', 'alpha-parken', 42, '320612'], // no num_all: the largest free count observed
      ['alpha-parken-Silent', 'alpha-parken', 80, '320612'],
      ['beta-parken-B2', 'beta-parken', 0, '320612'], // num_all 0 and never reported
      [registryCode(LONG_ID), 'beta-parken', 200, '320612'],
    ]);
    expect(db.lots.find((l) => l.code === registryCode(LONG_ID))!.remark).toContain(LONG_ID);
    expect(db).toMatchObject({ events: 19, flagged: 2, quarantined: 4 });
  });

  it('is idempotent: a second run adds nothing and counts duplicates; a terminal gets a progress bar', async () => {
    // `script` gives the command a terminal, as a user at a console has.
    const cmd = [process.execPath, BIN, 'import', 'snapshots', FIXTURE, '--data-dir', dir].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, ZHIBO_DATABASE_URL: '', ZHIBO_LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stdout).toBe(1);
    expect(r.stdout).toMatch(/导入 import\s+[█░]+ 100% \| 23 单元格 cells/);
    expect(r.stdout).toMatch(/数据源 sources: 2（新建 created 0，已有 existing 2）/);
    expect(r.stdout).toMatch(/停车场 lots: 6（新建 created 0，已有 existing 6，失败 failed 0）/);
    expect(r.stdout).toMatch(/单元格 cells 23 — 接收 accepted 0，重复 duplicates 19，拒绝 rejected 4/);
    const db = await stored();
    expect(db.lots).toHaveLength(6);
    expect(db.events).toBe(19);
  });

  it('--json prints the whole result', () => {
    const r = importSnapshots(FIXTURE, '--json', '--dry-run');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ dryRun: true, cells: 23, accepted: 0, duplicates: 19, rejected: 4, lots: { existing: 6 } });
  });

  it('exits 2 for a directory it cannot use and for an unknown district', () => {
    const missing = importSnapshots(path.join(dir, 'nope'));
    expect([missing.code, missing.stderr]).toEqual([2, expect.stringContaining('INVALID_FEED')]);
    const noMeta = importSnapshots(fileURLToPath(new URL('./fixtures/', import.meta.url)));
    expect([noMeta.code, noMeta.stderr]).toEqual([2, expect.stringContaining('meta-data.csv')]);
    const district = importSnapshots(FIXTURE, '--district', '999999');
    expect([district.code, district.stderr]).toEqual([2, expect.stringContaining('UNKNOWN_DISTRICT')]);
    expect(district.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
