/*
 * The registry (数据资源) — the module's public entry. Other modules call these, never the
 * registry's files or tables (reporting modules declare the tables they read in their handle
 * type, repo.ts): ingest verifies signatures with sourceCredentials, checks import sources with
 * sourceInfo and resolves lots with lotRefs; the snapshot-feed import creates the feed's
 * operators, sources and lots; onboarding checks its entries with the lot vocabulary, lookups
 * and the sheet reader; reporting queries scope sources with visibleSources and thresholds with
 * lateThresholdMinutesSql.
 */
export { registryRoutes } from './routes.js';
export { createLot, getLot, listLots, lotRefs, updateLot, type LotRef, type LotView } from './lots.js';
export { assertDistrictExists, districtsInScope, listDistricts, type DistrictView } from './districts.js';
export { createOperator, listOperators, getOperator, type OperatorView } from './operators.js';
export { createSource, getSource, listSources, sourceCredentials, sourceInfo, visibleSources, type SourcesScope, type SourceView } from './sources.js';
export { listBerths, type BerthView } from './berths.js';
export { readLotSheet, readSheet, type Sheet } from './lot-file.js';
export { importLots, type ImportResult } from './lot-import.js';
export { checkLot, issuesError, type FieldIssue, type LotLookups } from './lot-input.js';
export { loadLookups } from './lookups.js';
export { lateThresholdMinutesSql } from './late-threshold.js';
export { coordinateProblem, toGcj02 } from './coords.js';
export { seedSampleRegistry } from './sample-data.js';
export { refuseInvalid } from './route-helpers.js';
export { ImportQuery, ImportUploadBody } from './schemas.js';
export { CATEGORY_LABELS, CODE_PATTERN, KIND_LABELS, LOT_CATEGORIES, parseCategory, parseKind } from './vocab.js';
export type { CoordSystem, LotCategory, LotKind, RegistryTables } from './tables.js';
