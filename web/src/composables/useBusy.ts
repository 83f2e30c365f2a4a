import { ref, type Ref } from 'vue';
import { showError } from './notify';

/**
 * One action at a time with its busy flag: `run(key, task)` marks `busy` with the key while the
 * task runs and shows a failure through showError (notify.ts). Buttons bind `:loading="busy === key"`
 * and `:disabled="busy !== null"`. The answer is the task's, or undefined when it failed.
 */
export function useBusy<K extends string = string>() {
  const busy = ref<K | null>(null);
  async function run<T>(key: K, task: () => Promise<T>): Promise<T | undefined> {
    busy.value = key;
    try {
      return await task();
    } catch (e) {
      showError(e);
      return undefined;
    } finally {
      busy.value = null;
    }
  }
  return { busy, run };
}

/**
 * Runs `task` with `flag` up (a saving or loading flag the template shows), a failure shown
 * through showError; the task's answer, or undefined when it failed.
 */
export async function busyWhile<T>(flag: Ref<boolean>, task: () => Promise<T>): Promise<T | undefined> {
  flag.value = true;
  try {
    return await task();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    flag.value = false;
  }
}
