import type { AppContext } from '../../platform/context.js';
import type { App } from '../../platform/http.js';

export function sessionsRoutes(_ctx: AppContext) {
  return async (_app: App) => {};
}
