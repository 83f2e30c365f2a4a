// @vitest-environment happy-dom
import { flushPromises, type VueWrapper } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api';
import { deferred, mountUi } from '../testing/mount';
import SheetImport from './SheetImport.vue';
import type { SheetImportResult, UploadProgress } from './sheet-import';

const sheet = new File(['编码,名称\nA-1,南大街'], 'lots.csv', { type: 'text/csv' });

function answer(dryRun: boolean): SheetImportResult {
  return {
    dryRun,
    total: 3,
    created: 2,
    updated: 0,
    unchanged: 0,
    rejected: 1,
    rows: [
      { row: 2, code: 'A-1', status: 'created', errors: [], warnings: [] },
      { row: 3, code: 'A-2', status: 'created', errors: [], warnings: [{ field: 'lng', message: '坐标超出南通' }] },
      { row: 4, code: 'BAD', status: 'rejected', errors: [{ field: 'totalSpaces', message: '须为正整数' }], warnings: [] },
    ],
  } as SheetImportResult;
}

type Call = (file: File, onProgress: UploadProgress) => Promise<SheetImportResult>;

function mountImport(dryRun: Call, commit: Call, props: Record<string, unknown> = {}) {
  return mountUi(SheetImport, { props: { texts: 'import', testId: 'import', dryRun, commit, cards: true, problemsFilter: true, ...props } });
}

async function pick(wrapper: VueWrapper, file: File): Promise<void> {
  const input = wrapper.find('[data-testid=import-file] input[type=file]');
  Object.defineProperty(input.element, 'files', { value: [file], configurable: true });
  await input.trigger('change');
  await flushPromises();
}

const byId = (wrapper: VueWrapper, id: string) => wrapper.find(`[data-testid=${id}]`);
const statuses = (wrapper: VueWrapper) => wrapper.findAll('[data-testid=import-row-status]').map((w) => w.attributes('data-status'));

describe('SheetImport', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('runs upload → dry run → per-row verdicts → commit', async () => {
    const dryRun = vi.fn<Call>(async () => answer(true));
    const commit = vi.fn<Call>(async () => answer(false));
    const wrapper = mountImport(dryRun, commit);
    expect(byId(wrapper, 'import-dry-run').attributes('disabled')).toBeDefined(); // nothing picked yet
    expect(byId(wrapper, 'import-run').attributes('disabled')).toBeDefined();

    await pick(wrapper, sheet);
    expect(byId(wrapper, 'import-dry-run').attributes('disabled')).toBeUndefined();
    await byId(wrapper, 'import-dry-run').trigger('click');
    await flushPromises();

    expect(dryRun).toHaveBeenCalledTimes(1);
    expect(dryRun.mock.calls[0]![0].name).toBe('lots.csv');
    expect(await dryRun.mock.calls[0]![0].text()).toBe(await sheet.text());
    expect(commit).not.toHaveBeenCalled();
    expect(byId(wrapper, 'import-result').attributes('data-dry-run')).toBe('true');
    expect(byId(wrapper, 'import-result').text()).toContain('预检结果：仅校验，未写入任何数据。');
    expect(byId(wrapper, 'import-summary-created').text()).toContain('2');
    expect(byId(wrapper, 'import-summary-rejected').text()).toContain('1');
    expect(statuses(wrapper)).toEqual(['created', 'created', 'rejected']);
    const bad = wrapper.findAll('[data-testid=import-rows] .el-table__body tr').find((tr) => tr.text().includes('BAD'))!;
    expect(bad.text()).toContain('须为正整数');
    expect(wrapper.emitted('done')).toBeUndefined();

    await byId(wrapper, 'import-run').trigger('click');
    await flushPromises();
    expect(commit).toHaveBeenCalledTimes(1);
    expect(commit.mock.calls[0]![0].name).toBe('lots.csv');
    expect(byId(wrapper, 'import-result').attributes('data-dry-run')).toBe('false');
    expect(byId(wrapper, 'import-result').text()).toContain('导入完成。');
    expect(wrapper.emitted('done')).toHaveLength(1);
    expect(wrapper.emitted('result')).toHaveLength(2);
  });

  it('filters to the rows with problems on request', async () => {
    const wrapper = mountImport(async () => answer(true), async () => answer(false));
    await pick(wrapper, sheet);
    await byId(wrapper, 'import-dry-run').trigger('click');
    await flushPromises();
    expect(statuses(wrapper)).toHaveLength(3);
    await wrapper.find('.el-switch').trigger('click');
    await flushPromises();
    expect(wrapper.findAll('[data-testid=import-rows] .el-table__body tr').map((tr) => tr.text().includes('A-1'))).not.toContain(true);
    expect(statuses(wrapper)).toEqual(['created', 'rejected']); // the warned row and the refused one
  });

  it('shows upload progress while a call runs, and keeps the buttons off meanwhile', async () => {
    const pending = deferred<SheetImportResult>();
    let report: UploadProgress = () => undefined;
    const dryRun = vi.fn<Call>((_file, onProgress) => {
      report = onProgress;
      return pending.promise;
    });
    const wrapper = mountImport(dryRun, async () => answer(false), { progress: true, texts: 'eventImport' });
    await pick(wrapper, sheet);
    await byId(wrapper, 'import-dry-run').trigger('click');
    await flushPromises();
    report(50, 200);
    await flushPromises();
    expect(byId(wrapper, 'import-progress').text()).toContain('25%');
    expect(byId(wrapper, 'import-progress').text()).toContain('正在上传');
    expect(byId(wrapper, 'import-run').attributes('disabled')).toBeDefined();

    pending.resolve(answer(true));
    await flushPromises();
    expect(byId(wrapper, 'import-progress').exists()).toBe(false);
    expect(byId(wrapper, 'import-run').attributes('disabled')).toBeUndefined();
  });

  it('shows a failed call in place and keeps the file for another try', async () => {
    const commit = vi.fn<Call>(async () => {
      throw new ApiError(413, 'PAYLOAD_TOO_LARGE', '文件过大 / file too large');
    });
    const wrapper = mountImport(async () => answer(true), commit);
    await pick(wrapper, sheet);
    await byId(wrapper, 'import-run').trigger('click');
    await flushPromises();
    expect(byId(wrapper, 'import-error').text()).toContain('文件过大'); // the Chinese half on a Chinese screen
    expect(byId(wrapper, 'import-error').text()).not.toContain('file too large');
    expect(byId(wrapper, 'import-result').exists()).toBe(false);
    expect(wrapper.emitted('done')).toBeUndefined();
    expect(byId(wrapper, 'import-run').attributes('disabled')).toBeUndefined();
  });

  it('waits for the other inputs the import needs (ready)', async () => {
    const wrapper = mountImport(async () => answer(true), async () => answer(false), { ready: false });
    await pick(wrapper, sheet);
    expect(byId(wrapper, 'import-dry-run').attributes('disabled')).toBeDefined();
    await wrapper.setProps({ ready: true });
    expect(byId(wrapper, 'import-dry-run').attributes('disabled')).toBeUndefined();
  });
});
