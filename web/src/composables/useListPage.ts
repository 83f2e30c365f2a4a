// The list pages' common logic: filters synced with the URL query (so that a reload, a shared link
// or the back button shows the same list), paging, sorting and loading with stale-response
// protection. See docs/architecture.md (Console) for how pages use it.
import { computed, onMounted, reactive, ref, shallowRef, watch, type Ref, type UnwrapRef } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import { filtersToQuery, filtersToUrl, queryToParams, sameQuery, type FilterDefs, type FilterValues } from './filters';
import { showError } from './notify';

export interface ListSort {
  prop: string;
  order: 'asc' | 'desc';
}

/** What a page's fetch gets: the applied filters as API parameters, and where the page starts. */
export interface ListRequest {
  params: Record<string, string>;
  page: number;
  limit: number;
  offset: number;
  /** Only for "load more": the cursor the previous answer gave. */
  cursor: string | null;
  sort: ListSort | null;
}

/** What a fetch answers: the rows, and a total (numbered pages) or a next cursor ("load more"). */
export interface ListReply<T> {
  items: T[];
  total?: number;
  nextCursor?: string | null;
}

export interface ListPageOptions<D extends FilterDefs, R extends ListReply<unknown>> {
  filters: D;
  fetch: (request: ListRequest) => Promise<R>;
  pageSize?: number;
  /** Offered page sizes; the chosen one goes into the URL as `size` when it is not the first. */
  pageSizes?: number[];
  defaultSort?: ListSort | null;
  /** 'url' (default): filters, page, size and sort live in the route query. 'none': in memory only. */
  sync?: 'url' | 'none';
  /** Search as soon as a filter changes (no search button needed). */
  auto?: boolean;
  /** Read the URL and load on mount (default); false when the page calls start() itself. */
  immediate?: boolean;
}

export function useListPage<D extends FilterDefs, R extends ListReply<unknown>>(options: ListPageOptions<D, R>) {
  const defs = options.filters;
  const sizes = options.pageSizes ?? [options.pageSize ?? 20];
  const defaultSize = options.pageSize ?? sizes[0] ?? 20;
  const defaultSort = options.defaultSort ?? null;
  const syncUrl = (options.sync ?? 'url') === 'url';
  const route = syncUrl ? useRoute() : null;
  const router = syncUrl ? useRouter() : null;
  /** The route this list belongs to: a query change on the way to another page is not ours. */
  const routeName = route?.name;

  const emptyValues = () => Object.fromEntries(Object.entries(defs).map(([name, def]) => [name, def.empty()])) as FilterValues<D>;
  const filters = reactive(emptyValues() as object) as UnwrapRef<FilterValues<D>>;
  const page = ref(1);
  const pageSize = ref(defaultSize);
  const sort = ref<ListSort | null>(defaultSort);
  const items = ref([]) as unknown as Ref<R['items']>;
  const total = ref(0);
  const nextCursor = ref<string | null>(null);
  /** The last whole answer (pages keep extra parts of it, such as KPIs). */
  const result = shallowRef<R | null>(null);
  const loading = ref(false);
  const error = ref<unknown>(null);
  let seq = 0;
  /** The filters the shown list was asked with (auto mode searches when they differ). */
  let applied = '';

  const values = () => filters as FilterValues<D>;
  const filterQuery = () => filtersToQuery(defs, values());
  /** The current filters as API parameters (also what an export of this list sends). */
  const params = () => queryToParams(filterQuery());

  function stateQuery(): Record<string, string | string[]> {
    const query = filtersToUrl(defs, values());
    if (page.value > 1) query.page = String(page.value);
    if (pageSize.value !== defaultSize) query.size = String(pageSize.value);
    if (sort.value && (sort.value.prop !== defaultSort?.prop || sort.value.order !== defaultSort?.order)) {
      query.sort = `${sort.value.order === 'desc' ? '-' : ''}${sort.value.prop}`;
    }
    return query;
  }

  function readQuery(query: LocationQuery): void {
    for (const [name, def] of Object.entries(defs)) (filters as Record<string, unknown>)[name] = def.read(query, name);
    const p = typeof query.page === 'string' && /^\d+$/.test(query.page) ? Number(query.page) : 1;
    page.value = Math.max(1, p);
    const size = Number(query.size);
    pageSize.value = sizes.includes(size) ? size : defaultSize;
    const s = typeof query.sort === 'string' ? query.sort : '';
    sort.value = s ? { prop: s.replace(/^-/, ''), order: s.startsWith('-') ? 'desc' : 'asc' } : defaultSort;
    applied = JSON.stringify(filterQuery());
  }

  async function load(more = false): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    error.value = null;
    try {
      const reply = await options.fetch({
        params: params(),
        page: page.value,
        limit: pageSize.value,
        offset: (page.value - 1) * pageSize.value,
        cursor: more ? nextCursor.value : null,
        sort: sort.value,
      });
      if (mine !== seq) return; // the filters changed meanwhile: a newer request answers instead
      items.value = more ? ([...items.value, ...reply.items] as R['items']) : reply.items;
      total.value = reply.total ?? items.value.length;
      nextCursor.value = reply.nextCursor ?? null;
      result.value = reply;
    } catch (e) {
      if (mine !== seq) return;
      error.value = e;
      showError(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }

  /** Puts the state into the URL, whose change loads; loads now when the URL already says so. */
  function apply(): void {
    if (!router || !route) {
      void load();
      return;
    }
    const query = stateQuery();
    if (sameQuery(query, route.query)) void load();
    else void router.push({ query });
  }

  /** The filters as they are now, from the first page. */
  function search(): void {
    page.value = 1;
    applied = JSON.stringify(filterQuery());
    apply();
  }

  function reset(): void {
    Object.assign(filters as object, emptyValues());
    search();
  }

  function goToPage(p: number): void {
    page.value = p;
    apply();
  }

  function setPageSize(size: number): void {
    pageSize.value = size;
    page.value = 1;
    apply();
  }

  function setSort(next: ListSort | null): void {
    sort.value = next ?? defaultSort;
    page.value = 1;
    apply();
  }

  /** el-table's sort-change event. */
  function onSortChange(e: { prop: string | null; order: 'ascending' | 'descending' | null }): void {
    setSort(e.prop && e.order ? { prop: e.prop, order: e.order === 'descending' ? 'desc' : 'asc' } : null);
  }

  /** The same list again (after a write, or the refresh button). */
  const reload = () => load();
  const loadMore = () => load(true);

  /** Reads the URL and loads: what mounting does unless `immediate: false`. */
  function start(): void {
    if (route) readQuery(route.query);
    else applied = JSON.stringify(filterQuery());
    void load();
  }

  if (route) {
    watch(
      () => route.query,
      (query) => {
        if (route.name !== routeName) return;
        readQuery(query);
        void load();
      },
    );
  }
  if (options.auto) {
    watch(
      () => JSON.stringify(filterQuery()),
      (now) => {
        if (now !== applied) search();
      },
    );
  }
  if (options.immediate !== false) onMounted(start);

  return {
    filters,
    items,
    total,
    nextCursor,
    hasMore: computed(() => nextCursor.value !== null),
    result,
    loading,
    error,
    page,
    pageSize,
    pageSizes: sizes,
    sort,
    params,
    search,
    reset,
    goToPage,
    setPageSize,
    setSort,
    onSortChange,
    reload,
    loadMore,
    start,
  };
}
