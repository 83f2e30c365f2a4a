// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/api';
import { deferred, mountUi } from '../testing/mount';
import DownloadButtons from './DownloadButtons.vue';

describe('DownloadButtons', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('one button a format; one download at a time; a failure shown and the buttons back', async () => {
    const first = deferred<void>();
    const download = vi.fn((format: string) => (format === 'xlsx' ? first.promise : Promise.reject(new ApiError(403, 'FORBIDDEN', '无权导出'))));
    const wrapper = mountUi(DownloadButtons, { props: { formats: ['xlsx', 'docx'], label: (f: string) => `导出 ${f}`, download, testId: 'ledger' } });
    const xlsx = () => wrapper.find('[data-testid=ledger-xlsx]');
    const docx = () => wrapper.find('[data-testid=ledger-docx]');
    expect(xlsx().text()).toBe('导出 xlsx');
    expect(docx().text()).toBe('导出 docx');

    await xlsx().trigger('click');
    expect(download).toHaveBeenCalledWith('xlsx');
    expect(xlsx().classes()).toContain('is-loading');
    expect(docx().attributes('disabled')).toBeDefined();
    first.resolve();
    await flushPromises();
    expect(xlsx().classes()).not.toContain('is-loading');
    expect(docx().attributes('disabled')).toBeUndefined();

    await docx().trigger('click');
    await flushPromises();
    expect(download).toHaveBeenLastCalledWith('docx');
    expect(document.body.textContent).toContain('无权导出');
    expect(docx().attributes('disabled')).toBeUndefined();
  });

  it('a single format takes the test id as it is', () => {
    const wrapper = mountUi(DownloadButtons, { props: { formats: ['xlsx'], label: () => '导出', download: async () => undefined, testId: 'lots-export' } });
    expect(wrapper.find('[data-testid=lots-export]').text()).toBe('导出');
  });
});
