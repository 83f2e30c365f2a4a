// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mountUi } from '../testing/mount';
import FormDialog from './FormDialog.vue';

const button = (text: string) => [...document.querySelectorAll<HTMLButtonElement>('.el-dialog button')].find((b) => b.textContent?.trim() === text)!;

describe('FormDialog', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the form, submits on its button, and closes on 取消 like the × does', async () => {
    const wrapper = mountUi(FormDialog, { props: { title: '新建', submitTestId: 'x-save' }, slots: { default: '<p class="the-form">表单</p>' }, attrs: { 'data-testid': 'x-dialog' }, global: { stubs: { transition: false } } });
    await flushPromises();
    expect(document.querySelector('[data-testid=x-dialog] .the-form')?.textContent).toBe('表单');
    expect(document.querySelector('[data-testid=x-dialog] .el-dialog__title')?.textContent).toBe('新建');
    (document.querySelector('[data-testid=x-save]') as HTMLButtonElement).click();
    expect(wrapper.emitted('submit')).toHaveLength(1);
    expect(wrapper.emitted('close')).toBeUndefined();
    button('取消').click(); // the dialog's own close: its leave transition tells `close`
    await vi.waitFor(() => expect(wrapper.emitted('close')).toHaveLength(1));
  });

  it('keeps the submit button busy or off as told, with its own text', async () => {
    mountUi(FormDialog, { props: { title: '确认', saving: true, submitText: '确定', submitTestId: 'x-save' } });
    await flushPromises();
    const submit = document.querySelector('[data-testid=x-save]') as HTMLButtonElement;
    expect(submit.textContent?.trim()).toBe('确定');
    expect(submit.classList.contains('is-loading')).toBe(true);
  });
});
