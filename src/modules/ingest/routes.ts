import type { AppContext } from '../../platform/context.js';
import type { App } from '../../platform/http.js';

export function ingestRoutes(_ctx: AppContext) {
  return async (_app: App) => {};
}
