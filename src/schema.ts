import type { AccountsTables } from './modules/accounts/index.js';
import type { AnalyticsTables } from './modules/analytics/index.js';
import type { ArrearsTables } from './modules/arrears/index.js';
import type { HealthTables } from './modules/health/index.js';
import type { IncidentsTables } from './modules/incidents/index.js';
import type { IngestTables } from './modules/ingest/index.js';
import type { MigrationTables } from './modules/migration/index.js';
import type { MonitoringTables } from './modules/monitoring/index.js';
import type { NotificationsTables } from './modules/notifications/index.js';
import type { OnboardingTables } from './modules/onboarding/index.js';
import type { PaymentsTables } from './modules/payments/index.js';
import type { ConnectorsTables } from './modules/connectors/index.js';
import type { PublicTables } from './modules/public/index.js';
import type { QualityTables } from './modules/quality/index.js';
import type { RegistryTables } from './modules/registry/index.js';
import type { SecurityTables } from './modules/security/index.js';
import type { IngestEventsRead, SessionsTables } from './modules/sessions/index.js';
import type { SharingTables } from './modules/sharing/index.js';
import type { SlaTables } from './modules/sla/index.js';
import type { ThemesTables } from './modules/themes/index.js';
import type { TicketsTables } from './modules/tickets/index.js';
import type { AppContext } from './platform/context.js';
import type { PlatformTables, ReadContractHolds } from './platform/db.js';

/*
 * The whole database as Kysely sees it, composed once, here at the app root: the platform's
 * tables and each module's (its tables.ts, exported by its index.ts). Only the root holds it —
 * the runtime, the app, the jobs, the CLI and the tests; modules see their own tables and the
 * ones they declare they read (their repo.ts), the platform its own (src/platform/db.ts).
 */
export interface DB extends PlatformTables, AccountsTables, RegistryTables, IngestTables, SessionsTables, NotificationsTables, OnboardingTables, MonitoringTables, SlaTables, IncidentsTables, TicketsTables, QualityTables, AnalyticsTables, PublicTables, HealthTables, PaymentsTables, SecurityTables, SharingTables, ThemesTables, MigrationTables, ConnectorsTables, ArrearsTables {}

/** The context the app root builds and hands to every module: it sees every table. */
export type RootContext = AppContext<DB>;

/*
 * A module below the owner of a table it reads states the columns it reads instead of importing
 * the owner's type (sessions reads ingest's raw events; ingest pairs through sessions). Here, where
 * both are in view, each such contract must match the owner's table, or the build fails.
 */
export type SessionsReadIngestEvents = ReadContractHolds<IngestEventsRead, IngestTables>;
const readContracts: [SessionsReadIngestEvents] = [true];
void readContracts;
