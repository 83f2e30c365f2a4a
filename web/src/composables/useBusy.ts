import { ref, type Ref } from 'vue';
import { showError } from './notify';

/** Runs `task` between `start` and `end`; a failure is shown through showError (notify.ts) and answers undefined. */
async function guarded<T>(start: () => void, end: () => void, task: () => Promise<T>): Promise<T | undefined> {
  start();
  try {
    return await task();
  } catch (e) {
    showError(e);
    return undefined;
  } finally {
    end();
  }
}

/**
 * One action at a time with its busy flag: `run(key, task)` marks `busy` with the key while the
 * task runs. Buttons bind `:loading="busy === key"` and `:disabled="busy !== null"`. The answer is
 * the task's, or undefined when it failed.
 */
export function useBusy<K extends string = string>() {
  const busy = ref<K | null>(null) as Ref<K | null>;
  const run = <T>(key: K, task: () => Promise<T>) => guarded(() => (busy.value = key), () => (busy.value = null), task);
  return { busy, run };
}

/**
 * Runs `task` with `flag` up (a saving or loading flag the template shows), a failure shown
 * through showError; the task's answer, or undefined when it failed.
 */
export function busyWhile<T>(flag: Ref<boolean>, task: () => Promise<T>): Promise<T | undefined> {
  return guarded(() => (flag.value = true), () => (flag.value = false), task);
}
