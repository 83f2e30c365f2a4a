// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mountUi } from '../testing/mount';
import PageHeader from './PageHeader.vue';

describe('PageHeader', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the title and the page buttons; 刷新 only for a page that listens to refresh', async () => {
    const plain = mountUi(PageHeader, { props: { title: '停车场库' }, slots: { default: '<button class="own">新建</button>' } });
    expect(plain.find('h2').text()).toBe('停车场库');
    expect(plain.findAll('button').map((b) => b.text())).toEqual(['新建']);

    const onRefresh = vi.fn();
    const withRefresh = mountUi(PageHeader, { props: { title: '用户', onRefresh } });
    const refresh = withRefresh.findAll('button').find((b) => b.text() === '刷新')!;
    await refresh.trigger('click');
    expect(onRefresh).toHaveBeenCalledTimes(1);
  });
});
