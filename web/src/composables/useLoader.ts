import { ref, shallowRef, type Ref } from 'vue';
import { showError } from './notify';

/**
 * Data a part of a page loads (and loads again): `load()` sets `loading`, keeps the answer in
 * `data`, shows a failure through showError (notify.ts), and when loads overlap keeps only the
 * newest answer. For lists with filters and pages, see useListPage.ts.
 */
export function useLoader<T, I = T>(fetch: () => Promise<T>, initial: I) {
  const data = shallowRef(initial) as Ref<T | I>;
  const loading = ref(false);
  let seq = 0;
  async function load(): Promise<void> {
    const mine = ++seq;
    loading.value = true;
    try {
      const answer = await fetch();
      if (mine === seq) data.value = answer;
    } catch (e) {
      if (mine === seq) showError(e);
    } finally {
      if (mine === seq) loading.value = false;
    }
  }
  return { data, loading, load };
}
