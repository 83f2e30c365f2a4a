// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, reactive } from 'vue';
import { mountUi } from '../testing/mount';
import FilterBar from './FilterBar.vue';
import SelectField from './SelectField.vue';

describe('FilterBar and SelectField', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('searches on the button and on Enter, resets on 重置, and shows the fields of its slot', async () => {
    const wrapper = mountUi(FilterBar, {
      props: { searchTestId: 'x-search' },
      slots: { default: '<el-form-item label="关键字"><el-input data-testid="x-q" /></el-form-item>', actions: '<button data-testid="x-extra">刷新</button>' },
    });
    expect(wrapper.find('[data-testid=x-q]').exists()).toBe(true);
    expect(wrapper.find('[data-testid=x-extra]').exists()).toBe(true);
    const search = wrapper.find('[data-testid=x-search]');
    expect(search.text()).toBe('查询');
    await wrapper.find('form').trigger('submit'); // what the submit button and Enter in a field do
    expect(wrapper.emitted('search')).toHaveLength(1);
    const reset = wrapper.findAll('button').find((b) => b.text() === '重置')!;
    await reset.trigger('click');
    expect(wrapper.emitted('reset')).toHaveLength(1);
    expect(wrapper.emitted('search')).toHaveLength(1);
  });

  it('leaves the buttons out when asked', () => {
    const wrapper = mountUi(FilterBar, { props: { search: false, reset: false } });
    expect(wrapper.findAll('button')).toHaveLength(0);
  });

  it('SelectField (all): labels each option, binds the model, and clears to an empty string', async () => {
    const Host = defineComponent({
      components: { SelectField },
      setup: () => ({ filters: reactive({ state: 'open' }), label: (s: string) => ({ open: '处理中', closed: '已关闭' })[s] ?? s }),
      template: `<SelectField all v-model="filters.state" label="状态" :options="['open', 'closed']" :option-label="label" option-test-id="opt" data-testid="state-select" style="width: 130px" />`,
    });
    const wrapper = mountUi(Host);
    await flushPromises();
    expect(wrapper.find('.el-form-item__label').text()).toBe('状态');
    const select = wrapper.find('[data-testid=state-select]');
    expect(select.exists()).toBe(true);
    expect(select.attributes('style')).toContain('width: 130px');
    expect(select.text()).toContain('处理中'); // the chosen value's label
    await select.find('.el-select__wrapper').trigger('click');
    await flushPromises();
    const closed = document.querySelector('[data-testid=opt-closed]') as HTMLElement;
    expect(closed.textContent).toContain('已关闭');
    closed.click();
    await flushPromises();
    const vm = wrapper.vm as unknown as { filters: { state: string } };
    expect(vm.filters.state).toBe('closed');
    await select.trigger('mouseenter');
    await flushPromises();
    await select.find('.el-select__clear').trigger('click');
    await flushPromises();
    expect(vm.filters.state).toBe('');
  });
});
