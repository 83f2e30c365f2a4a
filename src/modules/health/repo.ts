import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { IncidentsTables } from '../incidents/index.js';
import type { IngestTables } from '../ingest/index.js';
import type { MonitoringTables } from '../monitoring/index.js';
import type { NotificationsTables } from '../notifications/index.js';
import type { SlaTables } from '../sla/index.js';
import type { TicketsTables } from '../tickets/index.js';
import type { HealthTables } from './tables.js';

/*
 * The tables the health module works on (docs/architecture.md, "Modules"): its own, and — read
 * only, for the cheap counts of GET /metrics and the inspection's checks (reporting queries) —
 * notification deliveries, monitoring alerts, incidents, tickets, ingest's quarantine and
 * freshness rows, and SLA items (what is overdue); the notification channels' names and types
 * (a report schedule's recipients).
 */
type Tables = HealthTables &
  ReadOnly<
    Pick<NotificationsTables, 'notification_deliveries'> &
      Pick<NotificationsTables, 'notification_channels'> &
      Pick<MonitoringTables, 'monitoring_alerts'> &
      Pick<IncidentsTables, 'incidents'> &
      Pick<TicketsTables, 'tickets'> &
      Pick<IngestTables, 'ingest_quarantine' | 'lot_live' | 'source_live'> &
      Pick<SlaTables, 'sla_items'>
  >;
export type HealthDb = Db<Tables>;
export type HealthTrx = Trx<Tables>;
export type HealthContext = AppContext<Tables>;
export const healthDb = (db: AnyDb): HealthDb => tablesOf<Tables>(db);
export const healthContext = (ctx: AppContext): HealthContext => contextOf<Tables>(ctx);
