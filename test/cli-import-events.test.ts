import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSampleRegistry } from '../src/modules/registry/index.js';
import { openRuntime } from '../src/runtime.js';
import { testConfig } from './support/backends.js';
import { assertBuilt, runCli } from './support/cli.js';

describe('zhibo import events', () => {
  let dir: string;
  let files: string;
  const write = (name: string, content: string) => {
    const file = path.join(files, name);
    writeFileSync(file, content);
    return file;
  };

  beforeAll(async () => {
    assertBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-events-'));
    files = mkdtempSync(path.join(tmpdir(), 'zhibo-cli-files-'));
    // The sample registry: source NT-CITY-PARK with lot NT-CC-0001, among others.
    const rt = await openRuntime(testConfig({ dataDir: dir }));
    try {
      await seedSampleRegistry(rt.ctx);
    } finally {
      await rt.close();
    }
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(files, { recursive: true, force: true });
  });

  const importEvents = (...args: string[]) => runCli(['import', 'events', ...args, '--data-dir', dir]);

  it('imports a file and prints a plain summary when stdout is not a terminal', () => {
    const file = write('good.csv', [
      '类型,事件编号,发生时间,车场编码,车牌,应收(分),实收(分),支付方式',
      '入场,cli-1,2026-11-20 08:00:00,NT-CC-0001,苏FL0001,,,',
      '出场,cli-2,2026-11-20 09:30:00,NT-CC-0001,苏FL0001,500,500,现金',
    ].join('\n'));
    const dry = importEvents(file, '--source', 'NT-CITY-PARK', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/dry run, nothing written: good\.csv 共 2 行.*accepted 2/);
    const r = importEvents(file, '--source', 'NT-CITY-PARK');
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toMatch(/imported: good\.csv 共 2 行.*accepted 2, 重复 duplicates 0, 拒绝 rejected 0/);
    expect(r.stdout).not.toMatch(/█|░|%.*rows\/s/); // no progress bar off a terminal
    const again = importEvents(file, '--source', 'NT-CITY-PARK', '--json');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ rows: 2, accepted: 0, duplicates: 2, rejected: 0 });
  });

  it('exits 1 with a row report when rows are refused, and writes them to --errors as CSV', () => {
    const lines = [JSON.stringify({ type: 'entry', eventId: 'cli-3', occurredAt: '2026-11-21 08:00:00', lotCode: 'NT-CC-0001', plate: '苏FL0003' }), '{"type": "entry", broken', JSON.stringify({ type: 'entry', eventId: 'cli-5', occurredAt: '2026-11-21 08:00:00', lotCode: 'NT-CC-0001', plate: '苏FL' })];
    const file = write('some-bad.jsonl', lines.join('\n'));
    const r = importEvents(file, '--source', 'NT-CITY-PARK');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/共 3 行.*accepted 1, 重复 duplicates 0, 拒绝 rejected 2/);
    expect(r.stdout).toMatch(/^2\s+-\s+INVALID_JSON\s+第 2 行不是合法 JSON/m);
    expect(r.stdout).toMatch(/^3\s+cli-5\s+INVALID_PLATE/m);

    const errors = path.join(files, 'errors.csv');
    const again = importEvents(file, '--source', 'NT-CITY-PARK', '--errors', errors);
    expect(again.code).toBe(1);
    expect(again.stdout).toContain(errors);
    const csv = readFileSync(errors, 'utf8');
    expect(csv.startsWith('\uFEFF行号 row,事件编号 eventId,代码 code,说明 message\r\n')).toBe(true);
    expect(csv).toContain('\r\n3,cli-5,INVALID_PLATE,');
    expect(csv.split('\r\n').filter(Boolean)).toHaveLength(3);
  });

  it('exits 2 for a file it cannot read, a malformed file, and an unknown source', () => {
    const missing = importEvents(path.join(files, 'nope.csv'), '--source', 'NT-CITY-PARK');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.csv');
    const noColumns = importEvents(write('cols.csv', '车牌\n苏F12345\n'), '--source', 'NT-CITY-PARK');
    expect([noColumns.code, noColumns.stderr]).toEqual([2, expect.stringContaining('MISSING_COLUMNS')]);
    const unknown = importEvents(write('y.jsonl', ''), '--source', 'NOPE');
    expect([unknown.code, unknown.stderr]).toEqual([2, expect.stringContaining('UNKNOWN_SOURCE')]);
    expect(unknown.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
