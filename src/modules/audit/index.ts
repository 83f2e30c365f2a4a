/* Audit log reading and verification — the module's public entry. */
export { auditRoutes } from './routes.js';
export type { AuditTables } from './tables.js';
