// @vitest-environment happy-dom
import { flushPromises } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h, nextTick } from 'vue';
import type { Router } from 'vue-router';
import { deferred, listRouter, mountUi } from '../testing/mount';
import { filter } from './filters';
import { useListPage, type ListReply, type ListRequest } from './useListPage';

interface Row {
  id: number;
}

const FILTERS = {
  q: filter.text(),
  state: filter.list(),
  min: filter.number(),
  period: filter.dateRange(),
  open: filter.flag(),
  scope: filter.text('unresolved'),
};

type Fetch = (r: ListRequest) => Promise<ListReply<Row>>;

/** Mounts a component that holds a list; the list itself is handed back for the test to drive. */
async function mountList(fetch: Fetch, router: Router | null, extra: { auto?: boolean } = {}) {
  let list!: ReturnType<typeof useListPage<typeof FILTERS, ListReply<Row>>>;
  const Host = defineComponent({
    setup() {
      list = useListPage({ filters: FILTERS, pageSize: 20, pageSizes: [20, 50], fetch, ...(router ? {} : { sync: 'none' as const }), ...extra });
      return () => h('div');
    },
  });
  const wrapper = mountUi(Host, router ? { router } : {});
  await flushPromises();
  return { list, wrapper };
}

const rows = (...ids: number[]) => ({ items: ids.map((id) => ({ id })), total: 100 });

