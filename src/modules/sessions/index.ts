/*
 * Parking records (停车流水) — the module's public entry. Ingest pairs entries and exits through
 * pairBatch in its transaction, and modules above (shared parking) listen to it with onGateFacts; data cleaning sets sessions aside only through the corrections
 * below; work orders check a linked record with fetchOne; a system migration writes legacy records with importSessions.
 */
export { sessionsRoutes } from './routes.js';
export { flagStaleSessions, pairBatch, type GateFact } from './pairing.js';
export { onGateFacts, type GateListener } from './gate-listeners.js';
export {
  correctSession, excludeSessions, includeSessions, readSessions,
  type Exclusion, type SessionFacts, type SessionPatch,
} from './corrections.js';
export { fetchOne, type SessionRow } from './records-query.js';
export { storedPhotosOf } from './photos.js';
export { importSessions, type ImportedSession } from './import.js';
/** The records export (also what the read-replica test kills its replica under, test/read-replica.test.ts). */
export { exportSessions } from './records-export.js';
export { PAY_CHANNELS, type PayChannel } from './vocab.js';
export type { IngestEventsRead } from './repo.js';
export type { SessionFlag, SessionsTables } from './tables.js';
