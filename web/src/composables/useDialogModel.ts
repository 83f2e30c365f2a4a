import { computed } from 'vue';

/**
 * The v-model of a dialog or drawer that its parent opens by a prop: open while `isOpen()` holds,
 * and closing it (Esc, ×, a click outside) calls `close()`, which tells the parent.
 */
export function useDialogModel(isOpen: () => boolean, close: () => void) {
  return computed({
    get: isOpen,
    set: (v: boolean) => {
      if (!v) close();
    },
  });
}
