import { ElMessage } from 'element-plus';
import { ApiError } from '../api/api';

/** Shows an API error (its bilingual message) or any other failure as a toast. */
export function showError(e: unknown): void {
  if (e instanceof ApiError) {
    if (e.status === 401) return; // the router is already sending the user to the login page
    ElMessage.error({ message: e.message, grouping: true });
  } else if (e instanceof Error) {
    ElMessage.error({ message: e.message, grouping: true });
  } else {
    ElMessage.error({ message: String(e), grouping: true });
  }
}

/** true when the user cancelled an ElMessageBox (which rejects with 'cancel' or 'close'). */
export function isCancel(e: unknown): boolean {
  return e === 'cancel' || e === 'close';
}

/**
 * Runs an action that may ask first (ElMessageBox): a cancelled question ends it quietly, any
 * other failure is shown. true when the action went through.
 */
export async function attempt(action: () => Promise<unknown>): Promise<boolean> {
  try {
    await action();
    return true;
  } catch (e) {
    if (!isCancel(e)) showError(e);
    return false;
  }
}
