/*
 * System migration (系统迁移, zhibo migrate-from; docs/系统迁移.md) — the module's public entry for
 * the CLI: the mapping file, the legacy sources, the import into the owning modules (through their
 * indexes), the verification and its report. Nothing else imports it.
 */
export { parseMapping, parseMappingText, MappingError, TARGET_FIELDS, type Mapping } from './mapping.js';
export { openLegacySource, SourceError, type LegacySource } from './sources.js';
export { importLegacy, type ImportProgress, type ImportResult, type RowIssue, type TableImport } from './importer.js';
export { verifyMigration, compareSides, type Verification, type Comparison } from './verify.js';
export { verificationXlsx, verificationDocx, REPORT_TITLE } from './report.js';
export { LEGACY_TABLES, type LegacyTable, type MigrationTables } from './tables.js';
