import { contextOf, type AppContext } from '../../platform/context.js';
import { tablesOf, type AnyDb, type Db, type ReadOnly, type Trx } from '../../platform/db.js';
import type { IngestTables } from '../ingest/index.js';
import type { RegistryTables } from '../registry/index.js';
import type { OnboardingTables } from './tables.js';

/*
 * The tables onboarding works on (docs/architecture.md, "Modules"): its own; read-only, the
 * registry's lots and districts and ingest's lot_live and ingest_events — reporting queries:
 * coverage, the quarterly list and the connected check join entries to lots and their data state
 * (live-lots.ts, connect.ts). Functions other modules call take the plain AppContext / AnyDb and
 * narrow it with onboardingContext / onboardingDb; the rest of the module takes OnboardingContext
 * / OnboardingDb.
 */
type Tables = OnboardingTables &
  ReadOnly<Pick<RegistryTables, 'lots' | 'districts'> & Pick<IngestTables, 'lot_live' | 'ingest_events'>>;
export type OnboardingDb = Db<Tables>;
export type OnboardingTrx = Trx<Tables>;
export type OnboardingContext = AppContext<Tables>;
export const onboardingDb = (db: AnyDb): OnboardingDb => tablesOf<Tables>(db);
export const onboardingContext = (ctx: AppContext): OnboardingContext => contextOf<Tables>(ctx);
