import { ref, shallowRef, watch, type Ref } from 'vue';
import { showError } from './notify';
import { useDialogModel } from './useDialogModel';

interface DetailOptions<K, T> {
  /** What is shown; null: the drawer is closed. */
  key: () => K | null;
  fetch: (key: K) => Promise<T>;
  /** Tells the parent to close (sets the key to null). */
  close: () => void;
  /** Loads again when this changes (a counter the parent bumps after a write). */
  version?: () => unknown;
  /** Close when loading fails (default), or stay open and empty. */
  closeOnError?: boolean;
}

/**
 * A drawer (or dialog) that shows one thing by its key: open while the key is not null, loaded
 * when the key or version changes; only the answer for the key still shown is kept; a failure is
 * shown through showError (notify.ts).
 */
export function useDetail<K, T>(options: DetailOptions<K, T>) {
  const data = shallowRef<T | null>(null) as Ref<T | null>;
  const loading = ref(false);
  const open = useDialogModel(() => options.key() !== null, options.close);

  async function load(): Promise<void> {
    const k = options.key();
    if (k === null) return;
    loading.value = true;
    try {
      const answer = await options.fetch(k);
      if (options.key() === k) data.value = answer;
    } catch (e) {
      showError(e);
      if (options.closeOnError !== false) options.close();
    } finally {
      loading.value = false;
    }
  }

  watch(
    options.key,
    (k) => {
      data.value = null;
      if (k !== null) void load();
    },
    { immediate: true },
  );
  if (options.version) watch(options.version, () => void load());

  return { data, loading, open, load };
}
