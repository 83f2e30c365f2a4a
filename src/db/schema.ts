import type { AccountsTables } from '../modules/accounts/tables.js';
import type { AnalyticsTables } from '../modules/analytics/tables.js';
import type { AuditTables } from '../modules/audit/tables.js';
import type { IncidentsTables } from '../modules/incidents/tables.js';
import type { IngestTables } from '../modules/ingest/tables.js';
import type { MonitoringTables } from '../modules/monitoring/tables.js';
import type { NotificationsTables } from '../modules/notifications/tables.js';
import type { OnboardingTables } from '../modules/onboarding/tables.js';
import type { PublicTables } from '../modules/public/tables.js';
import type { QualityTables } from '../modules/quality/tables.js';
import type { RegistryTables } from '../modules/registry/tables.js';
import type { SessionsTables } from '../modules/sessions/tables.js';
import type { SlaTables } from '../modules/sla/tables.js';
import type { TicketsTables } from '../modules/tickets/tables.js';

/** Platform-owned tables. */
export interface PlatformTables {
  schema_migrations: { version: string; name: string; checksum: string; applied_at: Date };
  job_leases: { name: string; holder: string; leased_until: Date; last_due_at: Date | null };
}

/** The whole database as Kysely sees it: each module declares the tables it owns. */
export interface DB extends PlatformTables, AccountsTables, AuditTables, RegistryTables, IngestTables, SessionsTables, NotificationsTables, OnboardingTables, MonitoringTables, SlaTables, IncidentsTables, TicketsTables, QualityTables, AnalyticsTables, PublicTables {}
