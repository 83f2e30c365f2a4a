import type { AccountsTables } from '../modules/accounts/index.js';
import type { AnalyticsTables } from '../modules/analytics/index.js';
import type { AuditTables } from '../modules/audit/index.js';
import type { IncidentsTables } from '../modules/incidents/index.js';
import type { IngestTables } from '../modules/ingest/index.js';
import type { MonitoringTables } from '../modules/monitoring/index.js';
import type { NotificationsTables } from '../modules/notifications/index.js';
import type { OnboardingTables } from '../modules/onboarding/index.js';
import type { QualityTables } from '../modules/quality/index.js';
import type { RegistryTables } from '../modules/registry/index.js';
import type { SessionsTables } from '../modules/sessions/index.js';
import type { SlaTables } from '../modules/sla/index.js';
import type { TicketsTables } from '../modules/tickets/index.js';

/** Platform-owned tables. */
export interface PlatformTables {
  schema_migrations: { version: string; name: string; checksum: string; applied_at: Date };
  job_leases: { name: string; holder: string; leased_until: Date };
}

/** The whole database as Kysely sees it: each module declares the tables it owns. */
export interface DB extends PlatformTables, AccountsTables, AuditTables, RegistryTables, IngestTables, SessionsTables, NotificationsTables, OnboardingTables, MonitoringTables, SlaTables, IncidentsTables, TicketsTables, QualityTables, AnalyticsTables {}
