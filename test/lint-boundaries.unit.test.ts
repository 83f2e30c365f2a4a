import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

/*
 * The module-boundary rules (eslint-rules/boundaries.js, decision 0010) through the project's own
 * eslint.config.js, on a tiny tree of deliberate mistakes (test/fixtures/lint, which `npm run
 * lint` ignores): what `npm run lint` would say about them if they were in src/.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'lint', 'src');
const FILES = [
  'modules/orders/service.ts', 'modules/orders/routes.ts', 'modules/orders/index.ts', 'modules/stock/index.ts', 'modules/stock/repo.ts',
  'platform/audit.ts', 'db/schema.ts', 'modules/hens/index.ts', 'modules/eggs/index.ts',
];

let results: Map<string, Linter.LintMessage[]>;

beforeAll(async () => {
  const eslint = new ESLint({ cwd: ROOT, ignore: false });
  const out = await eslint.lintFiles(FILES.map((f) => path.join(FIXTURES, f)));
  results = new Map(out.map((r) => [path.relative(FIXTURES, r.filePath).split(path.sep).join('/'), r.messages]));
});

const messages = (file: string) => results.get(file) ?? [];
const ruled = (file: string, rule: string) => messages(file).filter((m) => m.ruleId === rule);

describe('module boundaries (npm run lint)', () => {
  it("fails an import of another module's internal file, naming the file, the rule and the way out", () => {
    const found = ruled('modules/orders/service.ts', 'zhibo/public-entry');
    expect(found).toHaveLength(1);
    expect(found[0]!.severity).toBe(2);
    expect(found[0]!.line).toBe(1);
    expect(found[0]!.message).toContain("'src/modules/orders/service.ts' imports 'src/modules/stock/repo.ts'");
    expect(found[0]!.message).toContain('zhibo/public-entry');
    expect(found[0]!.message).toContain("Import from '../stock/index.js' and export what you need there");
  });

  it("passes an import of another module's index.ts, and a module's own files", () => {
    expect(messages('modules/orders/routes.ts')).toEqual([]);
    expect(messages('modules/orders/index.ts')).toEqual([]);
    expect(messages('modules/stock/index.ts')).toEqual([]);
    expect(messages('modules/stock/repo.ts')).toEqual([]);
  });

  it('fails src/platform and src/db importing a module, even through its index.ts', () => {
    for (const file of ['platform/audit.ts', 'db/schema.ts']) {
      const found = ruled(file, 'zhibo/layers');
      expect(found, file).toHaveLength(1);
      expect(found[0]!.message).toContain(`'src/${file}' imports 'src/modules/stock/index.ts'`);
      expect(found[0]!.message).toContain('src/platform and src/db sit below every module');
    }
    expect(ruled('platform/audit.ts', 'zhibo/public-entry')).toEqual([]);
  });

  it('fails a cycle between modules on both sides, spelling the cycle out', () => {
    const hens = ruled('modules/hens/index.ts', 'zhibo/no-module-cycle');
    const eggs = ruled('modules/eggs/index.ts', 'zhibo/no-module-cycle');
    expect(hens).toHaveLength(1);
    expect(eggs).toHaveLength(1);
    expect(hens[0]!.message).toContain("module 'hens' depend on 'eggs', which already depends on 'hens'");
    expect(hens[0]!.message).toContain('eggs → hens (src/modules/eggs/index.ts)');
    expect(eggs[0]!.message).toContain('hens → eggs (src/modules/hens/index.ts)');
    // A dependency without a way back is no cycle.
    expect(ruled('modules/orders/routes.ts', 'zhibo/no-module-cycle')).toEqual([]);
  });
});
