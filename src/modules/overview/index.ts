/* The city overview (全局概览) — the module's public entry. */
export { overviewRoutes } from './routes.js';
export { buildOverview } from './service.js';