describe('useListPage', () => {
  let router: Router;
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('reads every kind of filter, the page, size and sort from the URL and asks the API with them', async () => {
    router = listRouter();
    await router.push('/list?q=%E8%8B%8FF&state=open&state=late&min=5&from=2026-11-01&to=2026-11-30&open=true&scope=&page=3&size=50&sort=-occurredAt');
    const fetch = vi.fn<Fetch>(async () => rows(1, 2));
    const { list } = await mountList(fetch, router);

    expect(list.filters).toEqual({ q: '苏F', state: ['open', 'late'], min: 5, period: ['2026-11-01', '2026-11-30'], open: true, scope: '' });
    expect(list.page.value).toBe(3);
    expect(list.pageSize.value).toBe(50);
    expect(list.sort.value).toEqual({ prop: 'occurredAt', order: 'desc' });
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(fetch.mock.calls[0]![0]).toEqual({
      params: { q: '苏F', state: 'open,late', min: '5', from: '2026-11-01', to: '2026-11-30', open: 'true', scope: '' },
      page: 3,
      limit: 50,
      offset: 100,
      cursor: null,
      sort: { prop: 'occurredAt', order: 'desc' },
    });
    expect(list.items.value).toEqual([{ id: 1 }, { id: 2 }]);
    expect(list.total.value).toBe(100);
  });

  it('takes defaults for what the URL lacks or gets wrong', async () => {
    router = listRouter();
    await router.push('/list?min=abc&page=x&size=33&from=2026-11-01');
    const fetch = vi.fn<Fetch>(async () => rows());
    const { list } = await mountList(fetch, router);
    expect(list.filters).toEqual({ q: '', state: [], min: null, period: null, open: false, scope: 'unresolved' });
    expect(list.page.value).toBe(1);
    expect(fetch.mock.calls[0]![0].params).toEqual({ scope: 'unresolved' }); // the API gets the default, the URL need not carry it
    expect(list.pageSize.value).toBe(20);
  });

  it('writes the filters into the URL on search, from page 1, and loads that', async () => {
    router = listRouter();
    await router.push('/list?q=old&page=4');
    const fetch = vi.fn<Fetch>(async () => rows(1));
    const { list } = await mountList(fetch, router);
    expect(fetch.mock.calls[0]![0].offset).toBe(60);

    list.filters.q = '  new ';
    list.filters.state = ['open'];
    list.filters.period = ['2026-11-02', '2026-11-03'];
    list.filters.open = true;
    list.filters.scope = 'all';
    list.search();
    await flushPromises();

    expect(router.currentRoute.value.query).toEqual({ q: 'new', state: ['open'], from: '2026-11-02', to: '2026-11-03', open: 'true', scope: 'all' });
    expect(list.page.value).toBe(1);
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(fetch.mock.calls[1]![0]).toMatchObject({ params: { q: 'new', state: 'open', from: '2026-11-02', to: '2026-11-03', open: 'true', scope: 'all' }, page: 1, offset: 0 });
  });

  it('follows the URL back: the back button shows the earlier filters and page', async () => {
    router = listRouter();
    await router.push('/list?q=first&page=2');
    const fetch = vi.fn<Fetch>(async () => rows(1));
    const { list } = await mountList(fetch, router);
    list.filters.q = 'second';
    list.search();
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'second' });

    router.back();
    await flushPromises();
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ q: 'first', page: '2' }));
    await flushPromises();
    expect(list.filters.q).toBe('first');
    expect(list.page.value).toBe(2);
    expect(fetch.mock.calls.at(-1)![0]).toMatchObject({ params: { q: 'first' }, page: 2, offset: 20 });
  });

  it('searching the same filters again reloads without a navigation', async () => {
    router = listRouter();
    await router.push('/list?q=same');
    const fetch = vi.fn<Fetch>(async () => rows(1));
    const { list } = await mountList(fetch, router);
    const push = vi.spyOn(router, 'push');
    list.search();
    await flushPromises();
    expect(push).not.toHaveBeenCalled();
    expect(fetch).toHaveBeenCalledTimes(2);
  });

  it('resets the filters to their defaults and the page to 1', async () => {
    router = listRouter();
    await router.push('/list?q=x&state=a&open=true&scope=&page=5');
    const { list } = await mountList(vi.fn<Fetch>(async () => rows()), router);
    list.reset();
    await flushPromises();
    expect(list.filters).toEqual({ q: '', state: [], min: null, period: null, open: false, scope: 'unresolved' });
    expect(router.currentRoute.value.query).toEqual({});
    expect(list.page.value).toBe(1);
  });

  it('puts page, page size and sort into the URL; a new size or sort starts from page 1', async () => {
    router = listRouter();
    await router.push('/list?q=a');
    const fetch = vi.fn<Fetch>(async () => rows());
    const { list } = await mountList(fetch, router);

    list.goToPage(3);
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'a', page: '3' });
    expect(fetch.mock.calls.at(-1)![0].offset).toBe(40);

    list.setPageSize(50);
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'a', size: '50' });

    list.goToPage(2);
    await flushPromises();
    list.onSortChange({ prop: 'createdAt', order: 'ascending' });
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'a', size: '50', sort: 'createdAt' });
    expect(fetch.mock.calls.at(-1)![0]).toMatchObject({ page: 1, limit: 50, sort: { prop: 'createdAt', order: 'asc' } });

    list.onSortChange({ prop: 'createdAt', order: null });
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'a', size: '50' });
  });

  it('ignores an answer that comes back after a newer request (filters changed quickly)', async () => {
    router = listRouter();
    await router.push('/list');
    const answers: ReturnType<typeof deferred<ListReply<Row>>>[] = [];
    const fetch = vi.fn<Fetch>(() => {
      const d = deferred<ListReply<Row>>();
      answers.push(d);
      return d.promise;
    });
    const { list } = await mountList(fetch, router);
    answers[0]!.resolve(rows(0));
    await flushPromises();

    list.filters.q = 'slow';
    list.search();
    await flushPromises();
    list.filters.q = 'fast';
    list.search();
    await flushPromises();
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(list.loading.value).toBe(true);

    answers[2]!.resolve(rows(2)); // the newer one first
    await flushPromises();
    expect(list.items.value).toEqual([{ id: 2 }]);
    expect(list.loading.value).toBe(false);

    answers[1]!.resolve(rows(1)); // the stale one after it: not shown
    await flushPromises();
    expect(list.items.value).toEqual([{ id: 2 }]);
    expect(list.result.value).toEqual(rows(2));

    list.filters.q = 'fails-late';
    list.search();
    await flushPromises();
    list.filters.q = 'ok';
    list.search();
    await flushPromises();
    answers[4]!.resolve(rows(4));
    answers[3]!.reject(new Error('late failure'));
    await flushPromises();
    expect(list.error.value).toBeNull(); // a stale failure is not reported either
    expect(list.items.value).toEqual([{ id: 4 }]);
  });

  it('keeps the rows, stops loading and keeps the error when a request fails', async () => {
    router = listRouter();
    await router.push('/list');
    let fail = false;
    const fetch = vi.fn<Fetch>(async () => {
      if (fail) throw new Error('服务器错误');
      return rows(7);
    });
    const { list } = await mountList(fetch, router);
    fail = true;
    await list.reload();
    expect(list.error.value).toBeInstanceOf(Error);
    expect(list.loading.value).toBe(false);
    expect(list.items.value).toEqual([{ id: 7 }]);
    expect(document.body.textContent).toContain('服务器错误'); // shown through notify's message
  });

  it('loads more rows with the cursor of the previous answer', async () => {
    router = listRouter();
    await router.push('/list');
    const fetch = vi.fn<Fetch>(async (r) => (r.cursor ? { items: [{ id: 3 }], nextCursor: null } : { items: [{ id: 1 }, { id: 2 }], nextCursor: 'c2' }));
    const { list } = await mountList(fetch, router);
    expect(list.hasMore.value).toBe(true);
    await list.loadMore();
    expect(fetch.mock.calls[1]![0].cursor).toBe('c2');
    expect(list.items.value).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(list.hasMore.value).toBe(false);
  });

  it('does not answer a query change of another route (leaving the page)', async () => {
    router = listRouter();
    await router.push('/list?q=a');
    const fetch = vi.fn<Fetch>(async () => rows());
    const { list } = await mountList(fetch, router);
    await router.push('/other?q=b');
    await flushPromises();
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(list.filters.q).toBe('a');
  });

  it('without the URL (sync none, auto): a filter change searches from page 1 by itself', async () => {
    const fetch = vi.fn<Fetch>(async () => rows());
    const { list } = await mountList(fetch, null, { auto: true });
    expect(fetch).toHaveBeenCalledTimes(1);
    list.goToPage(4);
    await flushPromises();
    expect(fetch.mock.calls.at(-1)![0].page).toBe(4);

    list.filters.state = ['open'];
    await nextTick();
    await flushPromises();
    expect(list.page.value).toBe(1);
    expect(fetch).toHaveBeenCalledTimes(3);
    expect(fetch.mock.calls.at(-1)![0]).toMatchObject({ params: { state: 'open' }, page: 1, offset: 0 });
  });
});
